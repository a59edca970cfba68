# Parameter updates of the compiled training loop: sgd, momentum and adam.
#
# Each update reads the gradient of the current mini-batch, writes the old
# value of every parameter it moves into ``previous`` (so the loop can step
# back exactly when training diverges), and returns whether every new value
# is finite. State buffers (velocity, first and second moments) are allocated
# by the Python side before the loop; ``state`` holds n_params values for
# momentum and 2 * n_params for adam (first moments, then second moments).
# Arithmetic runs in double and is rounded once when stored, for float32 too.
#
#   sgd:       p <- p - lr * g
#   momentum:  v <- mu * v + g;  p <- p - lr * v
#   adam:      m <- beta1 * m + (1 - beta1) * g
#              s <- beta2 * s + (1 - beta2) * g**2
#              p <- p - lr * (m / (1 - beta1**t)) / (sqrt(s / (1 - beta2**t)) + eps)
#
# with t the 1-based number of the step within the fit.

from cython cimport floating
from libc.float cimport DBL_MAX, FLT_MAX
from libc.math cimport fabs, pow, sqrt

cdef enum OptimizerCode:
    OPT_SGD = 0
    OPT_MOMENTUM = 1
    OPT_ADAM = 2


cdef struct Optimizer:
    int code
    double learning_rate
    double momentum
    double beta1
    double beta2
    double epsilon
    Py_ssize_t n_params
    # 1 / (1 - beta1**t) and 1 / (1 - beta2**t) for the current step t
    double first_scale
    double second_scale


cdef inline int is_finite(floating value) noexcept nogil:
    # fabs(NaN) <= max is false. A comparison, unlike isfinite, lets the
    # compiler vectorize the update loops with an AND reduction.
    if floating is float:
        return fabs(value) <= FLT_MAX
    return fabs(value) <= DBL_MAX


cdef inline int sgd_step(
    double lr, floating* params, const floating* grad, floating* previous,
    Py_ssize_t i,
) noexcept nogil:
    previous[i] = params[i]
    params[i] = <floating>(params[i] - lr * grad[i])
    return is_finite(params[i])


cdef inline int momentum_step(
    double lr, double momentum, floating* params, const floating* grad,
    floating* previous, floating* velocity, Py_ssize_t i,
) noexcept nogil:
    cdef double v = momentum * velocity[i] + grad[i]
    velocity[i] = <floating>v
    previous[i] = params[i]
    params[i] = <floating>(params[i] - lr * v)
    return is_finite(params[i])


cdef inline int adam_step(
    Optimizer opt, floating* params, const floating* grad, floating* previous,
    floating* first_moments, floating* second_moments, Py_ssize_t i,
) noexcept nogil:
    cdef double g = grad[i]
    cdef double first = opt.beta1 * first_moments[i] + (1.0 - opt.beta1) * g
    cdef double second = opt.beta2 * second_moments[i] + (1.0 - opt.beta2) * g * g
    first_moments[i] = <floating>first
    second_moments[i] = <floating>second
    previous[i] = params[i]
    params[i] = <floating>(
        params[i] - opt.learning_rate * (first * opt.first_scale)
        / (sqrt(second * opt.second_scale) + opt.epsilon)
    )
    return is_finite(params[i])


cdef inline bint apply_update(
    Optimizer* opt,
    floating* params,               # INOUT (n_params,)
    const floating* grad,           # IN  (n_params,)
    floating* previous,             # OUT (n_params,) old values of moved params
    floating* state,                # INOUT optimizer state, see the top
    const Py_ssize_t* trainable,    # IN  (n_trainable,) or NULL for all
    Py_ssize_t n_trainable,
    Py_ssize_t step,                # 1-based step number t within the fit
) noexcept nogil:
    """Move the trainable parameters one step; return whether all stay finite."""
    # The loops take the hyper-parameters by value: read through ``opt``,
    # they could alias the parameters being written, which would stop the
    # compiler from vectorizing.
    cdef Py_ssize_t k
    cdef int finite = 1
    cdef double lr = opt.learning_rate
    cdef double momentum = opt.momentum
    cdef Optimizer adam
    if opt.code == OPT_SGD:
        if trainable == NULL:
            for k in range(n_trainable):
                finite &= sgd_step(lr, params, grad, previous, k)
        else:
            for k in range(n_trainable):
                finite &= sgd_step(lr, params, grad, previous, trainable[k])
    elif opt.code == OPT_MOMENTUM:
        if trainable == NULL:
            for k in range(n_trainable):
                finite &= momentum_step(lr, momentum, params, grad, previous, state, k)
        else:
            for k in range(n_trainable):
                finite &= momentum_step(lr, momentum, params, grad, previous, state,
                                        trainable[k])
    else:
        opt.first_scale = 1.0 / (1.0 - pow(opt.beta1, <double>step))
        opt.second_scale = 1.0 / (1.0 - pow(opt.beta2, <double>step))
        adam = opt[0]
        if trainable == NULL:
            for k in range(n_trainable):
                finite &= adam_step(adam, params, grad, previous, state,
                                    state + adam.n_params, k)
        else:
            for k in range(n_trainable):
                finite &= adam_step(adam, params, grad, previous, state,
                                    state + adam.n_params, trainable[k])
    return finite
