"""Subcommands of the ``bpkit`` command line; see :mod:`bpkit.cli`."""
