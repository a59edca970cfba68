"""Built-in activations and losses stay finite and accurate for any finite input.

References come from mpmath at 50 significant digits.
"""

import mpmath
import numpy as np
import pytest

import bpkit

mpmath.mp.dps = 50

EXTREMES = np.array([[-1.7e308, -1e6, -745.0, -40.0, -1e-300, 0.0, 1e-300, 40.0, 745.0,
                      1e6, 1.7e308]])
MODERATE = [-700.0, -30.0, -2.5, -1e-8, 0.0, 1e-8, 2.5, 30.0, 700.0]


def mp_sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


REFERENCES = {
    "sigmoid": (mp_sigmoid, lambda z: mp_sigmoid(z) * (1 - mp_sigmoid(z))),
    "tanh": (mpmath.tanh, lambda z: 1 - mpmath.tanh(z) ** 2),
    "softplus": (lambda z: mpmath.log(1 + mpmath.exp(z)), mp_sigmoid),
}


@pytest.mark.parametrize("name", ["identity", "relu", "sigmoid", "tanh", "softplus"])
def test_activation_finite_at_extremes(name):
    activation = bpkit.get_activation(name)
    # Underflow to 0 is the correct result far in the tails, so only overflow,
    # invalid operations and division by zero count as failures.
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        values = activation.value(EXTREMES)
        slopes = activation.derivative(EXTREMES)
    assert np.all(np.isfinite(values))
    assert np.all(np.isfinite(slopes))


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize("z", MODERATE, ids=[f"z={z:g}" for z in MODERATE])
def test_activation_matches_mpmath(name, z):
    activation = bpkit.get_activation(name)
    value_reference, slope_reference = REFERENCES[name]
    point = np.array([[z]])
    expected_value = float(value_reference(mpmath.mpf(z)))
    expected_slope = float(slope_reference(mpmath.mpf(z)))
    assert activation.value(point)[0, 0] == pytest.approx(expected_value, rel=1e-14, abs=1e-300)
    assert activation.derivative(point)[0, 0] == pytest.approx(
        expected_slope, rel=1e-13, abs=1e-300
    )


@pytest.mark.parametrize("name", ["ssr", "mse"])
def test_loss_finite_for_large_residuals(name):
    loss = bpkit.get_loss(name)
    y_true = np.array([[1e150], [-1e150]])
    y_pred = np.array([[-1e150], [1e150]])
    assert np.isfinite(loss.value(y_true, y_pred))
    assert np.all(np.isfinite(loss.gradient(y_true, y_pred)))
