"""Registration of plugins at run time: names, duplicates and broken hooks."""

import pytest

import bpkit
from plugin_helpers import ArcLinear, HalfSquares, make_plugin


def test_temporary_plugin_provides_names(temporary_plugin):
    name = temporary_plugin(make_plugin([ArcLinear], [HalfSquares]), name="helpers")
    assert name == "helpers"
    assert "arc_linear_test" in bpkit.list_activations()
    assert "half_squares_test" in bpkit.list_losses()
    activation = bpkit.get_activation("arc_linear_test")
    assert activation.plugin == "helpers"
    assert activation.package is None


def test_fixture_unregisters_plugin():
    # Runs after the test above: its plugin must be gone.
    assert "arc_linear_test" not in bpkit.list_activations()


def test_builtins_come_from_bpkit():
    relu = bpkit.get_activation("relu")
    assert relu.plugin == "bpkit.activations"
    assert relu.package == "bpkit"


def test_same_name_twice_names_both(temporary_plugin):
    temporary_plugin(make_plugin([ArcLinear]), name="first")
    temporary_plugin(make_plugin([ArcLinear]), name="second")
    with pytest.raises(bpkit.PluginError) as info:
        bpkit.get_activation("relu")
    message = str(info.value)
    assert "activation 'arc_linear_test' is registered twice" in message
    assert "plugin 'first'" in message
    assert "plugin 'second'" in message
    assert "hook bpkit_register_activations" in message


def test_clash_with_builtin_names_bpkit(temporary_plugin):
    class FakeRelu(ArcLinear):
        name = "relu"

    temporary_plugin(make_plugin([FakeRelu]), name="impostor")
    with pytest.raises(bpkit.PluginError) as info:
        bpkit.list_activations()
    assert "plugin 'bpkit.activations' (package 'bpkit')" in str(info.value)
    assert "plugin 'impostor'" in str(info.value)


def test_hook_that_raises(temporary_plugin):
    class Broken:
        @bpkit.hookimpl
        def bpkit_register_losses(self):
            raise ImportError("missing optional dependency")

    temporary_plugin(Broken(), name="broken")
    with pytest.raises(bpkit.PluginError) as info:
        bpkit.get_loss("ssr")
    message = str(info.value)
    assert "plugin 'broken'" in message
    assert "raised in hook bpkit_register_losses" in message
    assert "ImportError: missing optional dependency" in message


def test_registry_recovers_after_broken_plugin_leaves(temporary_plugin):
    assert bpkit.get_loss("ssr").name == "ssr"


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        ([object], "expected subclasses of bpkit.Activation"),
        ([HalfSquares], "expected subclasses of bpkit.Activation"),
        (ArcLinear, "expected a list of subclasses"),
    ],
    ids=["not-activation", "loss-as-activation", "class-not-list"],
)
def test_hook_returns_wrong_things(temporary_plugin, returned, expected):
    class Plugin:
        @bpkit.hookimpl
        def bpkit_register_activations(self):
            return returned

    temporary_plugin(Plugin(), name="sloppy")
    with pytest.raises(bpkit.PluginError, match=expected):
        bpkit.list_activations()


def test_class_without_name(temporary_plugin):
    class Nameless(ArcLinear):
        name = ""

    temporary_plugin(make_plugin([Nameless]), name="sloppy")
    with pytest.raises(bpkit.PluginError, match="without a name"):
        bpkit.list_activations()


def test_misspelled_hook_is_rejected():
    class Typo:
        @bpkit.hookimpl
        def bpkit_register_activation(self):
            return [ArcLinear]

    plugin = Typo()
    with pytest.raises(bpkit.PluginError, match="plugin 'typo' implements a hook"):
        bpkit.register_plugin(plugin, name="typo")
    assert "arc_linear_test" not in bpkit.list_activations()
    # not left registered: registering again fails the same way, not as a duplicate
    with pytest.raises(bpkit.PluginError, match="implements a hook"):
        bpkit.register_plugin(plugin, name="typo")


def test_unknown_name_lists_choices():
    with pytest.raises(ValueError, match="unknown activation 'mesh'.*relu"):
        bpkit.get_activation("mesh")
