"""Every hook in bpkit.hookspecs has a section in the plugin authors' guide."""

import inspect
import pathlib
import re

import pluggy
import pytest

from bpkit import hookspecs

GUIDE = pathlib.Path(__file__).resolve().parent.parent / "docs" / "plugins.rst"


def hook_names():
    manager = pluggy.PluginManager("bpkit")
    return sorted(
        name for name in dir(hookspecs)
        if manager.parse_hookspec_opts(hookspecs, name) is not None
    )


def section_titles(text):
    """Return every reST section title: a line followed by an underline as long."""
    lines = text.splitlines()
    titles = []
    for title, underline in zip(lines, lines[1:]):
        if title.strip() and re.fullmatch(r"([=\-~^\"'`#*+])\1*", underline) and len(
            underline
        ) >= len(title):
            titles.append(title)
    return titles


def test_hookspecs_found():
    assert {"bpkit_register_activations", "bpkit_register_losses"} <= set(hook_names())


@pytest.mark.parametrize("name", hook_names())
def test_hook_has_section_with_signature(name):
    signature = f"{name}{inspect.signature(getattr(hookspecs, name))}"
    assert signature in section_titles(GUIDE.read_text())


def test_guide_includes_existing_files():
    text = GUIDE.read_text()
    included = re.findall(r"\.\. literalinclude:: (\S+)", text)
    assert included
    for relative in included:
        assert (GUIDE.parent / relative).is_file(), relative
