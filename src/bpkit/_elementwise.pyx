# Python access to the C activation and loss kernels of ``_kernels.pxd``.
#
# The training loop calls those kernels directly; these wrappers exist so the
# tests can hold each kernel equal to its NumPy formula in the activation and
# loss modules. The Python side passes codes it took from a built-in class,
# and C-contiguous arrays; the shapes are checked here before the GIL is
# released.

from cython cimport floating

from bpkit._kernels cimport (
    activate, loss_and_gradient, loss_from_logits, multiply_by_derivative,
)
from bpkit._typedefs cimport (
    ACT_ELU as C_ACT_ELU, ACT_GELU as C_ACT_GELU, ACT_GELU_TANH as C_ACT_GELU_TANH,
    ACT_IDENTITY as C_ACT_IDENTITY, ACT_LEAKY_RELU as C_ACT_LEAKY_RELU,
    ACT_RELU as C_ACT_RELU, ACT_SIGMOID as C_ACT_SIGMOID, ACT_SILU as C_ACT_SILU,
    ACT_SOFTMAX as C_ACT_SOFTMAX, ACT_SOFTPLUS as C_ACT_SOFTPLUS,
    ACT_TANH as C_ACT_TANH, LOSS_BINARY_CROSS_ENTROPY as C_LOSS_BINARY_CROSS_ENTROPY,
    LOSS_CROSS_ENTROPY as C_LOSS_CROSS_ENTROPY, LOSS_HUBER as C_LOSS_HUBER,
    LOSS_MAE as C_LOSS_MAE, LOSS_MSE as C_LOSS_MSE, LOSS_SSR as C_LOSS_SSR, PLUGIN,
)

# The kernel codes, for the built-in classes on the Python side.
PLUGIN_KERNEL = PLUGIN
ACT_IDENTITY = C_ACT_IDENTITY
ACT_RELU = C_ACT_RELU
ACT_SIGMOID = C_ACT_SIGMOID
ACT_TANH = C_ACT_TANH
ACT_SOFTPLUS = C_ACT_SOFTPLUS
ACT_LEAKY_RELU = C_ACT_LEAKY_RELU
ACT_ELU = C_ACT_ELU
ACT_GELU = C_ACT_GELU
ACT_GELU_TANH = C_ACT_GELU_TANH
ACT_SILU = C_ACT_SILU
ACT_SOFTMAX = C_ACT_SOFTMAX
LOSS_SSR = C_LOSS_SSR
LOSS_MSE = C_LOSS_MSE
LOSS_MAE = C_LOSS_MAE
LOSS_HUBER = C_LOSS_HUBER
LOSS_BINARY_CROSS_ENTROPY = C_LOSS_BINARY_CROSS_ENTROPY
LOSS_CROSS_ENTROPY = C_LOSS_CROSS_ENTROPY


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
    const floating[:, ::1] a,   # IN  (n_rows, n_cols), f(z)
    floating[:, ::1] delta,     # INOUT (n_rows, n_cols), dLoss/da -> dLoss/dz
    double alpha,
):
    """Apply the chain-rule step of the activation to delta in place.

    For an elementwise activation this multiplies delta by f'(z); for
    softmax it applies the Jacobian row by row, using a = f(z).
    """
    if (delta.shape[0] != z.shape[0] or delta.shape[1] != z.shape[1]
            or a.shape[0] != z.shape[0] or a.shape[1] != z.shape[1]):
        raise ValueError("a and delta must have the shape of z")
    if z.shape[0] == 0 or z.shape[1] == 0:
        return
    with nogil:
        multiply_by_derivative(code, &z[0, 0], &a[0, 0], &delta[0, 0], z.shape[0],
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


def logits_loss_values(
    int loss_code,
    const floating[:, ::1] y_true,  # IN  (n_rows, n_cols)
    const floating[:, ::1] z,       # IN  (n_rows, n_cols), output logits
    floating[:, ::1] delta_out,     # OUT (n_rows, n_cols), dLoss/dz
):
    """Return a cross-entropy from the logits and write dLoss/dz.

    ``loss_code`` is LOSS_BINARY_CROSS_ENTROPY (with a sigmoid output) or
    LOSS_CROSS_ENTROPY (with a softmax output).
    """
    cdef double loss
    if loss_code != C_LOSS_BINARY_CROSS_ENTROPY and loss_code != C_LOSS_CROSS_ENTROPY:
        raise ValueError(
            f"loss_code must be LOSS_BINARY_CROSS_ENTROPY or LOSS_CROSS_ENTROPY, "
            f"got {loss_code!r}"
        )
    if (z.shape[0] != y_true.shape[0] or z.shape[1] != y_true.shape[1]
            or delta_out.shape[0] != y_true.shape[0]
            or delta_out.shape[1] != y_true.shape[1]):
        raise ValueError("y_true, z and delta_out must have one shape")
    if y_true.shape[0] == 0 or y_true.shape[1] == 0:
        raise ValueError("y_true is empty")
    with nogil:
        loss = loss_from_logits(loss_code, &y_true[0, 0], &z[0, 0], &delta_out[0, 0],
                                y_true.shape[0], y_true.shape[1])
    return loss
