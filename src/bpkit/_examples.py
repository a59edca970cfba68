"""The two classic lessons as ready networks with data: worked and dosage.

``worked``: the network of the worked example (two inputs, two hidden ReLU
nodes, one identity output, SSR) with fixed, readable weights. Four
hand-picked rows replace the iris data of ``bpkit train``, so that the chain
rule can be followed by hand. Rows 2 and 3 have s1 < 0 and so show a
ReLU factor of 0.

``dosage``: the network and data of ``bpkit train --example dosage``, a
drug's dosage (0, 0.5, 1) and its efficacy (0, 1, 0) with two hidden
softplus nodes, one identity output and SSR, at the classic lesson's
starting values from :func:`bpkit.dosage_parameters` (b3 = 0). The lesson
trains b3 alone with learning rate 0.1: the first step has slope -15.66,
and b3 converges to 2.61, where the SSR, a parabola in b3, is lowest.
"""

import numpy as np

from bpkit._datasets import dosage_parameters, load_dosage
from bpkit._network import Network

WORKED_PARAMETERS = {
    "W1": 0.5,
    "W2": -1.0,
    "W3": 1.0,
    "W4": 0.5,
    "W5": 1.5,
    "W6": -0.75,
    "b1": 0.25,
    "b2": -0.25,
    "b3": 0.1,
}


def worked_example():
    """Return (network, X, y) of the 2-2-1 ReLU worked example, four rows."""
    network = Network(
        (2, 2, 1), activation="relu", output_activation="identity", loss="ssr"
    )
    for name, value in WORKED_PARAMETERS.items():
        network.set_parameter(name, value)
    X = np.array([[1.0, 0.5], [0.0, 1.0], [1.0, 1.0], [0.5, 0.0]])
    y = np.array([1.0, 0.0, 0.5, 1.0])
    return network, X, y


def dosage_example():
    """Return (network, X, y) of the dosage lesson, b3 at its starting value 0."""
    network = Network(
        (1, 2, 1), activation="softplus", output_activation="identity", loss="ssr"
    )
    for name, value in dosage_parameters().items():
        network.set_parameter(name, value)
    X, y = load_dosage()
    return network, X, y


EXAMPLES = {"worked": worked_example, "dosage": dosage_example}
