"""Defects found by a second new user, one test per defect."""

import numpy as np
import pytest

import bpkit

RNG = np.random.default_rng(0)
X = RNG.normal(size=(37, 3))
Y = RNG.normal(size=(37, 2))


def _network(dtype="float64"):
    return bpkit.Network((3, 4, 2), activation="tanh", seed=5, dtype=dtype)


def test_minibatch_history_counts_epochs():
    history = _network().fit(X, Y, learning_rate=0.01, epochs=20, batch_size=5)
    assert "20 epochs" in repr(history)
    assert "steps" not in repr(history)


def test_float32_recorded_new_values_match():
    dose, efficacy = bpkit.load_dosage()
    network = bpkit.Network((1, 2, 1), activation="softplus", seed=0, dtype="float32")
    history = network.fit(dose, efficacy, learning_rate=0.1, epochs=5, trainable=["b3"])
    assert history.new_values[-1, 0] == network.parameter("b3")
    assert np.array_equal(history.new_values[:-1, 0], history.values[1:, 0])


def test_recorded_fit_huge_epochs_names_epochs():
    dose, efficacy = bpkit.load_dosage()
    network = bpkit.Network((1, 2, 1), seed=0)
    with pytest.raises(ValueError, match="epochs"):
        network.fit(dose, efficacy, learning_rate=0.1, epochs=10**15, trainable=["b3"])
    assert network.history_ is None


@pytest.mark.parametrize("argument", ["record_steps", "verbose"])
def test_fit_flag_rejects_non_bool(argument):
    network = _network()
    before = network.parameters()
    with pytest.raises(TypeError, match=argument):
        network.fit(X, Y, learning_rate=0.01, epochs=2, **{argument: "yes"})
    assert network.parameters() == before
    assert network.history_ is None


def test_beta2_error_suggests_its_default():
    with pytest.raises(ValueError, match=r"such as 0\.999") as error:
        _network().fit(X, Y, learning_rate=0.01, epochs=2, optimizer="adam", beta2=1.0)
    assert "beta2" in str(error.value)


def test_history_csv_missing_directory(tmp_path):
    history = _network().fit(X, Y, learning_rate=0.01, epochs=2)
    path = tmp_path / "missing" / "history.csv"
    with pytest.raises(FileNotFoundError) as error:
        history.to_csv(path)
    assert str(path) in str(error.value)
    assert ".tmp" not in str(error.value)
