"""Built-in losses, registered through the same hook as any plugin.

Symbols: the residual is r = y_pred - y_true, taken over every element of
arrays of shape (n_samples, n_outputs). ``ssr`` sums; ``mse`` averages over
all elements, so duplicating the data leaves it unchanged.
"""

import numpy as np

from bpkit import _elementwise as kernels
from bpkit._base import Loss
from bpkit.hookspecs import hookimpl


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
        residual = np.asarray(y_pred, dtype=np.float64) - y_true
        return float(np.sum(residual * residual))

    def gradient(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        return (2 * (y_pred - y_true)).astype(y_pred.dtype, copy=False)


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
        residual = np.asarray(y_pred, dtype=np.float64) - y_true
        return float(np.mean(residual * residual))

    def gradient(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        return (2 * (y_pred - y_true) / y_pred.size).astype(y_pred.dtype, copy=False)


BUILTIN_LOSSES = [SSR, MSE]


@hookimpl
def bpkit_register_losses():
    return list(BUILTIN_LOSSES)
