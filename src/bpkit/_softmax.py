"""The softmax activation, the one built-in that is not elementwise."""

import numpy as np

from bpkit import _elementwise as kernels
from bpkit._base import Activation
from bpkit._stable import working_dtype


def _shifted_exponentials(z64):
    """Return exp(z - max(z)) along the last axis and its sum (keepdims).

    z - max(z) overflows to -inf only when a row spans more than the double
    range (about 1.8e308), and exp(-inf) = 0 is then the correct limit.
    """
    with np.errstate(over="ignore"):
        shifted = np.exp(z64 - np.max(z64, axis=-1, keepdims=True))
    return shifted, np.sum(shifted, axis=-1, keepdims=True)


def _others(shifted, total):
    """Return 1 - p_i as (sum of the other exponentials) / total, without cancelling.

    total - shifted_i is accurate wherever shifted_i <= total / 2, which holds
    for every entry but the row maximum (its shifted value is exactly 1). For
    the maximum the other exponentials are summed directly.
    """
    others = total - shifted
    top = np.argmax(shifted, axis=-1)[..., None]
    columns = np.arange(shifted.shape[-1])
    without_top = np.sum(np.where(columns == top, 0.0, shifted), axis=-1, keepdims=True)
    others = np.where(columns == top, without_top, others)
    return others / total


class Softmax(Activation):
    """Softmax over the last axis, f(z)_i = exp(z_i) / sum_j exp(z_j).

    Each row of z (its last axis) maps to a probability vector, so softmax is
    meant for the output layer of a classifier, paired with the
    ``cross_entropy`` loss.

    Notes
    -----
    Softmax is not elementwise (``elementwise = False``): output i depends on
    every z_j of its row. Its Jacobian is ``J_ij = p_i (delta_ij - p_j)`` with
    p = f(z). :meth:`derivative` returns the diagonal p_i (1 - p_i), the
    shape of z, as the plugin contract requires of a non-elementwise activation;
    :meth:`jacobian` returns the full matrix of each row, and :meth:`vjp` the
    chain-rule step ``g @ J``, which is what backpropagation uses and costs
    O(n) per row instead of O(n^2).

    Subtracting the row maximum before exp gives the same p without
    overflow, and the largest shifted exponential is exactly 1, so the sum
    is at least 1. The diagonal 1 - p_i is formed as the sum of the other
    exponentials over the row sum, not as a difference, so it keeps relative
    accuracy when p_i is close to 1.

    With ``cross_entropy``, a network evaluates the pair from the logits z
    (see :class:`bpkit._cross_entropy.CrossEntropy`).
    """

    name = "softmax"
    latex = r"\frac{e^{z_i}}{\sum_j e^{z_j}}"
    latex_derivative = r"\frac{\partial f_i}{\partial z_j} = f_i(z)\,\bigl(\delta_{ij} - f_j(z)\bigr)"
    latex_steps = (
        r"f_i(z) &= \frac{e^{z_i}}{S}, \quad S = \sum_k e^{z_k},"
        r" \quad \frac{\partial S}{\partial z_j} = e^{z_j}",
        r"\frac{\partial f_i}{\partial z_j} &= \frac{\delta_{ij}\, e^{z_i} S"
        r" - e^{z_i} e^{z_j}}{S^2}",
        r"&= f_i(z)\,\bigl(\delta_{ij} - f_j(z)\bigr)",
    )
    elementwise = False
    _kernel = kernels.ACT_SOFTMAX
    value_range = (0.0, 1.0)

    def value(self, z):
        """Return the softmax of each row.

        Parameters
        ----------
        z : ndarray of shape (..., n_units)

        Returns
        -------
        ndarray of shape (..., n_units), the dtype of ``z``
        """
        z64, dtype = working_dtype(z)
        shifted, total = _shifted_exponentials(z64)
        return (shifted / total).astype(dtype)

    def derivative(self, z):
        """Return the diagonal of each row's Jacobian, dp_i / dz_i = p_i (1 - p_i).

        Parameters
        ----------
        z : ndarray of shape (..., n_units)

        Returns
        -------
        ndarray of shape (..., n_units), the dtype of ``z``

        Notes
        -----
        This is the whole derivative only for one unit. Backpropagation
        needs the off-diagonal entries -p_i p_j too: use :meth:`vjp`, or
        :meth:`jacobian` for the full matrix.
        """
        z64, dtype = working_dtype(z)
        shifted, total = _shifted_exponentials(z64)
        return (shifted / total * _others(shifted, total)).astype(dtype)

    def jacobian(self, z):
        """Return the Jacobian ``J[..., i, j] = dp_i / dz_j`` of each row.

        Parameters
        ----------
        z : ndarray of shape (..., n_units)

        Returns
        -------
        ndarray of shape (..., n_units, n_units), the dtype of ``z``
        """
        z64, dtype = working_dtype(z)
        shifted, total = _shifted_exponentials(z64)
        p = shifted / total
        # off the diagonal: -p_i p_j; on it: p_i (1 - p_i)
        jacobian = -p[..., :, None] * p[..., None, :]
        diagonal = np.arange(z64.shape[-1])
        jacobian[..., diagonal, diagonal] = p * _others(shifted, total)
        return jacobian.astype(dtype)

    def vjp(self, z, grad_output):
        """Return ``grad_output @ J`` row by row: p * (g - sum(g * p)).

        Parameters
        ----------
        z : ndarray of shape (n_samples, n_units)
        grad_output : ndarray of shape (n_samples, n_units)
            dLoss/dp for each row.

        Returns
        -------
        ndarray of shape (n_samples, n_units), the dtype of ``z``
            dLoss/dz.
        """
        z64, dtype = working_dtype(z)
        shifted, total = _shifted_exponentials(z64)
        p = shifted / total
        g = np.asarray(grad_output, dtype=np.float64)
        return (p * (g - np.sum(g * p, axis=-1, keepdims=True))).astype(dtype)
