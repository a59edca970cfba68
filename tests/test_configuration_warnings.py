"""Warnings for network setups that are valid but cannot train well."""

import warnings

import pytest

import bpkit


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "cross_entropy"])
@pytest.mark.parametrize("output", ["identity", "tanh", "relu"])
def test_cross_entropy_unbounded_output_warns(loss, output):
    with pytest.warns(bpkit.ConfigurationWarning, match="output_activation") as record:
        bpkit.Network((2, 3, 2), output_activation=output, loss=loss)
    assert record[0].filename == __file__


@pytest.mark.parametrize(
    "output, loss",
    [("sigmoid", "binary_cross_entropy"), ("softmax", "cross_entropy"),
     ("sigmoid", "cross_entropy"), ("identity", "mse"), ("tanh", "ssr")],
)
def test_matching_setup_is_silent(output, loss):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        network = bpkit.Network((2, 3, 2), output_activation=output, loss=loss)
    assert network.loss_function.name == loss


def test_softmax_single_output_warns():
    with pytest.warns(bpkit.ConfigurationWarning, match="single output"):
        bpkit.Network((2, 3, 1), output_activation="softmax", loss="cross_entropy")


def test_softmax_hidden_layer_warns():
    with pytest.warns(bpkit.ConfigurationWarning, match="hidden"):
        bpkit.Network((2, 3, 2), activation="softmax")


def test_configuration_warning_is_bpkit_warning():
    assert issubclass(bpkit.ConfigurationWarning, bpkit.BpkitWarning)
