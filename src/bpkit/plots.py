"""Optional matplotlib plots for the lessons: loss curves and loss slices.

matplotlib is not a dependency of bpkit; install it with
``pip install bpkit[plot]``. Each function draws on the given axes (or a new
figure) and returns the axes.
"""

import numpy as np

__all__ = ["plot_loss_curve", "plot_loss_slice"]


def _axes(ax):
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "bpkit.plots needs matplotlib; install it with pip install matplotlib"
        ) from None
    _, ax = plt.subplots()
    return ax


def plot_loss_curve(history, ax=None):
    """Draw the loss at each step of a fit.

    Parameters
    ----------
    history : History
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    ax.plot(np.arange(len(history.loss)), history.loss, marker="o", markersize=3)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("Loss during gradient descent")
    return ax


def plot_loss_slice(
    network, X, y, name, history=None, ax=None, span=None, n_points=201
):
    """Draw the loss as a function of one parameter, with tangents at each step.

    The other parameters keep their current values. With a history recorded
    by ``fit(..., trainable=[name])``, each step is marked at its parameter
    value and loss, with the tangent line whose slope is the recorded
    gradient.

    Parameters
    ----------
    network : Network
        Left unchanged: the curve is computed on a copy of the parameter.
    X : array-like of shape (n_samples, n_inputs)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    name : str
        The parameter on the horizontal axis, for example ``"b3"``.
    history : History, optional
    ax : matplotlib Axes, optional
    span : (float, float), optional
        Range of the parameter; by default the range of the recorded values
        and the current value, widened by half its width on each side.
    n_points : int

    Returns
    -------
    matplotlib Axes
    """
    # validate
    current = network.parameter(name)
    steps = None
    if history is not None:
        if not history.has_steps or name not in history.trainable:
            raise ValueError(
                f"history has no recorded steps of {name!r}; fit with "
                f"trainable=[{name!r}] to record them"
            )
        column = history.trainable.index(name)
        steps = (history.values[:, column], history.slopes[:, column], history.loss)
    if span is None:
        points = [current] + ([] if steps is None else list(steps[0]))
        low, high = min(points), max(points)
        width = max(high - low, 1.0)
        span = (low - width / 2, high + width / 2)

    # the curve, on the network itself, restored afterwards
    grid = np.linspace(span[0], span[1], n_points)
    losses = np.empty_like(grid)
    try:
        for index, value in enumerate(grid):
            network.set_parameter(name, float(value))
            losses[index] = network.loss(X, y)
    finally:
        network.set_parameter(name, current)

    # draw
    ax = _axes(ax)
    ax.plot(grid, losses, color="C0", label=f"loss as a function of {name}")
    if steps is not None:
        half = (span[1] - span[0]) / 12
        for step, (value, slope, loss) in enumerate(zip(*steps)):
            xs = np.array([value - half, value + half])
            ax.plot(xs, loss + slope * (xs - value), color="C1", linewidth=1)
            ax.plot([value], [loss], "o", color="C1", markersize=4)
            ax.annotate(
                str(step),
                (value, loss),
                textcoords="offset points",
                xytext=(3, 3),
                fontsize=7,
            )
    ax.set_xlabel(name)
    ax.set_ylabel("loss")
    ax.set_title(f"Loss against {name}, tangents at each step")
    ax.legend()
    return ax
