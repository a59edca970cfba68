"""Sphinx configuration of the bpkit documentation."""

import bpkit

project = "bpkit"
author = "bpkit developers"
copyright = "2026, bpkit developers"
release = bpkit.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "numpydoc",
    "bpkit.sphinxext",
]

# Class pages list their methods through autodoc's :members:, so numpydoc's
# own member tables (which need autosummary stubs) stay off.
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
autodoc_member_order = "bysource"

exclude_patterns = ["_build", "generated"]
html_theme = "alabaster"
doctest_global_setup = "import numpy as np\nimport bpkit"
