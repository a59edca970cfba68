"""Tables of the benchmark results: as text, Markdown and reStructuredText.

The reStructuredText page appends ``benchmarks/analysis.rst``, the
hand-written explanation of gaps and profiles, after the generated tables.
"""

import os
from dataclasses import dataclass

PEERS = ["NumPy loop", "PyTorch", "scikit-learn MLP"]
PLUGIN = "bpkit, Python plugin ReLU"
ANALYSIS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.rst")


@dataclass
class Result:
    workload: str
    dtype: str
    threads: int
    implementation: str
    rate: float
    unit: str
    gflops: float | None = None


@dataclass
class Target:
    description: str
    measured: float | None
    goal: float
    higher_is_better: bool = True

    @property
    def holds(self):
        if self.measured is None:
            return None
        if self.higher_is_better:
            return self.measured >= self.goal
        return self.measured <= self.goal

    def status(self):
        return {True: "holds", False: "MISSED", None: "not measured"}[self.holds]


def _rate(results, workload, dtype, threads, implementation):
    for result in results:
        if (result.workload, result.dtype, result.threads, result.implementation) == (
            workload, dtype, threads, implementation
        ):
            return result
    return None


def _ratio(results, workload, dtype, threads, peer):
    mine = _rate(results, workload, dtype, threads, "bpkit")
    theirs = _rate(results, workload, dtype, threads, peer)
    if mine is None or theirs is None:
        return None
    return mine.rate / theirs.rate


def evaluate_targets(results, peaks):
    """Return the list of speed targets with the measured values."""
    targets = []
    for dtype in ("float64", "float32"):
        for key in ("T1", "T1b"):
            targets.append(Target(f"{key} {dtype}, 1 thread: bpkit / NumPy loop",
                                  _ratio(results, key, dtype, 1, "NumPy loop"), 200))
        targets.append(Target(f"T2 {dtype}, 1 thread: bpkit / NumPy loop",
                              _ratio(results, "T2", dtype, 1, "NumPy loop"), 2))
        for peer in ("NumPy loop", "PyTorch"):
            targets.append(Target(f"T3 {dtype}, 1 thread: bpkit / {peer}",
                                  _ratio(results, "T3", dtype, 1, peer), 1.0))
        mine = _rate(results, "T3", dtype, 1, "bpkit")
        peak = peaks.get((dtype, 1))
        share = mine.gflops / peak if mine and peak else None
        targets.append(Target(f"T3 {dtype}, 1 thread: share of the GEMM peak", share, 0.8))
        two = _rate(results, "T3", dtype, 2, "bpkit")
        targets.append(Target(f"T3 {dtype}: 2 threads / 1 thread",
                              two.rate / mine.rate if two and mine else None, 1.5))
        plugin = _rate(results, "T3", dtype, 1, PLUGIN)
        targets.append(Target(f"T3 {dtype}, 1 thread: time per step, plugin ReLU / built-in",
                              mine.rate / plugin.rate if plugin and mine else None, 1.5,
                              higher_is_better=False))
    return targets


def _format_rate(value):
    if value is None:
        return "-"
    if value >= 1e4:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _format_ratio(value):
    return "-" if value is None else f"{value:.2f}x"


def result_rows(workloads, results, peaks):
    """Return the header and rows of the full results table."""
    header = ["workload", "dtype", "threads", "unit", "bpkit", "plugin ReLU"] + PEERS + [
        "vs NumPy", "vs PyTorch", "vs sklearn", "bpkit GFLOP/s", "of GEMM peak"]
    rows = []
    for workload in workloads:
        for threads in sorted({r.threads for r in results}):
            for dtype in ("float64", "float32"):
                mine = _rate(results, workload.key, dtype, threads, "bpkit")
                if mine is None:
                    continue
                plugin = _rate(results, workload.key, dtype, threads, PLUGIN)
                row = [workload.key, dtype, str(threads), f"{workload.unit}s/s",
                       _format_rate(mine.rate), _format_rate(plugin.rate if plugin else None)]
                for peer in PEERS:
                    other = _rate(results, workload.key, dtype, threads, peer)
                    row.append(_format_rate(other.rate if other else None))
                for peer in PEERS:
                    row.append(_format_ratio(_ratio(results, workload.key, dtype, threads,
                                                    peer)))
                peak = peaks.get((dtype, threads))
                if mine.gflops is not None:
                    row.append(f"{mine.gflops:.1f}")
                    row.append(f"{mine.gflops / peak:.1%}" if peak else "-")
                else:
                    row += ["-", "-"]
                rows.append(row)
    return header, rows


def target_rows(targets):
    header = ["target", "measured", "goal", "status"]
    rows = []
    for target in targets:
        if target.description.endswith("GEMM peak"):
            measured = "-" if target.measured is None else f"{target.measured:.1%}"
            goal = f">= {target.goal:.0%}"
        else:
            measured = _format_ratio(target.measured)
            goal = (">= " if target.higher_is_better else "<= ") + f"{target.goal:g}x"
        rows.append([target.description, measured, goal, target.status()])
    return header, rows


def _text_table(header, rows):
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(header, widths))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))
    return "\n".join(lines)


def _markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _rst_table(header, rows):
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header] + rows:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {cell}" for cell in row[1:]]
    return "\n".join(lines)


def _context_lines(workloads, peaks, context):
    lines = [f"Command: ``{context['command']}``",
             f"Environment: {context['environment']}",
             f"Machine: {context['machine']}",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in context["versions"].items())]
    lines += [f"BLAS: {line}" for line in context["blas"]]
    lines += [f"GEMM peak ({dtype}, {threads} thread(s)): {value:.1f} GFLOP/s"
              for (dtype, threads), value in sorted(peaks.items())]
    lines += [f"{w.key}: {w.title}" for w in workloads]
    lines += [f"{w.key}: {w.note}" for w in workloads if w.note]
    return lines


def render_text(workloads, results, peaks, targets, notes, context):
    parts = [_text_table(*result_rows(workloads, results, peaks)), "",
             _text_table(*target_rows(targets)), ""]
    parts += _context_lines(workloads, peaks, context) + notes
    return "\n".join(parts)


def render_markdown(workloads, results, peaks, targets, notes, context):
    parts = ["# bpkit performance", "", "## Targets", "",
             _markdown_table(*target_rows(targets)), "", "## Results", "",
             _markdown_table(*result_rows(workloads, results, peaks)), "",
             "## How it was measured", ""]
    parts += [f"- {line}" for line in _context_lines(workloads, peaks, context) + notes]
    return "\n".join(parts) + "\n"


def render_rst(workloads, results, peaks, targets, notes, context):
    title = "Performance"
    parts = [
        title, "=" * len(title), "",
        "These tables are generated by the benchmark suite in ``benchmarks/``; "
        "every rate is the median of several timed runs, measured in one run of "
        "the suite on the machine below. bpkit's ratio to a peer is its rate "
        "divided by the peer's rate. Before timing, each implementation's "
        "gradients of one step are checked against bpkit's. To reproduce the "
        "page, run the command in ``benchmarks/README.md``, which also clears "
        "``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` for the run.", "",
        "Targets", "-------", "", _rst_table(*target_rows(targets)), "",
        "Results", "-------", "", _rst_table(*result_rows(workloads, results, peaks)), "",
        "How it was measured", "-------------------", "",
    ]
    parts += [f"- {line}" for line in _context_lines(workloads, peaks, context) + notes]
    parts.append("")
    if os.path.exists(ANALYSIS):
        with open(ANALYSIS) as stream:
            parts.append(stream.read())
    return "\n".join(parts) + "\n"
