"""Mish, softsign and log-cosh, each with a derivative that is exact and stable.

Every formula below is evaluated so that no intermediate overflows or loses
its precision to cancellation for any finite input, in float64 and float32,
and results keep the dtype of the input.
"""

import numpy as np

import bpkit


def _softplus(z):
    """log(1 + exp(z)) as max(z, 0) + log1p(exp(-|z|)), which does not overflow for finite z."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _sigmoid(z):
    """1 / (1 + exp(-z)), with exp evaluated at -|z| only, so it does not overflow."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


class Mish(bpkit.Activation):
    """Mish, f(z) = z tanh(softplus(z)) (Misra, 2019, arXiv:1908.08681).

    Notes
    -----
    With s = softplus(z) = log(1 + e^z), the chain rule gives

        f'(z) = tanh(s) + z sech^2(s) sigma(z),

    because ds/dz is the sigmoid sigma(z). sech^2(s) is evaluated as
    4e / (1 + e)^2 with e = exp(-s)^2: the textbook 1 - tanh^2(s) rounds to 0
    for s > 19, and exp(-2s) overflows its argument in float32 for huge s.
    """

    name = "mish"
    latex = r"z \tanh\left(\ln\left(1 + e^{z}\right)\right)"
    latex_derivative = (
        r"\tanh\left(\ln\left(1 + e^{z}\right)\right) + z \operatorname{sech}^2\left("
        r"\ln\left(1 + e^{z}\right)\right) \frac{1}{1 + e^{-z}}"
    )

    def value(self, z):
        z = np.asarray(z)
        return (z * np.tanh(_softplus(z))).astype(z.dtype, copy=False)

    def derivative(self, z):
        z = np.asarray(z)
        s = _softplus(z)
        e = np.exp(-s) ** 2
        sech_squared = 4 * e / ((1 + e) * (1 + e))
        return (np.tanh(s) + z * sech_squared * _sigmoid(z)).astype(z.dtype, copy=False)


class Softsign(bpkit.Activation):
    """Softsign, f(z) = z / (1 + |z|), a tanh-like curve with polynomial tails.

    Notes
    -----
    f'(z) = 1 / (1 + |z|)^2. It is continuous at 0 (its value there is 1),
    so softsign has no kink even though |z| has one. The square is taken of
    1 / (1 + |z|), not of 1 + |z|, which would overflow for |z| > 1e154.
    """

    name = "softsign"
    latex = r"\frac{z}{1 + |z|}"
    latex_derivative = r"\frac{1}{\left(1 + |z|\right)^2}"

    def value(self, z):
        z = np.asarray(z)
        return (z / (1 + np.abs(z))).astype(z.dtype, copy=False)

    def derivative(self, z):
        z = np.asarray(z)
        reciprocal = 1 / (1 + np.abs(z))
        return (reciprocal * reciprocal).astype(z.dtype, copy=False)


class LogCosh(bpkit.Loss):
    """Mean log-cosh loss, L = (1/N) sum log(cosh(r)), r = y_pred - y_true.

    It behaves like r^2 / 2 for small residuals and like |r| - log 2 for
    large ones, so outliers pull less than with squared error. N counts every
    element of y, so duplicating the batch leaves the loss unchanged.

    Notes
    -----
    dL/dy_pred = tanh(r) / N. log(cosh(r)) is evaluated as
    log1p(2 sinh^2(r / 2)) for |r| < 20, which keeps full relative accuracy
    for tiny r where cosh(r) rounds to 1, and as
    |r| - log 2 + log1p(exp(-2|r|)) beyond, where cosh(r) would overflow.
    """

    name = "log_cosh"
    latex = r"\frac{1}{N} \sum_i \log\cosh\left(\hat{y}_i - y_i\right)"
    latex_derivative = r"\frac{1}{N} \tanh\left(\hat{y}_i - y_i\right)"
    reduction = "mean"

    def value(self, y_true, y_pred):
        r = np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)
        size = np.abs(r)
        small = np.log1p(2 * np.sinh(np.minimum(size, 20.0) / 2) ** 2)
        large = size - np.log(2.0) + np.log1p(np.exp(-2 * size))
        return float(np.mean(np.where(size < 20.0, small, large)))

    def gradient(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        return (np.tanh(y_pred - y_true) / y_pred.size).astype(y_pred.dtype, copy=False)
