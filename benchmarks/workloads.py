"""The networks, data and training settings that the benchmark suite times.

Every implementation trains the same network from the same initial
parameters on the same rows with plain SGD, so their rates compare like
with like. ``Workload.unit`` is the unit of the reported rate: an
optimizer step, or an epoch (one pass over all rows).
"""

from dataclasses import dataclass, field

import numpy as np

import bpkit


@dataclass
class Workload:
    """One benchmark: a network, its data and its training settings.

    ``hidden`` and ``output`` are activation names, ``loss`` is "ssr" or
    "cross_entropy". ``batch_size`` None means full-batch gradient descent.
    """

    key: str
    title: str
    sizes: tuple
    hidden: str
    output: str
    loss: str
    X: np.ndarray
    Y: np.ndarray
    batch_size: int | None
    unit: str
    learning_rate: float
    note: str = ""
    seed: int = 0
    params: dict = field(default_factory=dict)

    @property
    def n_samples(self):
        return self.X.shape[0]

    @property
    def batches_per_epoch(self):
        if self.batch_size is None or self.batch_size >= self.n_samples:
            return 1
        return -(-self.n_samples // self.batch_size)

    def units_per_epoch(self):
        """Return how many rate units one epoch is: its steps, or 1 epoch."""
        return self.batches_per_epoch if self.unit == "step" else 1

    def flops_per_step(self, rows=None):
        """Return the multiply-add count times 2 of one forward and backward pass.

        Counts z = a W^T (forward), dW = delta^T a and dLoss/da = delta W for
        every layer but the first; elementwise work is left out.
        """
        rows = rows or self.batch_size or self.n_samples
        products = [n_in * n_out for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])]
        return 2 * rows * (2 * sum(products) + sum(products[1:]))

    def initial_parameters(self, dtype):
        """Return lists of weights (n_out, n_in) and biases (n_out,) shared by all."""
        network = bpkit.Network(self.sizes, activation="relu", seed=self.seed, dtype=dtype)
        n_layers = len(self.sizes) - 1
        weights = [network.weights(layer).astype(dtype) for layer in range(n_layers)]
        biases = [np.full(self.sizes[layer + 1], 0.01, dtype=dtype) for layer in range(n_layers)]
        return weights, biases

    def gradient_rows(self):
        """Return the rows on which all implementations' gradients are compared."""
        rows = self.batch_size or self.n_samples
        return self.X[:rows], self.Y[:rows]


def softmax_cross_entropy_available():
    """Return whether bpkit has compiled softmax and cross_entropy kernels."""
    try:
        softmax = bpkit.get_activation("softmax")
        loss = bpkit.get_loss("cross_entropy")
    except ValueError:
        return False
    plugin = -1
    return softmax._kernel != plugin and loss._kernel != plugin


def classification_head():
    """Return (output activation, loss, note) for T2 and T3.

    softmax with cross_entropy when bpkit compiles both; otherwise the
    sigmoid-and-mse stand-in, with a note saying so.
    """
    if softmax_cross_entropy_available():
        return "softmax", "cross_entropy", ""
    return (
        "sigmoid",
        "mse",
        "stand-in: sigmoid output with mse, because this build of bpkit has no "
        "compiled softmax and cross_entropy",
    )


def build_workloads(quick=False):
    """Return the workloads T1, T1b, T2 and T3, smaller when ``quick``.

    T2 needs scikit-learn for its digits data and is left out without it.
    """
    worked_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    worked_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    dosage_X = np.array([[0.0], [0.5], [1.0]])
    dosage_Y = np.array([[0.0], [1.0], [0.0]])
    output, loss, note = classification_head()
    workloads = [
        Workload("T1", "worked example 2-2-1, ReLU, SSR, 4 rows, full batch",
                 (2, 2, 1), "relu", "identity", "ssr", worked_X, worked_Y, None,
                 "step", 0.01),
        Workload("T1b", "dosage network 1-2-1, softplus, SSR, 3 rows, full batch",
                 (1, 2, 1), "softplus", "identity", "ssr", dosage_X, dosage_Y, None,
                 "step", 0.01),
    ]

    try:
        from sklearn.datasets import load_digits
    except ImportError:
        load_digits = None
    if load_digits is not None:
        # The digits ship inside scikit-learn, so nothing is downloaded.
        digits = load_digits()
        digits_X = digits.data / 16.0
        digits_Y = np.eye(10)[digits.target]
        if quick:
            digits_X, digits_Y = digits_X[:200], digits_Y[:200]
        workloads.append(
            Workload("T2", f"digits {digits_X.shape[0]}x64, 64-64-10, ReLU, {output} + "
                     f"{loss}, batch 32", (64, 64, 10), "relu", output, loss, digits_X,
                     digits_Y, 32, "epoch", 0.01, note))

    rng = np.random.default_rng(0)
    wide_rows = 128 if quick else 1024
    wide_X = rng.normal(size=(wide_rows, 784))
    wide_Y = np.eye(10)[rng.integers(0, 10, size=wide_rows)]

    workloads.append(
        Workload("T3", f"synthetic {wide_rows}x784, 784-256-256-10, ReLU, {output} + "
                 f"{loss}, batch 128", (784, 256, 256, 10), "relu", output, loss,
                 wide_X, wide_Y, 128, "step", 0.01, note))
    return workloads


def cross_entropy_divisor(n_rows, n_classes):
    """Return what bpkit divides the summed cross-entropy of a batch by.

    Measured on bpkit's own loss, so the peers use the same scaling and
    compute the same gradients: n_rows for a mean over rows, n_rows *
    n_classes for a mean over every element of y.
    """
    loss = bpkit.get_loss("cross_entropy")
    y_true = np.eye(n_classes)[np.arange(n_rows) % n_classes]
    y_pred = np.full((n_rows, n_classes), 1.0 / n_classes)
    total = n_rows * np.log(n_classes)
    return float(total / loss.value(y_true, y_pred))


def loss_divisor(workload, rows):
    """Return the number the summed loss of ``rows`` rows is divided by."""
    n_outputs = workload.sizes[-1]
    if workload.loss == "ssr":
        return 1.0
    if workload.loss == "mse":
        return float(rows * n_outputs)
    return cross_entropy_divisor(rows, n_outputs)
