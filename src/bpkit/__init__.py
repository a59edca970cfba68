"""bpkit: backpropagation you can read, explain and run fast.

Build a dense :class:`Network`, train it with :meth:`Network.fit`, and compare
its compiled gradients with the plain NumPy ones in :mod:`bpkit.reference`.
Activations and losses come from a pluggy registry; see :mod:`bpkit.hookspecs`.
"""

import logging

from bpkit._base import Activation, Loss
from bpkit._datasets import (
    dosage_parameters,
    load_dosage,
    load_iris_petals,
    load_worked_example,
)
from bpkit._explain import Explanation, explain
from bpkit._exceptions import (
    BpkitWarning,
    ConfigurationWarning,
    DivergenceWarning,
    MissingPluginError,
    ModelFileError,
    PluginError,
    ProvenanceWarning,
)
from bpkit._gradcheck import GradientCheck, gradcheck
from bpkit._history import History
from bpkit._network import Network
from bpkit._persistence import load
from bpkit._registry import (
    get_activation,
    get_loss,
    list_activations,
    list_losses,
    register_plugin,
    unregister_plugin,
)
from bpkit.hookspecs import hookimpl

__version__ = "0.1.0"

logging.getLogger("bpkit").addHandler(logging.NullHandler())

__all__ = sorted([
    "Activation",
    "BpkitWarning",
    "ConfigurationWarning",
    "DivergenceWarning",
    "Explanation",
    "GradientCheck",
    "History",
    "Loss",
    "MissingPluginError",
    "ModelFileError",
    "Network",
    "PluginError",
    "ProvenanceWarning",
    "dosage_parameters",
    "explain",
    "get_activation",
    "get_loss",
    "gradcheck",
    "hookimpl",
    "list_activations",
    "list_losses",
    "load",
    "load_dosage",
    "load_iris_petals",
    "load_worked_example",
    "register_plugin",
    "unregister_plugin",
])


def __getattr__(name):
    # ``bpkit.testing`` loads on first use, so plain ``import bpkit`` does not
    # import the conformance kit, yet ``bpkit.testing.check_activation`` works.
    if name == "testing":
        import importlib

        return importlib.import_module("bpkit.testing")
    raise AttributeError(f"module 'bpkit' has no attribute {name!r}")
