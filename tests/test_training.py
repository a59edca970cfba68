"""Gradient descent: exact steps, fresh gradients, trainable subsets, divergence."""

import numpy as np
import pytest

import bpkit


def test_one_step_is_p_minus_rate_times_gradient(worked_network, worked_data):
    X, y = worked_data
    learning_rate = 0.05
    before = worked_network.parameters()
    gradients = worked_network.gradients(X, y)
    worked_network.fit(X, y, learning_rate=learning_rate, epochs=1)
    for name, value in worked_network.parameters().items():
        # NOTE: exact equality assumes the compiler does not fuse the
        # multiply-add, true for the x86-64 baseline that has no FMA.
        assert value == before[name] - learning_rate * gradients[name], name


def test_history_records_loss_before_each_step(worked_network, worked_data):
    X, y = worked_data
    first_loss = worked_network.loss(X, y)
    history = worked_network.fit(X, y, learning_rate=0.05, epochs=3)
    assert len(history) == 3
    assert history.loss[0] == pytest.approx(first_loss, rel=1e-15)
    assert history.loss[2] > worked_network.loss(X, y)


def test_gradients_twice_are_equal(worked_network, worked_data):
    X, y = worked_data
    first = worked_network.gradients(X, y)
    second = worked_network.gradients(X, y)
    assert first == second


def test_gradients_after_fit_are_fresh(worked_network, worked_data):
    # A fit must not leave gradient state that the next call adds to.
    X, y = worked_data
    worked_network.fit(X, y, learning_rate=0.01, epochs=2)
    parameters = worked_network.parameters()
    fresh = bpkit.Network((2, 2, 1), seed=1)
    for name, value in parameters.items():
        fresh.set_parameter(name, value)
    assert worked_network.gradients(X, y) == fresh.gradients(X, y)


def test_trainable_b3_changes_only_b3(worked_network, worked_data):
    X, y = worked_data
    before = worked_network.parameters()
    slope = worked_network.gradients(X, y)["b3"]
    worked_network.fit(X, y, learning_rate=0.1, epochs=1, trainable=["b3"])
    after = worked_network.parameters()
    for name in before:
        if name != "b3":
            assert after[name] == before[name], name
    assert after["b3"] == before["b3"] - 0.1 * slope


def test_dosage_lesson_converges_to_best_b3():
    # With everything else fixed, SSR is a parabola in b3 whose minimum is the
    # mean residual of the other terms: b3* = mean(y - (prediction at b3 = 0)).
    X, y = bpkit.load_dosage()
    network = bpkit.Network((1, 2, 1), activation="softplus")
    for name, value in bpkit.dosage_parameters().items():
        network.set_parameter(name, value)
    best_b3 = float(np.mean(y - network.predict(X)))
    network.fit(X, y, learning_rate=0.1, epochs=60, trainable=["b3"])
    assert network.parameter("b3") == pytest.approx(best_b3, rel=1e-9)
    assert best_b3 == pytest.approx(2.61, abs=0.01)


def test_worked_example_loss_goes_down():
    X, y = bpkit.load_worked_example()
    network = bpkit.Network((2, 2, 1), seed=0)
    history = network.fit(X, y, learning_rate=0.001, epochs=300)
    assert np.all(np.diff(history.loss) <= 0)
    assert history.loss[-1] < 0.5 * history.loss[0]


def test_divergence_warns_and_keeps_finite_parameters(worked_network, worked_data):
    X, y = worked_data
    with pytest.warns(bpkit.DivergenceWarning, match="learning_rate"):
        history = worked_network.fit(X, y, learning_rate=1e6, epochs=500)
    assert history.diverged
    assert len(history) < 500
    assert all(np.isfinite(list(worked_network.parameters().values())))
    assert np.isfinite(worked_network.loss(X, y))
