# The compiled forward pass, backward pass and gradient-descent loop.
#
# Why Cython: a training step of a small network is a few hundred
# floating-point operations, so interpreter overhead per step would dominate.
# Here a whole fit runs as one C loop without the GIL and without allocating.
#
# What the Python side (``_engine.py``) checked before calling in: every
# array is C-contiguous with the network's dtype, X and Y have matching rows
# and the layer widths, the offsets describe the parameter vector exactly,
# every buffer is as large as the layout says, every activation and loss code
# exists, and the trainable indices lie inside the parameter vector. Layers
# whose activation or loss is a plugin without a C kernel (code PLUGIN) are
# handed back to Python through ``bridge`` with the GIL held, on whole arrays.
#
# Symbols follow the derivation pages: for layer l, z_l = a_{l-1} W_l^T + b_l
# and a_l = f_l(z_l), with a_0 = X; delta_l = dLoss/dz_l.

from cpython.exc cimport PyErr_CheckSignals
from cython cimport floating
from libc.math cimport isfinite
from libc.string cimport memcpy

from bpkit._kernels cimport (
    activate, is_logits_pair, loss_and_gradient, loss_from_logits,
    multiply_by_derivative,
)
from bpkit._linalg cimport (
    linear_backward_inputs, linear_backward_params, linear_forward,
)
from bpkit._typedefs cimport PLUGIN

# Status codes returned by train().
cdef enum:
    COMPLETED = 0
    DIVERGED = 1

TRAIN_COMPLETED = COMPLETED
TRAIN_DIVERGED = DIVERGED


cdef struct Layout:
    # Shapes and offsets of one network and one batch size.
    Py_ssize_t n_layers
    Py_ssize_t n_rows
    const Py_ssize_t* sizes            # (n_layers + 1,) widths, inputs first
    const Py_ssize_t* weight_offsets   # (n_layers,) into the parameters
    const Py_ssize_t* bias_offsets     # (n_layers,) into the parameters
    const Py_ssize_t* value_offsets    # (n_layers,) of z_l in the values buffer
    const int* activation_codes        # (n_layers,)
    const double* activation_alphas    # (n_layers,)
    int loss_code
    double loss_param
    Py_ssize_t delta_stride            # length of each of the two delta halves


cdef inline floating* layer_z(Layout* lay, floating* values, Py_ssize_t l) noexcept nogil:
    return values + lay.value_offsets[l]


cdef inline floating* layer_a(Layout* lay, floating* values, Py_ssize_t l) noexcept nogil:
    # a_l is stored right after z_l
    return values + lay.value_offsets[l] + lay.n_rows * lay.sizes[l + 1]


cdef int forward(
    Layout* lay,
    const floating* params,     # IN  (n_params,)
    const floating* x,          # IN  (n_rows, sizes[0])
    floating* values,           # OUT z_l and a_l of every layer
    void* bridge,               # borrowed reference, used with the GIL only
) except -1 nogil:
    """Compute z_l and a_l of every layer, eq. (forward)."""
    cdef Py_ssize_t l
    cdef const floating* inputs = x
    for l in range(lay.n_layers):
        # z_l = a_{l-1} @ W_l.T + b_l
        linear_forward(inputs, params + lay.weight_offsets[l],
                       params + lay.bias_offsets[l], layer_z(lay, values, l),
                       lay.n_rows, lay.sizes[l], lay.sizes[l + 1])
        # a_l = f_l(z_l)
        if lay.activation_codes[l] == PLUGIN:
            with gil:
                (<object>bridge).activate(l)
        else:
            activate(lay.activation_codes[l], layer_z(lay, values, l),
                     layer_a(lay, values, l), lay.n_rows, lay.sizes[l + 1],
                     lay.activation_alphas[l])
        inputs = layer_a(lay, values, l)
    return 0


cdef int backward(
    Layout* lay,
    const floating* params,     # IN  (n_params,)
    const floating* x,          # IN  (n_rows, sizes[0])
    const floating* y,          # IN  (n_rows, sizes[n_layers])
    floating* values,           # IN  filled by forward()
    floating* delta,            # scratch (2 * delta_stride,)
    floating* grad_out,         # OUT (n_params,)
    double* loss_out,           # OUT the loss
    void* bridge,               # borrowed reference, used with the GIL only
) except -1 nogil:
    """Write the loss and dLoss/dparams for the values of the last forward().

    A sigmoid output with binary_cross_entropy, or a softmax output with
    cross_entropy, is evaluated from the logits z_L: the loss in its
    log-sum-exp form, which is finite and exact for any finite z_L, and
    delta_L = dLoss/dz_L directly: (sigmoid(z) - y) / n, or
    (softmax(z) * rowsum(y) - y) / n, with n the number of elements of y.
    """
    cdef Py_ssize_t l, last = lay.n_layers - 1
    cdef Py_ssize_t half = 0
    cdef floating* current = delta
    cdef const floating* inputs
    cdef bint from_logits = is_logits_pair(lay.activation_codes[last], lay.loss_code)

    # loss: dLoss/da_L into the first delta half, or dLoss/dz_L from the logits
    if lay.loss_code == PLUGIN:
        with gil:
            loss_out[0] = (<object>bridge).loss()
    elif from_logits:
        loss_out[0] = loss_from_logits(
            lay.loss_code, y, layer_z(lay, values, last), current,
            lay.n_rows, lay.sizes[last + 1])
    else:
        loss_out[0] = loss_and_gradient(
            lay.loss_code, y, layer_a(lay, values, last), current,
            lay.n_rows, lay.sizes[last + 1], lay.loss_param)

    # backward: delta_l = dLoss/da_l * f_l'(z_l), then the parameter gradients
    # of layer l and dLoss/da_{l-1} = delta_l @ W_l into the other half.
    for l in range(last, -1, -1):
        if l == last and from_logits:
            pass  # delta_L is dLoss/dz_L already
        elif lay.activation_codes[l] == PLUGIN:
            with gil:
                (<object>bridge).multiply_by_derivative(l, half)
        else:
            multiply_by_derivative(lay.activation_codes[l], layer_z(lay, values, l),
                                   layer_a(lay, values, l), current, lay.n_rows,
                                   lay.sizes[l + 1], lay.activation_alphas[l])
        inputs = x if l == 0 else layer_a(lay, values, l - 1)
        linear_backward_params(current, inputs, grad_out + lay.weight_offsets[l],
                               grad_out + lay.bias_offsets[l], lay.n_rows,
                               lay.sizes[l], lay.sizes[l + 1])
        if l > 0:
            half = 1 - half
            linear_backward_inputs(current, params + lay.weight_offsets[l],
                                   delta + half * lay.delta_stride, lay.n_rows,
                                   lay.sizes[l], lay.sizes[l + 1])
            current = delta + half * lay.delta_stride
    return 0


cdef void fill_layout(
    Layout* lay,
    const Py_ssize_t[::1] sizes,
    const Py_ssize_t[::1] weight_offsets,
    const Py_ssize_t[::1] bias_offsets,
    const Py_ssize_t[::1] value_offsets,
    const int[::1] activation_codes,
    const double[::1] activation_alphas,
    int loss_code,
    double loss_param,
    Py_ssize_t n_rows,
    Py_ssize_t delta_stride,
) noexcept:
    lay.n_layers = weight_offsets.shape[0]
    lay.n_rows = n_rows
    lay.sizes = &sizes[0]
    lay.weight_offsets = &weight_offsets[0]
    lay.bias_offsets = &bias_offsets[0]
    lay.value_offsets = &value_offsets[0]
    lay.activation_codes = &activation_codes[0]
    lay.activation_alphas = &activation_alphas[0]
    lay.loss_code = loss_code
    lay.loss_param = loss_param
    lay.delta_stride = delta_stride


def forward_pass(
    const floating[::1] params,             # IN  (n_params,)
    const floating[:, ::1] x,               # IN  (n_rows, sizes[0])
    floating[::1] values,                   # OUT z_l, a_l of every layer
    const Py_ssize_t[::1] sizes,            # IN  (n_layers + 1,)
    const Py_ssize_t[::1] weight_offsets,   # IN  (n_layers,)
    const Py_ssize_t[::1] bias_offsets,     # IN  (n_layers,)
    const Py_ssize_t[::1] value_offsets,    # IN  (n_layers,)
    const int[::1] activation_codes,        # IN  (n_layers,)
    const double[::1] activation_alphas,    # IN  (n_layers,)
    object bridge,
):
    """Fill ``values`` with z_l and a_l of every layer for the rows of x."""
    cdef Layout lay
    fill_layout(&lay, sizes, weight_offsets, bias_offsets, value_offsets,
                activation_codes, activation_alphas, -1, 0.0, x.shape[0], 0)
    with nogil:
        forward(&lay, &params[0], &x[0, 0], &values[0], <void*>bridge)


def loss_and_gradients(
    const floating[::1] params,             # IN  (n_params,)
    const floating[:, ::1] x,               # IN  (n_rows, sizes[0])
    const floating[:, ::1] y,               # IN  (n_rows, sizes[n_layers])
    floating[::1] values,                   # OUT z_l, a_l of every layer
    floating[::1] delta,                    # scratch (2 * delta_stride,)
    floating[::1] grad_out,                 # OUT (n_params,)
    const Py_ssize_t[::1] sizes,            # IN  (n_layers + 1,)
    const Py_ssize_t[::1] weight_offsets,   # IN  (n_layers,)
    const Py_ssize_t[::1] bias_offsets,     # IN  (n_layers,)
    const Py_ssize_t[::1] value_offsets,    # IN  (n_layers,)
    const int[::1] activation_codes,        # IN  (n_layers,)
    const double[::1] activation_alphas,    # IN  (n_layers,)
    int loss_code,
    double loss_param,
    object bridge,
):
    """Return the loss and write dLoss/dparams into ``grad_out``."""
    cdef Layout lay
    cdef double loss = 0.0
    fill_layout(&lay, sizes, weight_offsets, bias_offsets, value_offsets,
                activation_codes, activation_alphas, loss_code, loss_param,
                x.shape[0], delta.shape[0] // 2)
    with nogil:
        forward(&lay, &params[0], &x[0, 0], &values[0], <void*>bridge)
        backward(&lay, &params[0], &x[0, 0], &y[0, 0], &values[0], &delta[0],
                 &grad_out[0], &loss, <void*>bridge)
    return loss


def train(
    floating[::1] params,                   # INOUT (n_params,)
    const floating[:, ::1] x,               # IN  (n_rows, sizes[0])
    const floating[:, ::1] y,               # IN  (n_rows, sizes[n_layers])
    floating[::1] values,                   # scratch z_l, a_l of every layer
    floating[::1] delta,                    # scratch (2 * delta_stride,)
    floating[::1] grad,                     # scratch (n_params,)
    floating[::1] previous_params,          # scratch (n_params,)
    const Py_ssize_t[::1] trainable,        # IN  indices into params
    double learning_rate,
    Py_ssize_t epochs,
    double[::1] losses_out,                 # OUT (epochs,)
    Py_ssize_t[::1] steps_done_out,         # OUT (1,)
    const Py_ssize_t[::1] sizes,            # IN  (n_layers + 1,)
    const Py_ssize_t[::1] weight_offsets,   # IN  (n_layers,)
    const Py_ssize_t[::1] bias_offsets,     # IN  (n_layers,)
    const Py_ssize_t[::1] value_offsets,    # IN  (n_layers,)
    const int[::1] activation_codes,        # IN  (n_layers,)
    const double[::1] activation_alphas,    # IN  (n_layers,)
    int loss_code,
    double loss_param,
    object bridge,
    Py_ssize_t signal_check_interval,
):
    """Run full-batch gradient descent for ``epochs`` steps, in place.

    Step t records the loss at the parameters before its update in
    ``losses_out[t]`` and then moves each trainable parameter p by
    ``-learning_rate * dLoss/dp``. ``steps_done_out[0]`` counts completed
    steps, so it is exact even when a KeyboardInterrupt or a plugin error
    ends the loop early. If the loss, including the loss after the last
    update, or a parameter becomes NaN or infinite, the parameters are set
    back to those of the last finite loss and TRAIN_DIVERGED is returned.
    """
    cdef Layout lay
    cdef Py_ssize_t epoch, j, i
    cdef Py_ssize_t n_params = params.shape[0]
    cdef Py_ssize_t n_trainable = trainable.shape[0]
    cdef double loss = 0.0
    cdef int status = COMPLETED
    cdef bint finite
    fill_layout(&lay, sizes, weight_offsets, bias_offsets, value_offsets,
                activation_codes, activation_alphas, loss_code, loss_param,
                x.shape[0], delta.shape[0] // 2)
    steps_done_out[0] = 0
    with nogil:
        for epoch in range(epochs):
            # forward, loss and backward at the current parameters
            forward(&lay, &params[0], &x[0, 0], &values[0], <void*>bridge)
            backward(&lay, &params[0], &x[0, 0], &y[0, 0], &values[0],
                     &delta[0], &grad[0], &loss, <void*>bridge)
            if not isfinite(loss):
                # the previous update made the loss overflow: undo it
                if epoch > 0:
                    memcpy(&params[0], &previous_params[0],
                           n_params * sizeof(floating))
                status = DIVERGED
                break
            losses_out[epoch] = loss

            # update: p -= learning_rate * dLoss/dp, trainable parameters only
            memcpy(&previous_params[0], &params[0], n_params * sizeof(floating))
            finite = True
            for j in range(n_trainable):
                i = trainable[j]
                params[i] = <floating>(params[i] - learning_rate * grad[i])
                finite = finite and isfinite(params[i])
            steps_done_out[0] = epoch + 1
            if not finite:
                # an overflowing gradient: keep the parameters of this loss
                memcpy(&params[0], &previous_params[0],
                       n_params * sizeof(floating))
                status = DIVERGED
                break

            if (epoch + 1) % signal_check_interval == 0:
                with gil:
                    PyErr_CheckSignals()

        # The loop checks the loss of an update only at the next step, so
        # check the last update here: otherwise a fit could end, without a
        # warning, at parameters whose loss is infinite.
        if status == COMPLETED and epochs > 0:
            forward(&lay, &params[0], &x[0, 0], &values[0], <void*>bridge)
            backward(&lay, &params[0], &x[0, 0], &y[0, 0], &values[0],
                     &delta[0], &grad[0], &loss, <void*>bridge)
            if not isfinite(loss):
                memcpy(&params[0], &previous_params[0],
                       n_params * sizeof(floating))
                status = DIVERGED
    return status
