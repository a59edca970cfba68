"""Floating-point helpers shared by the built-in activations and losses.

The arithmetic helpers take and return float64 arrays. The built-ins evaluate float32
input in float64 and round the result once, so float32 results are within
about one ulp of the exact value. The C kernels in ``_kernels.pxd`` use the
same formulas in the same order, so both paths agree to an ulp or two.

Two tricks recur:

* **Error-free products.** ``two_product(a, b)`` returns ``hi + lo == a * b``
  exactly (Dekker's algorithm with Veltkamp's split). Exponentials of a
  square such as exp(-z**2 / 2) need this: rounding z**2 to a double shifts
  the exponent by up to 0.5 ulp of z**2, which is a relative error of about
  ``z**2 * 1.1e-16`` in the result, or hundreds of ulps at z = 37.
* **Split exponentials.** A result that is a small factor times exp(x) with
  exp(x) below the normal range is computed as ``(factor * exp(x/2)) *
  exp(x/2)``. Only the last multiplication rounds into the subnormal range,
  so the result keeps the accuracy of a single rounding there.
"""

import numpy as np

# 2**27 + 1: Veltkamp's constant that splits a double into two 26-bit halves.
_SPLITTER = 134217729.0

INV_SQRT2 = 0.7071067811865476  # 1 / sqrt(2), correctly rounded
INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi), correctly rounded


def working_dtype(x):
    """Return ``(x as a float64 array, dtype of the result)``.

    float32 input keeps float32 as the result dtype, any other input gives
    float64.
    """
    x = np.asarray(x)
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    return x.astype(np.float64), np.dtype(dtype)


def _split(a):
    t = _SPLITTER * a
    hi = t - (t - a)
    return hi, a - hi


def two_product(a, b):
    """Return ``(hi, lo)`` with ``hi = fl(a * b)`` and ``hi + lo == a * b`` exactly.

    Valid while |a| and |b| stay below about 1e150, so that the split does
    not overflow; callers clamp their arguments first.
    """
    hi = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    lo = ((a_hi * b_hi - hi) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return hi, lo


def two_sum(a, b):
    """Return ``(s, e)`` with ``s = fl(a + b)`` and ``s + e == a + b`` exactly."""
    s = a + b
    b_virtual = s - a
    e = (a - (s - b_virtual)) + (b - b_virtual)
    return s, e


def sigmoid(z):
    """Return 1 / (1 + exp(-z)), taking exp of -|z| only so it cannot overflow."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_parts(v_hi, v_lo=0.0):
    """Return ``(negative, half, one_plus_e)`` for the sigmoid of v = v_hi + v_lo.

    ``half = exp(-|v| / 2)`` and ``one_plus_e = 1 + half**2``, so that
    sigmoid(v) is ``1 / one_plus_e`` for v >= 0 and ``(half / one_plus_e) *
    half`` for v < 0 (a split exponential), and 1 - sigmoid(v) the other way
    round. v is a double-double because the sigmoid's tail amplifies a
    rounding error in v by |v|; ``v_lo`` is at most ulp(v_hi), so
    exp(-|v|/2) = exp(-|v_hi|/2) (1 -+ v_lo / 2) to double precision.
    """
    negative = v_hi < 0
    sign = np.where(negative, -1.0, 1.0)
    half = np.exp(-0.5 * np.abs(v_hi)) * (1.0 - 0.5 * sign * v_lo)
    return negative, half, 1.0 + half * half


def gaussian_tail(t):
    """Return ``(tail_factor, pdf_factor, quarter)`` for the normal tail at t >= 0.

    With Phi and phi the standard normal cdf and pdf, ``Phi(-t) =
    (tail_factor * quarter) * quarter`` and ``phi(t) = (pdf_factor * quarter)
    * quarter``. The split lets callers fold their own factors in before the
    final rounding. ``t`` must already be clamped to at most 40, where both
    underflow to 0.

    Phi(-t) = exp(-t**2/2) erfcx(t/sqrt 2) / 2, with t**2 taken as an exact
    double-double. erfcx (scipy.special) is well conditioned, unlike erfc,
    whose argument rounding costs about t**2 ulps.
    """
    from scipy.special import erfcx

    hi, lo = two_product(t, t)
    # exp(-t**2/2) = exp(-hi/4)**2 * exp(-lo/2), and exp(-lo/2) = 1 - lo/2 to
    # double precision because |lo| < 1e-12.
    quarter = np.exp(-0.25 * hi)
    correction = 1.0 - 0.5 * lo
    tail_factor = 0.5 * correction * erfcx(t * INV_SQRT2)
    pdf_factor = INV_SQRT_2PI * correction
    return tail_factor, pdf_factor, quarter
