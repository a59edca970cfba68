"""Options and buffers of one call to :meth:`bpkit.Network.fit`.

``check_training_options`` validates the batch, shuffling and optimizer
arguments before any state changes. ``TrainingRun`` allocates every buffer
that the compiled loop ``_core.train`` uses (batch copies, row order,
generator state, optimizer state, the copy of the previous parameters)
before the first step, so the loop itself allocates nothing. A run can be
advanced in chunks of epochs; the generator and optimizer states carry over
between chunks, so chunking does not change the result.
"""

import math
import numbers

import numpy as np

from bpkit import _core
from bpkit._engine import PluginBridge, Workspace

# Codes of OptimizerCode in _optimizers.pxd.
OPTIMIZER_CODES = {"sgd": 0, "momentum": 1, "adam": 2}

# Hyper-parameters of each optimizer and their defaults.
OPTIMIZER_DEFAULTS = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "adam": {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}


class TrainingOptions:
    """Validated batch, shuffling and optimizer settings of one fit."""

    def __init__(self, batch_size, shuffle, seed, optimizer, hyperparameters):
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.optimizer = optimizer
        self.hyperparameters = hyperparameters

    def optimizer_params(self):
        """Return (momentum, beta1, beta2, epsilon) as the compiled loop reads them."""
        values = self.hyperparameters
        return np.array(
            [
                values.get("momentum", 0.0),
                values.get("beta1", 0.0),
                values.get("beta2", 0.0),
                values.get("epsilon", 0.0),
            ],
            dtype=np.float64,
        )


def check_training_options(batch_size, shuffle, seed, optimizer, hyperparameters):
    """Return validated ``TrainingOptions`` or raise naming the argument.

    Parameters
    ----------
    batch_size : int or None
        Rows per step; None means all rows (full-batch gradient descent).
    shuffle : bool
    seed : int or None
        Seed of the shuffling generator, an int from 0 to 2**64 - 1.
    optimizer : str
        One of "sgd", "momentum", "adam".
    hyperparameters : dict of str to float or None
        The keyword arguments momentum, beta1, beta2 and epsilon as passed;
        None means not given.
    """
    if batch_size is not None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(
                f"batch_size must be a positive int or None, got {batch_size!r}"
            )
        if batch_size < 1:
            raise ValueError(
                f"batch_size must be at least 1 (or None for all rows), got {batch_size!r}"
            )
        batch_size = int(batch_size)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seed must be an int or None, got {seed!r}")
        if not 0 <= seed < 2**64:
            raise ValueError(f"seed must be from 0 to 2**64 - 1, got {seed!r}")
        seed = int(seed)
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZER_CODES:
        raise ValueError(
            f"unknown optimizer {optimizer!r}; choose one of "
            f"{', '.join(repr(name) for name in OPTIMIZER_CODES)}"
        )

    defaults = OPTIMIZER_DEFAULTS[optimizer]
    resolved = dict(defaults)
    for name, value in hyperparameters.items():
        if value is None:
            continue
        if name not in defaults:
            owners = [key for key, known in OPTIMIZER_DEFAULTS.items() if name in known]
            raise ValueError(
                f"{name}={value!r} does not apply to optimizer={optimizer!r}; it is a "
                f"hyper-parameter of optimizer={owners[0]!r}"
            )
        resolved[name] = _check_hyperparameter(name, value)
    return TrainingOptions(batch_size, bool(shuffle), seed, optimizer, resolved)


def _check_hyperparameter(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if name == "epsilon":
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"epsilon must be a positive finite number such as 1e-8, got {value!r}")
    elif not 0 <= value < 1:
        example = OPTIMIZER_DEFAULTS["adam" if name.startswith("beta") else "momentum"][name]
        raise ValueError(f"{name} must be in [0, 1), such as {example}, got {value!r}")
    return value


class TrainingRun:
    """The buffers and state of one fit, advanced by :meth:`run`.

    Parameters
    ----------
    engine : Engine
    params : ndarray of shape (n_params,)
        Trained in place.
    X : ndarray of shape (n_samples, n_inputs)
    Y : ndarray of shape (n_samples, n_outputs)
    trainable : ndarray of shape (n_trainable,), dtype intp
        Sorted indices of the parameters to move.
    learning_rate : float
    options : TrainingOptions
    shuffle_seed : int
        Seed of the row-order generator, from 0 to 2**64 - 1.
    """

    def __init__(self, engine, params, X, Y, trainable, learning_rate, options,
                 shuffle_seed):
        layout = engine.layout
        n_samples = X.shape[0]
        batch_size = options.batch_size or n_samples
        batch_rows = min(batch_size, n_samples)
        dtype = params.dtype

        self.engine = engine
        self.params = params
        self.X = X
        self.Y = Y
        self.learning_rate = learning_rate
        self.options = options
        self.batch_size = batch_size
        self.train_all = len(trainable) == layout.n_params
        self.trainable = trainable if len(trainable) else np.zeros(1, dtype=np.intp)

        # allocate everything the compiled loop touches
        self.workspace = Workspace(layout, batch_rows, dtype)
        self.x_batch = np.zeros((batch_rows, X.shape[1]), dtype=dtype)
        self.y_batch = np.zeros((batch_rows, Y.shape[1]), dtype=dtype)
        self.order = np.zeros(n_samples, dtype=np.intp)
        self.rng_state = np.zeros(4, dtype=np.uint64)
        _core.seed_state(shuffle_seed, self.rng_state)
        self.previous = params.copy()
        n_state = {"sgd": 1, "momentum": layout.n_params, "adam": 2 * layout.n_params}
        self.optimizer_state = np.zeros(n_state[options.optimizer], dtype=dtype)
        self.optimizer_code = OPTIMIZER_CODES[options.optimizer]
        self.optimizer_params = options.optimizer_params()
        self.counters = np.zeros(2, dtype=np.intp)
        y_source = Y if batch_size >= n_samples else self.y_batch
        self.bridge = PluginBridge(self.workspace, engine.activations, engine.loss, y_source)

        # Check for Ctrl-C about every 10 ms of work: a step costs roughly one
        # multiply-add per parameter and row, at about 1e9 per second.
        work_per_step = max(1, layout.n_params * batch_rows)
        self.signal_check_interval = max(1, 10_000_000 // work_per_step)

    @property
    def steps_done(self):
        """Optimizer steps completed in this fit."""
        return int(self.counters[0])

    @property
    def epochs_done(self):
        """Epochs completed in this fit."""
        return int(self.counters[1])

    def run(self, epochs, losses_out):
        """Train ``epochs`` more epochs, writing each epoch's loss; return the status.

        ``losses_out`` has at least ``epochs`` entries. The status is
        ``_core.TRAIN_COMPLETED`` or ``_core.TRAIN_DIVERGED``.
        """
        engine = self.engine
        layout = engine.layout
        return _core.train(
            self.params, self.X, self.Y, self.x_batch, self.y_batch, self.order,
            self.rng_state, self.workspace.values, self.workspace.delta,
            self.workspace.grad, self.previous, self.optimizer_state, self.trainable,
            self.train_all, self.batch_size, self.options.shuffle, self.optimizer_code,
            self.learning_rate, self.optimizer_params, epochs, losses_out, self.counters,
            self.workspace.batch_rows, layout.sizes, layout.weight_offsets,
            layout.bias_offsets, self.workspace.value_offsets, engine.activation_codes,
            engine.activation_alphas, engine.loss_code, engine.loss_param, self.bridge,
            self.signal_check_interval,
        )
