"""bpkit.gradcheck: the per-parameter table and its verdict."""

import numpy as np
import pytest

import bpkit


class WrongSlopeTanh(bpkit.Activation):
    """tanh with a derivative that is 10% too large, to be caught by gradcheck."""

    name = "wrong_slope_tanh"

    def value(self, z):
        return np.tanh(z)

    def derivative(self, z):
        return 1.1 * (1 - np.tanh(z) ** 2)


def test_correct_network_passes(worked_network, worked_data):
    result = bpkit.gradcheck(worked_network, *worked_data)
    assert result.ok
    assert [row.name for row in result] == worked_network.parameter_names()
    assert result.max_rel_error < 1e-6


def test_rows_hold_analytic_and_numeric(worked_network, worked_data):
    X, y = worked_data
    result = bpkit.gradcheck(worked_network, X, y)
    gradients = worked_network.gradients(X, y)
    for row in result:
        assert row.analytic == gradients[row.name]
        assert row.abs_error == abs(row.analytic - row.numeric)
        assert row.numeric == pytest.approx(row.analytic, rel=1e-6, abs=1e-9)


def test_wrong_derivative_is_reported():
    rng = np.random.default_rng(0)
    network = bpkit.Network((2, 3, 1), activation=WrongSlopeTanh(), seed=0)
    X = rng.normal(size=(6, 2))
    y = rng.normal(size=6)
    result = bpkit.gradcheck(network, X, y)
    assert not result.ok
    failing = {row.name for row in result.failures()}
    # The wrong slope enters every parameter before the output layer.
    assert {"W1", "W2", "b1"} <= failing
    # The output layer's weights only see the hidden values, which are right.
    assert "W7" not in failing
    assert "MISMATCH" in result.to_text()


def test_parameters_restored_exactly(worked_network, worked_data):
    before = worked_network.parameters()
    bpkit.gradcheck(worked_network, *worked_data)
    assert worked_network.parameters() == before


def test_float32_network_passes(worked_data):
    network = bpkit.Network((2, 3, 1), activation="tanh", seed=2, dtype="float32")
    result = bpkit.gradcheck(network, *worked_data)
    assert result.ok
    assert result.rtol == 1e-2


def test_to_text_lists_every_parameter(worked_network, worked_data):
    text = bpkit.gradcheck(worked_network, *worked_data).to_text()
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["parameter", "analytic", "numeric"]
    assert [line.split()[0] for line in lines[1:10]] == worked_network.parameter_names()
    assert lines[-1].startswith("all parameters agree")


def test_bad_eps_rejected(worked_network, worked_data):
    with pytest.raises(ValueError, match="eps must be a positive finite number"):
        bpkit.gradcheck(worked_network, *worked_data, eps=0.0)


def test_bad_data_rejected_before_any_change(worked_network, worked_data):
    X, y = worked_data
    X = X.copy()
    X[0, 0] = np.nan
    before = worked_network.parameters()
    with pytest.raises(ValueError, match="X contains NaN"):
        bpkit.gradcheck(worked_network, X, y)
    assert worked_network.parameters() == before
