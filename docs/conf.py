"""Sphinx configuration of the bpkit documentation."""

import bpkit

project = "bpkit"
author = "bpkit developers"
copyright = "2026, bpkit developers"
release = bpkit.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
]

# Class pages list their methods through autodoc's :members:, so numpydoc's
# own member tables (which need autosummary stubs) stay off.
numpydoc_show_class_members = False
autodoc_member_order = "bysource"

exclude_patterns = ["_build", "generated"]
html_theme = "alabaster"
