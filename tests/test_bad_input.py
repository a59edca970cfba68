"""Bad input raises a clear error before anything changes."""

import numpy as np
import pytest

import bpkit


def assert_unchanged(network, before):
    assert network.parameters() == before


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        pytest.param(lambda X, y: (np.where(X == X[0, 0], np.nan, X), y),
                     ValueError, "X contains NaN", id="nan-in-X"),
        pytest.param(lambda X, y: (X, np.where(y == y[1], np.inf, y)),
                     ValueError, "y contains NaN or infinity", id="inf-in-y"),
        pytest.param(lambda X, y: (X[:, :1], y), ValueError, "X has 1 columns",
                     id="X-wrong-width"),
        pytest.param(lambda X, y: (X, y[:3]), ValueError, "y has 3 rows", id="y-wrong-rows"),
        pytest.param(lambda X, y: (X.ravel(), y), ValueError, "reshape", id="X-one-dim"),
        pytest.param(lambda X, y: (X[:0], y[:0]), ValueError, "X is empty", id="empty"),
        pytest.param(lambda X, y: (X.astype(str), y), TypeError, "must hold numbers",
                     id="X-strings"),
    ],
)
def test_bad_data_leaves_network_unchanged(worked_network, worked_data, change, error,
                                           message):
    X, y = change(*worked_data)
    before = worked_network.parameters()
    with pytest.raises(error, match=message):
        worked_network.fit(X, y, learning_rate=0.1, epochs=5)
    assert_unchanged(worked_network, before)
    with pytest.raises(error, match=message):
        worked_network.gradients(X, y)
    assert worked_network.history_ is None


@pytest.mark.parametrize("rate", [0, -0.1, float("nan"), float("inf")],
                         ids=["zero", "negative", "nan", "inf"])
def test_non_positive_learning_rate_rejected(worked_network, worked_data, rate):
    before = worked_network.parameters()
    with pytest.raises(ValueError, match="learning_rate must be a positive finite number"):
        worked_network.fit(*worked_data, learning_rate=rate, epochs=5)
    assert_unchanged(worked_network, before)


def test_learning_rate_of_wrong_type_rejected(worked_network, worked_data):
    before = worked_network.parameters()
    with pytest.raises(TypeError, match="learning_rate"):
        worked_network.fit(*worked_data, learning_rate="0.1", epochs=5)
    assert_unchanged(worked_network, before)


def test_unknown_trainable_name_rejected(worked_network, worked_data):
    before = worked_network.parameters()
    with pytest.raises(ValueError, match="W7"):
        worked_network.fit(*worked_data, learning_rate=0.1, epochs=5, trainable=["W7"])
    assert_unchanged(worked_network, before)


def test_set_parameter_rejects_nan(worked_network):
    before = worked_network.parameters()
    with pytest.raises(ValueError, match="finite"):
        worked_network.set_parameter("W1", float("nan"))
    assert_unchanged(worked_network, before)


@pytest.mark.parametrize("kind", ["activation", "loss"])
def test_unknown_name_lists_registered_names(kind):
    with pytest.raises(ValueError) as info:
        if kind == "activation":
            bpkit.Network((2, 2, 1), activation="no_such_function")
        else:
            bpkit.Network((2, 2, 1), loss="no_such_function")
    message = str(info.value)
    assert "no_such_function" in message
    registered = bpkit.list_activations() if kind == "activation" else bpkit.list_losses()
    for name in registered:
        assert name in message


def test_builtin_names_registered():
    for name in ["relu", "identity", "sigmoid", "tanh", "softplus"]:
        assert name in bpkit.list_activations()
    for name in ["ssr", "mse"]:
        assert name in bpkit.list_losses()


def test_trainable_bytes_rejected(worked_network, worked_data):
    X, y = worked_data
    before = worked_network.parameters()
    with pytest.raises(TypeError, match="trainable"):
        worked_network.fit(X, y, learning_rate=0.01, epochs=1, trainable=b"W1")
    assert worked_network.parameters() == before
