"""The record of one call to :meth:`bpkit.Network.fit`."""

import csv
import os
import tempfile

import numpy as np


class History:
    """Loss per step of one fit, and how the fit ended.

    Attributes
    ----------
    loss : ndarray of shape (n_steps,)
        ``loss[t]`` is the loss at the parameters before update ``t``.
    learning_rate : float
    trainable : list of str
        Names of the parameters that the fit moved.
    diverged : bool
        The loss or a parameter became NaN or infinite, so the fit stopped
        early and kept the parameters of the last finite loss.
    interrupted : bool
        Ctrl-C stopped the fit; the network holds the parameters of the last
        completed step.
    """

    def __init__(self, loss, learning_rate, trainable, diverged=False,
                 interrupted=False):
        self.loss = np.asarray(loss, dtype=np.float64)
        self.learning_rate = learning_rate
        self.trainable = list(trainable)
        self.diverged = diverged
        self.interrupted = interrupted

    def __len__(self):
        return len(self.loss)

    def __repr__(self):
        ending = (
            "diverged" if self.diverged else "interrupted" if self.interrupted else "completed"
        )
        last = f", final loss {self.loss[-1]:.6g}" if len(self.loss) else ""
        return f"<History: {len(self.loss)} steps, {ending}{last}>"

    def rows(self):
        """Return the history as a list of dicts, one per step."""
        return [{"step": step, "loss": float(value)} for step, value in enumerate(self.loss)]

    def to_csv(self, path):
        """Write one row per step to ``path``, atomically.

        The file is written to a temporary file beside ``path`` and renamed, so
        ``path`` is either complete or untouched.
        """
        rows = self.rows()
        directory = os.path.dirname(os.path.abspath(path))
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", newline="") as stream:
                writer = csv.DictWriter(stream, fieldnames=list(rows[0]) if rows else ["step", "loss"])
                writer.writeheader()
                writer.writerows(rows)
            # mkstemp creates the file readable by its owner only
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
