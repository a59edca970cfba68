"""Network gradients with every built-in, against bpkit.reference and finite differences.

The compiled backward pass (``Network.gradients``) and the plain NumPy pass
(``bpkit.reference.gradients``) must agree to 1e-12 relative in float64 for
every activation and loss, including the fused sigmoid and softmax
cross-entropies with targets whose rows do not sum to 1. Both must match
second-order central differences of ``Network.loss``.
"""

import warnings

import mpmath as mp
import numpy as np
import pytest

import bpkit
from bpkit import reference
from bpkit._base import Activation

ACTIVATIONS = [
    ("identity", {}),
    ("relu", {}),
    ("leaky_relu", {"alpha": 0.2}),
    ("elu", {"alpha": 0.7}),
    ("gelu", {}),
    ("gelu", {"approximate": "tanh"}),
    ("softplus", {}),
    ("sigmoid", {}),
    ("tanh", {}),
    ("silu", {}),
    ("softmax", {}),
]
ACTIVATION_IDS = ["identity", "relu", "leaky_relu", "elu", "gelu", "gelu_tanh", "softplus",
                  "sigmoid", "tanh", "silu", "softmax"]

# (output activation, loss, loss parameters)
OUTPUTS = [
    ("identity", "ssr", {}),
    ("identity", "mse", {}),
    ("identity", "mae", {}),
    ("identity", "huber", {"delta": 0.5}),
    ("sigmoid", "binary_cross_entropy", {}),
    ("softmax", "cross_entropy", {}),
    ("sigmoid", "cross_entropy", {}),
    ("softmax", "binary_cross_entropy", {}),
    ("softmax", "mse", {}),
]
OUTPUT_IDS = ["ssr", "mse", "mae", "huber", "sigmoid-bce", "softmax-ce", "sigmoid-ce",
              "softmax-bce", "softmax-mse"]


def make_data(seed=0, n_rows=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 3))
    # targets in [0, 1] whose rows do not sum to 1
    Y = rng.uniform(size=(n_rows, 2))
    return X, Y


def make_network(activation, output, loss, seed=1, dtype="float64"):
    # Softmax in a hidden layer is unusual, so the network warns, but its
    # gradients must still be right.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bpkit.ConfigurationWarning)
        return bpkit.Network((3, 4, 2), activation=activation, output_activation=output,
                             loss=loss, seed=seed, dtype=dtype)


def assert_close_to_reference(compiled, expected, rtol):
    names = list(expected)
    got = np.array([compiled[name] for name in names])
    want = np.array([expected[name] for name in names])
    # entries far below the largest gradient are compared at rtol of the largest
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.max(np.abs(want)))


def central_differences(network, X, Y, h=1e-6):
    # (L(p + h) - L(p - h)) / 2h, second order: truncation about h^2 L''' / 6,
    # rounding about 1e-16 L / h, both below 1e-9 for these losses.
    result = {}
    for name in network.parameter_names():
        original = network.parameter(name)
        network.set_parameter(name, original + h)
        up = network.loss(X, Y)
        network.set_parameter(name, original - h)
        down = network.loss(X, Y)
        network.set_parameter(name, original)
        result[name] = (up - down) / (2 * h)
    return result


@pytest.mark.parametrize("name, params", ACTIVATIONS, ids=ACTIVATION_IDS)
class TestHiddenActivations:
    def test_gradients_equal_reference(self, name, params):
        network = make_network(bpkit.get_activation(name, **params), "identity", "mse")
        X, Y = make_data()
        assert_close_to_reference(network.gradients(X, Y),
                                  reference.gradients(network, X, Y), rtol=1e-12)

    def test_gradients_match_central_differences(self, name, params):
        network = make_network(bpkit.get_activation(name, **params), "identity", "mse")
        X, Y = make_data()
        assert_close_to_reference(network.gradients(X, Y),
                                  central_differences(network, X, Y), rtol=1e-6)

    def test_float32_gradients_close_to_reference(self, name, params):
        network = make_network(bpkit.get_activation(name, **params), "identity", "mse",
                               dtype="float32")
        X, Y = make_data()
        assert_close_to_reference(network.gradients(X, Y),
                                  reference.gradients(network, X, Y), rtol=1e-5)


@pytest.mark.parametrize("output, loss, params", OUTPUTS, ids=OUTPUT_IDS)
class TestOutputAndLoss:
    def test_gradients_equal_reference(self, output, loss, params):
        network = make_network("tanh", output, bpkit.get_loss(loss, **params))
        X, Y = make_data()
        assert_close_to_reference(network.gradients(X, Y),
                                  reference.gradients(network, X, Y), rtol=1e-12)

    def test_gradients_match_central_differences(self, output, loss, params):
        network = make_network("tanh", output, bpkit.get_loss(loss, **params))
        X, Y = make_data()
        assert_close_to_reference(network.gradients(X, Y),
                                  central_differences(network, X, Y), rtol=1e-6)

    def test_loss_equals_reference(self, output, loss, params):
        network = make_network("tanh", output, bpkit.get_loss(loss, **params))
        X, Y = make_data()
        n_layers = len(network.layer_sizes) - 1
        weights = [network.weights(layer) for layer in range(n_layers)]
        biases = [network.biases(layer) for layer in range(n_layers)]
        zs, outputs = reference.forward(weights, biases, network.activations, X)
        expected, _, _ = reference.backward(weights, network.activations,
                                            network.loss_function, X, Y, zs, outputs)
        assert network.loss(X, Y) == pytest.approx(expected, rel=1e-12)

    def test_float32_gradients_close_to_reference(self, output, loss, params):
        network = make_network("tanh", output, bpkit.get_loss(loss, **params),
                               dtype="float32")
        X, Y = make_data()
        assert_close_to_reference(network.gradients(X, Y),
                                  reference.gradients(network, X, Y), rtol=1e-5)

    def test_gradients_repeat_exactly(self, output, loss, params):
        network = make_network("tanh", output, bpkit.get_loss(loss, **params))
        X, Y = make_data()
        assert network.gradients(X, Y) == network.gradients(X, Y)


def _logits_network(output, loss):
    # one layer, z = x W^T + b with x = 1: the logits are the biases
    network = bpkit.Network((1, 3), output_activation=output, loss=loss, seed=0)
    network.set_weights(0, np.zeros((3, 1)))
    network.set_biases(0, np.array([1e4, -1e4, 0.0]))
    return network


class TestLogitsAtExtremes:
    def test_softmax_cross_entropy_loss_exact(self):
        network = _logits_network("softmax", "cross_entropy")
        y = np.array([[0.2, 0.5, 0.0]])
        # lse(z) = 1e4 + log1p(2 exp(-1e4)), so per row 0.2 * 0 + 0.5 * 2e4
        z = [mp.mpf(1e4), mp.mpf(-1e4), mp.mpf(0)]
        lse = mp.log(mp.fsum(mp.exp(v) for v in z))
        expected = (mp.mpf(0.2) * (lse - z[0]) + mp.mpf(0.5) * (lse - z[1])) / 3
        assert network.loss(np.ones((1, 1)), y) == pytest.approx(float(expected),
                                                                 rel=1e-15)

    def test_softmax_cross_entropy_gradient_exact(self):
        network = _logits_network("softmax", "cross_entropy")
        y = np.array([[0.2, 0.5, 0.0]])
        gradients = network.gradients(np.ones((1, 1)), y)
        # dL/dz = (p sum(y) - y) / 3 with p = (1, 0, 0) in double, sum(y) = 0.7
        expected = np.array([0.7 - 0.2, -0.5, 0.0]) / 3
        np.testing.assert_allclose([gradients[b] for b in ("b1", "b2", "b3")], expected,
                                   rtol=1e-15)
        assert_close_to_reference(gradients,
                                  reference.gradients(network, np.ones((1, 1)), y),
                                  rtol=1e-12)

    def test_sigmoid_binary_cross_entropy_loss_exact(self):
        network = _logits_network("sigmoid", "binary_cross_entropy")
        y = np.array([[1.0, 1.0, 0.25]])
        # per element softplus(z) - y z: ~0, 1e4, log(2)
        expected = (1e4 + float(mp.log(2))) / 3
        assert network.loss(np.ones((1, 1)), y) == pytest.approx(expected, rel=1e-15)

    def test_sigmoid_binary_cross_entropy_gradient_exact(self):
        network = _logits_network("sigmoid", "binary_cross_entropy")
        y = np.array([[1.0, 1.0, 0.25]])
        gradients = network.gradients(np.ones((1, 1)), y)
        expected = np.array([0.0, -1.0, 0.25]) / 3
        np.testing.assert_allclose([gradients[b] for b in ("b1", "b2", "b3")], expected,
                                   rtol=1e-15)

    @pytest.mark.parametrize("dtype", ["float64", "float32"])
    def test_loss_finite_in_both_dtypes(self, dtype):
        network = bpkit.Network((1, 3), output_activation="softmax", loss="cross_entropy",
                                dtype=dtype)
        network.set_biases(0, np.array([1e4, -1e4, 0.0]))
        assert np.isfinite(network.loss(np.ones((1, 1)), np.array([[0.0, 1.0, 0.0]])))


class PythonSoftmax(Activation):
    """A plugin-style softmax without a C kernel, to exercise the plugin bridge."""

    name = "python_softmax"
    latex = r"\operatorname{softmax}(z)"
    latex_derivative = r"J"
    elementwise = False

    def value(self, z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def derivative(self, z):
        p = self.value(z)
        return p[:, :, None] * (np.eye(z.shape[1]) - p[:, None, :])

    def vjp(self, z, grad_output):
        return np.einsum("ni,nij->nj", grad_output, self.derivative(z))


class TestPluginBridgeVjp:
    def test_non_elementwise_plugin_matches_reference(self):
        network = make_network("tanh", PythonSoftmax(), "mse")
        X, Y = make_data()
        assert_close_to_reference(network.gradients(X, Y),
                                  reference.gradients(network, X, Y), rtol=1e-12)

    def test_non_elementwise_plugin_matches_builtin_softmax(self):
        X, Y = make_data()
        plugin = make_network("tanh", PythonSoftmax(), "mse")
        builtin = make_network("tanh", "softmax", "mse")
        assert_close_to_reference(plugin.gradients(X, Y), builtin.gradients(X, Y),
                                  rtol=1e-12)


class RowMeanWithoutVjp(Activation):
    """A non-elementwise plugin without a vjp method."""

    name = "row_mean"
    latex = r"\bar{z}"
    latex_derivative = r"1 / n"
    elementwise = False

    def value(self, z):
        return np.repeat(z.mean(axis=1, keepdims=True), z.shape[1], axis=1)

    def derivative(self, z):
        return np.full_like(z, 1.0 / z.shape[1])


def test_non_elementwise_plugin_without_vjp_raises():
    network = make_network("tanh", RowMeanWithoutVjp(), "mse")
    X, Y = make_data()
    with pytest.raises(bpkit.PluginError, match="must implement vjp"):
        network.gradients(X, Y)


def test_parameters_of_objects_reach_kernels():
    X, Y = make_data()
    network = make_network(bpkit.get_activation("leaky_relu", alpha=0.3), "identity",
                           bpkit.get_loss("huber", delta=0.05))
    assert_close_to_reference(network.gradients(X, Y), reference.gradients(network, X, Y),
                              rtol=1e-12)
    assert_close_to_reference(network.gradients(X, Y), central_differences(network, X, Y),
                              rtol=1e-6)


@pytest.mark.parametrize(
    "output, loss",
    [("sigmoid", "binary_cross_entropy"), ("softmax", "cross_entropy")],
    ids=["sigmoid-bce", "softmax-ce"],
)
def test_fit_from_logits_lowers_loss(output, loss):
    X, _ = make_data(n_rows=20)
    Y = np.zeros((20, 2))
    Y[np.arange(20), (X[:, 0] > 0).astype(int)] = 1.0
    network = make_network("tanh", output, loss)
    before = network.loss(X, Y)
    history = network.fit(X, Y, learning_rate=0.5, epochs=200)
    assert network.loss(X, Y) < 0.5 * before
    assert np.all(np.isfinite(history.loss))
