"""Values and derivatives against hand-derived results and mpmath at 50 digits."""

import math

import mpmath
import numpy as np
import pytest

from bpkit_smooth import LogCosh, Mish, Softsign

mpmath.mp.dps = 50

POINTS = [-800.0, -40.0, -5.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 1.0, 3.0, 25.0, 800.0]


def mish_reference(z):
    z = mpmath.mpf(z)
    return z * mpmath.tanh(mpmath.log1p(mpmath.exp(z)))


def relative_error(actual, expected):
    """Return |actual - expected| / |expected|, or |actual| where expected rounds to 0.

    Below half the smallest subnormal, 2.5e-324, the correctly rounded
    float64 result is 0.
    """
    expected = mpmath.mpf(expected)
    if abs(expected) < mpmath.mpf("2.5e-324"):
        return abs(actual)
    return float(abs((mpmath.mpf(actual) - expected) / expected))


def test_mish_by_hand():
    mish = Mish()
    z = np.array([[0.0]])
    # softplus(0) = ln 2 and tanh(ln 2) = (4 - 1) / (4 + 1) = 3/5, so
    # f(0) = 0 and f'(0) = tanh(ln 2) + 0 = 0.6.
    assert mish.value(z)[0, 0] == 0.0
    assert mish.derivative(z)[0, 0] == pytest.approx(0.6, rel=1e-15)


@pytest.mark.parametrize("z", POINTS, ids=[f"z={z:g}" for z in POINTS])
def test_mish_against_mpmath(z):
    mish = Mish()
    value = mish.value(np.array([[z]]))[0, 0]
    derivative = mish.derivative(np.array([[z]]))[0, 0]
    expected_derivative = mpmath.diff(mish_reference, z)
    assert relative_error(value, mish_reference(z)) < 1e-14
    assert relative_error(derivative, expected_derivative) < 1e-13


def test_softsign_by_hand():
    softsign = Softsign()
    z = np.array([[1.0, -3.0, 0.0]])
    np.testing.assert_array_equal(softsign.value(z), [[0.5, -0.75, 0.0]])
    # f'(z) = 1 / (1 + |z|)^2: 1/4 at 1, 1/16 at -3, 1 at 0.
    np.testing.assert_array_equal(softsign.derivative(z), [[0.25, 0.0625, 1.0]])


def test_log_cosh_by_hand():
    loss = LogCosh()
    # cosh(arccosh 2) = 2 and tanh(arccosh 2) = sqrt(3) / 2; a residual of 0
    # adds 0 to the sum and 0 to the gradient. N = 2.
    residual = math.acosh(2.0)
    y_true = np.array([[1.0], [5.0]])
    y_pred = np.array([[1.0 + residual], [5.0]])
    assert loss.value(y_true, y_pred) == pytest.approx(math.log(2.0) / 2, rel=1e-14)
    gradient = loss.gradient(y_true, y_pred)
    np.testing.assert_allclose(gradient, [[math.sqrt(3) / 4], [0.0]], rtol=1e-14)


@pytest.mark.parametrize(
    "residual", [1e-10, 1e-3, 0.7, 19.9, 20.1, 300.0, 1e6],
    ids=lambda r: f"r={r:g}",
)
def test_log_cosh_against_mpmath(residual):
    value = LogCosh().value(np.zeros((1, 1)), np.full((1, 1), residual))
    expected = mpmath.log(mpmath.cosh(mpmath.mpf(residual)))
    assert relative_error(value, expected) < 1e-14
