"""Plugins installed as distributions, found through the entry-point group ``bpkit``.

Each test writes a small distribution, a module and its ``.dist-info`` with
``entry_points.txt``, into a temporary directory. It then runs Python in a
subprocess with that directory on ``PYTHONPATH``, so the registry starts
fresh and finds the plugin exactly as it would find an installed package.
"""

import os
import subprocess
import sys
import textwrap

import pytest

PLUGIN_SOURCE = '''
import numpy as np

import bpkit

CALLS = []


class Arctan(bpkit.Activation):
    name = "arctan_test"
    latex = r"\\arctan(z)"
    latex_derivative = r"\\frac{1}{1 + z^2}"

    def value(self, z):
        return np.arctan(z)

    def derivative(self, z):
        return {derivative}


@bpkit.hookimpl
def bpkit_register_activations():
    CALLS.append(1)
    return [Arctan]
'''


def make_distribution(root, package, module, derivative="1 / (1 + z * z)", source=None):
    """Write module ``module`` and the metadata of distribution ``package`` into root."""
    if source is None:
        source = PLUGIN_SOURCE.replace("{derivative}", derivative)
    (root / f"{module}.py").write_text(source)
    info = root / f"{package.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(f"[bpkit]\n{module} = {module}\n")


def run_python(root, code, disable=False, args=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    env.pop("BPKIT_DISABLE_PLUGINS", None)
    if disable:
        env["BPKIT_DISABLE_PLUGINS"] = "1"
    command = [sys.executable] + (args or ["-c", textwrap.dedent(code)])
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                          cwd=root)


@pytest.fixture
def plugin_root(tmp_path):
    make_distribution(tmp_path, "bpkit-arctan", "arctan_plugin")
    return tmp_path


def test_entry_point_loads_lazily_once(plugin_root):
    result = run_python(plugin_root, """
        import sys
        import bpkit
        print("imported at start:", "arctan_plugin" in sys.modules)
        bpkit.get_activation("arctan_test")
        bpkit.get_activation("arctan_test")
        bpkit.list_activations()
        import arctan_plugin
        print("hook calls:", len(arctan_plugin.CALLS))
        activation = bpkit.get_activation("arctan_test")
        print("origin:", activation.plugin, activation.package)
    """)
    assert result.returncode == 0, result.stderr
    assert "imported at start: False" in result.stdout
    assert "hook calls: 1" in result.stdout
    assert "origin: arctan_plugin bpkit-arctan" in result.stdout


def test_disable_variable_skips_entry_points(plugin_root):
    result = run_python(plugin_root, """
        import sys
        import bpkit
        print("registered:", "arctan_test" in bpkit.list_activations())
        print("imported:", "arctan_plugin" in sys.modules)
    """, disable=True)
    assert result.returncode == 0, result.stderr
    assert "registered: False" in result.stdout
    assert "imported: False" in result.stdout


def test_two_packages_one_name(plugin_root):
    make_distribution(plugin_root, "bpkit-arctan-fork", "arctan_fork")
    result = run_python(plugin_root, "import bpkit; bpkit.list_activations()")
    assert result.returncode != 0
    assert "bpkit.PluginError" in result.stderr
    assert "'arctan_test' is registered twice" in result.stderr
    assert "package 'bpkit-arctan'" in result.stderr
    assert "package 'bpkit-arctan-fork'" in result.stderr


def test_plugin_that_fails_to_import(tmp_path):
    make_distribution(tmp_path, "bpkit-broken", "broken_plugin",
                      source="raise ImportError('needs scipy.special.mish')\n")
    result = run_python(tmp_path, "import bpkit; bpkit.get_activation('relu')")
    assert result.returncode != 0
    assert "plugin 'broken_plugin' of package 'bpkit-broken'" in result.stderr
    assert "failed to import: ImportError: needs scipy.special.mish" in result.stderr
    assert "BPKIT_DISABLE_PLUGINS=1" in result.stderr

    listing = run_python(tmp_path, None, args=["-m", "bpkit", "plugins"])
    assert listing.returncode == 1
    assert listing.stderr.startswith(
        "bpkit plugins: error: plugin 'broken_plugin' of package 'bpkit-broken'"
    )


def test_saved_model_names_missing_package(plugin_root):
    saved = run_python(plugin_root, """
        import bpkit
        network = bpkit.Network((2, 2, 1), activation="arctan_test", seed=0)
        print(network)
        network.save("arctan.npz")
    """)
    assert saved.returncode == 0, saved.stderr
    assert "activation='arctan_test' [bpkit-arctan]" in saved.stdout

    loaded = run_python(plugin_root, """
        import bpkit
        try:
            bpkit.load("arctan.npz")
        except bpkit.MissingPluginError as error:
            print(error)
            print("package:", error.package)
    """, disable=True)
    assert loaded.returncode == 0, loaded.stderr
    assert "activation 'arctan_test' from plugin 'arctan_plugin'" in loaded.stdout
    assert "pip install bpkit-arctan" in loaded.stdout
    assert "unset BPKIT_DISABLE_PLUGINS" in loaded.stdout
    assert "package: bpkit-arctan" in loaded.stdout

    listing = run_python(plugin_root, None, disable=True,
                         args=["-m", "bpkit", "plugins", "--model", "arctan.npz"])
    assert listing.returncode == 0, listing.stderr
    assert "no: pip install bpkit-arctan" in listing.stdout

    reloaded = run_python(plugin_root, """
        import bpkit
        print(bpkit.load("arctan.npz"))
    """)
    assert reloaded.returncode == 0, reloaded.stderr
    assert "'arctan_test' [bpkit-arctan]" in reloaded.stdout


def test_cli_lists_plugin_with_package(plugin_root):
    result = run_python(plugin_root, None, args=["-m", "bpkit", "plugins"])
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "arctan_test" in line)
    assert line.split()[:4] == ["activation", "arctan_test", "bpkit-arctan", "arctan_plugin"]
    assert line.endswith(r"f(z) = \arctan(z)")


def test_check_plugin_passes_correct_plugin(plugin_root):
    result = run_python(plugin_root, None, args=["-m", "bpkit", "check-plugin", "arctan_test"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "package 'bpkit-arctan'" in result.stdout
    assert "8 of 8 checks passed" in result.stdout


def test_check_plugin_reports_wrong_derivative(tmp_path):
    # off by 0.001 everywhere
    make_distribution(tmp_path, "bpkit-arctan", "arctan_plugin",
                      derivative="1 / (1 + z * z) + 0.001")
    result = run_python(tmp_path, None, args=["-m", "bpkit", "check-plugin", "arctan_test"])
    assert result.returncode == 1
    assert "FAIL  derivative matches central differences (float64)" in result.stdout
    assert "error 0.001, tolerance" in result.stdout
    assert "7 of 8 checks passed" in result.stdout
