"""Values and gradients of the built-in losses against mpmath.

Conventions under test: r = y_pred - y_true; ssr is the plain sum of r^2;
every other loss averages over all N elements of y; the derivative of |r|
at r = 0 is 0; huber is r^2/2 where |r| <= delta, else delta (|r| - delta/2).
Loss values are Python floats summed in float64, so they are compared with a
relative tolerance; gradients are elementwise and compared in ulps.
"""

import mpmath as mp
import numpy as np
import pytest

import bpkit
from bpkit import _elementwise
from bpkit._cross_entropy import loss_from_logits
from ulp import ulp_distance

mp.mp.dps = 50

DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]
# Relative error of a float64 sum of up to 100 non-negative terms, with margin.
VALUE_RTOL = 1e-14


def regression_data(dtype):
    rng = np.random.default_rng(7)
    y_true = rng.normal(size=(6, 3)) * np.array([1.0, 1e3, 1e-3])
    y_pred = y_true + rng.normal(size=(6, 3)) * np.array([2.0, 1e2, 1e-4])
    y_pred[0, 0] = y_true[0, 0]  # a zero residual: the kink of |r|
    y_pred[1, 1] = 1e4
    y_pred[2, 2] = -1e4
    return y_true.astype(dtype), y_pred.astype(dtype)


def mp_residuals(y_true, y_pred):
    return [mp.mpf(float(p)) - mp.mpf(float(t)) for t, p in zip(y_true.ravel(), y_pred.ravel())]


def regression_reference(name, y_true, y_pred, delta=1.0):
    """Return (exact value, exact gradient list) of a regression loss."""
    r = mp_residuals(y_true, y_pred)
    n = len(r)
    delta = mp.mpf(delta)
    if name == "ssr":
        return mp.fsum(x * x for x in r), [2 * x for x in r]
    if name == "mse":
        return mp.fsum(x * x for x in r) / n, [2 * x / n for x in r]
    if name == "mae":
        return mp.fsum(abs(x) for x in r) / n, [mp.sign(x) / n for x in r]
    if name == "huber":
        terms = [x * x / 2 if abs(x) <= delta else delta * (abs(x) - delta / 2) for x in r]
        return mp.fsum(terms) / n, [max(-delta, min(delta, x)) / n for x in r]
    raise KeyError(name)


REGRESSION = [
    ("ssr", {}, 1),
    ("mse", {}, 2),
    ("mae", {}, 1),
    ("huber", {}, 1),
    ("huber", {"delta": 2.0}, 1),
]
REGRESSION_IDS = ["ssr", "mse", "mae", "huber-1", "huber-2"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, params, gradient_bound", REGRESSION, ids=REGRESSION_IDS)
class TestRegressionLosses:
    def test_value_matches_mpmath(self, name, params, gradient_bound, dtype):
        y_true, y_pred = regression_data(dtype)
        expected, _ = regression_reference(name, y_true, y_pred, **params)
        value = bpkit.get_loss(name, **params).value(y_true, y_pred)
        assert isinstance(value, float)
        assert value == pytest.approx(float(expected), rel=VALUE_RTOL)

    def test_gradient_within_bound(self, name, params, gradient_bound, dtype):
        # r = y_pred - y_true rounds once in float64; ssr's 2r is exact after
        # that, mse's 2 r / N rounds twice more. float32 results are float64
        # results rounded once, so 1 ulp.
        y_true, y_pred = regression_data(dtype)
        _, exact = regression_reference(name, y_true, y_pred, **params)
        gradient = bpkit.get_loss(name, **params).gradient(y_true, y_pred)
        assert gradient.dtype == dtype
        expected = np.array([float(g) for g in exact]).reshape(y_pred.shape)
        bound = gradient_bound if dtype == np.float64 else 1
        assert ulp_distance(gradient, expected, dtype).max() <= bound

    def test_c_kernel_equals_numpy(self, name, params, gradient_bound, dtype):
        loss = bpkit.get_loss(name, **params)
        y_true, y_pred = regression_data(dtype)
        grad = np.empty_like(y_pred)
        value = _elementwise.loss_values(loss._kernel, y_true, y_pred, grad,
                                         params.get("delta", 1.0))
        assert value == pytest.approx(loss.value(y_true, y_pred), rel=VALUE_RTOL)
        np.testing.assert_array_equal(grad, loss.gradient(y_true, y_pred))


@pytest.mark.parametrize(
    "name, params",
    [("mse", {}), ("mae", {}), ("huber", {"delta": 0.5}), ("binary_cross_entropy", {}),
     ("cross_entropy", {})],
    ids=["mse", "mae", "huber", "binary_cross_entropy", "cross_entropy"],
)
def test_mean_loss_unchanged_by_duplicate_batch(name, params):
    rng = np.random.default_rng(3)
    y_true = rng.uniform(size=(4, 3))
    y_pred = rng.uniform(0.05, 0.95, size=(4, 3))
    loss = bpkit.get_loss(name, **params)
    doubled_true, doubled_pred = np.vstack([y_true] * 2), np.vstack([y_pred] * 2)
    assert loss.value(doubled_true, doubled_pred) == pytest.approx(
        loss.value(y_true, y_pred), rel=1e-15
    )
    # each element carries half the weight in a batch twice as large
    np.testing.assert_array_equal(
        loss.gradient(doubled_true, doubled_pred)[:4], 0.5 * loss.gradient(y_true, y_pred)
    )


def test_ssr_doubles_with_duplicate_batch():
    y_true, y_pred = np.array([[1.0], [2.0]]), np.array([[1.5], [0.0]])
    loss = bpkit.get_loss("ssr")
    assert loss.value(np.vstack([y_true] * 2), np.vstack([y_pred] * 2)) == 2 * 4.25
    np.testing.assert_array_equal(loss.gradient(y_true, y_pred), [[1.0], [-4.0]])


class TestConventions:
    def test_mae_gradient_zero_at_zero_residual(self):
        y = np.array([[1.5, -2.0]])
        assert np.all(bpkit.get_loss("mae").gradient(y, y) == 0.0)

    def test_mae_c_kernel_gradient_zero_at_zero_residual(self):
        y = np.array([[1.5, -2.0]])
        grad = np.ones_like(y)
        _elementwise.loss_values(_elementwise.LOSS_MAE, y, y, grad, 0.0)
        assert np.all(grad == 0.0)

    @pytest.mark.parametrize("residual", [2.0, -2.0], ids=["plus_delta", "minus_delta"])
    def test_huber_pieces_meet_at_delta(self, residual):
        loss = bpkit.get_loss("huber", delta=2.0)
        y_true = np.array([[0.0]])
        y_pred = np.array([[residual]])
        # r^2 / 2 = delta (|r| - delta / 2) = 2 at |r| = delta = 2
        assert loss.value(y_true, y_pred) == 2.0
        assert loss.gradient(y_true, y_pred)[0, 0] == residual

    def test_huber_linear_beyond_delta(self):
        loss = bpkit.get_loss("huber")
        assert loss.value(np.array([[0.0]]), np.array([[1e4]])) == 1e4 - 0.5


class TestParameters:
    @pytest.mark.parametrize("delta", [0.0, -1.0, float("nan"), float("inf")],
                             ids=["zero", "negative", "nan", "inf"])
    def test_invalid_delta_raises_value_error(self, delta):
        with pytest.raises(ValueError, match="delta must be a finite number > 0"):
            bpkit.get_loss("huber", delta=delta)

    def test_delta_of_wrong_type_raises_type_error(self):
        with pytest.raises(TypeError, match="delta must be a real number"):
            bpkit.get_loss("huber", delta="2")

    def test_delta_shown_in_repr(self):
        assert repr(bpkit.get_loss("huber", delta=2.0)) == "Huber(delta=2.0)"

    def test_delta_stored_in_params(self):
        assert bpkit.get_loss("huber", delta=2.0).params == {"delta": 2.0}


# ---------------------------------------------------------------------------
# Cross-entropies on probabilities
# ---------------------------------------------------------------------------

def probability_data(dtype):
    rng = np.random.default_rng(11)
    y_true = rng.uniform(size=(5, 3))
    y_true[0] = [1.0, 0.0, 0.0]
    y_pred = rng.uniform(0.01, 0.99, size=(5, 3))
    if dtype == np.float64:
        y_pred[1] = [1e-300, 0.5, 1.0 - 2.0**-40]
    else:
        y_pred[1] = [1e-30, 0.5, 1.0 - 2.0**-20]
    return y_true.astype(dtype), y_pred.astype(dtype)


def probability_reference(name, y_true, y_pred):
    ys = [mp.mpf(float(v)) for v in y_true.ravel()]
    ps = [mp.mpf(float(v)) for v in y_pred.ravel()]
    n = len(ys)
    if name == "binary_cross_entropy":
        value = -mp.fsum(y * mp.log(p) + (1 - y) * mp.log1p(-p) for y, p in zip(ys, ps)) / n
        gradient = [(p - y) / (p * (1 - p)) / n for y, p in zip(ys, ps)]
    else:
        value = -mp.fsum(y * mp.log(p) for y, p in zip(ys, ps)) / n
        gradient = [-y / p / n for y, p in zip(ys, ps)]
    return value, gradient


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["binary_cross_entropy", "cross_entropy"])
class TestCrossEntropyOnProbabilities:
    def test_value_matches_mpmath(self, name, dtype):
        y_true, y_pred = probability_data(dtype)
        expected, _ = probability_reference(name, y_true, y_pred)
        value = bpkit.get_loss(name).value(y_true, y_pred)
        assert value == pytest.approx(float(expected), rel=VALUE_RTOL)

    def test_gradient_within_4_ulps(self, name, dtype):
        # (p - y) / (p (1 - p)) / N: four roundings after the exact p - y
        y_true, y_pred = probability_data(dtype)
        _, exact = probability_reference(name, y_true, y_pred)
        gradient = bpkit.get_loss(name).gradient(y_true, y_pred)
        expected = np.array([float(g) for g in exact]).reshape(y_pred.shape)
        bound = 4 if dtype == np.float64 else 1
        assert ulp_distance(gradient, expected, dtype).max() <= bound

    @pytest.mark.parametrize("p", [0.0, 1.0, 5e-324], ids=["zero", "one", "subnormal"])
    def test_clipped_probability_gives_finite_results(self, name, dtype, p):
        y_true = np.array([[1.0, 0.0], [0.5, 0.5]], dtype=dtype)
        y_pred = np.full((2, 2), p, dtype=dtype)
        loss = bpkit.get_loss(name)
        assert np.isfinite(loss.value(y_true, y_pred))
        assert np.all(np.isfinite(loss.gradient(y_true, y_pred)))

    def test_c_kernel_equals_numpy(self, name, dtype):
        loss = bpkit.get_loss(name)
        y_true, y_pred = probability_data(dtype)
        y_pred[2] = [0.0, 1.0, 0.0]  # clipped in both
        grad = np.empty_like(y_pred)
        value = _elementwise.loss_values(loss._kernel, y_true, y_pred, grad, 0.0)
        assert value == pytest.approx(loss.value(y_true, y_pred), rel=VALUE_RTOL)
        assert ulp_distance(grad, loss.gradient(y_true, y_pred), dtype).max() <= 1


def test_zero_weight_term_costs_nothing():
    loss = bpkit.get_loss("binary_cross_entropy")
    assert loss.value(np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]])) == 0.0


@pytest.mark.parametrize(
    "name, params",
    [("ssr", {}), ("mse", {}), ("mae", {}), ("huber", {"delta": 0.3}),
     ("binary_cross_entropy", {}), ("cross_entropy", {})],
    ids=["ssr", "mse", "mae", "huber", "binary_cross_entropy", "cross_entropy"],
)
def test_gradient_matches_central_difference(name, params):
    # Second-order central difference with h = 1e-6 on each element; the
    # residuals stay more than 1e-3 away from the kinks of mae and huber,
    # and the probabilities inside (0.05, 0.95). Error about h^2 + 1e-16 / h.
    rng = np.random.default_rng(5)
    y_true = rng.uniform(0.1, 0.9, size=(3, 2))
    y_pred = np.clip(y_true + rng.choice([-1, 1], size=(3, 2)) * rng.uniform(0.01, 0.5, size=(3, 2)),
                     0.05, 0.95)
    loss = bpkit.get_loss(name, **params)
    numeric = np.empty_like(y_pred)
    h = 1e-6
    for index in np.ndindex(y_pred.shape):
        up, down = y_pred.copy(), y_pred.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (loss.value(y_true, up) - loss.value(y_true, down)) / (2 * h)
    np.testing.assert_allclose(loss.gradient(y_true, y_pred), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    "name", ["ssr", "mse", "mae", "huber", "binary_cross_entropy", "cross_entropy"]
)
def test_latex_present(name):
    loss = bpkit.get_loss(name)
    assert loss.latex.count("{") == loss.latex.count("}")
    assert loss.latex_derivative.count("{") == loss.latex_derivative.count("}")
    assert loss.latex and loss.latex_derivative
