"""Binary and categorical cross-entropy, on probabilities and from logits.

Both losses average over all N = n_samples * n_outputs elements of y, like
every built-in loss except ``ssr``, so duplicating the data leaves them
unchanged. For ``cross_entropy`` this is the usual per-row cross-entropy
divided by n_outputs.

Given probabilities p, ``value`` and ``gradient`` use max(p, tiny) inside
log(p) and min(p, 1 - epsneg) inside log(1 - p), with tiny and epsneg of
the dtype of y_pred (2.2e-308 and 1.1e-16 in float64; 1.2e-38 and 6.0e-8 in
float32). The clip changes only p <= 0, p >= 1 and subnormal p, where a log
would be infinite or undefined, and it keeps the gradient finite for targets in [0, 1];
at a clipped p the gradient is the formula's value there. A term whose
weight y or 1 - y is 0 counts as 0, so p = 0 with y = 0 costs nothing.

A network whose output activation is sigmoid (with binary_cross_entropy) or
softmax (with cross_entropy) never goes through probabilities: it uses
:func:`loss_from_logits`, which is finite and exact for any finite logits
and gives the exact gradient for any targets.
"""

import numpy as np
from scipy.special import xlog1py, xlogy

from bpkit import _elementwise as kernels
from bpkit._base import Loss
from bpkit._stable import sigmoid, working_dtype


def _probabilities(y_true, y_pred):
    """Return (y, p_low, p_high, dtype of the gradient, 1 / N), all in float64.

    p_low = max(p, tiny) is the p inside log(p) and p_high = min(p, 1 -
    epsneg) the p inside log(1 - p), with tiny and epsneg of the dtype.
    """
    p, dtype = working_dtype(y_pred)
    info = np.finfo(dtype)
    p_low = np.maximum(p, float(info.tiny))
    p_high = np.minimum(p, 1.0 - float(info.epsneg))
    y = np.asarray(y_true, dtype=np.float64)
    return y, p_low, p_high, dtype, 1.0 / max(p.size, 1)


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy, L = -mean(y log p + (1 - y) log(1 - p)).

    Notes
    -----
    dL/dp = (p - y) / (p (1 - p)) / N. See the module notes for the clip of
    p and for the logits form used with a sigmoid output, where
    dL/dz = (sigmoid(z) - y) / N.
    """

    name = "binary_cross_entropy"
    latex = (
        r"-\frac{1}{N} \sum_i \left(y_i \log \hat{y}_i + (1 - y_i) "
        r"\log\left(1 - \hat{y}_i\right)\right)"
    )
    latex_derivative = r"\frac{1}{N}\,\frac{\hat{y}_i - y_i}{\hat{y}_i\left(1 - \hat{y}_i\right)}"
    latex_steps = (
        r"\frac{\partial L}{\partial \hat{y}_i} &= -\frac{1}{N}\left(\frac{y_i}{\hat{y}_i}"
        r" - \frac{1 - y_i}{1 - \hat{y}_i}\right)",
        r"&= -\frac{1}{N}\,\frac{y_i\left(1 - \hat{y}_i\right)"
        r" - \left(1 - y_i\right)\hat{y}_i}{\hat{y}_i\left(1 - \hat{y}_i\right)}"
        r" = \frac{1}{N}\,\frac{\hat{y}_i - y_i}{\hat{y}_i\left(1 - \hat{y}_i\right)}",
    )
    reduction = "mean"
    #: targets and probabilities lie in [0, 1]
    y_true_domain = (0.0, 1.0)
    y_pred_domain = (0.0, 1.0)
    _kernel = kernels.LOSS_BINARY_CROSS_ENTROPY

    def value(self, y_true, y_pred):
        y, p_low, p_high, _, inverse_n = _probabilities(y_true, y_pred)
        return float(-np.sum(xlogy(y, p_low) + xlog1py(1.0 - y, -p_high)) * inverse_n)

    def gradient(self, y_true, y_pred):
        # -y / p + (1 - y) / (1 - p), written without the cancellation at p = y
        y, p_low, p_high, dtype, inverse_n = _probabilities(y_true, y_pred)
        p = np.minimum(p_low, p_high)
        return ((p - y) / (p_low * (1.0 - p_high)) * inverse_n).astype(dtype)


class CrossEntropy(Loss):
    """Categorical cross-entropy, L = -sum(y log p) / N over all N elements.

    With one-hot rows of y this is the mean over rows of -log p[true class],
    divided by n_outputs.

    Notes
    -----
    dL/dp = -y / p / N. See the module notes for the clip of p and for the
    logits form used with a softmax output, where dL/dz = (softmax(z)
    sum(y) - y) / N row by row, exact also for rows of y that do not sum to 1.
    """

    name = "cross_entropy"
    latex = r"-\frac{1}{N} \sum_i y_i \log \hat{y}_i"
    latex_derivative = r"-\frac{1}{N}\,\frac{y_i}{\hat{y}_i}"
    latex_steps = (
        r"\frac{\partial L}{\partial \hat{y}_i} &= -\frac{1}{N}\, y_i"
        r" \frac{d}{d\hat{y}_i} \log \hat{y}_i = -\frac{1}{N}\,\frac{y_i}{\hat{y}_i}",
    )
    reduction = "mean"
    #: targets and probabilities lie in [0, 1]
    y_true_domain = (0.0, 1.0)
    y_pred_domain = (0.0, 1.0)
    _kernel = kernels.LOSS_CROSS_ENTROPY

    def value(self, y_true, y_pred):
        y, p_low, _, _, inverse_n = _probabilities(y_true, y_pred)
        return float(-np.sum(xlogy(y, p_low)) * inverse_n)

    def gradient(self, y_true, y_pred):
        y, p_low, _, dtype, inverse_n = _probabilities(y_true, y_pred)
        return (-y / p_low * inverse_n).astype(dtype)


def is_logits_pair(activation, loss):
    """Return whether a network evaluates this output activation and loss from z.

    True for sigmoid with binary_cross_entropy and softmax with
    cross_entropy. The test reads the kernel codes, exactly as the compiled
    core does, so both paths always pick the same formula.
    """
    codes = (activation._kernel, loss._kernel)
    return codes in (
        (kernels.ACT_SIGMOID, kernels.LOSS_BINARY_CROSS_ENTROPY),
        (kernels.ACT_SOFTMAX, kernels.LOSS_CROSS_ENTROPY),
    )


def loss_from_logits(loss, y_true, z):
    """Return (loss value, dLoss/dz) of a cross-entropy of sigmoid(z) or softmax(z).

    Parameters
    ----------
    loss : BinaryCrossEntropy or CrossEntropy
        With a sigmoid output for the first and a softmax output for the
        second (see :func:`is_logits_pair`).
    y_true : ndarray of shape (n_samples, n_outputs)
    z : ndarray of shape (n_samples, n_outputs)
        Pre-activations of the output layer (the logits).

    Returns
    -------
    value : float
    gradient : ndarray of shape (n_samples, n_outputs), the dtype of ``z``

    Notes
    -----
    binary_cross_entropy: per element softplus(z) - y z, written as
    (1 - y) z + log1p(exp(-z)) for z >= 0 and -y z + log1p(exp(z)) for
    z < 0, so max(z, 0) never cancels against y z; dLoss/dz =
    (sigmoid(z) - y) / N.

    cross_entropy: per row sum_j y_j (lse(z) - z_j) with the log-sum-exp
    lse(z) = m + log(sum_j exp(z_j - m)), m = max_j z_j, written as
    y_j ((m - z_j) + log(sum)), a sum of non-negative terms; dLoss/dz_j =
    (p_j sum_k y_k - y_j) / N with p = softmax(z), which is the exact
    derivative also when sum_k y_k != 1.

    NOTE: a row whose logits span more than the float64 range (max - min
    above about 1.8e308) makes m - z_j overflow, and a loss with a positive
    weight on that logit is then inf, the exact value rounded.
    """
    z64, dtype = working_dtype(z)
    y = np.asarray(y_true, dtype=np.float64)
    inverse_n = 1.0 / max(z64.size, 1)
    if loss._kernel == kernels.LOSS_BINARY_CROSS_ENTROPY:
        per_element = np.where(z64 >= 0, (1.0 - y) * z64, -y * z64) + np.log1p(
            np.exp(-np.abs(z64))
        )
        gradient = (sigmoid(z64) - y) * inverse_n
        return float(np.sum(per_element) * inverse_n), gradient.astype(dtype)
    top = np.max(z64, axis=-1, keepdims=True)
    shifted = np.exp(z64 - top)
    sum_exp = np.sum(shifted, axis=-1, keepdims=True)
    per_element = y * ((top - z64) + np.log(sum_exp))
    sum_y = np.sum(y, axis=-1, keepdims=True)
    gradient = (shifted / sum_exp * sum_y - y) * inverse_n
    return float(np.sum(per_element) * inverse_n), gradient.astype(dtype)
