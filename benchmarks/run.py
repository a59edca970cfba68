"""Time bpkit against a NumPy loop, PyTorch and scikit-learn, side by side.

Run from the repository root (see benchmarks/README.md):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run.py

For every workload, dtype and thread count, each implementation's one-step
gradients are first checked against bpkit's. Then each implementation is
timed as the median of ``--repeat`` runs of at least ``--min-time`` seconds. The table
gives rates and bpkit's ratio to each peer; ``--markdown`` and ``--rst``
write it, with the targets and the machine, to a file.
"""

import argparse
import contextlib
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from peers import Skipped, implementations  # noqa: E402
from report import Result, evaluate_targets, render_markdown, render_rst, render_text  # noqa: E402
from workloads import build_workloads  # noqa: E402

GRADIENT_RTOL = {"float64": 1e-7, "float32": 2e-3}


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="T1,T1b,T2,T3",
                        help="comma-separated workloads to run (default: all)")
    parser.add_argument("--dtypes", default="float64,float32",
                        help="comma-separated dtypes (default: float64,float32)")
    parser.add_argument("--threads", default="1,2",
                        help="comma-separated BLAS thread counts (default: 1,2)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed runs per measurement; the median is reported")
    parser.add_argument("--min-time", type=float, default=1.0,
                        help="minimum seconds of one timed run (default: 1.0)")
    parser.add_argument("--quick", action="store_true",
                        help="small data and short runs, to check that the suite works")
    parser.add_argument("--markdown", metavar="PATH",
                        help="also write the results as a Markdown page")
    parser.add_argument("--rst", metavar="PATH",
                        help="also write the results as a reStructuredText page")
    return parser.parse_args(argv)


@contextlib.contextmanager
def thread_limit(n_threads):
    """Limit BLAS, OpenMP and PyTorch to ``n_threads`` threads."""
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")
    previous = torch.get_num_threads() if torch else None
    with threadpool_limits(limits=n_threads):
        if torch:
            torch.set_num_threads(n_threads)
        try:
            yield
        finally:
            if torch:
                torch.set_num_threads(previous)


def blas_description():
    """Return one line per BLAS library loaded: file, version and kernel."""
    from threadpoolctl import threadpool_info

    lines = []
    for info in threadpool_info():
        if info.get("user_api") != "blas":
            continue
        lines.append(
            f"{info['internal_api']} {info.get('version')} "
            f"(kernel {info.get('architecture')}, ``{os.path.basename(info['filepath'])}``)"
        )
    return lines


def machine_description():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as stream:
            for line in stream:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def versions():
    import bpkit

    found = {"bpkit": bpkit.__version__, "numpy": np.__version__}
    for module in ("scipy", "torch", "sklearn"):
        try:
            found[module] = __import__(module).__version__
        except ImportError:
            found[module] = "not installed"
    return found


def time_runs(train, units_per_epoch, repeat, min_time):
    """Return the median rate (units per second) of ``repeat`` timed runs."""
    train(1)  # warm-up: first-call allocations, caches, lazy imports
    epochs = 1
    while True:
        start = time.perf_counter()
        train(epochs)
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            break
        epochs = max(epochs * 2, int(epochs * min_time / max(elapsed, 1e-9) * 1.2))
    rates = [epochs * units_per_epoch / elapsed]
    for _ in range(repeat - 1):
        start = time.perf_counter()
        train(epochs)
        rates.append(epochs * units_per_epoch / (time.perf_counter() - start))
    return statistics.median(rates)


def gemm_peak(dtype, repeat, quick):
    """Return the GFLOP/s of a square NumPy matrix product of this dtype."""
    n = 256 if quick else 1024
    rng = np.random.default_rng(0)
    a = rng.normal(size=(n, n)).astype(dtype)
    b = rng.normal(size=(n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    np.matmul(a, b, out=out)
    rates = []
    for _ in range(repeat):
        count = 1
        while True:
            start = time.perf_counter()
            for _ in range(count):
                np.matmul(a, b, out=out)
            elapsed = time.perf_counter() - start
            if elapsed >= 0.1:
                break
            count *= 2
        rates.append(2.0 * n**3 * count / elapsed / 1e9)
    return statistics.median(rates)


def check_gradients(reference, candidate, dtype):
    """Return None if the gradient lists agree, else a short reason."""
    rtol = GRADIENT_RTOL[dtype]
    for index, (expected, got) in enumerate(zip(reference, candidate)):
        expected = np.asarray(expected, dtype=np.float64)
        got = np.asarray(got, dtype=np.float64)
        if expected.shape != got.shape:
            return f"array {index}: shape {got.shape}, expected {expected.shape}"
        scale = max(np.abs(expected).max(), 1e-300)
        error = np.abs(got - expected).max() / scale
        if error > rtol:
            return f"array {index}: max error {error:.2e} of the largest gradient"
    return None


def run_suite(args):
    workloads = [w for w in build_workloads(args.quick)
                 if w.key in args.workloads.split(",")]
    dtypes = args.dtypes.split(",")
    thread_counts = [int(n) for n in args.threads.split(",")]
    repeat = 2 if args.quick else args.repeat
    min_time = 0.02 if args.quick else args.min_time
    results, notes, peaks = [], [], {}

    for n_threads in thread_counts:
        with thread_limit(n_threads):
            for dtype in dtypes:
                peaks[(dtype, n_threads)] = gemm_peak(dtype, repeat, args.quick)
                print(f"GEMM peak {dtype}, {n_threads} thread(s): "
                      f"{peaks[(dtype, n_threads)]:.1f} GFLOP/s", flush=True)
                for workload in workloads:
                    results.extend(run_workload(workload, dtype, n_threads, repeat,
                                                min_time, notes))
    return workloads, results, notes, peaks


def checked_implementations(workload, dtype, notes):
    """Yield (implementation, problem) for each implementation that applies.

    ``problem`` is None when the implementation's one-step gradients agree
    with bpkit's, else the reason they do not. Skipped implementations are
    recorded in ``notes``.
    """
    reference = None
    for implementation in implementations():
        try:
            implementation.prepare(workload, dtype)
        except Skipped as reason:
            note = f"{workload.key}: {implementation.name} skipped: {reason}"
            if note not in notes:
                notes.append(note)
            continue
        gradients = implementation.gradients()
        if reference is None:
            reference = gradients
            yield implementation, None
        else:
            yield implementation, check_gradients(reference, gradients, dtype)


def run_workload(workload, dtype, n_threads, repeat, min_time, notes):
    results = []
    for implementation, problem in checked_implementations(workload, dtype, notes):
        name = implementation.name
        if problem:
            notes.append(f"{workload.key} {dtype}: {name} gradients differ from "
                         f"bpkit's ({problem}); not timed")
            print(notes[-1], flush=True)
            continue
        rate = time_runs(implementation.train, workload.units_per_epoch(), repeat,
                         min_time)
        result = Result(workload.key, dtype, n_threads, name, rate, workload.unit)
        if workload.key == "T3":
            result.gflops = rate * workload.flops_per_step() / 1e9
        results.append(result)
        print(f"{workload.key:4} {dtype} {n_threads} thread(s) {name:28} "
              f"{rate:14.1f} {workload.unit}s/s", flush=True)
    return results


def main(argv=None):
    args = parse_arguments(argv)
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if os.environ.get("OPENBLAS_CORETYPE"):
        print("note: OPENBLAS_CORETYPE is set, which slows OpenBLAS; see "
              "benchmarks/README.md", flush=True)
    openblas = ", ".join(
        f"{name}={os.environ[name]}" if name in os.environ else f"{name} unset"
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    )
    context = {
        "command": command.strip(),
        "environment": openblas,
        "machine": machine_description(),
        "versions": versions(),
    }
    workloads, results, notes, peaks = run_suite(args)
    context["blas"] = blas_description()
    targets = evaluate_targets(results, peaks)
    print()
    print(render_text(workloads, results, peaks, targets, notes, context))
    if args.markdown:
        write_atomically(args.markdown,
                         render_markdown(workloads, results, peaks, targets, notes, context))
    if args.rst:
        write_atomically(args.rst,
                         render_rst(workloads, results, peaks, targets, notes, context))
    return 0


def write_atomically(path, text):
    temporary = f"{path}.tmp"
    with open(temporary, "w") as stream:
        stream.write(text)
    os.replace(temporary, path)


if __name__ == "__main__":
    sys.exit(main())
