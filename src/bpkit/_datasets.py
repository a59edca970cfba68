"""Small data sets shipped with bpkit for the two classic examples.

The worked example trains on real measurements: petal length and petal width
of the 150 flowers in Fisher's Iris data, with the target 1 for Iris
virginica and 0 otherwise. ``data/iris_petals.csv`` contains those columns
unchanged (in cm) from the copy of the data bundled with scikit-learn 1.9.1
(``sklearn/datasets/data/iris.csv``, BSD-3-Clause licence), which reproduces
Fisher, R. A. (1936), "The use of multiple measurements in taxonomic
problems", Annals of Eugenics 7, part II, 179-188.

The dosage example is three made-up points: dosages 0, 0.5 and 1 with
efficacy 0, 1 and 0.
"""

import csv
from importlib import resources

import numpy as np

IRIS_FILE = "iris_petals.csv"

# Fixed parameters of the dosage lesson for a 1-2-1 softplus network. The two
# hidden softplus curves combine into a bump over dosage 0.5. With b3 = 0 the
# loss is about 20.4, and b3 alone then trains to about 2.61.
_DOSAGE_PARAMETERS = {
    "W1": 3.34,
    "W2": -3.53,
    "W3": -1.22,
    "W4": -2.30,
    "b1": -1.43,
    "b2": 0.57,
    "b3": 0.0,
}


def load_iris_petals():
    """Load petal length, petal width and the virginica label of 150 irises.

    Returns
    -------
    X : ndarray of shape (150, 2)
        Petal length and petal width in cm, unscaled.
    y : ndarray of shape (150,)
        1.0 for Iris virginica, 0.0 for Iris setosa and Iris versicolor.
    columns : list of str
        The CSV column names: the two inputs, then the target.

    Notes
    -----
    Data: Fisher (1936), as bundled with scikit-learn 1.9.1 under the
    BSD-3-Clause licence.
    """
    source = resources.files("bpkit").joinpath("data", IRIS_FILE)
    with source.open("r", newline="") as stream:
        rows = list(csv.reader(stream))
    columns = rows[0]
    values = np.array(rows[1:], dtype=np.float64)
    return values[:, :2].copy(), values[:, 2].copy(), columns


def load_worked_example():
    """Load the data of the worked example: two iris measurements in [0, 1].

    Returns
    -------
    X : ndarray of shape (150, 2)
        Petal length and petal width, each min-max scaled to [0, 1] over
        the 150 flowers.
    y : ndarray of shape (150,)
        1.0 for Iris virginica, else 0.0.

    Examples
    --------
    >>> import bpkit
    >>> X, y = bpkit.load_worked_example()
    >>> X.shape, float(X.min()), float(X.max()), float(y.sum())
    ((150, 2), 0.0, 1.0, 50.0)
    """
    X, y, _ = load_iris_petals()
    low, high = X.min(axis=0), X.max(axis=0)
    return (X - low) / (high - low), y


def load_dosage():
    """Load the three points of the dosage example.

    Returns
    -------
    X : ndarray of shape (3, 1)
        Dosages 0, 0.5 and 1.
    y : ndarray of shape (3,)
        Efficacy 0, 1 and 0.
    """
    return np.array([[0.0], [0.5], [1.0]]), np.array([0.0, 1.0, 0.0])


def dosage_parameters():
    """Return the fixed parameters of the dosage lesson as a new dict.

    They belong to ``Network((1, 2, 1), activation="softplus")``. The lesson
    keeps W1..W4, b1 and b2 fixed and trains only b3, starting from 0.
    """
    return dict(_DOSAGE_PARAMETERS)
