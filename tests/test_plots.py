"""Lesson plots: the loss slice with tangents, and the loss curve."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from bpkit._examples import dosage_example  # noqa: E402
from bpkit.plots import plot_loss_curve, plot_loss_slice  # noqa: E402


@pytest.fixture
def axes():
    figure, ax = plt.subplots()
    yield ax
    plt.close(figure)


def test_slice_tangents_have_recorded_slopes(axes):
    network, X, y = dosage_example()
    history = network.fit(X, y, learning_rate=0.1, epochs=3, trainable=["b3"])
    before = network.parameters()
    plot_loss_slice(network, X, y, "b3", history=history, ax=axes)
    assert network.parameters() == before
    curve, *marks = axes.get_lines()
    # the curve is the loss at each b3
    probe, _, _ = dosage_example()
    probe.set_parameter("b3", float(curve.get_xdata()[10]))
    assert curve.get_ydata()[10] == pytest.approx(probe.loss(X, y), rel=1e-12)
    # tangent lines and points alternate, one pair per step
    tangents = marks[0::2]
    assert len(tangents) == 3
    for line, slope in zip(tangents, history.slopes[:, 0]):
        xs, ys = line.get_xdata(), line.get_ydata()
        assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(slope, rel=1e-9)


def test_slice_needs_recorded_steps(axes):
    network, X, y = dosage_example()
    history = network.fit(X, y, learning_rate=0.1, epochs=2, record_steps=False)
    with pytest.raises(ValueError, match=r"fit with trainable=\['b3'\]"):
        plot_loss_slice(network, X, y, "b3", history=history, ax=axes)


def test_loss_curve_points(axes):
    network, X, y = dosage_example()
    history = network.fit(X, y, learning_rate=0.1, epochs=4, trainable=["b3"])
    plot_loss_curve(history, ax=axes)
    (line,) = axes.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), history.loss)
