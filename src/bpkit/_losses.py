"""Built-in losses, registered through the same hook as any plugin.

Symbols: the residual is r = y_pred - y_true, taken over every element of
arrays of shape (n_samples, n_outputs), and N is the number of elements,
n_samples * n_outputs. ``ssr`` sums; every other built-in averages over all
N elements, so duplicating the data leaves it unchanged. Values are summed
in float64 and returned as a Python float. Gradients have the dtype of
y_pred, and float32 ones are computed in float64 and rounded once. The
cross-entropies live in ``_cross_entropy.py``.

NOTE: ssr and mse overflow to inf once the exact sum of r^2 exceeds the
float64 range (|r| above about 1.3e154), and a float32 gradient 2r overflows
for |r| above about 1.7e38. Those are the exact results rounded, not an
instability, and training reports them as divergence.
"""

import numpy as np

from bpkit import _elementwise as kernels
from bpkit._base import Loss
from bpkit._cross_entropy import BinaryCrossEntropy, CrossEntropy
from bpkit._stable import working_dtype
from bpkit._validation import check_parameter
from bpkit.hookspecs import hookimpl


def residual(y_true, y_pred):
    """Return (r = y_pred - y_true in float64, dtype of the gradient, 1 / N)."""
    y_pred64, dtype = working_dtype(y_pred)
    r = y_pred64 - np.asarray(y_true, dtype=np.float64)
    return r, dtype, 1.0 / max(r.size, 1)


class SSR(Loss):
    """Sum of squared residuals, L = sum(r^2), dL/dy_pred = 2 r."""

    name = "ssr"
    latex = r"\sum_i \left(\hat{y}_i - y_i\right)^2"
    latex_derivative = r"2\left(\hat{y}_i - y_i\right)"
    latex_steps = (
        r"\frac{\partial L}{\partial \hat{y}_i} &= \frac{\partial}{\partial \hat{y}_i}"
        r" \left(\hat{y}_i - y_i\right)^2",
        r"&= 2\left(\hat{y}_i - y_i\right) = -2\left(y_i - \hat{y}_i\right)",
    )
    reduction = "sum"
    _kernel = kernels.LOSS_SSR

    def value(self, y_true, y_pred):
        r, _, _ = residual(y_true, y_pred)
        return float(np.sum(r * r))

    def gradient(self, y_true, y_pred):
        r, dtype, _ = residual(y_true, y_pred)
        return (2.0 * r).astype(dtype)


class MSE(Loss):
    """Mean squared error over all N elements, L = sum(r^2) / N, dL/dy_pred = 2 r / N."""

    name = "mse"
    latex = r"\frac{1}{N} \sum_i \left(\hat{y}_i - y_i\right)^2"
    latex_derivative = r"\frac{2}{N}\left(\hat{y}_i - y_i\right)"
    latex_steps = (
        r"\frac{\partial L}{\partial \hat{y}_i} &= \frac{1}{N}"
        r" \frac{\partial}{\partial \hat{y}_i} \left(\hat{y}_i - y_i\right)^2",
        r"&= \frac{2}{N}\left(\hat{y}_i - y_i\right)",
    )
    reduction = "mean"
    _kernel = kernels.LOSS_MSE

    def value(self, y_true, y_pred):
        r, _, inverse_n = residual(y_true, y_pred)
        return float(np.sum(r * r) * inverse_n)

    def gradient(self, y_true, y_pred):
        r, dtype, inverse_n = residual(y_true, y_pred)
        return (2.0 * r * inverse_n).astype(dtype)


class MAE(Loss):
    """Mean absolute error over all N elements, L = sum(|r|) / N.

    Notes
    -----
    dL/dy_pred = sign(r) / N. |r| has a kink at r = 0, where bpkit uses
    the derivative 0.
    """

    name = "mae"
    latex = r"\frac{1}{N} \sum_i \left|\hat{y}_i - y_i\right|"
    latex_derivative = r"\frac{1}{N}\operatorname{sign}\left(\hat{y}_i - y_i\right)"
    latex_steps = (
        r"\frac{\partial L}{\partial \hat{y}_i} &= \frac{1}{N}"
        r" \frac{\partial}{\partial \hat{y}_i} \left|\hat{y}_i - y_i\right|",
        r"&= \frac{1}{N}\operatorname{sign}\left(\hat{y}_i - y_i\right),"
        r" \quad \text{with } \operatorname{sign}(0) := 0",
    )
    reduction = "mean"
    kinks = (0.0,)
    _kernel = kernels.LOSS_MAE

    def value(self, y_true, y_pred):
        r, _, inverse_n = residual(y_true, y_pred)
        return float(np.sum(np.abs(r)) * inverse_n)

    def gradient(self, y_true, y_pred):
        r, dtype, inverse_n = residual(y_true, y_pred)
        return (np.sign(r) * inverse_n).astype(dtype)


class Huber(Loss):
    """Huber loss, averaged over all N elements.

    Per element, r^2 / 2 where |r| <= delta and delta (|r| - delta / 2)
    elsewhere: quadratic near 0 and linear in the tails, with a continuous
    derivative clip(r, -delta, delta) (divided by N).

    Parameters
    ----------
    delta : float, default 1.0
        Where the quadratic part ends, a finite number > 0.
    """

    name = "huber"
    latex = (
        r"\frac{1}{N} \sum_i \begin{cases} \frac{1}{2} r_i^{2} & |r_i| \le \delta \\ "
        r"\delta \left(|r_i| - \frac{\delta}{2}\right) & |r_i| > \delta \end{cases},"
        r"\quad r_i = \hat{y}_i - y_i"
    )
    latex_derivative = r"\frac{1}{N} \max\left(-\delta, \min\left(\delta, r_i\right)\right)"
    latex_steps = (
        r"|r_i| \le \delta:&\quad \frac{d}{dr_i}\, \frac{1}{2} r_i^{2} = r_i",
        r"|r_i| > \delta:&\quad \frac{d}{dr_i}\, \delta\left(|r_i|"
        r" - \frac{\delta}{2}\right) = \delta \operatorname{sign}(r_i)",
        r"\text{both}:&\quad \frac{\partial L}{\partial \hat{y}_i} = \frac{1}{N}"
        r" \max\left(-\delta, \min\left(\delta, r_i\right)\right)",
    )
    reduction = "mean"
    _kernel = kernels.LOSS_HUBER

    def __init__(self, delta=1.0):
        delta = check_parameter(delta, "delta", "huber", positive=True)
        super().__init__(delta=delta)
        self.delta = delta

    def value(self, y_true, y_pred):
        r, _, inverse_n = residual(y_true, y_pred)
        size = np.abs(r)
        per_element = np.where(
            size <= self.delta, 0.5 * r * r, self.delta * (size - 0.5 * self.delta)
        )
        return float(np.sum(per_element) * inverse_n)

    def gradient(self, y_true, y_pred):
        r, dtype, inverse_n = residual(y_true, y_pred)
        return (np.clip(r, -self.delta, self.delta) * inverse_n).astype(dtype)


BUILTIN_LOSSES = [SSR, MSE, MAE, Huber, BinaryCrossEntropy, CrossEntropy]


@hookimpl
def bpkit_register_losses():
    return list(BUILTIN_LOSSES)
