"""The ``bpkit explain`` command."""

import csv

import pytest

import bpkit
from bpkit.cli import main


def test_worked_w1_text(capsys):
    assert main(["explain", "W1"]) == 0
    out = capsys.readouterr().out
    # the worked example of bpkit train: iris petals, a 2-2-1 ReLU network, seed 0
    X, y = bpkit.load_worked_example()
    network = bpkit.Network((2, 2, 1), activation="relu", loss="ssr", seed=0)
    expected = network.gradients(X, y)["W1"]
    assert f"Sum over the 150 rows: ∂L/∂W1 = {expected:.6g}" in out
    assert "2(ŷ_i − y_i) · W5 · relu'(s1_i) · x1_i" in out
    assert "... 130 more rows, included in the sum" in out
    assert max(len(line) for line in out.splitlines()) <= 88


def test_dosage_b3_five_steps(capsys, tmp_path):
    path = tmp_path / "steps.csv"
    code = main(
        [
            "explain",
            "b3",
            "--example",
            "dosage",
            "--steps",
            "5",
            "--history-csv",
            str(path),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    # the lesson's first step: slope about -15.7, step size -1.57, new b3 1.57
    assert "Step 1: b3 = 0\n" in out
    assert "step size = 0.1 × (-15.6551) = -1.56551" in out
    assert "new b3 = 0 − (-1.56551) = 1.56551" in out
    assert "Step 5: b3 = 2.54239" in out
    with open(path, newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 5
    assert float(rows[0]["new_b3"]) == pytest.approx(1.56551, abs=1e-5)


def test_latex_format(capsys):
    assert main(["explain", "W5", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\\begin{align*}")


def test_csv_data(capsys, tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("x1,x2,target\n0,1,1\n1,0,1\n1,1,0\n0,0,0\n")
    code = main(
        [
            "explain",
            "W2",
            "--data",
            str(path),
            "--target",
            "target",
            "--hidden",
            "3",
            "--activation",
            "tanh",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "tanh'(s1_i)" in out
    assert "Sum over the 4 rows" in out


def test_plot_written(tmp_path):
    path = tmp_path / "lesson.png"
    code = main(
        ["explain", "b3", "--example", "dosage", "--steps", "3", "--plot", str(path)]
    )
    assert code == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_parameter_is_an_error(capsys):
    assert main(["explain", "W9"]) == 1
    assert "unknown parameter name 'W9'" in capsys.readouterr().err


def test_plot_without_steps_is_an_error(capsys):
    assert main(["explain", "b3", "--plot", "x.png"]) == 1
    assert "need --steps" in capsys.readouterr().err
