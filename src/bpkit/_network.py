"""The dense network users build, train and question."""

import logging
import warnings

import numpy as np

from bpkit import _core
from bpkit._engine import Engine
from bpkit._exceptions import ConfigurationWarning, DivergenceWarning
from bpkit._history import History
from bpkit._layout import Layout, check_parameter_name
from bpkit._persistence import save_network
from bpkit._registry import REGISTRY, get_activation, get_loss
from bpkit._stepping import fit_recording_steps
from bpkit._training import TrainingRun, check_training_options
from bpkit._validation import (
    check_count,
    check_dtype,
    check_layer_sizes,
    check_positive_finite,
    check_X,
    check_y,
)

logger = logging.getLogger("bpkit")

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
        _warn_on_unusual_setup(sizes, hidden, output, self.loss_function)
        if seed is not None:
            check_count(seed, "seed", minimum=0)
        self.seed = seed

        # allocate
        self._layout = Layout(sizes)
        self._parameter_names = None  # computed on first use, then cached
        self.activations = [hidden] * (len(sizes) - 2) + [output]
        self._engine = Engine(self._layout, self.activations, self.loss_function)
        self._params = np.zeros(self._layout.n_params, dtype=self.dtype)
        rng = np.random.default_rng(seed)
        self._initialize(rng)
        # Shuffle seeds of fits that pass no seed of their own come from here.
        self._shuffle_rng = rng
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
        if self._parameter_names is None:
            self._parameter_names = tuple(self._layout.ordered_names())
        return list(self._parameter_names)

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
            trainable=None, shuffle=True, seed=None, momentum=None, beta1=None,
            beta2=None, epsilon=None, verbose=False, record_steps=None):
        """Train by gradient descent on mini-batches and return the history.

        Each epoch splits the rows into batches of ``batch_size`` (the last
        one may be smaller), and each batch takes one optimizer step with the
        gradient of the loss over that batch's rows. With built-in
        activations and loss, the whole fit runs in compiled code and
        allocates nothing after it starts. Plugins written in Python are
        called on whole arrays between compiled sections.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        learning_rate : float
            Step size, a positive finite number.
        epochs : int
            Number of passes over the data.
        batch_size : int or None, default None
            Rows per step. None, or any value of at least n_samples, gives
            full-batch gradient descent: one step per epoch over all rows in
            their given order.
        optimizer : {"sgd", "momentum", "adam"}
            ``"sgd"``: p <- p - lr g. ``"momentum"``: v <- momentum v + g,
            p <- p - lr v. ``"adam"``: the update of Kingma and Ba (2015)
            with bias correction, p <- p - lr m_hat / (sqrt(s_hat) + epsilon).
            Optimizer state starts at zero in every call to ``fit``.
        trainable : list of str, optional
            Names of the parameters to train, for example ``["b3"]``; the
            others keep their values. Default: all.
        shuffle : bool, default True
            Draw a new row order for every epoch when there is more than one
            batch per epoch.
        seed : int or None
            Seed of the shuffling generator (xoshiro256**, seeded through
            splitmix64), from 0 to 2**64 - 1. None draws it from the
            generator seeded by the network's ``seed``, so two networks built
            with the same seed and trained with the same calls end with
            bit-identical parameters.
        momentum : float in [0, 1), default 0.9
            Only for ``optimizer="momentum"``.
        beta1, beta2 : float in [0, 1), default 0.9 and 0.999
            Only for ``optimizer="adam"``: decay of the first and second
            moment estimates.
        epsilon : float > 0, default 1e-8
            Only for ``optimizer="adam"``.
        verbose : bool
            Print the loss about ten times during the fit.
        record_steps : bool, optional
            Record every step in the history: each trainable parameter's
            value, slope and step size, and the loss. Only for full-batch
            ``"sgd"``, where a step is ``p <- p - learning_rate * dLoss/dp``.
            Default: True when ``trainable`` is given and the fit is
            full-batch sgd, else False. Recording runs the steps one by one
            from Python, slower than the compiled loop, which runs whenever
            steps are not recorded.

        Returns
        -------
        History
            ``loss[e]`` is the mean of the batch losses of epoch ``e``, each
            computed at the parameters before that batch's step. With one
            batch per epoch it is the loss over all rows before the step.
            Also stored as ``self.history_``.

        Notes
        -----
        If the loss or a parameter becomes NaN or infinite, the fit stops,
        emits a :class:`bpkit.DivergenceWarning` and keeps the parameters
        before the step that overflowed, and the history contains the completed
        epochs. On Ctrl-C the network keeps the parameters of the last
        completed step, ``history_`` contains the completed epochs, and the
        KeyboardInterrupt propagates. If a plugin raises, the parameters are
        restored to their values before the call.
        """
        # validate, before any state changes
        X, Y = self._check_data(X, y)
        learning_rate = check_positive_finite(learning_rate, "learning_rate")
        epochs = check_count(epochs, "epochs")
        options = check_training_options(
            batch_size, shuffle, seed, optimizer,
            {"momentum": momentum, "beta1": beta1, "beta2": beta2, "epsilon": epsilon},
        )
        trainable_names = self._check_trainable(trainable)
        _check_flag(verbose, "verbose")
        if record_steps is not None:
            _check_flag(record_steps, "record_steps")
        if trainable is None:
            # all parameters, without a dict lookup per name on wide networks
            indices = np.arange(self._layout.n_params, dtype=np.intp)
        else:
            indices = np.array(
                sorted(self._layout.index_of[name] for name in trainable_names),
                dtype=np.intp,
            )
        full_batch_sgd = optimizer == "sgd" and (
            options.batch_size is None or options.batch_size >= X.shape[0]
        )
        if record_steps is None:
            record_steps = trainable is not None and full_batch_sgd
        if record_steps:
            if not full_batch_sgd:
                raise ValueError(
                    "record_steps=True needs full-batch gradient descent: use "
                    "optimizer='sgd' and batch_size=None, or record_steps=False"
                )
            return self._fit_recording_steps(X, Y, trainable_names, learning_rate,
                                             epochs, verbose)

        # allocate every buffer of the fit
        shuffle_seed = options.seed
        if shuffle_seed is None:
            shuffle_seed = int(self._shuffle_rng.integers(0, 2**64, dtype=np.uint64))
        run = TrainingRun(self._engine, self._params, X, Y, indices, learning_rate,
                          options, shuffle_seed)
        try:
            losses = np.zeros(epochs, dtype=np.float64)
        except (ValueError, MemoryError):
            raise ValueError(
                f"epochs={epochs} is too large: the history of one loss per epoch "
                "does not fit in memory; fit in several calls with fewer epochs"
            ) from None
        before = self._params.copy()

        # train, in chunks when verbose so progress can be printed
        chunk = max(1, epochs // 10) if verbose else epochs
        diverged = False
        try:
            while run.epochs_done < epochs and not diverged:
                done = run.epochs_done
                count = min(chunk, epochs - done)
                status = run.run(count, losses[done:])
                diverged = status == _core.TRAIN_DIVERGED
                done = run.epochs_done
                if verbose and done:
                    print(f"epoch {done:>{len(str(epochs))}}/{epochs}  loss {losses[done - 1]:.6g}")
        except KeyboardInterrupt:
            done = run.epochs_done
            self.history_ = History(losses[:done], learning_rate, trainable_names,
                                    interrupted=True)
            logger.info("fit interrupted after %d steps, %d of %d epochs",
                        run.steps_done, done, epochs)
            raise
        except BaseException:
            self._params[...] = before
            raise

        done = run.epochs_done
        history = History(losses[:done], learning_rate, trainable_names,
                          diverged=diverged)
        self.history_ = history
        if diverged:
            warnings.warn(
                f"training diverged after {run.steps_done} step(s): the loss or a "
                f"parameter became NaN or infinite with learning_rate={learning_rate!r}; "
                "the network keeps the parameters before the step that overflowed. Try "
                "a smaller learning_rate or scale the inputs.",
                DivergenceWarning,
                stacklevel=2,
            )
        logger.debug("fit finished: %r", history)
        return history

    def _fit_recording_steps(self, X, Y, names, learning_rate, epochs, verbose):
        indices = np.array([self._layout.index_of[name] for name in names], dtype=np.intp)
        before = self._params.copy()

        def progress(done, loss):
            print(f"step {done:>{len(str(epochs))}}/{epochs}  loss {loss:.6g}")

        try:
            history = fit_recording_steps(self._engine, self._params, X, Y, indices,
                                          names, learning_rate, epochs,
                                          progress if verbose else None)
        except KeyboardInterrupt as interrupt:
            self.history_ = interrupt.history
            logger.info("fit interrupted after %d of %d steps", len(interrupt.history),
                        epochs)
            raise
        except BaseException:
            self._params[...] = before
            raise
        self.history_ = history
        if history.diverged:
            warnings.warn(
                f"training diverged after {len(history)} step(s): the loss or a "
                f"parameter became NaN or infinite with learning_rate={learning_rate!r}; "
                "the network keeps the parameters of the last finite loss. Try a "
                "smaller learning_rate or scale the inputs.",
                DivergenceWarning,
                stacklevel=3,
            )
        logger.debug("fit finished: %r", history)
        return history

    def _check_trainable(self, trainable):
        if trainable is None:
            self.parameter_names()  # fills the cache
            return self._parameter_names
        if isinstance(trainable, str):
            trainable = [trainable]
        if isinstance(trainable, (bytes, bytearray)):
            raise TypeError(
                f"trainable must be a parameter name or a list of names (str), got "
                f"bytes {trainable!r}; decode it first"
            )
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


def _check_flag(value, argument):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{argument} must be True or False, got {value!r}")


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


def _warn_on_unusual_setup(sizes, hidden, output, loss):
    """Warn about valid setups that train badly or not at all."""
    low, high = loss.y_pred_domain
    out_low, out_high = output.value_range
    if out_low < low or out_high > high:
        warnings.warn(
            f"loss {loss.describe()!r} needs predictions in [{low:g}, {high:g}], but "
            f"output_activation {output.describe()!r} can return values outside it, "
            "where the loss is clipped and its gradient is meaningless; use "
            "output_activation='sigmoid' or 'softmax'",
            ConfigurationWarning,
            stacklevel=3,
        )
    if not output.elementwise and sizes[-1] == 1:
        warnings.warn(
            f"output_activation {output.describe()!r} over a single output is "
            "constant, so the network cannot learn; use more outputs or "
            "output_activation='sigmoid'",
            ConfigurationWarning,
            stacklevel=3,
        )
    if not hidden.elementwise and len(sizes) > 2:
        warnings.warn(
            f"activation {hidden.describe()!r} is meant for output layers; hidden "
            "layers usually use an elementwise activation such as 'relu'",
            ConfigurationWarning,
            stacklevel=3,
        )
