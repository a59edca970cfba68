"""Gradient descent one step at a time from Python, recording every step.

The compiled loop in ``_core.pyx`` runs a whole fit without returning to
Python, which is what makes it fast but leaves no trace of each step. A
lesson that trains one or two parameters wants that trace: the value, the
slope and the step size of every update. This loop calls the compiled
gradient once per step and applies the same update, ``p -= learning_rate *
dLoss/dp`` on the trainable parameters, so the parameters it reaches equal
those of the compiled loop.
"""

import numpy as np

from bpkit._history import History


def fit_recording_steps(
    engine, params, X, Y, indices, names, learning_rate, epochs, progress=None
):
    """Run ``epochs`` full-batch steps on ``params`` in place; return the History.

    Parameters
    ----------
    engine : Engine
    params : ndarray of shape (n_params,)
        Updated in place. On divergence it ends at the parameters of the last
        finite loss, and on KeyboardInterrupt at those of the last completed
        step.
    X : ndarray of shape (n_samples, n_inputs)
    Y : ndarray of shape (n_samples, n_outputs)
    indices : ndarray of intp, shape (n_trainable,)
        Positions of the trainable parameters in ``params``, in the order
        of ``names``.
    names : list of str
    learning_rate : float
    epochs : int
    progress : callable, optional
        Called as ``progress(steps_done, loss)`` after about every tenth of
        the steps.

    Returns
    -------
    History
        With ``values`` and ``slopes`` of every step. ``diverged`` is set if
        the loss or a parameter became NaN or infinite.
    """
    # allocate
    try:
        losses = np.zeros(epochs, dtype=np.float64)
        values = np.zeros((epochs, len(indices)), dtype=np.float64)
        slopes = np.zeros((epochs, len(indices)), dtype=np.float64)
        new_values = np.zeros((epochs, len(indices)), dtype=np.float64)
    except (ValueError, MemoryError):
        raise ValueError(
            f"epochs={epochs} is too large: the record of every step does not fit "
            "in memory; fit in several calls with fewer epochs"
        ) from None
    done = 0
    diverged = False

    # train
    try:
        while done < epochs:
            loss, gradient, _ = engine.loss_and_gradients(params, X, Y)
            slope = gradient[indices]
            if not (np.isfinite(loss) and np.all(np.isfinite(slope))):
                diverged = True
                if done:
                    # go back to the parameters of the last finite loss
                    params[indices] = values[done - 1]
                break
            updated = params[indices] - learning_rate * slope
            if not np.all(np.isfinite(updated)):
                diverged = True
                break
            losses[done] = loss
            values[done] = params[indices]
            slopes[done] = slope
            params[indices] = updated
            # read back, so a float32 network records its rounded values
            new_values[done] = params[indices]
            done += 1
            if progress is not None and (
                done % max(1, epochs // 10) == 0 or done == epochs
            ):
                progress(done, loss)

        # The loop checks an update's loss only at the next step, so check
        # the last one here: a fit must not end at parameters whose loss is
        # infinite without reporting divergence.
        if done and not diverged:
            loss, _, _ = engine.loss_and_gradients(params, X, Y)
            if not np.isfinite(loss):
                params[indices] = values[done - 1]
                diverged = True
    except KeyboardInterrupt as interrupt:
        interrupt.history = History(
            losses[:done],
            learning_rate,
            names,
            interrupted=True,
            values=values[:done],
            slopes=slopes[:done],
            new_values=new_values[:done],
        )
        raise
    return History(
        losses[:done],
        learning_rate,
        names,
        diverged=diverged,
        values=values[:done],
        slopes=slopes[:done],
        new_values=new_values[:done],
    )
