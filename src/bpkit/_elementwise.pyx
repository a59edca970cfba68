# Python access to the C activation and loss kernels of ``_kernels.pxd``.
#
# The training loop calls those kernels directly; these wrappers exist so the
# tests can hold each kernel equal to its NumPy formula in ``_activations.py``
# and ``_losses.py``. The Python side passes codes it took from a built-in
# class, and arrays of matching shape that it made C-contiguous.

from cython cimport floating

from bpkit._kernels cimport activate, loss_and_gradient, multiply_by_derivative
from bpkit._typedefs cimport (
    ACT_IDENTITY as C_ACT_IDENTITY, ACT_RELU as C_ACT_RELU,
    ACT_SIGMOID as C_ACT_SIGMOID, ACT_SOFTPLUS as C_ACT_SOFTPLUS,
    ACT_TANH as C_ACT_TANH, LOSS_MSE as C_LOSS_MSE, LOSS_SSR as C_LOSS_SSR,
    PLUGIN,
)

# The kernel codes, for the built-in classes on the Python side.
PLUGIN_KERNEL = PLUGIN
ACT_IDENTITY = C_ACT_IDENTITY
ACT_RELU = C_ACT_RELU
ACT_SIGMOID = C_ACT_SIGMOID
ACT_TANH = C_ACT_TANH
ACT_SOFTPLUS = C_ACT_SOFTPLUS
LOSS_SSR = C_LOSS_SSR
LOSS_MSE = C_LOSS_MSE


def activation_values(
    int code,
    const floating[:, ::1] z,   # IN  (n_rows, n_cols)
    floating[:, ::1] a_out,     # OUT (n_rows, n_cols)
    double alpha,
):
    """Write f(z) into a_out with the C kernel of the given code."""
    if a_out.shape[0] != z.shape[0] or a_out.shape[1] != z.shape[1]:
        raise ValueError("a_out must have the shape of z")
    if z.shape[0] == 0 or z.shape[1] == 0:
        return
    with nogil:
        activate(code, &z[0, 0], &a_out[0, 0], z.shape[0], z.shape[1], alpha)


def activation_derivatives(
    int code,
    const floating[:, ::1] z,   # IN  (n_rows, n_cols)
    floating[:, ::1] delta,     # INOUT (n_rows, n_cols), multiplied by f'(z)
    double alpha,
):
    """Multiply delta by f'(z) with the C kernel of the given code."""
    if delta.shape[0] != z.shape[0] or delta.shape[1] != z.shape[1]:
        raise ValueError("delta must have the shape of z")
    if z.shape[0] == 0 or z.shape[1] == 0:
        return
    with nogil:
        multiply_by_derivative(code, &z[0, 0], &delta[0, 0], z.shape[0],
                               z.shape[1], alpha)


def loss_values(
    int code,
    const floating[:, ::1] y_true,  # IN  (n_rows, n_cols)
    const floating[:, ::1] y_pred,  # IN  (n_rows, n_cols)
    floating[:, ::1] grad_out,      # OUT (n_rows, n_cols)
    double param,
):
    """Return the loss and write its gradient with the C kernel of the code."""
    cdef double loss
    if (y_pred.shape[0] != y_true.shape[0] or y_pred.shape[1] != y_true.shape[1]
            or grad_out.shape[0] != y_true.shape[0]
            or grad_out.shape[1] != y_true.shape[1]):
        raise ValueError("y_true, y_pred and grad_out must have one shape")
    if y_true.shape[0] == 0 or y_true.shape[1] == 0:
        raise ValueError("y_true is empty")
    with nogil:
        loss = loss_and_gradient(code, &y_true[0, 0], &y_pred[0, 0],
                                 &grad_out[0, 0], y_true.shape[0],
                                 y_true.shape[1], param)
    return loss
