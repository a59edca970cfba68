"""Built-in smooth activations: sigmoid, tanh, softplus, silu and gelu.

Each is written to stay accurate, not only finite, for every finite z: no
exp of a large positive number, no 1 - x that cancels, and no tail result
rounded twice (see ``_stable.py`` for the shared tricks). float32 input is
evaluated in float64 and rounded once. These classes are registered by
``_activations.py``.
"""

import numpy as np
from scipy.special import erf

from bpkit import _elementwise as kernels
from bpkit._base import Activation
from bpkit._stable import (
    INV_SQRT2,
    INV_SQRT_2PI,
    gaussian_tail,
    sigmoid,
    sigmoid_parts,
    two_product,
    two_sum,
    working_dtype,
)

# Beyond this |z| the Gaussian tail Phi(-|z|) and the pdf are below the
# smallest subnormal double (Phi(-38.5) is about 1e-325), so z is clamped to it.
_GAUSSIAN_CLAMP = 40.0
# Below this |z| gelu uses erf instead of the Gaussian tail form.
_GELU_ERF_LIMIT = 1.0
# gelu's tanh form at |z| >= 30 has |v| > 1900: sigmoid(v) is exactly 0 or 1.
_GELU_TANH_CLAMP = 30.0
# 2 sqrt(2 / pi) and 0.044715, each as a double-double (hi + lo).
_K_HI, _K_LO = 1.5957691216057308, -9.96930880911092e-17
_C_HI, _C_LO = 0.044715, 2.1960211427085595e-18


class Sigmoid(Activation):
    """Logistic sigmoid, f(z) = 1 / (1 + exp(-z)).

    Notes
    -----
    With e = exp(-|z|), f(z) = 1 / (1 + e) for z >= 0 and e / (1 + e) for
    z < 0, so exp never overflows. f'(z) = f(z) (1 - f(z)) rounds 1 - f(z) to 0
    for z > 37; bpkit uses f'(z) = e / (1 + e)^2, which keeps full relative
    accuracy in both tails.
    """

    name = "sigmoid"
    latex = r"\frac{1}{1 + e^{-z}}"
    latex_derivative = r"\sigma(z)\,\bigl(1 - \sigma(z)\bigr)"
    latex_steps = (
        r"\sigma(z) &= \left(1 + e^{-z}\right)^{-1}",
        r"\sigma'(z) &= -\left(1 + e^{-z}\right)^{-2} \cdot \left(-e^{-z}\right)"
        r" = \frac{e^{-z}}{\left(1 + e^{-z}\right)^2}",
        r"&= \frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}}"
        r" = \sigma(z)\,\bigl(1 - \sigma(z)\bigr)",
    )
    _kernel = kernels.ACT_SIGMOID
    value_range = (0.0, 1.0)

    def value(self, z):
        z64, dtype = working_dtype(z)
        return sigmoid(z64).astype(dtype)

    def derivative(self, z):
        z64, dtype = working_dtype(z)
        e = np.exp(-np.abs(z64))
        return (e / ((1.0 + e) * (1.0 + e))).astype(dtype)


class Tanh(Activation):
    """Hyperbolic tangent, f(z) = tanh(z).

    Notes
    -----
    f'(z) = 1 - tanh(z)^2 cancels to 0 for |z| > 19. bpkit evaluates
    sech^2(z) = 4 e1^2 / (1 + e1^2)^2 with e1 = exp(-|z|), multiplying by the
    last e1 at the end so that a subnormal result is rounded only once.
    """

    name = "tanh"
    latex = r"\tanh(z)"
    latex_derivative = r"1 - \tanh^2(z)"
    latex_steps = (
        r"\tanh(z) &= \frac{\sinh(z)}{\cosh(z)}",
        r"\frac{d}{dz} \tanh(z) &= \frac{\cosh^2(z) - \sinh^2(z)}{\cosh^2(z)}"
        r" = 1 - \tanh^2(z)",
    )
    _kernel = kernels.ACT_TANH

    def value(self, z):
        z64, dtype = working_dtype(z)
        return np.tanh(z64).astype(dtype)

    def derivative(self, z):
        z64, dtype = working_dtype(z)
        e1 = np.exp(-np.abs(z64))
        one_plus_e = 1.0 + e1 * e1
        return ((4.0 * e1 / (one_plus_e * one_plus_e)) * e1).astype(dtype)


class Softplus(Activation):
    """Softplus, f(z) = log(1 + exp(z)), a smooth ReLU.

    Notes
    -----
    log(1 + exp(z)) overflows for z > 709 and loses all digits for z < -37;
    bpkit evaluates max(z, 0) + log1p(exp(-|z|)), the same function. f'(z)
    is the sigmoid of z, computed as in :class:`Sigmoid`.
    """

    name = "softplus"
    latex = r"\log\left(1 + e^{z}\right)"
    latex_derivative = r"\frac{1}{1 + e^{-z}}"
    latex_steps = (
        r"\frac{d}{dz} \log\left(1 + e^{z}\right) &= \frac{e^{z}}{1 + e^{z}}",
        r"&= \frac{1}{e^{-z} + 1} = \sigma(z)",
    )
    _kernel = kernels.ACT_SOFTPLUS

    def value(self, z):
        z64, dtype = working_dtype(z)
        return (np.maximum(z64, 0.0) + np.log1p(np.exp(-np.abs(z64)))).astype(dtype)

    def derivative(self, z):
        z64, dtype = working_dtype(z)
        return sigmoid(z64).astype(dtype)


class SiLU(Activation):
    """Sigmoid-weighted linear unit (swish), f(z) = z sigmoid(z).

    Notes
    -----
    For z < 0 the value z exp(z) / (1 + exp(z)) would round exp(z) into the
    subnormal range before multiplying by z, losing digits for z < -708; bpkit
    computes ``(z h / (1 + e)) h`` with h = exp(z / 2) and e = h^2.
    f'(z) = sigmoid(z) (1 + z (1 - sigmoid(z))) is evaluated with 1 - sigmoid(z)
    from exp(-|z|) directly, never as a difference. It has a simple zero near
    z = -1.2785, where no formula keeps relative accuracy.
    """

    name = "silu"
    latex = r"\frac{z}{1 + e^{-z}}"
    latex_derivative = r"\sigma(z)\,\bigl(1 + z\,(1 - \sigma(z))\bigr)"
    latex_steps = (
        r"f(z) &= z\,\sigma(z)",
        r"f'(z) &= \sigma(z) + z\,\sigma'(z)"
        r" = \sigma(z) + z\,\sigma(z)\bigl(1 - \sigma(z)\bigr)",
        r"&= \sigma(z)\,\bigl(1 + z\,(1 - \sigma(z))\bigr)",
    )
    _kernel = kernels.ACT_SILU

    def value(self, z):
        z64, dtype = working_dtype(z)
        return _z_times_sigmoid(z64, sigmoid_parts(z64)).astype(dtype)

    def derivative(self, z):
        z64, dtype = working_dtype(z)
        return _z_times_sigmoid_derivative(z64, 1.0, sigmoid_parts(z64)).astype(dtype)


def _z_times_sigmoid(z, parts):
    """Return z sigmoid(v) from ``parts = sigmoid_parts(v)``."""
    negative, half, one_plus_e = parts
    # v < 0: z e / (1 + e) with e = half^2, the last factor half applied last
    return np.where(negative, (z * half / one_plus_e) * half, z / one_plus_e)


def _z_times_sigmoid_derivative(z, slope, parts):
    """Return d/dz [z sigmoid(v(z))] = s (1 + z v'(z) (1 - s)), s = sigmoid(v).

    ``slope`` is v'(z). 1 - s is taken from exp(-|v|) directly, never as a
    difference, and for v < 0 the last factor of e = half^2 is applied last.
    """
    negative, half, one_plus_e = parts
    below = (half * (1.0 + z * slope / one_plus_e) / one_plus_e) * half
    above = (1.0 + z * slope * ((half / one_plus_e) * half)) / one_plus_e
    return np.where(negative, below, above)


class GELU(Activation):
    """Gaussian error linear unit, f(z) = z Phi(z), Phi the standard normal cdf.

    Parameters
    ----------
    approximate : {"none", "tanh"}, default "none"
        ``"none"`` is the exact function. ``"tanh"`` is the approximation
        ``z sigmoid(v)`` with ``v = 2 sqrt(2/pi) (z + 0.044715 z^3)``, which
        equals ``z (1 + tanh(v / 2)) / 2``.

    Notes
    -----
    Exact form: Phi(z) = erfc(-z / sqrt 2) / 2 loses about z^2 ulps for
    z << 0 because the rounding of the argument is amplified by the tail.
    bpkit writes Phi(-t) = exp(-t^2/2) erfcx(t / sqrt 2) / 2 for t = |z|
    with t^2 as an exact double-double and erfcx well conditioned, and uses
    Phi(z) = 1 - Phi(-z) for z >= 0. For |z| < 1, where the argument error
    is small, Phi(z) = (1 + erf(z / sqrt 2)) / 2 rounds fewer times. f'(z) = Phi(z) + z phi(z), with phi
    the normal pdf, is formed the same way; it has a simple zero near
    z = -0.7518, where no formula keeps relative accuracy.

    Tanh form: 1 + tanh(u) cancels for u << 0, so bpkit uses z sigmoid(v).
    The sigmoid's tail amplifies a rounding error in v by |v|, so v is
    computed as a double-double, with both constants as double-doubles.
    f'(z) = s (1 + z v'(z) (1 - s)) with s = sigmoid(v).
    """

    name = "gelu"
    # the exact form, the default; __init__ replaces these for "tanh"
    latex_steps = (
        r"f(z) &= z\,\Phi(z), \quad \Phi'(z) = \varphi(z)"
        r" = \frac{1}{\sqrt{2\pi}}\, e^{-z^{2}/2}",
        r"f'(z) &= \Phi(z) + z\,\varphi(z)",
    )
    latex = r"z\,\Phi(z) = \frac{z}{2}\,\operatorname{erfc}\left(-\frac{z}{\sqrt{2}}\right)"
    latex_derivative = (
        r"\Phi(z) + z\,\varphi(z) = \Phi(z) + \frac{z}{\sqrt{2\pi}}\,e^{-z^{2}/2}"
    )

    def __init__(self, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(
                f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}"
            )
        super().__init__(approximate=approximate)
        self.approximate = approximate
        if approximate == "tanh":
            self._kernel = kernels.ACT_GELU_TANH
            self.latex_steps = (
                r"f(z) &= z\,\sigma(v), \quad v = 2\sqrt{2/\pi}\,"
                r"\left(z + 0.044715\,z^{3}\right)",
                r"f'(z) &= \sigma(v) + z\,\sigma(v)\bigl(1 - \sigma(v)\bigr)\, v'(z),"
                r" \quad v'(z) = 2\sqrt{2/\pi}\,\left(1 + 0.134145\,z^{2}\right)",
            )
            self.latex = (
                r"\frac{z}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,"
                r"\left(z + 0.044715\,z^{3}\right)\right)\right)"
            )
            self.latex_derivative = (
                r"\sigma(v) + z\,\sigma(v)\bigl(1 - \sigma(v)\bigr)\,"
                r"2\sqrt{2/\pi}\,\left(1 + 0.134145\,z^{2}\right),\quad "
                r"v = 2\sqrt{2/\pi}\,\left(z + 0.044715\,z^{3}\right)"
            )
        else:
            self._kernel = kernels.ACT_GELU

    def value(self, z):
        z64, dtype = working_dtype(z)
        if self.approximate == "tanh":
            return _gelu_tanh(z64)[0].astype(dtype)
        return _gelu_exact(z64)[0].astype(dtype)

    def derivative(self, z):
        z64, dtype = working_dtype(z)
        if self.approximate == "tanh":
            return _gelu_tanh(z64)[1].astype(dtype)
        return _gelu_exact(z64)[1].astype(dtype)


def _gelu_exact(z):
    """Return (z Phi(z), Phi(z) + z phi(z)) for float64 z."""
    t = np.minimum(np.abs(z), _GAUSSIAN_CLAMP)
    tail, pdf, quarter = gaussian_tail(t)
    negative = z < 0
    # z < 0: both results are tiny, so fold every factor in before the last
    # multiplication by ``quarter``; z Phi(z) uses the clamped z = -t.
    value_negative = (-t * tail * quarter) * quarter
    slope_negative = ((tail - t * pdf) * quarter) * quarter
    # z >= 0: Phi(z) = 1 - Phi(-t), where Phi(-t) <= 1/2, so no cancellation.
    upper = 1.0 - (tail * quarter) * quarter
    value_positive = z * upper
    slope_positive = upper + (t * pdf * quarter) * quarter
    value = np.where(negative, value_negative, value_positive)
    slope = np.where(negative, slope_negative, slope_positive)
    # |z| < 1: Phi(z) = (1 + erf(z / sqrt 2)) / 2 rounds fewer times than the
    # tail form, and 1 + erf stays above 0.31 there.
    small = t < _GELU_ERF_LIMIT
    z_small = np.where(small, z, 0.0)
    cdf = 0.5 * (1.0 + erf(z_small * INV_SQRT2))
    pdf_small = INV_SQRT_2PI * np.exp(-0.5 * z_small * z_small)
    value = np.where(small, z_small * cdf, value)
    slope = np.where(small, cdf + z_small * pdf_small, slope)
    return value, slope


def _gelu_tanh(z):
    """Return (z sigmoid(v), d/dz of it) for the tanh form of gelu."""
    zc = np.clip(z, -_GELU_TANH_CLAMP, _GELU_TANH_CLAMP)
    # w = z + C z^3 as a double-double (w_hi, w_lo)
    square_hi, square_lo = two_product(zc, zc)
    cube_hi, cube_lo = two_product(zc, square_hi)
    cube_lo = cube_lo + zc * square_lo
    term_hi, term_lo = two_product(_C_HI, cube_hi)
    term_lo = term_lo + (_C_HI * cube_lo + _C_LO * cube_hi)
    w_hi, w_lo = two_sum(zc, term_hi)
    w_lo = w_lo + term_lo
    # v = K w as a double-double
    v_hi, v_lo = two_product(_K_HI, w_hi)
    v_lo = v_lo + (_K_HI * w_lo + _K_LO * w_hi)
    v_hi, v_lo = two_sum(v_hi, v_lo)

    parts = sigmoid_parts(v_hi, v_lo)
    # v'(z) = K (1 + 3 C z^2)
    slope = _K_HI * (1.0 + 3.0 * _C_HI * zc * zc)
    return _z_times_sigmoid(z, parts), _z_times_sigmoid_derivative(zc, slope, parts)
