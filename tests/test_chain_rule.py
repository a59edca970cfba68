"""Gradients of the worked example against the chain rule, by hand in plain floats."""

import pytest

from conftest import WORKED_PARAMETERS, WORKED_X, WORKED_Y


def relu(s):
    return s if s > 0 else 0.0


def relu_slope(s):
    # The convention at the kink: relu'(0) = 0.
    return 1.0 if s > 0 else 0.0


def hand_gradients():
    """Return dLoss/dp for every parameter, row by row with the chain rule.

    Loss = sum_i (expected_i - predicted_i)^2, so dLoss/dpredicted_i is
    -2 (expected_i - predicted_i). Each parameter's derivative multiplies it
    by the local derivatives along the path from that parameter.
    """
    p = WORKED_PARAMETERS
    grads = dict.fromkeys(p, 0.0)
    for (x1, x2), expected in zip(WORKED_X, WORKED_Y):
        s1 = p["W1"] * x1 + p["W2"] * x2 + p["b1"]
        s2 = p["W3"] * x1 + p["W4"] * x2 + p["b2"]
        y1, y2 = relu(s1), relu(s2)
        predicted = p["W5"] * y1 + p["W6"] * y2 + p["b3"]
        outer = -2.0 * (expected - predicted)
        grads["W5"] += outer * y1
        grads["W6"] += outer * y2
        grads["b3"] += outer
        grads["W1"] += outer * p["W5"] * relu_slope(s1) * x1
        grads["W2"] += outer * p["W5"] * relu_slope(s1) * x2
        grads["b1"] += outer * p["W5"] * relu_slope(s1)
        grads["W3"] += outer * p["W6"] * relu_slope(s2) * x1
        grads["W4"] += outer * p["W6"] * relu_slope(s2) * x2
        grads["b2"] += outer * p["W6"] * relu_slope(s2)
    return grads


def test_data_crosses_both_relu_kinks():
    # The example only tests relu' = 0 if some row has a negative pre-activation.
    p = WORKED_PARAMETERS
    s1 = [p["W1"] * x1 + p["W2"] * x2 + p["b1"] for x1, x2 in WORKED_X]
    s2 = [p["W3"] * x1 + p["W4"] * x2 + p["b2"] for x1, x2 in WORKED_X]
    assert min(s1) < 0 < max(s1)
    assert min(s2) < 0 < max(s2)


def test_dloss_dw5_by_hand(worked_network, worked_data):
    X, y = worked_data
    expected = hand_gradients()["W5"]
    assert worked_network.gradients(X, y)["W5"] == pytest.approx(expected, rel=1e-12)


def test_dloss_dw1_by_hand(worked_network, worked_data):
    X, y = worked_data
    expected = hand_gradients()["W1"]
    assert worked_network.gradients(X, y)["W1"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", list(WORKED_PARAMETERS))
def test_every_parameter_by_hand(worked_network, worked_data, name):
    X, y = worked_data
    expected = hand_gradients()[name]
    assert worked_network.gradients(X, y)[name] == pytest.approx(
        expected, rel=1e-12, abs=1e-15
    )


def test_loss_and_prediction_by_hand(worked_network, worked_data):
    X, y = worked_data
    p = WORKED_PARAMETERS
    predictions = []
    for x1, x2 in WORKED_X:
        y1 = relu(p["W1"] * x1 + p["W2"] * x2 + p["b1"])
        y2 = relu(p["W3"] * x1 + p["W4"] * x2 + p["b2"])
        predictions.append(p["W5"] * y1 + p["W6"] * y2 + p["b3"])
    ssr = sum((e - q) ** 2 for e, q in zip(WORKED_Y, predictions))
    assert list(worked_network.predict(X)) == pytest.approx(predictions, rel=1e-14)
    assert worked_network.loss(X, y) == pytest.approx(ssr, rel=1e-14)
