"""The plugin passes bpkit's conformance kit, found by name through its entry point."""

import pytest

import bpkit
import bpkit.testing
from bpkit_smooth import LogCosh, Mish, Softsign


@pytest.mark.parametrize("name", ["mish", "softsign"])
def test_activation_conforms_by_name(name):
    report = bpkit.testing.check_activation(name)
    assert report.passed


@pytest.mark.parametrize("cls", [Mish, Softsign], ids=["mish", "softsign"])
def test_activation_class_conforms(cls):
    assert bpkit.testing.check_activation(cls()).passed


def test_log_cosh_conforms():
    assert bpkit.testing.check_loss("log_cosh").passed
    assert bpkit.testing.check_loss(LogCosh).passed


@pytest.mark.parametrize("name", ["mish", "softsign"])
def test_activation_provenance(name):
    activation = bpkit.get_activation(name)
    assert activation.plugin == "smooth"
    assert activation.package == "bpkit-smooth"


def test_loss_provenance():
    loss = bpkit.get_loss("log_cosh")
    assert loss.plugin == "smooth"
    assert loss.package == "bpkit-smooth"
