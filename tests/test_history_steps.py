"""fit(..., trainable=[...]) records every step; the history exports to CSV."""

import csv

import numpy as np
import pytest

import bpkit
from bpkit._examples import dosage_example, worked_example


def test_dosage_b3_steps_recorded():
    network, X, y = dosage_example()
    history = network.fit(X, y, learning_rate=0.1, epochs=5, trainable=["b3"])
    assert history.has_steps
    assert history.trainable == ["b3"]
    assert history.values.shape == (5, 1)
    assert history.values[0, 0] == 0.0
    # each step starts where the previous one ended
    np.testing.assert_array_equal(history.values[1:, 0], history.new_values[:-1, 0])
    assert network.parameter("b3") == history.new_values[-1, 0]
    np.testing.assert_array_equal(history.step_sizes, 0.1 * history.slopes)


def test_recorded_slopes_match_explain_and_loss():
    network, X, y = dosage_example()
    probe, _, _ = dosage_example()
    history = network.fit(X, y, learning_rate=0.1, epochs=4, trainable=["b3"])
    for step in range(4):
        probe.set_parameter("b3", float(history.values[step, 0]))
        slope = bpkit.explain(probe, X, y, "b3").value
        assert history.slopes[step, 0] == pytest.approx(slope, rel=1e-12)
        assert history.loss[step] == pytest.approx(probe.loss(X, y), rel=1e-12)


def test_recorded_fit_equals_compiled_fit():
    recorded, X, y = worked_example()
    compiled, _, _ = worked_example()
    names = ["W1", "W5", "b3"]
    history = recorded.fit(X, y, learning_rate=0.05, epochs=30, trainable=names)
    plain = compiled.fit(
        X, y, learning_rate=0.05, epochs=30, trainable=names, record_steps=False
    )
    assert not plain.has_steps
    for name in recorded.parameter_names():
        assert recorded.parameter(name) == pytest.approx(
            compiled.parameter(name), rel=1e-13, abs=1e-15
        )
    np.testing.assert_allclose(history.loss, plain.loss, rtol=1e-13)


def test_recorded_fit_verbose_prints(capsys):
    network, X, y = dosage_example()
    network.fit(X, y, learning_rate=0.1, epochs=20, trainable=["b3"], verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10
    assert lines[-1].startswith("step 20/20  loss ")


def test_full_fit_does_not_record_by_default():
    network, X, y = worked_example()
    history = network.fit(X, y, learning_rate=0.01, epochs=3)
    assert not history.has_steps
    assert history.fieldnames() == ["step", "loss"]


def test_record_steps_for_all_parameters():
    network, X, y = worked_example()
    history = network.fit(X, y, learning_rate=0.01, epochs=2, record_steps=True)
    assert history.values.shape == (2, 9)
    assert history.trainable == network.parameter_names()


def test_csv_round_trip(tmp_path):
    network, X, y = dosage_example()
    history = network.fit(X, y, learning_rate=0.1, epochs=3, trainable=["b3"])
    path = tmp_path / "steps.csv"
    history.to_csv(path)
    with open(path, newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == ["step", "loss", "b3", "slope_b3", "step_size_b3", "new_b3"]
    assert len(rows) == 3
    for row, expected in zip(rows, history.rows()):
        for key, value in expected.items():
            assert float(row[key]) == value, key


def test_csv_write_is_atomic(tmp_path, monkeypatch):
    network, X, y = dosage_example()
    history = network.fit(X, y, learning_rate=0.1, epochs=2, trainable=["b3"])
    path = tmp_path / "steps.csv"
    path.write_text("old contents\n")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(csv.DictWriter, "writerows", fail)
    with pytest.raises(OSError, match="disk full"):
        history.to_csv(path)
    assert path.read_text() == "old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["steps.csv"]


def test_recorded_fit_divergence_keeps_finite_parameters():
    network, X, y = worked_example()
    with pytest.warns(bpkit.DivergenceWarning, match="diverged"):
        history = network.fit(
            X, y, learning_rate=1e150, epochs=50, trainable=["W5", "b3"]
        )
    assert history.diverged
    assert np.isfinite(list(network.parameters().values())).all()
    assert np.isfinite(network.loss(X, y))


def test_recorded_fit_bad_name_changes_nothing():
    network, X, y = worked_example()
    before = network.parameters()
    with pytest.raises(ValueError, match="unknown parameter name 'b9'"):
        network.fit(X, y, learning_rate=0.1, epochs=2, trainable=["b3", "b9"])
    assert network.parameters() == before


def test_recorded_fit_interrupt_keeps_steps(monkeypatch):
    network, X, y = dosage_example()
    engine = network._engine
    calls = []
    original = engine.loss_and_gradients

    def interrupt_third_call(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(engine, "loss_and_gradients", interrupt_third_call)
    with pytest.raises(KeyboardInterrupt):
        network.fit(X, y, learning_rate=0.1, epochs=10, trainable=["b3"])
    history = network.history_
    assert history.interrupted
    assert len(history) == 2
    assert network.parameter("b3") == history.new_values[-1, 0]
