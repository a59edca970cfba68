"""Defects found by trying bpkit as a new user, one test per defect."""

import json
import os
import warnings

import numpy as np
import pytest

import bpkit
from bpkit._commands._data_options import read_csv
from bpkit._commands.plugins import _registry_rows
from bpkit.cli import main

# A 2-3-1 identity network that diverges at learning rate 1: the loss grows
# by about 1e36 per step and overflows to infinity at the sixth step, while
# every parameter is still finite.
DIVERGING_X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
DIVERGING_Y = np.array([1.0, -2.0, 0.3])


def _diverging_network():
    return bpkit.Network((2, 3, 1), activation="identity", seed=1)


def test_fit_ending_on_overflow_warns():
    network = _diverging_network()
    with pytest.warns(bpkit.DivergenceWarning):
        history = network.fit(DIVERGING_X, DIVERGING_Y, learning_rate=1.0, epochs=5)
    assert history.diverged
    assert np.isfinite(network.loss(DIVERGING_X, DIVERGING_Y))


def test_fit_ending_on_overflow_keeps_last_finite():
    reference = _diverging_network()
    with pytest.warns(bpkit.DivergenceWarning):
        reference.fit(DIVERGING_X, DIVERGING_Y, learning_rate=1.0, epochs=50)
    network = _diverging_network()
    with pytest.warns(bpkit.DivergenceWarning):
        history = network.fit(DIVERGING_X, DIVERGING_Y, learning_rate=1.0, epochs=5)
    assert network.parameters() == reference.parameters()
    assert history.loss[-1] == network.loss(DIVERGING_X, DIVERGING_Y)


def test_fit_without_overflow_does_not_warn():
    network = _diverging_network()
    with warnings.catch_warnings():
        warnings.simplefilter("error", bpkit.DivergenceWarning)
        history = network.fit(DIVERGING_X, DIVERGING_Y, learning_rate=1.0, epochs=4)
    assert not history.diverged
    assert len(history) == 4


def test_cli_train_overflow_at_chunk_end(capsys):
    # 50 epochs run in chunks of 5; at learning rate 4 the last step of the
    # last chunk overflows the loss of the worked example.
    status = main(["train", "--learning-rate", "4", "--epochs", "50"])
    output = capsys.readouterr()
    assert status == 1
    assert " inf" not in output.out
    assert "diverged" in output.err


@pytest.mark.parametrize(
    ("kind", "name", "params"),
    [
        ("activation", "relu", {"alpha": 0.5}),
        ("activation", "identity", {"alpha": 0.5}),
        ("loss", "mse", {"delta": 2.0}),
    ],
)
def test_unknown_parameter_rejected(kind, name, params):
    factory = bpkit.get_activation if kind == "activation" else bpkit.get_loss
    with pytest.raises(TypeError, match=f"{name!r} takes no parameters"):
        factory(name, **params)


def test_unknown_loss_message_spelling():
    with pytest.raises(ValueError) as error:
        bpkit.get_loss("nope")
    assert "registered losses are" in str(error.value)


@pytest.mark.parametrize("value", [1e39, -1e39])
def test_float32_set_parameter_overflow(value):
    network = bpkit.Network((2, 2, 1), seed=0, dtype="float32")
    before = network.parameters()
    with pytest.raises(ValueError, match="float32"):
        network.set_parameter("W1", value)
    assert network.parameters() == before


def test_float32_set_weights_overflow():
    network = bpkit.Network((2, 2, 1), seed=0, dtype="float32")
    before = network.parameters()
    with pytest.raises(ValueError, match="float32"):
        network.set_weights(0, np.full((2, 2), 1e39))
    assert network.parameters() == before


def test_nan_message_uses_plain_numbers():
    network = bpkit.Network((2, 2, 1), seed=0)
    with pytest.raises(ValueError) as error:
        network.predict(np.array([[1.0, np.nan]]))
    message = str(error.value)
    assert "index (0, 1)" in message
    assert "np." not in message


def test_float32_overflow_message_names_value():
    network = bpkit.Network((2, 2, 1), seed=0, dtype="float32")
    with pytest.raises(ValueError) as error:
        network.predict(np.array([[1.0, 1e39]]))
    message = str(error.value)
    assert "1e+39" in message
    assert "float32" in message


def test_csv_with_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b,t\n1,2,3\n2,3,5\n")
    X, y, input_names = read_csv(str(path), "a")
    assert input_names == ["b", "t"]
    assert y.tolist() == [1.0, 2.0]


def test_csv_not_utf8_names_file(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"a\xe9,b,t\n1,2,3\n")
    with pytest.raises(ValueError) as error:
        read_csv(str(path), "t")
    assert str(path) in str(error.value)
    assert "UTF-8" in str(error.value)


def test_plugins_lists_gelu_formula():
    rows = {row["name"]: row for row in _registry_rows("activation")}
    assert rows["gelu"]["formula"] != "f(z) = "
    assert rows["gelu"]["derivative"] != ""


def test_history_csv_readable_by_group(tmp_path):
    path = tmp_path / "history.csv"
    old_mask = os.umask(0o022)
    try:
        bpkit.History([3.0, 2.0], 0.1, ["b3"]).to_csv(str(path))
    finally:
        os.umask(old_mask)
    assert os.stat(path).st_mode & 0o777 == 0o644


@pytest.mark.parametrize(("seed", "error"), [("a", TypeError), (1.5, TypeError), (-1, ValueError)])
def test_invalid_seed_names_argument(seed, error):
    with pytest.raises(error, match="seed"):
        bpkit.Network((2, 1), seed=seed)


class _WritesInput(bpkit.Activation):
    """An identity that doubles its input in place, against the plugin contract."""

    name = "writes_input"
    latex = "z"
    latex_derivative = "1"

    def value(self, z):
        z *= 2.0
        return z.copy()

    def derivative(self, z):
        return np.ones_like(z)


def test_plugin_writing_input_rejected():
    network = bpkit.Network((2, 3, 1), activation=_WritesInput(), seed=0)
    with pytest.raises(bpkit.PluginError, match="writes_input"):
        network.predict(np.ones((4, 2)))


def test_plugin_loss_leaves_y_writable():
    class IdentityPlugin(bpkit.Activation):
        name = "identity_plugin"
        latex = "z"
        latex_derivative = "1"

        def value(self, z):
            return z.copy()

        def derivative(self, z):
            return np.ones_like(z)

    network = bpkit.Network((2, 1), output_activation=IdentityPlugin(), loss="mse", seed=0)
    y = np.ones(4)
    network.loss(np.ones((4, 2)), y)
    assert y.flags.writeable


def _rewrite_header(source, target, **changes):
    from bpkit import _persistence

    with np.load(source) as archive:
        header = json.loads(archive["header"].tobytes().decode("utf-8"))
        parameters = archive["parameters"]
    for key, value in changes.items():
        if value is _DELETE:
            del header[key]
        else:
            header[key] = value
    header_bytes = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    with open(target, "wb") as stream:
        stream.write(_persistence._with_checksum(header_bytes, parameters))


_DELETE = object()


@pytest.mark.parametrize(
    "changes",
    [
        {"layer_sizes": [100_000, 100_000, 100_000]},
        {"layer_sizes": [2, 5, 1]},
        {"layer_sizes": [2, "2", 1]},
    ],
)
def test_load_rejects_wrong_layer_sizes(tmp_path, changes):
    source, target = tmp_path / "model.npz", tmp_path / "crafted.npz"
    bpkit.Network((2, 2, 1), seed=0).save(source)
    _rewrite_header(source, target, **changes)
    with pytest.raises(bpkit.ModelFileError):
        bpkit.load(target)


def test_load_without_seed_field(tmp_path):
    source, target = tmp_path / "model.npz", tmp_path / "crafted.npz"
    network = bpkit.Network((2, 2, 1), seed=0)
    network.save(source)
    _rewrite_header(source, target, seed=_DELETE)
    loaded = bpkit.load(target)
    assert loaded.parameters() == network.parameters()
    assert loaded.seed is None


def test_save_missing_directory_message(tmp_path):
    path = tmp_path / "missing" / "model.npz"
    with pytest.raises(FileNotFoundError) as error:
        bpkit.Network((2, 1), seed=0).save(path)
    assert str(path) in str(error.value)
    assert ".tmp" not in str(error.value)


def test_fit_huge_epochs_names_argument():
    network = bpkit.Network((2, 1), seed=0)
    before = network.parameters()
    with pytest.raises(ValueError, match="epochs"):
        network.fit(np.ones((2, 2)), np.ones(2), learning_rate=0.1, epochs=10**20)
    assert network.parameters() == before
