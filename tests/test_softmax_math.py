"""Softmax: values, Jacobian and vector-Jacobian product against mpmath."""

import mpmath as mp
import numpy as np
import pytest

import bpkit
from bpkit import _elementwise
from ulp import ulp_distance

mp.mp.dps = 50

ROWS = {
    "zeros": [0.0, 0.0, 0.0],
    "huge_spread": [1e4, -1e4, 0.0],
    "huge_negative": [-1e4, -1e4 + 1, -1e4 + 2],
    "tail_700": [700.0, -700.0, 1e-300],
    "tiny": [5e-324, 0.0, -1e-8],
    "moderate": [40.0, 20.0, 1.0],
    "four_wide": [1.0, 2.0, 3.0, 4.0],
    "one_wide": [-3.0],
}
DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]


def softmax_reference(row):
    z = [mp.mpf(float(x)) for x in row]
    exps = [mp.exp(x) for x in z]
    total = mp.fsum(exps)
    return [e / total for e in exps]


def jacobian_reference(row):
    p = softmax_reference(row)
    n = len(p)
    # 1 - p_i as the sum of the other probabilities, so mpmath does not cancel
    return [
        [p[i] * mp.fsum(p[k] for k in range(n) if k != i) if i == j else -p[i] * p[j]
         for j in range(n)]
        for i in range(n)
    ]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row_id", list(ROWS))
class TestSoftmax:
    def test_value_within_3_ulps(self, row_id, dtype):
        # exp, a sum of at most 4 terms and a division: at most 3 ulps in
        # float64; float32 is evaluated in float64 and rounded once.
        z = np.array([ROWS[row_id]], dtype=dtype)
        p = bpkit.get_activation("softmax").value(z)
        expected = np.array([[float(v) for v in softmax_reference(z[0])]])
        assert p.dtype == dtype
        assert np.all(np.isfinite(p))
        bound = 3 if dtype == np.float64 else 1
        assert ulp_distance(p, expected, dtype).max() <= bound

    def test_jacobian_within_4_ulps(self, row_id, dtype):
        z = np.array([ROWS[row_id]], dtype=dtype)
        jacobian = bpkit.get_activation("softmax").jacobian(z)
        expected = np.array([[[float(v) for v in r] for r in jacobian_reference(z[0])]])
        assert jacobian.shape == (1, z.shape[1], z.shape[1])
        assert np.all(np.isfinite(jacobian))
        bound = 4 if dtype == np.float64 else 1
        assert ulp_distance(jacobian, expected, dtype).max() <= bound

    def test_derivative_is_jacobian_diagonal(self, row_id, dtype):
        z = np.array([ROWS[row_id]], dtype=dtype)
        f = bpkit.get_activation("softmax")
        diagonal = f.derivative(z)
        assert diagonal.shape == z.shape
        np.testing.assert_array_equal(diagonal[0], np.diagonal(f.jacobian(z)[0]))

    def test_vjp_equals_exact_product(self, row_id, dtype):
        z = np.array([ROWS[row_id]], dtype=dtype)
        g = np.linspace(-1.0, 2.0, z.shape[1]).reshape(1, -1)
        product = bpkit.get_activation("softmax").vjp(z, g)
        exact = [
            mp.fsum(mp.mpf(float(g[0, i])) * row[j] for i, row in
                    enumerate(jacobian_reference(z[0])))
            for j in range(z.shape[1])
        ]
        # p * (g - <g, p>) cancels inside the bracket, so the error is
        # measured against the largest |g| p_j of the row.
        scale = float(np.max(np.abs(g))) * max(float(v) for v in softmax_reference(z[0]))
        error = max(abs(float(mp.mpf(float(a)) - e)) for a, e in zip(product[0], exact))
        tolerance = (4e-16 if dtype == np.float64 else 1.2e-7) * scale
        assert error <= tolerance

    def test_c_kernel_value_equals_numpy(self, row_id, dtype):
        z = np.array([ROWS[row_id], ROWS[row_id][::-1]], dtype=dtype)
        out = np.empty_like(z)
        _elementwise.activation_values(_elementwise.ACT_SOFTMAX, z, out, 0.0)
        expected = bpkit.get_activation("softmax").value(z)
        assert ulp_distance(out, expected, dtype).max() <= 1

    def test_c_kernel_vjp_equals_numpy(self, row_id, dtype):
        f = bpkit.get_activation("softmax")
        z = np.array([ROWS[row_id], ROWS[row_id][::-1]], dtype=dtype)
        g = np.vstack([np.linspace(-1.0, 2.0, z.shape[1])] * 2).astype(dtype)
        delta = g.copy()
        _elementwise.activation_derivatives(_elementwise.ACT_SOFTMAX, z, f.value(z),
                                            delta, 0.0)
        # the kernel uses the stored output a, rounded to the dtype
        tolerance = 4e-16 if dtype == np.float64 else 2.4e-7
        np.testing.assert_allclose(delta, f.vjp(z, g), rtol=0, atol=tolerance * 2.0)


def test_softmax_is_not_elementwise():
    assert bpkit.get_activation("softmax").elementwise is False


def test_vjp_of_elementwise_activation_multiplies_by_derivative():
    f = bpkit.get_activation("tanh")
    z = np.array([[-1.0, 0.5]])
    g = np.array([[2.0, 3.0]])
    np.testing.assert_array_equal(f.vjp(z, g), g * f.derivative(z))


def test_rows_sum_to_one():
    z = np.random.default_rng(0).normal(scale=30.0, size=(50, 7))
    p = bpkit.get_activation("softmax").value(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=4e-16 * 7)
