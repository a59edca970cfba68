"""bpkit and the implementations a user would pick instead, behind one interface.

Each implementation ``prepare``s one workload in one dtype from the shared
initial parameters and ``train``s for a number of epochs with plain SGD.
Its ``gradients`` are those of one step on the workload's gradient rows, in
bpkit's loss scaling: weights (n_out, n_in) of every layer, then biases.
"""

import warnings

import numpy as np

import bpkit
from workloads import loss_divisor


class Skipped(Exception):
    """The implementation does not apply to a workload, or is not installed."""


def _bpkit_gradient_list(network, X, Y):
    gradients = network.gradients(X, Y)
    result = []
    weight_number = bias_number = 0
    for n_in, n_out in zip(network.layer_sizes[:-1], network.layer_sizes[1:]):
        names = [f"W{weight_number + k + 1}" for k in range(n_in * n_out)]
        weight_number += n_in * n_out
        result.append(np.array([gradients[name] for name in names]).reshape(n_out, n_in))
        names = [f"b{bias_number + k + 1}" for k in range(n_out)]
        bias_number += n_out
        result.append(np.array([gradients[name] for name in names]))
    return _interleave(result)


def _interleave(pairs):
    """Reorder [W1, b1, W2, b2, ...] to [W1, W2, ..., b1, b2, ...]."""
    return pairs[0::2] + pairs[1::2]


# ----------------------------------------------------------------------
# bpkit
# ----------------------------------------------------------------------

class NumpyReLU(bpkit.Activation):
    """ReLU written as a pure-Python plugin on whole NumPy arrays."""

    name = "numpy_relu"
    latex = r"\max(z, 0)"
    latex_derivative = r"[z > 0]"

    def value(self, z):
        return np.maximum(z, 0)

    def derivative(self, z):
        return (z > 0).astype(z.dtype)


class Bpkit:
    name = "bpkit"

    def __init__(self, plugin=False):
        self.plugin = plugin
        if plugin:
            self.name = "bpkit, Python plugin ReLU"

    def prepare(self, workload, dtype):
        if self.plugin and workload.hidden != "relu":
            raise Skipped("the plugin variant replaces ReLU only")
        hidden = NumpyReLU() if self.plugin else workload.hidden
        self.network = bpkit.Network(workload.sizes, activation=hidden,
                                     output_activation=workload.output,
                                     loss=workload.loss, seed=workload.seed, dtype=dtype)
        weights, biases = workload.initial_parameters(dtype)
        for layer, (W, b) in enumerate(zip(weights, biases)):
            self.network.set_weights(layer, W)
            self.network.set_biases(layer, b)
        self.workload = workload
        self.X = workload.X.astype(dtype)
        self.Y = workload.Y.astype(dtype)

    def gradients(self):
        X, Y = self.workload.gradient_rows()
        return _bpkit_gradient_list(self.network, X, Y)

    def train(self, epochs):
        self.network.fit(self.X, self.Y, learning_rate=self.workload.learning_rate,
                         epochs=epochs, batch_size=self.workload.batch_size, seed=1)


# ----------------------------------------------------------------------
# Hand-written NumPy
# ----------------------------------------------------------------------

def _numpy_activation(name, z):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "softplus":
        return np.logaddexp(0, z)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "identity":
        return z
    raise Skipped(f"no NumPy loop for activation {name!r}")


def _numpy_derivative(name, z, a):
    if name == "relu":
        return z > 0
    if name == "softplus":
        return 1 / (1 + np.exp(-z))
    if name == "sigmoid":
        return a * (1 - a)
    raise Skipped(f"no NumPy loop for activation {name!r}")


class NumpyLoop:
    """A forward/backward loop as a user would write it with NumPy arrays."""

    name = "NumPy loop"

    def prepare(self, workload, dtype):
        if workload.output not in ("identity", "sigmoid", "softmax"):
            raise Skipped(f"no NumPy loop for output {workload.output!r}")
        self.workload = workload
        self.weights, self.biases = workload.initial_parameters(dtype)
        self.X = workload.X.astype(dtype)
        self.Y = workload.Y.astype(dtype)
        self.rng = np.random.default_rng(1)

    def _output_delta(self, z, Y):
        """Return (loss, dLoss/dz) of the output layer."""
        workload = self.workload
        divisor = loss_divisor(workload, Y.shape[0])
        if workload.output == "softmax":
            shifted = z - z.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            loss = -(Y * log_p).sum() / divisor
            return loss, (np.exp(log_p) * Y.sum(axis=1, keepdims=True) - Y) / divisor
        a = _numpy_activation(workload.output, z)
        residual = a - Y
        delta = 2 * residual / divisor
        if workload.output == "sigmoid":
            delta = delta * a * (1 - a)
        return (residual * residual).sum() / divisor, delta

    def _step_gradients(self, X, Y):
        hidden = self.workload.hidden
        weights, biases = self.weights, self.biases
        inputs, zs, activations = [X], [], []
        a = X
        for layer, (W, b) in enumerate(zip(weights, biases)):
            z = a @ W.T + b
            zs.append(z)
            if layer < len(weights) - 1:
                a = _numpy_activation(hidden, z)
                activations.append(a)
                inputs.append(a)
        _, delta = self._output_delta(zs[-1], Y)
        grad_w, grad_b = [None] * len(weights), [None] * len(weights)
        for layer in range(len(weights) - 1, -1, -1):
            grad_w[layer] = delta.T @ inputs[layer]
            grad_b[layer] = delta.sum(axis=0)
            if layer > 0:
                delta = (delta @ weights[layer]) * _numpy_derivative(
                    hidden, zs[layer - 1], activations[layer - 1])
        return grad_w, grad_b

    def gradients(self):
        X, Y = self.workload.gradient_rows()
        grad_w, grad_b = self._step_gradients(X.astype(self.X.dtype), Y.astype(self.Y.dtype))
        return grad_w + grad_b

    def train(self, epochs):
        workload = self.workload
        lr = workload.learning_rate
        n = self.X.shape[0]
        batch_size = workload.batch_size or n
        for _ in range(epochs):
            if batch_size >= n:
                batches = [(self.X, self.Y)]
            else:
                order = self.rng.permutation(n)
                batches = (
                    (self.X[order[start:start + batch_size]],
                     self.Y[order[start:start + batch_size]])
                    for start in range(0, n, batch_size)
                )
            for X, Y in batches:
                grad_w, grad_b = self._step_gradients(X, Y)
                for W, b, gW, gb in zip(self.weights, self.biases, grad_w, grad_b):
                    W -= lr * gW
                    b -= lr * gb


# ----------------------------------------------------------------------
# PyTorch
# ----------------------------------------------------------------------

class Torch:
    name = "PyTorch"

    def prepare(self, workload, dtype):
        try:
            import torch
        except ImportError:
            raise Skipped("PyTorch is not installed (pip install torch==2.13.0)") from None
        self.torch = torch
        activations = {"relu": torch.nn.ReLU, "softplus": torch.nn.Softplus,
                       "sigmoid": torch.nn.Sigmoid}
        if workload.hidden not in activations:
            raise Skipped(f"no PyTorch module for {workload.hidden!r}")
        torch_dtype = {"float64": torch.float64, "float32": torch.float32}[dtype]
        weights, biases = workload.initial_parameters(dtype)
        layers = []
        for layer, (W, b) in enumerate(zip(weights, biases)):
            linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch_dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(W))
                linear.bias.copy_(torch.from_numpy(b))
            layers.append(linear)
            if layer < len(weights) - 1:
                layers.append(activations[workload.hidden]())
        if workload.output == "sigmoid":
            layers.append(torch.nn.Sigmoid())
        self.model = torch.nn.Sequential(*layers)
        self.workload = workload
        self.X = torch.from_numpy(workload.X.astype(dtype))
        self.Y = torch.from_numpy(workload.Y.astype(dtype))
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=workload.learning_rate)
        self.generator = torch.Generator().manual_seed(1)

    def _loss(self, X, Y):
        torch = self.torch
        out = self.model(X)
        divisor = loss_divisor(self.workload, X.shape[0])
        if self.workload.output == "softmax":
            return -(Y * torch.log_softmax(out, dim=1)).sum() / divisor
        residual = out - Y
        return (residual * residual).sum() / divisor

    def gradients(self):
        X, Y = self.workload.gradient_rows()
        self.model.zero_grad()
        self._loss(self.torch.from_numpy(X.astype(self.X.numpy().dtype)),
                   self.torch.from_numpy(Y.astype(self.Y.numpy().dtype))).backward()
        linears = [m for m in self.model if isinstance(m, self.torch.nn.Linear)]
        return ([m.weight.grad.numpy().copy() for m in linears]
                + [m.bias.grad.numpy().copy() for m in linears])

    def train(self, epochs):
        torch = self.torch
        n = self.X.shape[0]
        batch_size = self.workload.batch_size or n
        for _ in range(epochs):
            if batch_size >= n:
                batches = [(self.X, self.Y)]
            else:
                order = torch.randperm(n, generator=self.generator)
                batches = (
                    (self.X[order[start:start + batch_size]],
                     self.Y[order[start:start + batch_size]])
                    for start in range(0, n, batch_size)
                )
            for X, Y in batches:
                self.optimizer.zero_grad()
                self._loss(X, Y).backward()
                self.optimizer.step()


# ----------------------------------------------------------------------
# scikit-learn
# ----------------------------------------------------------------------

class Sklearn:
    name = "scikit-learn MLP"

    def prepare(self, workload, dtype):
        try:
            from sklearn.neural_network import MLPClassifier, MLPRegressor
        except ImportError:
            raise Skipped("scikit-learn is not installed (pip install scikit-learn)") from None
        if workload.hidden != "relu":
            raise Skipped(f"MLP has no {workload.hidden} activation")
        if workload.output == "identity" and workload.loss == "ssr":
            self.classifier = False
            estimator = MLPRegressor
        elif workload.output == "softmax" and workload.loss == "cross_entropy":
            self.classifier = True
            estimator = MLPClassifier
        else:
            raise Skipped(f"MLP has no {workload.output} output with {workload.loss}")
        self.workload = workload
        self.dtype = dtype
        self.X = workload.X.astype(dtype)
        self.y = workload.Y.argmax(axis=1) if self.classifier else workload.Y[:, 0].astype(dtype)
        n = self.X.shape[0]
        self.model = estimator(
            hidden_layer_sizes=workload.sizes[1:-1], activation="relu", solver="sgd",
            alpha=0.0, batch_size=min(workload.batch_size or n, n),
            learning_rate_init=workload.learning_rate, momentum=0.0,
            nesterovs_momentum=False, shuffle=True, random_state=1, tol=0.0,
        )

    def gradients(self):
        # One SGD step with learning rate 1 and no momentum moves each
        # parameter by minus its gradient.
        X, Y = self.workload.gradient_rows()
        X = X.astype(self.dtype)
        y = Y.argmax(axis=1) if self.classifier else Y[:, 0].astype(self.dtype)
        model = self.model.set_params(learning_rate_init=1.0, batch_size=X.shape[0])
        extra = {"classes": np.arange(self.workload.sizes[-1])} if self.classifier else {}
        model.partial_fit(X, y, **extra)
        weights, biases = self.workload.initial_parameters(self.dtype)
        model.coefs_ = [W.T.copy() for W in weights]
        model.intercepts_ = [b.copy() for b in biases]
        model.partial_fit(X, y)
        rows, n_outputs = X.shape[0], self.workload.sizes[-1]
        if self.classifier:
            # log-loss averaged over rows, bpkit's over its own divisor
            scale = rows / loss_divisor(self.workload, rows)
        else:
            # squared error / 2 averaged over every element of y, bpkit's ssr summed
            scale = 2.0 * rows * n_outputs
        grad_w = [(W - C.T) * scale for W, C in zip(weights, model.coefs_)]
        grad_b = [(b - c) * scale for b, c in zip(biases, model.intercepts_)]
        self.model.set_params(learning_rate_init=self.workload.learning_rate,
                              batch_size=min(self.workload.batch_size or len(self.X),
                                             len(self.X)))
        return grad_w + grad_b

    def train(self, epochs):
        from sklearn.exceptions import ConvergenceWarning

        self.model.set_params(max_iter=epochs, n_iter_no_change=epochs + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.fit(self.X, self.y)


def implementations():
    """Return every implementation, bpkit first."""
    return [Bpkit(), Bpkit(plugin=True), NumpyLoop(), Torch(), Sklearn()]
