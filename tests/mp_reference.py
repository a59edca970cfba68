"""Exact references for the built-in activations, evaluated with mpmath.

Each function takes an mpmath number and returns the exact value (to the
working precision, 50 digits in the tests) of the activation or of its
derivative. The formulas are the textbook definitions, rearranged only where
mpmath itself would cancel: 1 - sigmoid(z) is written 1 / (1 + exp(z)).
At a kink the derivative follows bpkit's convention, the derivative from
the left.
"""

import mpmath as mp


def _sigmoid(z):
    return 1 / (1 + mp.exp(-z))


def _sigmoid_complement(z):
    # 1 - sigmoid(z), without cancellation for large z
    return 1 / (1 + mp.exp(z))


def _gelu_tanh_argument(z):
    # v = 2 sqrt(2/pi) (z + 0.044715 z^3), the decimal constant taken exactly
    return 2 * mp.sqrt(2 / mp.pi) * (z + mp.mpf("0.044715") * z**3)


def _normal_cdf(z):
    return mp.erfc(-z / mp.sqrt(2)) / 2


def _normal_pdf(z):
    return mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)


def value(name, z, alpha=None):
    """Return f(z) for the activation ``name`` (``gelu_tanh`` for the tanh form)."""
    if name == "identity":
        return z
    if name == "relu":
        return z if z > 0 else mp.mpf(0)
    if name == "leaky_relu":
        return z if z > 0 else alpha * z
    if name == "elu":
        return z if z > 0 else alpha * mp.expm1(z)
    if name == "gelu":
        return z * _normal_cdf(z)
    if name == "gelu_tanh":
        return z * _sigmoid(_gelu_tanh_argument(z))
    if name == "softplus":
        return mp.log1p(mp.exp(z))
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "tanh":
        return mp.tanh(z)
    if name == "silu":
        return z * _sigmoid(z)
    raise KeyError(name)


def derivative(name, z, alpha=None):
    """Return f'(z), with the left derivative at a kink."""
    if name == "identity":
        return mp.mpf(1)
    if name == "relu":
        return mp.mpf(1) if z > 0 else mp.mpf(0)
    if name == "leaky_relu":
        return mp.mpf(1) if z > 0 else alpha
    if name == "elu":
        return mp.mpf(1) if z > 0 else alpha * mp.exp(z)
    if name == "gelu":
        return _normal_cdf(z) + z * _normal_pdf(z)
    if name == "gelu_tanh":
        v = _gelu_tanh_argument(z)
        slope = 2 * mp.sqrt(2 / mp.pi) * (1 + 3 * mp.mpf("0.044715") * z**2)
        return _sigmoid(v) * (1 + z * slope * _sigmoid_complement(v))
    if name == "softplus":
        return _sigmoid(z)
    if name == "sigmoid":
        return _sigmoid(z) * _sigmoid_complement(z)
    if name == "tanh":
        return mp.sech(z) ** 2
    if name == "silu":
        return _sigmoid(z) * (1 + z * _sigmoid_complement(z))
    raise KeyError(name)


def derivative_terms(name, z, alpha=None):
    """Return the sum of the magnitudes of the terms that make up f'(z).

    Three derivatives are a difference of two terms and have a simple zero
    (gelu near -0.7518, silu near -1.2785, the tanh form of gelu near -0.7507).
    No floating-point formula keeps relative accuracy there, so the tests
    measure their error in ulps of this sum. For the other activations it is
    |f'(z)| itself.
    """
    if name == "gelu":
        return _normal_cdf(z) + abs(z) * _normal_pdf(z)
    if name == "silu":
        s = _sigmoid(z)
        return s * (1 + abs(z) * _sigmoid_complement(z))
    if name == "gelu_tanh":
        v = _gelu_tanh_argument(z)
        slope = 2 * mp.sqrt(2 / mp.pi) * (1 + 3 * mp.mpf("0.044715") * z**2)
        return _sigmoid(v) * (1 + abs(z) * slope * _sigmoid_complement(v))
    return abs(derivative(name, z, alpha))
