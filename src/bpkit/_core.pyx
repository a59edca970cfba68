# The compiled forward pass, backward pass and mini-batch training loop.
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
from libc.stdint cimport uint64_t
from libc.string cimport memcpy

import numpy as np

from bpkit._kernels cimport (
    activate, is_logits_pair, loss_and_gradient, loss_from_logits,
    multiply_by_derivative,
)
from bpkit._linalg cimport (
    linear_backward_inputs, linear_backward_params, linear_forward,
)
from bpkit._optimizers cimport Optimizer, apply_update
from bpkit._shuffle cimport seed_xoshiro, shuffle_order
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


cdef inline void gather_rows(
    const floating* source,         # IN  (n_samples, n_cols)
    const Py_ssize_t* rows,         # IN  (n_rows,) row indices into source
    floating* out,                  # OUT (n_rows, n_cols)
    Py_ssize_t n_rows,
    Py_ssize_t n_cols,
) noexcept nogil:
    # out = source[rows]
    cdef Py_ssize_t i
    for i in range(n_rows):
        memcpy(out + i * n_cols, source + rows[i] * n_cols, n_cols * sizeof(floating))


def shuffled_orders(
    uint64_t seed,
    Py_ssize_t n_samples,
    Py_ssize_t n_epochs,
):
    """Return the row order of each epoch that ``train`` uses for ``seed``.

    Returns
    -------
    ndarray of shape (n_epochs, n_samples), dtype intp
        Row ``e`` is the permutation that ``train`` draws for epoch ``e``
        of a fit seeded with ``seed`` and shuffling ``n_samples`` rows.
    """
    cdef uint64_t state[4]
    cdef Py_ssize_t epoch
    orders = np.empty((n_epochs, n_samples), dtype=np.intp)
    cdef Py_ssize_t[:, ::1] view = orders
    seed_xoshiro(state, seed)
    if n_samples == 0:
        return orders
    for epoch in range(n_epochs):
        shuffle_order(state, &view[epoch, 0], n_samples)
    return orders


def seed_state(uint64_t seed, uint64_t[::1] state_out):
    """Write the xoshiro256** state for ``seed`` into ``state_out`` (4,)."""
    seed_xoshiro(&state_out[0], seed)


def train(
    floating[::1] params,                   # INOUT (n_params,)
    const floating[:, ::1] x,               # IN  (n_samples, sizes[0])
    const floating[:, ::1] y,               # IN  (n_samples, sizes[n_layers])
    floating[:, ::1] x_batch,               # scratch (batch_size, sizes[0])
    floating[:, ::1] y_batch,               # OUT rows of y of the current batch
    Py_ssize_t[::1] order,                  # scratch (n_samples,)
    uint64_t[::1] rng_state,                # INOUT (4,) xoshiro256** state
    floating[::1] values,                   # scratch z_l, a_l of every layer
    floating[::1] delta,                    # scratch (2 * delta_stride,)
    floating[::1] grad,                     # scratch (n_params,)
    floating[::1] previous_params,          # INOUT (n_params,) equal to params
    floating[::1] optimizer_state,          # INOUT see _optimizers.pxd
    const Py_ssize_t[::1] trainable,        # IN  indices into params, sorted
    bint train_all,
    Py_ssize_t batch_size,
    bint shuffle,
    int optimizer,
    double learning_rate,
    const double[::1] optimizer_params,     # IN  (momentum, beta1, beta2, epsilon)
    Py_ssize_t epochs,
    double[::1] losses_out,                 # OUT (epochs,)
    Py_ssize_t[::1] counters,               # INOUT (steps done, epochs done)
    Py_ssize_t[::1] batch_rows_out,         # OUT (1,) rows of the current batch
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
    """Run ``epochs`` epochs of mini-batch training on ``params``, in place.

    Each epoch draws a new row order from ``rng_state`` when ``shuffle`` is
    set and ``batch_size < n_samples`` (else it keeps the rows in order),
    cuts it into batches of ``batch_size`` rows (the last one may be
    smaller) and takes one optimizer step per batch. ``losses_out[e]`` is the
    mean of the batch losses of epoch ``e``, each computed at the parameters
    before that batch's update; with one batch per epoch it is the loss at the
    parameters before the update.

    ``counters`` holds the steps and epochs completed in this fit. It is
    exact even when a KeyboardInterrupt or a plugin error ends the loop, and
    it continues across calls, so a fit may run in chunks; ``rng_state`` and
    ``optimizer_state`` continue across calls in the same way. If a batch loss
    or a parameter becomes NaN or infinite, including the loss of the last
    batch after the last update, the parameters are set back to those before
    the last update and TRAIN_DIVERGED is returned.
    """
    cdef Layout lay
    cdef Optimizer opt
    cdef Py_ssize_t epoch, batch, start, rows, countdown
    cdef Py_ssize_t n_samples = x.shape[0]
    cdef Py_ssize_t n_in = x.shape[1]
    cdef Py_ssize_t n_out = y.shape[1]
    cdef Py_ssize_t n_params = params.shape[0]
    cdef Py_ssize_t n_batches, steps = counters[0]
    cdef Py_ssize_t n_trainable = n_params if train_all else trainable.shape[0]
    cdef const Py_ssize_t* trainable_indices = NULL if train_all else &trainable[0]
    cdef bint full_batch = batch_size >= n_samples
    cdef bint reorder = shuffle and not full_batch
    cdef bint gather = reorder or (loss_code == PLUGIN and not full_batch)
    cdef const floating* xb
    cdef const floating* yb
    cdef double loss = 0.0, epoch_loss
    cdef int status = COMPLETED

    # prepare: layout for full batches, optimizer constants, the row order
    if full_batch:
        batch_size = n_samples
    n_batches = (n_samples + batch_size - 1) // batch_size
    fill_layout(&lay, sizes, weight_offsets, bias_offsets, value_offsets,
                activation_codes, activation_alphas, loss_code, loss_param,
                batch_size, delta.shape[0] // 2)
    opt.code = optimizer
    opt.learning_rate = learning_rate
    opt.momentum = optimizer_params[0]
    opt.beta1 = optimizer_params[1]
    opt.beta2 = optimizer_params[2]
    opt.epsilon = optimizer_params[3]
    opt.n_params = n_params
    for start in range(n_samples):
        order[start] = start
    countdown = signal_check_interval
    # the first batch sets both; this only gives the compiler a defined value
    xb = &x[0, 0]
    yb = &y[0, 0]

    with nogil:
        for epoch in range(epochs):
            if reorder:
                shuffle_order(&rng_state[0], &order[0], n_samples)
            epoch_loss = 0.0
            for batch in range(n_batches):
                # batch: rows order[start:start + rows] of x and y
                start = batch * batch_size
                rows = min(batch_size, n_samples - start)
                if gather:
                    gather_rows(&x[0, 0], &order[start], &x_batch[0, 0], rows, n_in)
                    gather_rows(&y[0, 0], &order[start], &y_batch[0, 0], rows, n_out)
                    xb = &x_batch[0, 0]
                    yb = &y_batch[0, 0]
                else:
                    xb = &x[start, 0]
                    yb = &y[start, 0]
                lay.n_rows = rows
                batch_rows_out[0] = rows

                # forward, loss and backward at the current parameters
                forward(&lay, &params[0], xb, &values[0], <void*>bridge)
                backward(&lay, &params[0], xb, yb, &values[0], &delta[0],
                         &grad[0], &loss, <void*>bridge)
                if not isfinite(loss):
                    # the previous update made the loss overflow: undo it
                    if steps > 0:
                        memcpy(&params[0], &previous_params[0],
                               n_params * sizeof(floating))
                    status = DIVERGED
                    break
                epoch_loss += loss

                # update the trainable parameters
                steps += 1
                if not apply_update(&opt, &params[0], &grad[0], &previous_params[0],
                                    &optimizer_state[0], trainable_indices,
                                    n_trainable, steps):
                    # an overflowing step: keep the parameters of this loss
                    memcpy(&params[0], &previous_params[0],
                           n_params * sizeof(floating))
                    counters[0] = steps
                    status = DIVERGED
                    break
                counters[0] = steps

                countdown -= 1
                if countdown == 0:
                    countdown = signal_check_interval
                    with gil:
                        PyErr_CheckSignals()
            if status != COMPLETED:
                break
            losses_out[epoch] = epoch_loss / n_batches
            counters[1] += 1

        # The loop checks the loss of an update only at the next batch, so
        # check the last update here, on the last batch: otherwise a fit
        # could end, without a warning, at parameters whose loss is infinite.
        if status == COMPLETED and epochs > 0:
            forward(&lay, &params[0], xb, &values[0], <void*>bridge)
            backward(&lay, &params[0], xb, yb, &values[0], &delta[0], &grad[0],
                     &loss, <void*>bridge)
            if not isfinite(loss):
                memcpy(&params[0], &previous_params[0], n_params * sizeof(floating))
                status = DIVERGED
    return status
