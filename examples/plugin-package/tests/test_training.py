"""A network uses the plugin by name, trains, records provenance and round-trips."""

import numpy as np

import bpkit
import bpkit.reference

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([0.0, 1.0, 1.0, 0.0])


def test_network_trains_with_plugin_by_name():
    network = bpkit.Network((2, 4, 1), activation="mish", loss="log_cosh", seed=3)
    before = network.loss(X, Y)
    history = network.fit(X, Y, learning_rate=0.5, epochs=300)
    assert history.loss[-1] < 0.5 * before
    assert network.loss(X, Y) < before


def test_compiled_gradients_match_reference():
    network = bpkit.Network((2, 3, 1), activation="softsign", loss="log_cosh", seed=1)
    compiled = network.gradients(X, Y)
    reference = bpkit.reference.gradients(network, X, Y)
    for name, value in compiled.items():
        assert np.isclose(value, reference[name], rtol=1e-12, atol=1e-15), name


def test_network_shows_plugin_package():
    network = bpkit.Network((2, 2, 1), activation="mish", loss="log_cosh")
    assert "'mish' [bpkit-smooth]" in repr(network)
    assert "'log_cosh' [bpkit-smooth]" in repr(network)
    assert network.provenance()["activation"]["package"] == "bpkit-smooth"


def test_saved_model_records_plugin(tmp_path):
    network = bpkit.Network((2, 2, 1), activation="mish", loss="log_cosh", seed=0)
    path = tmp_path / "mish.npz"
    network.save(path)
    loaded = bpkit.load(path)
    assert loaded.provenance() == network.provenance()
    np.testing.assert_array_equal(loaded.predict(X), network.predict(X))
