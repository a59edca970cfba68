"""Misbehaving plugins raise PluginError naming plugin, package, hook and method.

Every error comes before any parameter changes: fit restores the parameters
exactly when a plugin fails part-way through.
"""

import numpy as np
import pytest

import bpkit
import bpkit.reference
from plugin_helpers import ArcLinear, HalfSquares, failing_after, make_plugin

X = np.array([[0.0, 0.5], [1.0, -1.0], [2.0, 0.25], [-0.5, 1.5]])
Y = np.array([0.5, -1.0, 2.0, 0.0])


def raise_error(self, *args):
    raise ZeroDivisionError("plugin bug")


def wrong_shape(self, *args):
    return np.zeros((1, 1), dtype=args[-1].dtype)


def wrong_dtype(self, *args):
    return np.zeros(args[-1].shape, dtype=np.float32)


def nan_output(self, *args):
    result = np.zeros(args[-1].shape, dtype=args[-1].dtype)
    result[0, 0] = np.nan
    return result


def not_an_array(self, *args):
    return args[-1].tolist()


MISBEHAVIOURS = [
    (raise_error, "raised ZeroDivisionError: plugin bug"),
    (wrong_shape, "returned shape (1, 1), expected"),
    (wrong_dtype, "returned dtype float32, expected float64"),
    (nan_output, "returned nan at index (0, 0) for finite input"),
    (not_an_array, "returned list, expected an ndarray"),
]
MISBEHAVIOUR_IDS = ["raises", "wrong-shape", "wrong-dtype", "nan", "list"]


def network_with(temporary_plugin, activation=ArcLinear, loss=HalfSquares, name="faulty"):
    temporary_plugin(make_plugin([activation], [loss]), name=name)
    return bpkit.Network((2, 3, 1), activation=activation.name, loss=loss.name, seed=0)


def assert_names_everything(error, hook, method):
    message = str(error)
    assert "plugin 'faulty'" in message
    assert "registered at run time" in message
    assert f"hook {hook}" in message
    assert f"method {method}" in message


@pytest.mark.parametrize(("misbehave", "expected"), MISBEHAVIOURS, ids=MISBEHAVIOUR_IDS)
def test_activation_value_error_in_predict(temporary_plugin, misbehave, expected):
    bad = failing_after(ArcLinear, "value", 0, misbehave)
    network = network_with(temporary_plugin, activation=bad)
    with pytest.raises(bpkit.PluginError) as info:
        network.predict(X)
    assert expected in str(info.value)
    assert_names_everything(info.value, "bpkit_register_activations", "value")


@pytest.mark.parametrize(("misbehave", "expected"), MISBEHAVIOURS, ids=MISBEHAVIOUR_IDS)
def test_activation_derivative_error_in_gradients(temporary_plugin, misbehave, expected):
    bad = failing_after(ArcLinear, "derivative", 0, misbehave)
    network = network_with(temporary_plugin, activation=bad)
    network.predict(X)  # the forward pass alone does not call derivative
    with pytest.raises(bpkit.PluginError) as info:
        network.gradients(X, Y)
    assert expected in str(info.value)
    assert_names_everything(info.value, "bpkit_register_activations", "derivative")


@pytest.mark.parametrize(("misbehave", "expected"), MISBEHAVIOURS, ids=MISBEHAVIOUR_IDS)
def test_loss_gradient_error_in_loss(temporary_plugin, misbehave, expected):
    bad = failing_after(HalfSquares, "gradient", 0, misbehave)
    network = network_with(temporary_plugin, loss=bad)
    with pytest.raises(bpkit.PluginError) as info:
        network.loss(X, Y)
    assert expected in str(info.value)
    assert_names_everything(info.value, "bpkit_register_losses", "gradient")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("high", "expected a float"), (float("nan"), "returned nan for finite input")],
    ids=["string", "nan"],
)
def test_loss_value_error(temporary_plugin, value, expected):
    bad = failing_after(HalfSquares, "value", 0, lambda self, *args: value)
    network = network_with(temporary_plugin, loss=bad)
    with pytest.raises(bpkit.PluginError) as info:
        network.gradients(X, Y)
    assert expected in str(info.value)
    assert_names_everything(info.value, "bpkit_register_losses", "value")


@pytest.mark.parametrize(("misbehave", "expected"), MISBEHAVIOURS, ids=MISBEHAVIOUR_IDS)
@pytest.mark.parametrize("method", ["value", "derivative"])
def test_fit_restores_parameters_after_mid_fit_failure(
    temporary_plugin, misbehave, expected, method
):
    # 7 good calls, so the failure comes after several completed steps.
    bad = failing_after(ArcLinear, method, 7, misbehave)
    network = network_with(temporary_plugin, activation=bad)
    before = network.parameters()
    with pytest.raises(bpkit.PluginError) as info:
        network.fit(X, Y, learning_rate=0.01, epochs=50)
    assert expected in str(info.value)
    assert network.parameters() == before
    assert network.history_ is None


def test_fit_restores_after_loss_failure(temporary_plugin):
    bad = failing_after(HalfSquares, "gradient", 4, raise_error)
    network = network_with(temporary_plugin, loss=bad)
    before = network.parameters()
    with pytest.raises(bpkit.PluginError, match="method gradient raised ZeroDivisionError"):
        network.fit(X, Y, learning_rate=0.01, epochs=50)
    assert network.parameters() == before


def test_float32_network_rejects_float64_result(temporary_plugin):
    class Float64ArcLinear(ArcLinear):
        def value(self, z):
            return np.asarray(super().value(z), dtype=np.float64)

    temporary_plugin(make_plugin([Float64ArcLinear]), name="faulty")
    network = bpkit.Network((2, 3, 1), activation="arc_linear_test", dtype="float32", seed=0)
    with pytest.raises(bpkit.PluginError, match="returned dtype float64, expected float32"):
        network.predict(X)


def test_overflowing_plugin_loss_reports_divergence(temporary_plugin):
    # An infinite loss from finite predictions is an overflow, not a plugin
    # bug: fit stops with a DivergenceWarning and keeps finite parameters.
    network = network_with(temporary_plugin)
    X_big = X * 1e100
    with pytest.warns(bpkit.DivergenceWarning), np.errstate(over="ignore"):
        history = network.fit(X_big, Y, learning_rate=1.0, epochs=20)
    assert history.diverged
    assert all(np.isfinite(value) for value in network.parameters().values())


def test_working_plugin_matches_reference(temporary_plugin):
    network = network_with(temporary_plugin)
    compiled = network.gradients(X, Y)
    reference = bpkit.reference.gradients(network, X, Y)
    for name, value in compiled.items():
        assert value == pytest.approx(reference[name], rel=1e-12, abs=1e-14), name


class RowSoftmax(ArcLinear):
    """Softmax along the last axis, with the vector-Jacobian product of its row."""

    name = "row_softmax_test"
    latex = r"\frac{e^{z_j}}{\sum_k e^{z_k}}"
    latex_derivative = r"s_j (1 - s_j)"
    elementwise = False

    def value(self, z):
        shifted = np.exp(z - z.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)

    def derivative(self, z):
        s = self.value(z)
        return s * (1 - s)

    def vjp(self, z, grad_output):
        s = self.value(z)
        return s * (grad_output - np.sum(grad_output * s, axis=-1, keepdims=True))


def test_non_elementwise_plugin_uses_vjp(temporary_plugin):
    temporary_plugin(make_plugin([RowSoftmax]), name="faulty")
    network = bpkit.Network((2, 3, 2), activation="tanh", output_activation="row_softmax_test",
                            seed=0)
    Y2 = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    compiled = network.gradients(X, Y2)
    # central differences of the loss in each parameter
    for name, value in compiled.items():
        start = network.parameter(name)
        step = 1e-6
        network.set_parameter(name, start + step)
        plus = network.loss(X, Y2)
        network.set_parameter(name, start - step)
        minus = network.loss(X, Y2)
        network.set_parameter(name, start)
        assert value == pytest.approx((plus - minus) / (2 * step), rel=1e-6, abs=1e-8), name


def test_vjp_wrong_shape_names_method(temporary_plugin):
    bad = failing_after(RowSoftmax, "vjp", 0, wrong_shape)
    temporary_plugin(make_plugin([bad]), name="faulty")
    network = bpkit.Network((2, 3, 2), output_activation="row_softmax_test", seed=0)
    with pytest.raises(bpkit.PluginError) as info:
        network.gradients(X, np.ones((4, 2)))
    assert_names_everything(info.value, "bpkit_register_activations", "vjp")
