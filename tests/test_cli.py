"""The bpkit command line, run end to end in a subprocess."""

import csv
import os
import re
import shutil
import subprocess
import sys

import pytest

import bpkit
from bpkit.cli import build_parser

WORKED_NAMES = ["W1", "W2", "W3", "W4", "W5", "W6", "b1", "b2", "b3"]


def run_bpkit(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "bpkit", *args],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )


def progress_losses(stdout):
    """Return the losses of the progress lines 'step  loss' in training output."""
    return [float(match) for match in re.findall(r"^\s+\d+\s{2}(\S+)$", stdout, re.M)]


def parameter_rows(stdout):
    """Return {name: (initial, final)} from the final parameter table."""
    table = stdout[stdout.index("parameter"):]
    rows = {}
    for line in table.splitlines()[1:]:
        cells = line.split()
        if cells and re.fullmatch(r"[Wb]\d+", cells[0]):
            rows[cells[0]] = (float(cells[1]), float(cells[2]))
    return rows


def test_train_worked_example(tmp_path):
    result = run_bpkit("train", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    losses = progress_losses(result.stdout)
    assert len(losses) == 11
    assert losses[-1] < 0.5 * losses[0]
    assert all(later <= earlier for earlier, later in zip(losses, losses[1:]))
    assert list(parameter_rows(result.stdout)) == WORKED_NAMES
    assert "note:" not in result.stdout


def test_train_matches_library_fit():
    # The command's final parameters are those of the same fit in Python.
    result = run_bpkit("train", "--epochs", "50")
    assert result.returncode == 0, result.stderr
    X, y = bpkit.load_worked_example()
    network = bpkit.Network((2, 2, 1), seed=0)
    network.fit(X, y, learning_rate=0.001, epochs=50)
    for name, (_, final) in parameter_rows(result.stdout).items():
        assert final == pytest.approx(network.parameter(name), rel=1e-5, abs=1e-6)


def test_console_script(tmp_path):
    script = shutil.which("bpkit", path=os.path.dirname(sys.executable))
    assert script is not None, "the bpkit console script is not installed beside python"
    result = subprocess.run(
        [script, "train", "--epochs", "20"], capture_output=True, text=True,
        cwd=tmp_path, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert list(parameter_rows(result.stdout)) == WORKED_NAMES


def test_train_dosage_moves_only_b3():
    result = run_bpkit("train", "--example", "dosage")
    assert result.returncode == 0, result.stderr
    rows = parameter_rows(result.stdout)
    fixed = bpkit.dosage_parameters()
    for name, (initial, final) in rows.items():
        assert initial == fixed[name]
        if name != "b3":
            assert final == initial
    assert rows["b3"][1] == pytest.approx(2.61, abs=0.01)
    assert "slope dLoss/db3" in result.stdout
    assert "step size" in result.stdout


def test_train_csv_with_history(tmp_path):
    data = tmp_path / "houses.csv"
    data.write_text(
        "rooms,age,price\n"
        "0.2,0.9,0.3\n0.5,0.4,0.6\n0.9,0.1,0.9\n0.4,0.5,0.5\n0.7,0.3,0.8\n0.1,0.8,0.2\n"
    )
    history = tmp_path / "history.csv"
    result = run_bpkit(
        "train", "--data", str(data), "--target", "price", "--hidden", "3,2",
        "--epochs", "40", "--seed", "1", "--history-csv", str(history),
    )
    assert result.returncode == 0, result.stderr
    assert "inputs rooms, age, target price" in result.stdout
    assert "layer_sizes=(2, 3, 2, 1)" in result.stdout
    with open(history, newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [int(row["step"]) for row in rows] == list(range(41))
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])


@pytest.mark.parametrize(
    ("content", "target", "message"),
    [
        pytest.param("a,b,t\n1,2,3\n", "missing", "columns are a, b, t", id="missing-target"),
        pytest.param("a,b,t\n1,x,3\n", "t", "non-numeric values in column(s) 'b'",
                     id="text-column"),
        pytest.param("a,b,t\n1,2,3\n1,,3\n4,nan,2\n", "t", "line(s) 3, 4", id="nan-rows"),
        pytest.param("a,b,t\n", "t", "no data rows", id="no-rows"),
    ],
)
def test_train_csv_errors(tmp_path, content, target, message):
    data = tmp_path / "data.csv"
    data.write_text(content)
    result = run_bpkit("train", "--data", str(data), "--target", target)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_train_missing_file(tmp_path):
    result = run_bpkit("train", "--data", str(tmp_path / "absent.csv"), "--target", "t")
    assert result.returncode == 1
    assert "absent.csv' not found" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--learning-rate", "0"], "--learning-rate must be a positive",
                     id="zero-rate"),
        pytest.param(["--epochs", "0"], "--epochs must be at least 1", id="zero-epochs"),
        pytest.param(["--hidden", "2,x"], "--hidden must be comma-separated", id="bad-hidden"),
        pytest.param(["--activation", "nope"], "relu", id="unknown-activation"),
        pytest.param(["--trainable", "W99"], "W99", id="unknown-parameter"),
        pytest.param(["--example", "dosage", "--hidden", "3"], "drop --hidden",
                     id="dosage-fixed-shape"),
        pytest.param(["--example", "worked", "--data", "x.csv", "--target", "t"],
                     "give only one of them", id="example-and-data"),
        pytest.param(["--data", "x.csv"], "--data needs --target", id="data-without-target"),
        pytest.param(["--target", "t"], "--target only applies to --data", id="target-alone"),
    ],
)
def test_train_option_errors(args, message):
    result = run_bpkit("train", *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_train_divergence_exits_non_zero():
    result = run_bpkit("train", "--learning-rate", "1000", "--epochs", "200")
    assert result.returncode == 1
    assert "training diverged" in result.stderr


def test_gradcheck_command():
    result = run_bpkit("gradcheck", "--example", "dosage")
    assert result.returncode == 0, result.stderr
    assert "all parameters agree" in result.stdout
    names = [line.split()[0] for line in result.stdout.splitlines() if line.endswith(" ok")]
    assert names == ["W1", "W2", "W3", "W4", "b1", "b2", "b3"]


def test_gradcheck_command_on_csv(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a,b,t\n0.1,0.7,1\n0.4,0.2,0\n0.9,0.5,1\n0.3,0.3,0\n")
    result = run_bpkit(
        "gradcheck", "--data", str(data), "--target", "t", "--hidden", "3",
        "--activation", "tanh",
    )
    assert result.returncode == 0, result.stderr
    assert "all parameters agree" in result.stdout
    names = [line.split()[0] for line in result.stdout.splitlines() if line.endswith(" ok")]
    assert len(names) == 2 * 3 + 3 + 3 + 1


def subcommand_parsers():
    parser = build_parser()
    subparsers = next(
        action for action in parser._actions if action.dest == "command"
    )
    return parser, subparsers.choices


@pytest.mark.parametrize("command", [None, "train", "gradcheck"])
def test_help_describes_every_option(command):
    parser, choices = subcommand_parsers()
    target = parser if command is None else choices[command]
    for action in target._actions:
        if action.option_strings:
            assert action.help, f"{command}: {action.option_strings} has no help"
    args = ["--help"] if command is None else [command, "--help"]
    result = run_bpkit(*args)
    assert result.returncode == 0
    for action in target._actions:
        for option in action.option_strings:
            assert option in result.stdout


def test_train_divergence_counts_all_steps(capsys):
    # The fit runs in chunks. The warning must count the steps of all chunks,
    # which is the number on the progress table's "diverged" line.
    from bpkit.cli import main

    status = main(["train", "--learning-rate", "5", "--epochs", "50"])
    output = capsys.readouterr()
    table_line = next(line for line in output.out.splitlines() if "diverged" in line)
    steps_in_table = int(table_line.split()[0])
    assert status == 1
    assert steps_in_table > 10
    assert f"diverged after {steps_in_table} step(s)" in output.err
