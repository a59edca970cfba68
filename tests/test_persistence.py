"""Network.save and bpkit.load: round trips, atomic writes and rejected files."""

import io
import json
import os
import zipfile

import numpy as np
import pytest

import bpkit
from bpkit import _persistence
from plugin_helpers import ArcLinear, HalfSquares, make_plugin

X = np.array([[0.0, 0.5], [1.0, -1.0], [2.0, 0.25]])
Y = np.array([0.5, -1.0, 2.0])


@pytest.fixture
def saved(tmp_path):
    network = bpkit.Network((2, 3, 1), activation="sigmoid", loss="mse", seed=4)
    network.fit(X, Y, learning_rate=0.1, epochs=5)
    path = tmp_path / "model.npz"
    network.save(path)
    return network, path


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("sizes", [(2, 1), (2, 3, 1), (2, 4, 3, 2)], ids=["0-hidden", "1-hidden", "2-hidden"])
def test_round_trip(tmp_path, dtype, sizes):
    network = bpkit.Network(sizes, activation="tanh", loss="ssr", seed=1, dtype=dtype)
    path = tmp_path / "model.npz"
    network.save(str(path))
    loaded = bpkit.load(path)
    assert loaded.layer_sizes == network.layer_sizes
    assert loaded.dtype == network.dtype
    assert loaded.provenance() == network.provenance()
    assert loaded.parameters() == network.parameters()
    np.testing.assert_array_equal(loaded.predict(X), network.predict(X))


def test_round_trip_with_runtime_plugin(tmp_path, temporary_plugin):
    temporary_plugin(make_plugin([ArcLinear], [HalfSquares]), name="helpers")
    network = bpkit.Network((2, 2, 1), activation="arc_linear_test", loss="half_squares_test", seed=2)
    network.save(tmp_path / "model.npz")
    loaded = bpkit.load(tmp_path / "model.npz")
    assert loaded.provenance()["loss"] == {
        "name": "half_squares_test", "params": {}, "plugin": "helpers", "package": None,
    }
    assert loaded.gradients(X, Y) == network.gradients(X, Y)


def test_header_records_provenance(saved):
    network, path = saved
    with np.load(path, allow_pickle=False) as archive:
        header = json.loads(archive["header"].tobytes())
    assert header["format"] == "bpkit-model"
    assert header["format_version"] == 1
    assert header["layer_sizes"] == [2, 3, 1]
    assert header["activation"] == {
        "name": "sigmoid", "params": {}, "plugin": "bpkit.activations", "package": "bpkit",
    }
    assert header["loss"]["package"] == "bpkit"


def test_missing_runtime_plugin(tmp_path, temporary_plugin):
    plugin = make_plugin([ArcLinear])
    temporary_plugin(plugin, name="helpers")
    bpkit.Network((2, 2, 1), activation="arc_linear_test").save(tmp_path / "model.npz")
    bpkit.unregister_plugin(plugin)
    with pytest.raises(bpkit.MissingPluginError) as info:
        bpkit.load(tmp_path / "model.npz")
    assert "activation 'arc_linear_test' from plugin 'helpers'" in str(info.value)
    assert "register that plugin with bpkit.register_plugin" in str(info.value)
    assert info.value.package is None
    bpkit.register_plugin(plugin, name="helpers")  # for the fixture's teardown


def test_other_package_warns(tmp_path, temporary_plugin):
    temporary_plugin(make_plugin([ArcLinear]), name="helpers")
    path = tmp_path / "model.npz"
    bpkit.Network((2, 2, 1), activation="arc_linear_test").save(path)
    header, parameters = _persistence._read_file(str(path))
    header["activation"]["package"] = "bpkit-cubes"
    _write_raw(path, header, parameters)
    with pytest.warns(bpkit.ProvenanceWarning, match="from package 'bpkit-cubes'") as record:
        bpkit.load(path)
    assert record[0].filename == __file__


def test_save_replaces_existing_file_whole(saved):
    network, path = saved
    network.set_parameter("b1", 7.5)
    network.save(path)
    assert bpkit.load(path).parameter("b1") == 7.5
    assert os.listdir(path.parent) == ["model.npz"]


def test_failed_save_leaves_file_and_no_temporary(saved):
    network, path = saved
    before = path.read_bytes()
    network.loss_function.params["weights"] = np.ones(3)  # cannot be stored as JSON
    with pytest.raises(TypeError, match="cannot save parameter weights="):
        network.save(path)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["model.npz"]


class Scaled(ArcLinear):
    """ArcLinear times ``scale``, with an explicit constructor that rejects other keywords."""

    name = "scaled_test"

    def __init__(self, scale=1.0, copies=1):
        super().__init__(scale=scale, copies=copies)

    def value(self, z):
        return self.params["scale"] * super().value(z)

    def derivative(self, z):
        return self.params["scale"] * super().derivative(z)


def test_numpy_scalar_parameters_saved(tmp_path, temporary_plugin):
    temporary_plugin(make_plugin([Scaled]), name="helpers")
    activation = bpkit.get_activation("scaled_test", scale=np.float32(0.5), copies=np.int64(2))
    bpkit.Network((2, 2, 1), activation=activation).save(tmp_path / "model.npz")
    loaded = bpkit.load(tmp_path / "model.npz")
    assert loaded.provenance()["activation"]["params"] == {"scale": 0.5, "copies": 2}


def test_rejected_stored_parameters(tmp_path, temporary_plugin):
    temporary_plugin(make_plugin([Scaled]), name="helpers")
    path = tmp_path / "model.npz"
    bpkit.Network((2, 2, 1), activation="scaled_test").save(path)
    header, parameters = _persistence._read_file(str(path))
    header["activation"]["params"] = {"shift": 1.0}
    _write_raw(path, header, parameters)
    with pytest.raises(bpkit.ModelFileError, match=r"stores parameters \{'shift': 1.0\}"):
        bpkit.load(path)


def test_save_rejects_non_path(saved):
    network, _ = saved
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        network.save(42)


def test_truncated_file(saved):
    _, path = saved
    data = path.read_bytes()
    for length in (0, 10, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:length])
        with pytest.raises(bpkit.ModelFileError, match="truncated"):
            bpkit.load(path)


def test_flipped_bytes_in_every_region(saved):
    _, path = saved
    data = path.read_bytes()
    # Every byte: local headers, stored arrays, central directory, checksum.
    for position in range(len(data)):
        corrupted = bytearray(data)
        corrupted[position] ^= 0xFF
        path.write_bytes(bytes(corrupted))
        with pytest.raises(bpkit.ModelFileError):
            bpkit.load(path)


def test_changed_parameter_fails_checksum(saved):
    network, path = saved
    data = bytearray(path.read_bytes())
    stored = network._params.tobytes()
    start = bytes(data).index(stored)
    data[start] ^= 0x01  # the lowest bit of W1: a tiny, plausible change
    path.write_bytes(bytes(data))
    with pytest.raises(bpkit.ModelFileError, match="SHA-256 does not match"):
        bpkit.load(path)


def test_rewritten_archive_without_checksum(saved):
    _, path = saved
    header, parameters = _persistence._read_file(str(path))
    with open(path, "wb") as stream:
        np.savez(stream, header=_header_bytes(header), parameters=parameters)
    with pytest.raises(bpkit.ModelFileError, match="lacks the checksum"):
        bpkit.load(path)


def test_future_version(saved):
    _, path = saved
    header, parameters = _persistence._read_file(str(path))
    header["format_version"] = 2
    _write_raw(path, header, parameters)
    with pytest.raises(bpkit.ModelFileError, match="format version 2.*reads versions up to 1"):
        bpkit.load(path)


def test_foreign_npz(tmp_path):
    path = tmp_path / "weights.npz"
    np.savez(path, W=np.ones((2, 2)))
    with pytest.raises(bpkit.ModelFileError, match="not a bpkit model.*'W'"):
        bpkit.load(path)


def test_foreign_npz_with_our_member_names(tmp_path):
    path = tmp_path / "fake.npz"
    _write_raw(path, {"format": "other"}, np.ones(3))
    with pytest.raises(bpkit.ModelFileError, match="does not name the format"):
        bpkit.load(path)


def test_foreign_zip_and_text(tmp_path):
    archive = tmp_path / "notes.zip"
    with zipfile.ZipFile(archive, "w") as stream:
        stream.writestr("readme.txt", "hello")
    with pytest.raises(bpkit.ModelFileError, match="not a bpkit model"):
        bpkit.load(archive)
    text = tmp_path / "model.json"
    text.write_text("{}")
    with pytest.raises(bpkit.ModelFileError, match="not an .npz"):
        bpkit.load(text)


def test_pickled_array_is_never_loaded(tmp_path):
    # An object array is stored with pickle; loading must reject it unread.
    path = tmp_path / "evil.npz"
    buffer = io.BytesIO()
    np.savez(buffer, header=np.array([Exploding()], dtype=object), parameters=np.ones(3))
    path.write_bytes(buffer.getvalue())
    Exploding.loaded = False
    with pytest.raises(bpkit.ModelFileError):
        bpkit.load(path)
    assert Exploding.loaded is False


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such file"):
        bpkit.load(tmp_path / "absent.npz")


class Exploding:
    """Records whether pickle ever rebuilt it."""

    loaded = False

    def __reduce__(self):
        return (_mark_loaded, ())


def _mark_loaded():
    Exploding.loaded = True
    return None


def _header_bytes(header):
    return np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)


def _write_raw(path, header, parameters):
    """Write a header and parameters as Network.save would, checksum included."""
    path.write_bytes(_persistence._with_checksum(_header_bytes(header), parameters))
