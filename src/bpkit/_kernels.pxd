# Activation and loss kernels of the compiled core.
#
# These are the C twins of the NumPy formulas in ``_activations.py``,
# ``_smooth_activations.py``, ``_softmax.py``, ``_losses.py`` and
# ``_cross_entropy.py``; the tests hold each pair equal. Each kernel works on
# a contiguous row-major block of ``n_rows * n_cols`` values, takes a code
# that the Python side checked against ``_typedefs.pxd``, and cannot fail.
# Every value is computed in double and rounded once to the buffer's type,
# and every sum is accumulated in double, for float32 buffers too. The
# scalar functions live in ``_scalar_math.pxd``; the stability tricks they
# use (split exponentials, double-double products) are explained in
# ``_stable.py``.

from cython cimport floating
from libc.float cimport DBL_MIN, FLT_MIN
from libc.math cimport exp, expm1, fabs, log, log1p, tanh

from bpkit._scalar_math cimport (
    gelu, gelu_tanh, sigmoid, sigmoid_derivative, sigmoid_half, softplus,
    tanh_derivative, z_times_sigmoid, z_times_sigmoid_derivative,
)
from bpkit._typedefs cimport (
    ACT_ELU, ACT_GELU, ACT_GELU_TANH, ACT_IDENTITY, ACT_LEAKY_RELU, ACT_RELU,
    ACT_SIGMOID, ACT_SILU, ACT_SOFTMAX, ACT_SOFTPLUS, ACT_TANH,
    LOSS_BINARY_CROSS_ENTROPY, LOSS_CROSS_ENTROPY, LOSS_HUBER, LOSS_MAE, LOSS_MSE,
    LOSS_SSR,
)


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------

cdef inline void softmax_rows(
    const floating* z,      # IN  (n_rows * n_cols)
    floating* a,            # OUT (n_rows * n_cols)
    Py_ssize_t n_rows,
    Py_ssize_t n_cols,
) noexcept nogil:
    # a = exp(z - max) / sum(exp(z - max)) per row; the exponentials are
    # recomputed in the second pass so float32 rows keep double sums.
    cdef Py_ssize_t i, j
    cdef const floating* row
    cdef double top, total
    for i in range(n_rows):
        row = z + i * n_cols
        top = row[0]
        for j in range(1, n_cols):
            if row[j] > top:
                top = row[j]
        total = 0.0
        for j in range(n_cols):
            total += exp(<double>row[j] - top)
        for j in range(n_cols):
            a[i * n_cols + j] = <floating>(exp(<double>row[j] - top) / total)


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
    cdef double x
    if code == ACT_RELU:
        # a = np.where(z > 0, z, 0)
        for i in range(n):
            a[i] = z[i] if z[i] > 0 else 0
    elif code == ACT_LEAKY_RELU:
        for i in range(n):
            x = z[i]
            a[i] = <floating>(x if x > 0 else alpha * x)
    elif code == ACT_ELU:
        for i in range(n):
            x = z[i]
            a[i] = <floating>(x if x > 0 else alpha * expm1(x))
    elif code == ACT_GELU:
        for i in range(n):
            a[i] = <floating>gelu(z[i], False)
    elif code == ACT_GELU_TANH:
        for i in range(n):
            a[i] = <floating>gelu_tanh(z[i], False)
    elif code == ACT_SIGMOID:
        for i in range(n):
            a[i] = <floating>sigmoid(z[i])
    elif code == ACT_TANH:
        for i in range(n):
            a[i] = <floating>tanh(z[i])
    elif code == ACT_SOFTPLUS:
        for i in range(n):
            a[i] = <floating>softplus(z[i])
    elif code == ACT_SILU:
        for i in range(n):
            x = z[i]
            a[i] = <floating>z_times_sigmoid(x, x, sigmoid_half(x, 0.0))
    elif code == ACT_SOFTMAX:
        softmax_rows(z, a, n_rows, n_cols)
    else:
        # ACT_IDENTITY
        for i in range(n):
            a[i] = z[i]


cdef inline void multiply_by_derivative(
    int code,
    const floating* z,      # IN  (n_rows * n_cols)
    const floating* a,      # IN  (n_rows * n_cols), f(z); read by softmax only
    floating* delta,        # INOUT (n_rows * n_cols)
    Py_ssize_t n_rows,
    Py_ssize_t n_cols,
    double alpha,
) noexcept nogil:
    """delta = dLoss/da -> dLoss/dz, the chain-rule step through the activation.

    Elementwise activations multiply by f'(z). Softmax applies its Jacobian
    row by row: delta = a * (delta - sum(delta * a)).
    """
    cdef Py_ssize_t i, j, n = n_rows * n_cols
    cdef double x, dot
    if code == ACT_RELU:
        # delta *= (z > 0); relu'(0) = 0 by convention.
        for i in range(n):
            if not z[i] > 0:
                delta[i] = 0
    elif code == ACT_LEAKY_RELU:
        # leaky_relu'(0) = alpha by convention.
        for i in range(n):
            if not z[i] > 0:
                delta[i] = <floating>(delta[i] * alpha)
    elif code == ACT_ELU:
        for i in range(n):
            x = z[i]
            if not x > 0:
                delta[i] = <floating>(delta[i] * (alpha * exp(x)))
    elif code == ACT_GELU:
        for i in range(n):
            delta[i] = <floating>(delta[i] * gelu(z[i], True))
    elif code == ACT_GELU_TANH:
        for i in range(n):
            delta[i] = <floating>(delta[i] * gelu_tanh(z[i], True))
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
    elif code == ACT_SILU:
        for i in range(n):
            x = z[i]
            delta[i] = <floating>(
                delta[i] * z_times_sigmoid_derivative(x, 1.0, x, sigmoid_half(x, 0.0))
            )
    elif code == ACT_SOFTMAX:
        # np: delta = a * (delta - np.sum(delta * a, axis=1, keepdims=True))
        for i in range(n_rows):
            dot = 0.0
            for j in range(n_cols):
                dot += <double>delta[i * n_cols + j] * a[i * n_cols + j]
            for j in range(n_cols):
                delta[i * n_cols + j] = <floating>(
                    a[i * n_cols + j] * (delta[i * n_cols + j] - dot)
                )
    # ACT_IDENTITY: the derivative is 1, delta is unchanged.


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------

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

    ``param`` is huber's delta. Every loss but ssr is a mean over all
    n = n_rows * n_cols elements. The cross-entropies take probabilities,
    clipped to tiny inside log(p) and to 1 - epsneg inside log(1 - p), of the
    buffer's type, so that the loss and its gradient stay finite (see
    ``_cross_entropy.py``).
    """
    cdef Py_ssize_t i, n = n_rows * n_cols
    cdef double r, y, p, p_low, p_high, total = 0.0
    cdef double inverse_n = 1.0 / n
    cdef double low, high
    if floating is float:
        low, high = FLT_MIN, 1.0 - 5.9604644775390625e-08
    else:
        low, high = DBL_MIN, 1.0 - 1.1102230246251565e-16
    if code == LOSS_SSR or code == LOSS_MSE:
        # sum(r**2) with gradient 2 r; mse divides both by n
        if code == LOSS_SSR:
            inverse_n = 1.0
        for i in range(n):
            r = <double>y_pred[i] - <double>y_true[i]
            total += r * r
            grad_out[i] = <floating>(2.0 * r * inverse_n)
        return total * inverse_n
    elif code == LOSS_MAE:
        # mean(|r|), gradient sign(r) / n with sign(0) = 0
        for i in range(n):
            r = <double>y_pred[i] - <double>y_true[i]
            total += fabs(r)
            grad_out[i] = <floating>(((r > 0) - (r < 0)) * inverse_n)
        return total * inverse_n
    elif code == LOSS_HUBER:
        # r^2 / 2 where |r| <= delta, else delta (|r| - delta / 2); gradient
        # clip(r, -delta, delta) / n
        for i in range(n):
            r = <double>y_pred[i] - <double>y_true[i]
            if fabs(r) <= param:
                total += 0.5 * r * r
                grad_out[i] = <floating>(r * inverse_n)
            else:
                total += param * (fabs(r) - 0.5 * param)
                grad_out[i] = <floating>((param if r > 0 else -param) * inverse_n)
        return total * inverse_n
    elif code == LOSS_BINARY_CROSS_ENTROPY:
        # -mean(y log p + (1 - y) log(1 - p)), gradient (p - y) / (p (1 - p)) / n
        # with p clipped to low inside log(p) and to high inside log(1 - p)
        for i in range(n):
            y = y_true[i]
            p = y_pred[i]
            p_low = low if p < low else p
            p_high = high if p > high else p
            if y != 0:
                total -= y * log(p_low)
            if 1.0 - y != 0:
                total -= (1.0 - y) * log1p(-p_high)
            p = p_low if p_low < p_high else p_high
            grad_out[i] = <floating>((p - y) / (p_low * (1.0 - p_high)) * inverse_n)
        return total * inverse_n
    else:
        # LOSS_CROSS_ENTROPY: -sum(y log p) / n, gradient -y / p / n
        for i in range(n):
            y = y_true[i]
            p_low = y_pred[i]
            p_low = low if p_low < low else p_low
            if y != 0:
                total -= y * log(p_low)
            grad_out[i] = <floating>(-y / p_low * inverse_n)
        return total * inverse_n


cdef inline bint is_logits_pair(int activation_code, int loss_code) noexcept nogil:
    """Whether the output activation and loss are evaluated together from z."""
    return ((activation_code == ACT_SIGMOID and loss_code == LOSS_BINARY_CROSS_ENTROPY)
            or (activation_code == ACT_SOFTMAX and loss_code == LOSS_CROSS_ENTROPY))


cdef inline double loss_from_logits(
    int loss_code,
    const floating* y_true,     # IN  (n_rows * n_cols)
    const floating* z,          # IN  (n_rows * n_cols), output pre-activations
    floating* delta_out,        # OUT (n_rows * n_cols), dLoss/dz
    Py_ssize_t n_rows,
    Py_ssize_t n_cols,
) noexcept nogil:
    """Return a cross-entropy of sigmoid(z) or softmax(z) and write dLoss/dz.

    Both are means over all n = n_rows * n_cols elements of y.
    binary_cross_entropy: per element softplus(z) - y z, dLoss/dz =
    (sigmoid(z) - y) / n. cross_entropy: per row sum_j y_j (lse(z) - z_j),
    with lse the log-sum-exp, and dLoss/dz_j = (p_j sum(y) - y_j) / n, exact
    for rows of y that do not sum to 1.
    """
    cdef Py_ssize_t i, j, n = n_rows * n_cols
    cdef double x, y, total = 0.0, inverse_n = 1.0 / n
    cdef double top, sum_exp, log_sum, sum_y
    cdef const floating* row
    if loss_code == LOSS_BINARY_CROSS_ENTROPY:
        for i in range(n):
            x = z[i]
            y = y_true[i]
            # softplus(x) - y x without cancelling max(x, 0) against y x
            if x >= 0:
                total += (1.0 - y) * x + log1p(exp(-x))
            else:
                total += -y * x + log1p(exp(x))
            delta_out[i] = <floating>((sigmoid(x) - y) * inverse_n)
        return total * inverse_n
    for i in range(n_rows):
        row = z + i * n_cols
        top = row[0]
        for j in range(1, n_cols):
            if row[j] > top:
                top = row[j]
        sum_exp = 0.0
        sum_y = 0.0
        for j in range(n_cols):
            sum_exp += exp(<double>row[j] - top)
            sum_y += y_true[i * n_cols + j]
        log_sum = log(sum_exp)
        for j in range(n_cols):
            # lse - z_j = (top - z_j) + log(sum_exp), both terms >= 0
            y = y_true[i * n_cols + j]
            total += y * ((top - row[j]) + log_sum)
            delta_out[i * n_cols + j] = <floating>(
                (exp(<double>row[j] - top) / sum_exp * sum_y - y) * inverse_n
            )
    return total * inverse_n
