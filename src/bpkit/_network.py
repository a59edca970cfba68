"""The dense network users build, train and question."""

import logging
import warnings

import numpy as np

from bpkit import _core
from bpkit._engine import Engine
from bpkit._exceptions import DivergenceWarning
from bpkit._history import History
from bpkit._layout import Layout, check_parameter_name
from bpkit._persistence import save_network
from bpkit._registry import REGISTRY, get_activation, get_loss
from bpkit._validation import (
    check_count,
    check_dtype,
    check_layer_sizes,
    check_positive_finite,
    check_X,
    check_y,
)

logger = logging.getLogger("bpkit")

OPTIMIZERS = ("sgd",)


class Network:
    """A dense feed-forward network trained by backpropagation.

    Parameters
    ----------
    layer_sizes : sequence of int
        Widths from inputs to outputs, for example ``(2, 2, 1)`` for two
        inputs, one hidden layer of two nodes and one output.
    activation : str or Activation, default "relu"
        Activation of every hidden layer: a registered name or an instance.
    output_activation : str or Activation, default "identity"
        Activation of the output layer.
    loss : str or Loss, default "ssr"
        The loss minimised by :meth:`fit`.
    seed : int or None
        Seed of the weight initialisation. Weights are drawn from a normal
        distribution with variance 2 / fan_in for ReLU layers (He) and
        1 / fan_in otherwise; biases start at 0.
    dtype : {"float64", "float32"}
        Floating-point type of parameters and computation.

    Notes
    -----
    Parameters have scalar names: weights ``W1, W2, ...`` layer by layer,
    node by node and within a node input by input; biases ``b1, b2, ...``
    node by node. For ``(2, 2, 1)``, hidden node 1 computes
    ``s1 = W1 x1 + W2 x2 + b1`` and the output is ``W5 y1 + W6 y2 + b3``.

    Examples
    --------
    >>> import bpkit
    >>> net = bpkit.Network((2, 2, 1), seed=0)
    >>> net.parameter_names()
    ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'b1', 'b2', 'b3']
    """

    def __init__(self, layer_sizes, activation="relu", output_activation="identity",
                 loss="ssr", seed=None, dtype="float64"):
        # validate
        sizes = check_layer_sizes(layer_sizes)
        self.dtype = check_dtype(dtype)
        hidden = get_activation(activation)
        output = get_activation(output_activation)
        self.loss_function = get_loss(loss)
        if seed is not None:
            check_count(seed, "seed", minimum=0)
        self.seed = seed

        # allocate
        self._layout = Layout(sizes)
        self.activations = [hidden] * (len(sizes) - 2) + [output]
        self._engine = Engine(self._layout, self.activations, self.loss_function)
        self._params = np.zeros(self._layout.n_params, dtype=self.dtype)
        self._initialize(np.random.default_rng(seed))
        self.history_ = None

    def _initialize(self, rng):
        for layer, activation in enumerate(self.activations):
            fan_in = self._layout.layer_sizes[layer]
            gain = 2.0 if activation.name == "relu" else 1.0
            weights = self._layout.weight_view(self._params, layer)
            weights[...] = rng.normal(0.0, np.sqrt(gain / fan_in), size=weights.shape)

    # ------------------------------------------------------------------
    # Description
    # ------------------------------------------------------------------

    @property
    def layer_sizes(self):
        """Widths from inputs to outputs."""
        return self._layout.layer_sizes

    @property
    def n_inputs(self):
        return self._layout.layer_sizes[0]

    @property
    def n_outputs(self):
        return self._layout.layer_sizes[-1]

    def __repr__(self):
        roles = self.provenance()
        parts = [f"layer_sizes={self.layer_sizes}"]
        for role in ("activation", "output_activation", "loss"):
            if role == "activation" and len(self.activations) == 1:
                continue
            parts.append(f"{role}={_describe_with_package(roles[role])}")
        parts.append(f"dtype={self.dtype.name!r}")
        return f"Network({', '.join(parts)})"

    def provenance(self):
        """Return where the activations and the loss come from.

        Returns
        -------
        dict
            Keys ``"activation"`` (hidden layers; None without hidden layers),
            ``"output_activation"`` and ``"loss"``. Each value is a dict with
            ``name``, ``params``, ``plugin`` (the pluggy name of the plugin
            that registered it, None for an unregistered class) and
            ``package`` (the distribution that installed it, ``"bpkit"`` for
            the built-ins, None if unknown).

        Examples
        --------
        >>> import bpkit
        >>> bpkit.Network((2, 2, 1), seed=0).provenance()["activation"]
        {'name': 'relu', 'params': {}, 'plugin': 'bpkit.activations', 'package': 'bpkit'}
        """
        hidden = self.activations[0] if len(self.activations) > 1 else None
        roles = {
            "activation": hidden,
            "output_activation": self.activations[-1],
            "loss": self.loss_function,
        }
        result = {}
        for role, obj in roles.items():
            if obj is None:
                result[role] = None
                continue
            plugin, package = REGISTRY.origin(obj)
            result[role] = {
                "name": obj.name,
                "params": dict(obj.params),
                "plugin": plugin,
                "package": package,
            }
        return result

    def save(self, path):
        """Write the network to ``path`` in bpkit's model format.

        The file records the layer sizes, the dtype, the parameters, and the
        activations and the loss with their parameters and the plugin and
        package of each. It is written to a temporary file in the same
        directory and renamed, so ``path`` is either the complete new model or
        left as it was. Read it back with :func:`bpkit.load`.

        Parameters
        ----------
        path : str or os.PathLike
            Where to write, conventionally ending in ``.npz``. The name is used
            as given.

        Raises
        ------
        TypeError
            If an activation or loss parameter is not a finite number, string,
            boolean or None, so it cannot be stored safely.
        """
        save_network(self, path)

    def parameter_names(self):
        """Return all scalar parameter names: W1.. then b1.."""
        return self._layout.ordered_names()

    def parameter(self, name):
        """Return the value of one scalar parameter such as ``"W5"``."""
        check_parameter_name(name, self._layout)
        return float(self._params[self._layout.index_of[name]])

    def set_parameter(self, name, value):
        """Set one scalar parameter such as ``"b3"`` to a finite number."""
        check_parameter_name(name, self._layout)
        value = _check_finite_number(value, "value")
        _check_fits_dtype(np.array(value), self.dtype, "value")
        self._params[self._layout.index_of[name]] = value

    def parameters(self):
        """Return a dict of every parameter name and its value, W1.. then b1.."""
        return {name: self.parameter(name) for name in self.parameter_names()}

    def weights(self, layer):
        """Return a copy of W_l, shape (n_out, n_in), for layer index ``layer`` (from 0)."""
        self._check_layer(layer)
        return self._layout.weight_view(self._params, layer).copy()

    def biases(self, layer):
        """Return a copy of b_l, shape (n_out,), for layer index ``layer`` (from 0)."""
        self._check_layer(layer)
        return self._layout.bias_view(self._params, layer).copy()

    def set_weights(self, layer, weights):
        """Replace W_l of layer index ``layer`` with a finite (n_out, n_in) array."""
        self._check_layer(layer)
        target = self._layout.weight_view(self._params, layer)
        argument = f"weights of layer {layer}"
        weights = _check_finite_array(weights, target.shape, argument)
        _check_fits_dtype(weights, self.dtype, argument)
        target[...] = weights

    def set_biases(self, layer, biases):
        """Replace b_l of layer index ``layer`` with a finite (n_out,) array."""
        self._check_layer(layer)
        target = self._layout.bias_view(self._params, layer)
        argument = f"biases of layer {layer}"
        biases = _check_finite_array(biases, target.shape, argument)
        _check_fits_dtype(biases, self.dtype, argument)
        target[...] = biases

    def _check_layer(self, layer):
        n_layers = self._layout.n_layers
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not (
            0 <= layer < n_layers
        ):
            raise ValueError(
                f"layer must be an int from 0 to {n_layers - 1}, got {layer!r}"
            )

    # ------------------------------------------------------------------
    # Computation
    # ------------------------------------------------------------------

    def _check_data(self, X, y):
        X = check_X(X, self.n_inputs, self.dtype)
        Y = check_y(y, X.shape[0], self.n_outputs, self.dtype)
        return X, Y

    def predict(self, X):
        """Return the network output for each row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)

        Returns
        -------
        ndarray of shape (n_samples,) for one output, else (n_samples, n_outputs)
        """
        X = check_X(X, self.n_inputs, self.dtype)
        workspace = self._engine.forward(self._params, X)
        output = workspace.a(self._layout.n_layers - 1).copy()
        return output[:, 0] if self.n_outputs == 1 else output

    def forward_values(self, X):
        """Return the pre-activations z_l and activations a_l of every layer.

        Returns
        -------
        list of (z, a) pairs of arrays of shape (n_samples, n_out), one per layer
        """
        X = check_X(X, self.n_inputs, self.dtype)
        workspace = self._engine.forward(self._params, X)
        return [
            (workspace.z(layer).copy(), workspace.a(layer).copy())
            for layer in range(self._layout.n_layers)
        ]

    def loss(self, X, y):
        """Return the loss of the network on (X, y) as a float."""
        X, Y = self._check_data(X, y)
        loss, _, _ = self._engine.loss_and_gradients(self._params, X, Y)
        return float(loss)

    def gradient_vector(self, X, y):
        """Return dLoss/dparams as a flat array in storage order; a fresh array per call."""
        X, Y = self._check_data(X, y)
        _, grad, _ = self._engine.loss_and_gradients(self._params, X, Y)
        return grad

    def gradients(self, X, y):
        """Return dLoss/dp for every parameter, computed by the compiled backward pass.

        Each call computes the gradient afresh: nothing accumulates between calls.

        Returns
        -------
        dict of str to float
            Parameter name to derivative, ordered W1.. then b1...
        """
        grad = self.gradient_vector(X, y)
        index_of = self._layout.index_of
        return {name: float(grad[index_of[name]]) for name in self.parameter_names()}

    def fit(self, X, y, *, learning_rate, epochs, batch_size=None, optimizer="sgd",
            trainable=None, verbose=False):
        """Train by full-batch gradient descent and return the history.

        Each step computes the gradient of the loss over all rows and moves
        every trainable parameter p by ``-learning_rate * dLoss/dp``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        learning_rate : float
            Step size, a positive finite number.
        epochs : int
            Number of gradient-descent steps.
        batch_size : None
            Only full-batch training (None) is available in this version.
        optimizer : {"sgd"}
        trainable : list of str, optional
            Names of the parameters to train, for example ``["b3"]``; the
            others keep their values. Default: all.
        verbose : bool
            Print the loss about ten times during the fit.

        Returns
        -------
        History
            Also stored as ``self.history_``.

        Notes
        -----
        If the loss or a parameter becomes NaN or infinite, the fit stops,
        emits a :class:`bpkit.DivergenceWarning` and keeps the parameters of
        the last finite loss. On Ctrl-C the network keeps the parameters of
        the last completed step, ``history_`` holds the steps up to it, and
        the KeyboardInterrupt propagates. If a plugin raises, the parameters
        are restored to their values before the call.
        """
        # validate, before any state changes
        X, Y = self._check_data(X, y)
        learning_rate = check_positive_finite(learning_rate, "learning_rate")
        epochs = check_count(epochs, "epochs")
        if batch_size is not None:
            raise ValueError(
                f"batch_size={batch_size!r} is not available yet; use batch_size=None "
                "for full-batch gradient descent"
            )
        if optimizer not in OPTIMIZERS:
            raise ValueError(
                f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}"
            )
        trainable_names = self._check_trainable(trainable)
        indices = np.array(
            sorted(self._layout.index_of[name] for name in trainable_names), dtype=np.intp
        )

        # train, in chunks when verbose so progress can be printed
        try:
            losses = np.zeros(epochs, dtype=np.float64)
        except (ValueError, MemoryError):
            raise ValueError(
                f"epochs={epochs} is too large: the history of one loss per step "
                "does not fit in memory; fit in several calls with fewer epochs"
            ) from None
        before = self._params.copy()
        chunk = max(1, epochs // 10) if verbose else epochs
        done = 0
        diverged = interrupted = False
        steps_done = np.zeros(1, dtype=np.intp)
        try:
            while done < epochs and not diverged:
                count = min(chunk, epochs - done)
                status = self._engine.train(
                    self._params, X, Y, indices, learning_rate, count,
                    losses[done:], steps_done,
                )
                done += int(steps_done[0])
                diverged = status == _core.TRAIN_DIVERGED
                if verbose and done:
                    print(f"step {done:>{len(str(epochs))}}/{epochs}  loss {losses[done - 1]:.6g}")
        except KeyboardInterrupt:
            done += int(steps_done[0])
            interrupted = True
            self.history_ = History(losses[:done], learning_rate, trainable_names,
                                    interrupted=True)
            logger.info("fit interrupted after %d of %d steps", done, epochs)
            raise
        except BaseException:
            self._params[...] = before
            raise

        history = History(losses[:done], learning_rate, trainable_names,
                          diverged=diverged, interrupted=interrupted)
        self.history_ = history
        if diverged:
            warnings.warn(
                f"training diverged after {done} step(s): the loss or a parameter "
                f"became NaN or infinite with learning_rate={learning_rate!r}; the "
                "network keeps the parameters of the last finite loss. Try a smaller "
                "learning_rate or scale the inputs.",
                DivergenceWarning,
                stacklevel=2,
            )
        logger.debug("fit finished: %r", history)
        return history

    def _check_trainable(self, trainable):
        if trainable is None:
            return self.parameter_names()
        if isinstance(trainable, str):
            trainable = [trainable]
        names = list(trainable)
        if not names:
            raise ValueError("trainable is empty; name at least one parameter or pass None")
        for name in names:
            check_parameter_name(name, self._layout)
        order = {name: i for i, name in enumerate(self.parameter_names())}
        return sorted(set(names), key=order.__getitem__)


def _describe_with_package(record):
    """Return ``'relu' [bpkit]``: the name with its parameters and its package."""
    name = record["name"]
    if record["params"]:
        args = ", ".join(f"{key}={value!r}" for key, value in record["params"].items())
        name = f"{name}({args})"
    if record["plugin"] is None:
        source = "unregistered"
    elif record["package"] is None:
        source = f"run-time plugin {record['plugin']}"
    else:
        source = record["package"]
    return f"{name!r} [{source}]"


def _check_finite_number(value, argument):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{argument} must be a real number, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{argument} must be finite, got {value!r}")
    return float(value)


def _check_finite_array(values, shape, argument):
    array = np.asarray(values, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"{argument} must have shape {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{argument} contains NaN or infinity")
    return array


def _check_fits_dtype(values, dtype, argument):
    """Raise ValueError if finite float64 ``values`` overflow ``dtype``."""
    limit = float(np.finfo(dtype).max)
    if np.any(np.abs(values) > limit):
        raise ValueError(
            f"{argument} is out of the {dtype.name} range: magnitude "
            f"{float(np.max(np.abs(values)))!r} exceeds the maximum {limit:.4g}"
        )
