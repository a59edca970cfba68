"""Sigmoid and softmax outputs with a cross-entropy, computed from the logits.

The loss must be finite and exact for any finite logits (here up to +-1e4)
and the gradient dLoss/dz exact also for target rows that do not sum to 1.
Both the NumPy form (``loss_from_logits``, used by ``bpkit.reference``) and
the C kernel (used by the compiled backward pass) are checked.
"""

import mpmath as mp
import numpy as np
import pytest

import bpkit
from bpkit import _elementwise
from bpkit._cross_entropy import is_logits_pair, loss_from_logits

mp.mp.dps = 50

LOGITS = np.array([
    [1e4, -1e4, 0.0],
    [-1e4, -1e4, -1e4 + 1.0],
    [700.0, -700.0, 20.0],
    [0.0, 0.0, 0.0],
    [-40.0, 40.0, 1e-300],
])
# Rows summing to 1, 0.6, 2, 0 and 1.5.
TARGETS = np.array([
    [0.0, 1.0, 0.0],
    [0.2, 0.3, 0.1],
    [1.0, 1.0, 0.0],
    [0.0, 0.0, 0.0],
    [0.5, 0.5, 0.5],
])
LOSS_CODES = {
    "binary_cross_entropy": _elementwise.LOSS_BINARY_CROSS_ENTROPY,
    "cross_entropy": _elementwise.LOSS_CROSS_ENTROPY,
}


def _mp_sigmoid(z):
    return 1 / (1 + mp.exp(-z))


def reference(name, y_true, z):
    """Return (exact loss, exact dLoss/dz, scale of each gradient's terms)."""
    n = y_true.size
    values, gradients, scales = [], [], []
    for y_row, z_row in zip(y_true, z):
        ys = [mp.mpf(float(v)) for v in y_row]
        zs = [mp.mpf(float(v)) for v in z_row]
        if name == "binary_cross_entropy":
            for y, x in zip(ys, zs):
                # softplus(x) - y x, rearranged so mpmath does not cancel
                if x >= 0:
                    values.append((1 - y) * x + mp.log1p(mp.exp(-x)))
                else:
                    values.append(-y * x + mp.log1p(mp.exp(x)))
                gradients.append((_mp_sigmoid(x) - y) / n)
                scales.append(max(_mp_sigmoid(x), abs(y)) / n)
        else:
            top = max(zs)
            log_sum = mp.log(mp.fsum(mp.exp(x - top) for x in zs))
            total = mp.fsum(mp.exp(x - top) for x in zs)
            sum_y = mp.fsum(ys)
            for y, x in zip(ys, zs):
                values.append(y * ((top - x) + log_sum))
                p = mp.exp(x - top) / total
                gradients.append((p * sum_y - y) / n)
                scales.append(max(abs(p * sum_y), abs(y)) / n)
    return (
        float(mp.fsum(values) / n),
        np.array([float(g) for g in gradients]).reshape(z.shape),
        np.array([float(s) for s in scales]).reshape(z.shape),
    )


@pytest.mark.parametrize("name", ["binary_cross_entropy", "cross_entropy"])
class TestFromLogits:
    def test_numpy_value_matches_mpmath(self, name):
        value, _ = loss_from_logits(bpkit.get_loss(name), TARGETS, LOGITS)
        expected, _, _ = reference(name, TARGETS, LOGITS)
        assert np.isfinite(value)
        assert value == pytest.approx(expected, rel=1e-14)

    def test_numpy_gradient_matches_mpmath(self, name):
        # within 4 ulps of the larger of the two terms p sum(y) and y
        _, gradient = loss_from_logits(bpkit.get_loss(name), TARGETS, LOGITS)
        _, expected, scale = reference(name, TARGETS, LOGITS)
        assert np.all(np.abs(gradient - expected) <= 4 * np.spacing(scale))

    def test_c_kernel_value_matches_mpmath(self, name):
        delta = np.empty_like(LOGITS)
        value = _elementwise.logits_loss_values(LOSS_CODES[name], TARGETS, LOGITS, delta)
        expected, _, _ = reference(name, TARGETS, LOGITS)
        assert value == pytest.approx(expected, rel=1e-14)

    def test_c_kernel_gradient_matches_mpmath(self, name):
        delta = np.empty_like(LOGITS)
        _elementwise.logits_loss_values(LOSS_CODES[name], TARGETS, LOGITS, delta)
        _, expected, scale = reference(name, TARGETS, LOGITS)
        assert np.all(np.abs(delta - expected) <= 4 * np.spacing(scale))

    def test_float32_finite_and_close(self, name):
        z32, y32 = LOGITS.astype(np.float32), TARGETS.astype(np.float32)
        value, gradient = loss_from_logits(bpkit.get_loss(name), y32, z32)
        delta = np.empty_like(z32)
        c_value = _elementwise.logits_loss_values(LOSS_CODES[name], y32, z32, delta)
        expected, expected_gradient, scale = reference(name, y32, z32)
        assert gradient.dtype == np.float32
        assert value == pytest.approx(expected, rel=1e-14)
        assert c_value == pytest.approx(expected, rel=1e-14)
        # float32 gradients are float64 results rounded once
        bound = np.spacing(scale.astype(np.float32))
        assert np.all(np.abs(gradient - expected_gradient) <= bound)
        assert np.all(np.abs(delta - expected_gradient) <= bound)


class TestHandDerivedValues:
    def test_binary_cross_entropy_at_plus_minus_1e4(self):
        # softplus(1e4) - 1e4 = log1p(exp(-1e4)), which is 0 in double;
        # softplus(-1e4) - 1 * (-1e4) = 1e4 to double precision.
        loss = bpkit.get_loss("binary_cross_entropy")
        value, gradient = loss_from_logits(loss, np.array([[1.0, 1.0]]),
                                           np.array([[1e4, -1e4]]))
        assert value == 1e4 / 2
        np.testing.assert_array_equal(gradient, [[0.0, -0.5]])

    def test_cross_entropy_at_plus_minus_1e4(self):
        # row [1e4, -1e4, 0] with all weight on the -1e4 logit: lse - z = 2e4
        loss = bpkit.get_loss("cross_entropy")
        value, gradient = loss_from_logits(loss, np.array([[0.0, 1.0, 0.0]]),
                                           np.array([[1e4, -1e4, 0.0]]))
        assert value == pytest.approx(2e4 / 3, rel=2.3e-16)  # 1 ulp
        np.testing.assert_array_equal(gradient, [[1.0 / 3, -1.0 / 3, 0.0]])

    def test_cross_entropy_gradient_scales_with_row_sum(self):
        # dL/dz_j = (p_j sum(y) - y_j) / N; equal logits give p = 1/2
        loss = bpkit.get_loss("cross_entropy")
        _, gradient = loss_from_logits(loss, np.array([[1.0, 1.0]]), np.zeros((1, 2)))
        np.testing.assert_array_equal(gradient, [[0.0, 0.0]])


@pytest.mark.parametrize(
    "activation, loss, expected",
    [
        ("sigmoid", "binary_cross_entropy", True),
        ("softmax", "cross_entropy", True),
        ("sigmoid", "cross_entropy", False),
        ("softmax", "binary_cross_entropy", False),
        ("identity", "binary_cross_entropy", False),
    ],
    ids=["sigmoid-bce", "softmax-ce", "sigmoid-ce", "softmax-bce", "identity-bce"],
)
def test_logits_pairs(activation, loss, expected):
    assert is_logits_pair(bpkit.get_activation(activation), bpkit.get_loss(loss)) is expected
