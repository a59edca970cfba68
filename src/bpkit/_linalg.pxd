# Matrix products of a dense layer, for row-major (C-ordered) buffers.
#
# Small products run as plain loops, which beat a BLAS call's fixed overhead
# on networks like the 2-2-1 worked example; large ones go to the BLAS that
# SciPy ships (scipy.linalg.cython_blas), which is column-major. A row-major
# (r, c) matrix is the column-major (c, r) matrix, so each product below is
# written as the transposed product for BLAS. Callers pass contiguous buffers
# whose sizes they checked, so nothing here can fail.

from cython cimport floating
from scipy.linalg.cython_blas cimport dgemm, sgemm

# Products with fewer multiply-adds than this run as plain loops.
# NOTE: an estimate from the 2-2-1 and 64-64-10 networks; not tuned per CPU.
cdef enum:
    BLAS_MIN_FLOPS = 4096


cdef inline void gemm(
    char transa,
    char transb,
    int m,
    int n,
    int k,
    floating beta,
    const floating* a,
    int lda,
    const floating* b,
    int ldb,
    floating* c,
    int ldc,
) noexcept nogil:
    """Column-major C = op(A) op(B) + beta C through BLAS."""
    cdef floating one = 1
    if floating is double:
        dgemm(&transa, &transb, &m, &n, &k, &one, <double*>a, &lda,
              <double*>b, &ldb, &beta, c, &ldc)
    else:
        sgemm(&transa, &transb, &m, &n, &k, &one, <float*>a, &lda,
              <float*>b, &ldb, &beta, c, &ldc)


cdef inline void linear_forward(
    const floating* inputs,     # IN  (n_rows, n_in)
    const floating* weights,    # IN  (n_out, n_in)
    const floating* bias,       # IN  (n_out,)
    floating* z_out,            # OUT (n_rows, n_out)
    Py_ssize_t n_rows,
    Py_ssize_t n_in,
    Py_ssize_t n_out,
) noexcept nogil:
    """z = inputs @ weights.T + bias, eq. (forward)."""
    cdef Py_ssize_t i, j, p
    cdef floating acc
    cdef const floating* row
    cdef const floating* w
    if n_rows * n_in * n_out >= BLAS_MIN_FLOPS:
        for i in range(n_rows):
            for j in range(n_out):
                z_out[i * n_out + j] = bias[j]
        # column-major: z.T (n_out, n_rows) = W (n_out, n_in) @ inputs.T + z.T
        gemm(c'T', c'N', <int>n_out, <int>n_rows, <int>n_in, 1,
             weights, <int>n_in, inputs, <int>n_in, z_out, <int>n_out)
        return
    for i in range(n_rows):
        row = inputs + i * n_in
        for j in range(n_out):
            w = weights + j * n_in
            acc = 0
            for p in range(n_in):
                acc = acc + row[p] * w[p]
            z_out[i * n_out + j] = bias[j] + acc


cdef inline void linear_backward_inputs(
    const floating* delta,      # IN  (n_rows, n_out)
    const floating* weights,    # IN  (n_out, n_in)
    floating* grad_inputs_out,  # OUT (n_rows, n_in)
    Py_ssize_t n_rows,
    Py_ssize_t n_in,
    Py_ssize_t n_out,
) noexcept nogil:
    """dLoss/dinputs = delta @ weights, eq. (backward-inputs)."""
    cdef Py_ssize_t i, j, p
    cdef floating acc
    if n_rows * n_in * n_out >= BLAS_MIN_FLOPS:
        # column-major: out.T (n_in, n_rows) = W.T (n_in, n_out) @ delta.T
        gemm(c'N', c'N', <int>n_in, <int>n_rows, <int>n_out, 0,
             weights, <int>n_in, delta, <int>n_out, grad_inputs_out, <int>n_in)
        return
    # Each output is summed in a register: accumulating through memory would
    # make every addition wait for the store of the previous one.
    for i in range(n_rows):
        for p in range(n_in):
            acc = 0
            for j in range(n_out):
                acc = acc + delta[i * n_out + j] * weights[j * n_in + p]
            grad_inputs_out[i * n_in + p] = acc


cdef inline void linear_backward_params(
    const floating* delta,      # IN  (n_rows, n_out)
    const floating* inputs,     # IN  (n_rows, n_in)
    floating* grad_weights_out, # OUT (n_out, n_in)
    floating* grad_bias_out,    # OUT (n_out,)
    Py_ssize_t n_rows,
    Py_ssize_t n_in,
    Py_ssize_t n_out,
) noexcept nogil:
    """dW = delta.T @ inputs and db = delta.sum(axis=0), eq. (backward-params)."""
    cdef Py_ssize_t i, j, p
    cdef floating acc
    # Both orders add the rows 0, 1, ... in turn, so they give the same bits.
    # Wide layers sum row by row (contiguous, vectorized); narrow ones keep
    # each sum in a register, because a sum through memory would make every
    # addition wait for the store of the previous one.
    if n_out >= 8:
        for j in range(n_out):
            grad_bias_out[j] = 0
        for i in range(n_rows):
            for j in range(n_out):
                grad_bias_out[j] += delta[i * n_out + j]
    else:
        for j in range(n_out):
            acc = 0
            for i in range(n_rows):
                acc = acc + delta[i * n_out + j]
            grad_bias_out[j] = acc
    if n_rows * n_in * n_out >= BLAS_MIN_FLOPS:
        # column-major: dW.T (n_in, n_out) = inputs.T (n_in, n_rows) @ delta
        gemm(c'N', c'T', <int>n_in, <int>n_out, <int>n_rows, 0,
             inputs, <int>n_in, delta, <int>n_out, grad_weights_out, <int>n_in)
        return
    for j in range(n_out):
        for p in range(n_in):
            acc = 0
            for i in range(n_rows):
                acc = acc + delta[i * n_out + j] * inputs[i * n_in + p]
            grad_weights_out[j * n_in + p] = acc
