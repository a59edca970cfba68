"""Networks record and show which plugin and package gave each function."""

import numpy as np

import bpkit
from plugin_helpers import ArcLinear, HalfSquares, make_plugin


def test_builtin_provenance():
    network = bpkit.Network((2, 2, 1), seed=0)
    assert network.provenance() == {
        "activation": {"name": "relu", "params": {}, "plugin": "bpkit.activations",
                       "package": "bpkit"},
        "output_activation": {"name": "identity", "params": {},
                              "plugin": "bpkit.activations", "package": "bpkit"},
        "loss": {"name": "ssr", "params": {}, "plugin": "bpkit.losses", "package": "bpkit"},
    }
    assert repr(network) == (
        "Network(layer_sizes=(2, 2, 1), activation='relu' [bpkit], "
        "output_activation='identity' [bpkit], loss='ssr' [bpkit], dtype='float64')"
    )


def test_no_hidden_layer_has_no_hidden_activation():
    network = bpkit.Network((3, 1), output_activation="sigmoid")
    assert network.provenance()["activation"] is None
    assert "activation=" not in repr(network).replace("output_activation=", "")


def test_runtime_plugin_provenance(temporary_plugin):
    temporary_plugin(make_plugin([ArcLinear], [HalfSquares]), name="teaching")
    network = bpkit.Network((2, 2, 1), activation="arc_linear_test",
                            loss="half_squares_test")
    assert network.provenance()["activation"] == {
        "name": "arc_linear_test", "params": {}, "plugin": "teaching", "package": None,
    }
    assert "activation='arc_linear_test' [run-time plugin teaching]" in repr(network)
    assert "loss='half_squares_test' [run-time plugin teaching]" in repr(network)


def test_instance_of_registered_class_gets_provenance(temporary_plugin):
    temporary_plugin(make_plugin([ArcLinear]), name="teaching")
    network = bpkit.Network((2, 2, 1), activation=ArcLinear())
    assert network.provenance()["activation"]["plugin"] == "teaching"


def test_unregistered_instance():
    network = bpkit.Network((2, 2, 1), activation=ArcLinear())
    record = network.provenance()["activation"]
    assert record["plugin"] is None
    assert record["package"] is None  # the tests directory is no installed package
    assert "activation='arc_linear_test' [unregistered]" in repr(network)


def test_parameters_shown_in_repr(temporary_plugin):
    class Scaled(ArcLinear):
        name = "scaled_test"

        def __init__(self, scale=1.0):
            super().__init__(scale=scale)

        def value(self, z):
            return self.params["scale"] * super().value(z)

    temporary_plugin(make_plugin([Scaled]), name="teaching")
    network = bpkit.Network((2, 2, 1), activation=bpkit.get_activation("scaled_test", scale=0.5))
    assert "activation='scaled_test(scale=0.5)' [run-time plugin teaching]" in repr(network)
    assert network.provenance()["activation"]["params"] == {"scale": 0.5}
    X = np.array([[1.0, 2.0]])
    assert np.isfinite(network.predict(X)).all()
