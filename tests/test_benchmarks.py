"""The benchmark suite's implementations compute the same gradients as bpkit.

This runs no timing: it checks, on the suite's small data, that every peer
installed here (NumPy loop always; PyTorch and scikit-learn when present)
computes bpkit's one-step gradients, and that a short training run works.
"""

import os
import sys

import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "benchmarks")
sys.path.insert(0, BENCHMARKS)

import run  # noqa: E402
from workloads import build_workloads  # noqa: E402

WORKLOADS = {workload.key: workload for workload in build_workloads(quick=True)}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("key", sorted(WORKLOADS))
def test_peers_compute_bpkit_gradients(key, dtype):
    notes = []
    checked = list(run.checked_implementations(WORKLOADS[key], dtype, notes))
    names = [implementation.name for implementation, _ in checked]
    assert names[0] == "bpkit"
    assert "NumPy loop" in names
    for implementation, problem in checked:
        assert problem is None, f"{implementation.name}: {problem}"


@pytest.mark.parametrize("key", sorted(WORKLOADS))
def test_peers_train_one_epoch(key):
    notes = []
    for implementation, _ in run.checked_implementations(WORKLOADS[key], "float64", notes):
        implementation.train(1)
