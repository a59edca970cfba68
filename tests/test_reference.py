"""The compiled path against the plain NumPy reference in bpkit.reference."""

import numpy as np
import pytest

import bpkit
from bpkit import reference

CASES = [
    pytest.param((2, 2, 1), "relu", "ssr", 4, id="worked-relu-ssr"),
    pytest.param((1, 2, 1), "softplus", "ssr", 3, id="dosage-softplus-ssr"),
    pytest.param((3, 5, 2), "tanh", "mse", 10, id="3-5-2-tanh-mse"),
    pytest.param((4, 8, 6, 3), "sigmoid", "ssr", 20, id="4-8-6-3-sigmoid-ssr"),
    pytest.param((5, 7, 7, 7, 1), "relu", "mse", 16, id="5-7-7-7-1-relu-mse"),
    pytest.param((2, 3, 1), "identity", "ssr", 6, id="2-3-1-identity-ssr"),
    pytest.param((64, 64, 10), "tanh", "mse", 32, id="64-64-10-tanh-mse"),
]


def random_problem(sizes, activation, loss, n_samples, seed):
    rng = np.random.default_rng(seed)
    network = bpkit.Network(sizes, activation=activation, loss=loss, seed=seed)
    for layer in range(len(sizes) - 1):
        network.set_biases(layer, rng.normal(scale=0.3, size=sizes[layer + 1]))
    X = rng.normal(size=(n_samples, sizes[0]))
    y = rng.normal(size=(n_samples, sizes[-1]))
    return network, X, y


def assert_relative(actual, expected):
    # 1e-12 relative to the largest entry, so tiny entries produced by
    # cancellation do not need more digits than the sum they come from.
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    scale = max(np.max(np.abs(expected)), np.finfo(np.float64).tiny)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("sizes", "activation", "loss", "n_samples"), CASES)
def test_gradients_equal_reference(sizes, activation, loss, n_samples, seed):
    network, X, y = random_problem(sizes, activation, loss, n_samples, seed)
    compiled = network.gradients(X, y)
    plain = reference.gradients(network, X, y)
    assert list(compiled) == list(plain)
    assert_relative(list(compiled.values()), list(plain.values()))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("sizes", "activation", "loss", "n_samples"), CASES)
def test_predict_and_loss_equal_reference(sizes, activation, loss, n_samples, seed):
    network, X, y = random_problem(sizes, activation, loss, n_samples, seed)
    n_layers = len(sizes) - 1
    weights = [network.weights(layer) for layer in range(n_layers)]
    biases = [network.biases(layer) for layer in range(n_layers)]
    zs, outputs = reference.forward(weights, biases, network.activations, X)
    loss_value, _, _ = reference.backward(
        weights, network.activations, network.loss_function, X, y, zs, outputs
    )
    assert_relative(network.predict(X).reshape(outputs[-1].shape), outputs[-1])
    assert network.loss(X, y) == pytest.approx(loss_value, rel=1e-12)
