"""README.md and .ci/run name the same commands, character for character."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ci_commands():
    script = (ROOT / ".ci" / "run").read_text()
    return dict(re.findall(r"^(INSTALL_COMMAND|TEST_COMMAND)='(.*)'$", script, re.M))


def readme_code_lines():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    return [line for block in blocks for line in block.splitlines()]


def test_ci_defines_both_commands():
    assert set(ci_commands()) == {"INSTALL_COMMAND", "TEST_COMMAND"}


def test_readme_quick_start_equals_ci_commands():
    commands = ci_commands()
    lines = readme_code_lines()
    assert lines[:2] == [commands["INSTALL_COMMAND"], commands["TEST_COMMAND"]]


def test_readme_test_command_runs_pytest():
    command = ci_commands()["TEST_COMMAND"]
    assert '".[test]"' in command
    assert command.endswith("python -m pytest")
