"""The shipped data sets."""

import numpy as np

import bpkit


def test_iris_petals_matches_fisher_summary():
    # Summary statistics of Fisher's data: petal length 1.0 to 6.9 cm (mean
    # 3.76), petal width 0.1 to 2.5 cm (mean 1.20), 50 flowers per species.
    X, y, columns = bpkit.load_iris_petals()
    assert columns == ["petal_length_cm", "petal_width_cm", "virginica"]
    assert X.shape == (150, 2)
    assert X[:, 0].min() == 1.0
    assert X[:, 0].max() == 6.9
    assert X[:, 1].min() == 0.1
    assert X[:, 1].max() == 2.5
    assert round(X[:, 0].mean(), 2) == 3.76
    assert round(X[:, 1].mean(), 2) == 1.20
    assert set(np.unique(y)) == {0.0, 1.0}
    assert y.sum() == 50
    # The file lists setosa, versicolor, virginica in blocks of 50.
    assert np.all(y[100:] == 1.0)


def test_worked_example_scaled_to_unit_interval():
    X, y = bpkit.load_worked_example()
    raw, raw_y, _ = bpkit.load_iris_petals()
    assert X.shape == (150, 2)
    np.testing.assert_array_equal(X.min(axis=0), [0.0, 0.0])
    np.testing.assert_array_equal(X.max(axis=0), [1.0, 1.0])
    np.testing.assert_allclose(X[:, 0], (raw[:, 0] - 1.0) / 5.9, rtol=1e-15)
    np.testing.assert_array_equal(y, raw_y)


def test_dosage_data_and_parameters():
    X, y = bpkit.load_dosage()
    np.testing.assert_array_equal(X, [[0.0], [0.5], [1.0]])
    np.testing.assert_array_equal(y, [0.0, 1.0, 0.0])
    parameters = bpkit.dosage_parameters()
    network = bpkit.Network((1, 2, 1), activation="softplus")
    assert sorted(parameters) == sorted(network.parameter_names())
    parameters["b3"] = 99.0
    assert bpkit.dosage_parameters()["b3"] == 0.0
