"""Measure the matrix products of T3 against a square one, single thread.

T3's share of the GEMM peak is bounded by how fast BLAS runs T3's own
shapes. This prints GFLOP/s for each product of one 784-256-256-10 step
with 128 rows, through NumPy and through SciPy's BLAS (the library bpkit
calls), beside the 1024 x 1024 x 1024 product that run.py uses as the peak.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/gemm_shapes.py
"""

import statistics
import time

import numpy as np
import scipy.linalg.blas as scipy_blas
from threadpoolctl import threadpool_limits

# (rows of the result, inner dimension, columns of the result, what it is)
SHAPES = [
    (128, 784, 256, "layer 1 forward and weight gradient size"),
    (128, 256, 256, "layer 2 forward"),
    (128, 256, 10, "layer 3 forward"),
    (256, 128, 784, "layer 1 weight gradient"),
    (1024, 1024, 1024, "square product used as the peak"),
]


def gflops(function, flops, repeat=5):
    """Return the median GFLOP/s of ``function`` over ``repeat`` timings."""
    function()
    rates = []
    for _ in range(repeat):
        count = 1
        while True:
            start = time.perf_counter()
            for _ in range(count):
                function()
            elapsed = time.perf_counter() - start
            if elapsed >= 0.05:
                break
            count *= 2
        rates.append(flops * count / elapsed / 1e9)
    return statistics.median(rates)


def main():
    rng = np.random.default_rng(0)
    print(f"{'dtype':8} {'m x k x n':18} {'NumPy':>8} {'SciPy':>8}  product")
    for dtype, gemm in ((np.float64, scipy_blas.dgemm), (np.float32, scipy_blas.sgemm)):
        with threadpool_limits(limits=1):
            for m, k, n, label in SHAPES:
                a = rng.normal(size=(m, k)).astype(dtype)
                b = rng.normal(size=(n, k)).astype(dtype)
                out = np.empty((m, n), dtype=dtype)
                flops = 2.0 * m * k * n
                numpy_rate = gflops(lambda: np.matmul(a, b.T, out=out), flops)
                # a.T and b.T are Fortran-ordered views, so SciPy copies nothing.
                scipy_rate = gflops(lambda: gemm(1.0, a.T, b.T, trans_a=1), flops)
                print(f"{np.dtype(dtype).name:8} {f'{m} x {k} x {n}':18} "
                      f"{numpy_rate:8.1f} {scipy_rate:8.1f}  {label}")


if __name__ == "__main__":
    main()
