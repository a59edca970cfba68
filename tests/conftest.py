"""Fixtures shared by bpkit's tests."""

import contextlib

import pytest

import bpkit.testing


@pytest.fixture
def temporary_plugin():
    """Return a function that registers a plugin until the test ends.

    ``temporary_plugin(plugin, name=None)`` returns the registered name; the
    plugin is unregistered at teardown even if the test fails.
    """
    with contextlib.ExitStack() as stack:

        def register(plugin, name=None):
            return stack.enter_context(bpkit.testing.temporary_plugin(plugin, name=name))

        yield register
