"""``bpkit plugins`` and ``bpkit check-plugin``, run as a user runs them."""

import json
import os
import subprocess
import sys


def run_bpkit(*args):
    env = dict(os.environ)
    env.pop("BPKIT_DISABLE_PLUGINS", None)
    return subprocess.run([sys.executable, "-m", "bpkit", *args], capture_output=True,
                          text=True, timeout=120, env=env)


def test_plugins_lists_builtins_with_formula():
    result = run_bpkit("plugins")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["kind", "name", "package", "plugin", "formula"]
    relu = next(line for line in lines if line.split()[1:2] == ["relu"])
    assert relu.split()[:4] == ["activation", "relu", "bpkit", "bpkit.activations"]
    assert relu.endswith(r"f(z) = \max(z, 0)")
    ssr = next(line for line in lines if line.split()[1:2] == ["ssr"])
    assert ssr.split()[:4] == ["loss", "ssr", "bpkit", "bpkit.losses"]


def test_plugins_json_matches_registry():
    import bpkit

    result = run_bpkit("plugins", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows if r["kind"] == "activation"] == bpkit.list_activations()
    assert [r["name"] for r in rows if r["kind"] == "loss"] == bpkit.list_losses()
    sigmoid = next(r for r in rows if r["name"] == "sigmoid")
    assert sigmoid["formula"] == "f(z) = " + bpkit.get_activation("sigmoid").latex
    assert sigmoid["derivative"] == bpkit.get_activation("sigmoid").latex_derivative


def test_plugins_kind_filter():
    result = run_bpkit("plugins", "--kind", "loss", "--json")
    assert {row["kind"] for row in json.loads(result.stdout)} == {"loss"}


def test_plugins_model(tmp_path):
    import bpkit

    path = tmp_path / "model.npz"
    bpkit.Network((2, 3, 1), activation="tanh", loss="mse").save(path)
    result = run_bpkit("plugins", "--model", str(path))
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[2:]]
    assert rows == [
        ["activation", "tanh", "bpkit", "bpkit.activations", "yes"],
        ["output_activation", "identity", "bpkit", "bpkit.activations", "yes"],
        ["loss", "mse", "bpkit", "bpkit.losses", "yes"],
    ]


def test_plugins_model_rejects_foreign_file(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"not a zip")
    result = run_bpkit("plugins", "--model", str(path))
    assert result.returncode == 1
    assert "bpkit plugins: error:" in result.stderr
    assert "not a bpkit model" in result.stderr


def test_check_plugin_passes_builtin():
    result = run_bpkit("check-plugin", "tanh")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "conformance of activation 'tanh' (plugin 'bpkit.activations', package 'bpkit')"
    )
    assert sum(line.startswith("  PASS  ") for line in lines) == 8
    assert lines[-1] == "8 of 8 checks passed"


def test_check_plugin_kind_option():
    result = run_bpkit("check-plugin", "mse", "--kind", "loss")
    assert result.returncode == 0, result.stderr
    assert "conformance of loss 'mse'" in result.stdout


def test_check_plugin_unknown_name():
    result = run_bpkit("check-plugin", "mesh")
    assert result.returncode == 1
    assert "no activation or loss is registered as 'mesh'" in result.stderr
    assert "relu" in result.stderr


def test_check_plugin_bad_param():
    result = run_bpkit("check-plugin", "relu", "--param", "alpha")
    assert result.returncode == 1
    assert "--param must look like KEY=VALUE, got 'alpha'" in result.stderr


def test_param_values_read_as_json():
    from bpkit._commands.check_plugin import _parse_param

    assert _parse_param("alpha=0.1") == ("alpha", 0.1)
    assert _parse_param("delta=2") == ("delta", 2)
    assert _parse_param("exact=true") == ("exact", True)
    assert _parse_param("mode=fast") == ("mode", "fast")


def test_testing_module_loads_on_first_use():
    code = (
        "import sys, bpkit; "
        "print('bpkit.testing' in sys.modules); "
        "print(bpkit.testing.check_activation('relu').passed)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
