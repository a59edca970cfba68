# Elementwise activation and loss kernels of the compiled core.
#
# These are the C twins of the NumPy formulas in ``_activations.py`` and
# ``_losses.py``; the tests hold each pair equal. Each kernel works on a
# contiguous row-major block of ``n_rows * n_cols`` values, takes a code that
# the Python side checked against ``_typedefs.pxd``, and cannot fail.

from cython cimport floating
from libc.math cimport exp, fabs, log1p, tanh

from bpkit._typedefs cimport (
    ACT_IDENTITY, ACT_RELU, ACT_SIGMOID, ACT_SOFTPLUS, ACT_TANH, LOSS_MSE,
    LOSS_SSR,
)


cdef inline double sigmoid(double z) noexcept nogil:
    # exp of a non-positive number only, so no overflow for any finite z.
    cdef double e
    if z >= 0:
        return 1.0 / (1.0 + exp(-z))
    e = exp(z)
    return e / (1.0 + e)


cdef inline double sigmoid_derivative(double z) noexcept nogil:
    # s * (1 - s) rounds 1 - s to 0 for z > 37; e / (1 + e)^2 with
    # e = exp(-|z|) keeps full relative accuracy in both tails.
    cdef double e = exp(-fabs(z))
    return e / ((1.0 + e) * (1.0 + e))


cdef inline double tanh_derivative(double z) noexcept nogil:
    # 1 - tanh(z)^2 cancels to 0 for |z| > 19; sech^2 written with
    # e = exp(-2|z|) is 4e / (1 + e)^2 and stays accurate.
    cdef double e = exp(-2.0 * fabs(z))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


cdef inline double softplus(double z) noexcept nogil:
    # log(1 + exp(z)) overflows for z > 709; max(z, 0) + log1p(exp(-|z|))
    # is the same function without overflow.
    return (z if z > 0 else 0.0) + log1p(exp(-fabs(z)))


cdef inline void activate(
    int code,
    const floating* z,      # IN  (n_rows * n_cols)
    floating* a,            # OUT (n_rows * n_cols)
    Py_ssize_t n_rows,
    Py_ssize_t n_cols,
    double alpha,
) noexcept nogil:
    """a = f(z) for the activation with the given code."""
    cdef Py_ssize_t i, n = n_rows * n_cols
    if code == ACT_RELU:
        # a = np.maximum(z, 0)
        for i in range(n):
            a[i] = z[i] if z[i] > 0 else 0
    elif code == ACT_SIGMOID:
        for i in range(n):
            a[i] = <floating>sigmoid(z[i])
    elif code == ACT_TANH:
        for i in range(n):
            a[i] = <floating>tanh(z[i])
    elif code == ACT_SOFTPLUS:
        for i in range(n):
            a[i] = <floating>softplus(z[i])
    else:
        # ACT_IDENTITY
        for i in range(n):
            a[i] = z[i]


cdef inline void multiply_by_derivative(
    int code,
    const floating* z,      # IN  (n_rows * n_cols)
    floating* delta,        # INOUT (n_rows * n_cols)
    Py_ssize_t n_rows,
    Py_ssize_t n_cols,
    double alpha,
) noexcept nogil:
    """delta *= f'(z), the chain-rule step through the activation."""
    cdef Py_ssize_t i, n = n_rows * n_cols
    if code == ACT_RELU:
        # delta *= (z > 0); relu'(0) = 0 by convention. A select, not a
        # branch: the sign of z is unpredictable, and a mispredicted branch
        # per element cost more than the rest of this loop.
        for i in range(n):
            delta[i] = delta[i] if z[i] > 0 else 0
    elif code == ACT_SIGMOID:
        for i in range(n):
            delta[i] = <floating>(delta[i] * sigmoid_derivative(z[i]))
    elif code == ACT_TANH:
        for i in range(n):
            delta[i] = <floating>(delta[i] * tanh_derivative(z[i]))
    elif code == ACT_SOFTPLUS:
        # softplus' = sigmoid
        for i in range(n):
            delta[i] = <floating>(delta[i] * sigmoid(z[i]))
    # ACT_IDENTITY: the derivative is 1, delta is unchanged.


cdef inline double loss_and_gradient(
    int code,
    const floating* y_true,     # IN  (n_rows * n_cols)
    const floating* y_pred,     # IN  (n_rows * n_cols)
    floating* grad_out,         # OUT (n_rows * n_cols)
    Py_ssize_t n_rows,
    Py_ssize_t n_cols,
    double param,
) noexcept nogil:
    """Return the loss and write dLoss/dy_pred into grad_out.

    The sum of squares is accumulated in double for float32 data too.
    """
    cdef Py_ssize_t i, n = n_rows * n_cols
    cdef double r, total = 0.0, scale
    # ssr: sum(r**2), gradient 2 r;  mse: mean(r**2), gradient 2 r / n.
    scale = 1.0 if code == LOSS_SSR else 1.0 / n
    for i in range(n):
        r = <double>y_pred[i] - <double>y_true[i]
        total += r * r
        grad_out[i] = <floating>(2.0 * scale * r)
    return total * scale
