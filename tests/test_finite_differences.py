"""Derivatives of built-in activations, losses and whole networks against
central finite differences.

A central difference (f(x + h) - f(x - h)) / 2h has a truncation error of
order h^2 and a rounding error of order eps / h; with h = 1e-6 both stay
below about 1e-9 for the values used here.
"""

import numpy as np
import pytest

import bpkit

H = 1e-6
ACTIVATIONS = ["identity", "relu", "sigmoid", "tanh", "softplus"]
LOSSES = ["ssr", "mse"]


def central_difference(function, x, h=H):
    return (function(x + h) - function(x - h)) / (2 * h)


def activation_points(name):
    points = np.linspace(-6.0, 6.0, 121)
    if name == "relu":
        # Keep every point farther than h from the kink at 0.
        points = points[np.abs(points) > 10 * H]
    return points.reshape(-1, 1)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_derivative(name):
    activation = bpkit.get_activation(name)
    z = activation_points(name)
    numeric = central_difference(activation.value, z)
    np.testing.assert_allclose(activation.derivative(z), numeric, rtol=1e-7, atol=1e-9)


def test_relu_slope_at_kink_is_zero():
    relu = bpkit.get_activation("relu")
    assert relu.derivative(np.zeros((1, 1)))[0, 0] == 0.0


@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradient(name):
    loss = bpkit.get_loss(name)
    rng = np.random.default_rng(3)
    y_true = rng.normal(size=(5, 2))
    y_pred = rng.normal(size=(5, 2))
    numeric = np.zeros_like(y_pred)
    for index in np.ndindex(y_pred.shape):
        def loss_at(value, index=index):
            moved = y_pred.copy()
            moved[index] = value
            return loss.value(y_true, moved)
        numeric[index] = central_difference(loss_at, y_pred[index])
    np.testing.assert_allclose(loss.gradient(y_true, y_pred), numeric, rtol=1e-7, atol=1e-9)


NETWORK_CASES = [
    pytest.param((2, 2, 1), "relu", "ssr", id="worked-relu-ssr"),
    pytest.param((1, 2, 1), "softplus", "ssr", id="dosage-softplus-ssr"),
    pytest.param((3, 4, 2), "tanh", "mse", id="3-4-2-tanh-mse"),
    pytest.param((2, 3, 3, 2), "sigmoid", "ssr", id="2-3-3-2-sigmoid-ssr"),
    pytest.param((4, 5, 1), "identity", "mse", id="4-5-1-identity-mse"),
]


@pytest.mark.parametrize(("sizes", "activation", "loss"), NETWORK_CASES)
def test_network_gradients(sizes, activation, loss):
    rng = np.random.default_rng(11)
    network = bpkit.Network(sizes, activation=activation, loss=loss, seed=5)
    for name in network.parameter_names():
        if name.startswith("b"):
            network.set_parameter(name, rng.normal(scale=0.5))
    X = rng.uniform(-1, 1, size=(7, sizes[0]))
    y = rng.normal(size=(7, sizes[-1]))
    analytic = network.gradients(X, y)
    for name in network.parameter_names():
        original = network.parameter(name)

        def loss_at(value, name=name):
            network.set_parameter(name, value)
            return network.loss(X, y)

        numeric = central_difference(loss_at, original)
        network.set_parameter(name, original)
        assert analytic[name] == pytest.approx(numeric, rel=1e-6, abs=1e-8), name


def test_network_relu_case_is_away_from_kinks():
    # The relu case above is only a valid finite-difference test if no
    # pre-activation lies within h of 0.
    rng = np.random.default_rng(11)
    network = bpkit.Network((2, 2, 1), activation="relu", seed=5)
    for name in network.parameter_names():
        if name.startswith("b"):
            network.set_parameter(name, rng.normal(scale=0.5))
    X = rng.uniform(-1, 1, size=(7, 2))
    z, _ = network.forward_values(X)[0]
    assert np.min(np.abs(z)) > 1e-3
