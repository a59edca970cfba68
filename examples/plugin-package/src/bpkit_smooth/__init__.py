"""Smooth activations and a robust loss for bpkit, shipped as a plugin.

Installing this package is all it takes: bpkit finds :mod:`bpkit_smooth.plugin`
through the entry-point group ``bpkit`` and offers ``"mish"``, ``"softsign"``
and ``"log_cosh"`` by name.
"""

from bpkit_smooth.functions import LogCosh, Mish, Softsign

__all__ = ["LogCosh", "Mish", "Softsign"]
