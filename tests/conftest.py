"""Fixtures shared by bpkit's tests, and the worked example's fixed parameters."""

import contextlib

import numpy as np
import pytest

import bpkit
import bpkit.testing

# Parameters of the 2-2-1 worked example, chosen so that hidden node 1 is
# inactive (s1 < 0) on row 0 and hidden node 2 on row 1, so the ReLU slope of
# 0 appears in the chain rule.
WORKED_PARAMETERS = {
    "W1": 0.5,
    "W2": -0.3,
    "W3": -0.8,
    "W4": 1.1,
    "W5": 1.5,
    "W6": -0.7,
    "b1": 0.1,
    "b2": -0.2,
    "b3": 0.05,
}
WORKED_X = [[0.2, 0.9], [0.8, 0.1], [0.5, 0.5], [1.0, 0.3]]
WORKED_Y = [0.0, 1.0, 0.5, 0.2]


@pytest.fixture
def worked_network():
    """Return the 2-2-1 ReLU network with WORKED_PARAMETERS."""
    network = bpkit.Network((2, 2, 1), activation="relu", loss="ssr", seed=0)
    for name, value in WORKED_PARAMETERS.items():
        network.set_parameter(name, value)
    return network


@pytest.fixture
def worked_data():
    """Return X of shape (4, 2) and y of shape (4,) as float64 arrays."""
    return np.array(WORKED_X), np.array(WORKED_Y)


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
