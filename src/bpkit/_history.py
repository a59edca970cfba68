"""The record of one call to :meth:`bpkit.Network.fit`."""

import csv
import os
import tempfile

import numpy as np


class History:
    """Loss per epoch of one fit, how the fit ended, and optionally every step.

    Attributes
    ----------
    loss : ndarray of shape (n_epochs,)
        ``loss[e]`` is the mean of the batch losses of epoch ``e``, each at
        the parameters before that batch's update. For full-batch training
        (one step per epoch) it is the loss before update ``e``.
    learning_rate : float
    trainable : list of str
        Names of the parameters that the fit moved.
    diverged : bool
        The loss or a parameter became NaN or infinite, so the fit stopped
        early and kept the parameters of the last finite loss.
    interrupted : bool
        Ctrl-C stopped the fit, and the network keeps the parameters of the last
        completed step.
    values, slopes : ndarray of shape (n_epochs, n_trainable) or None
        With recorded steps (full-batch sgd, one step per epoch):
        ``values[t, j]`` is trainable parameter j before update t and
        ``slopes[t, j]`` is dLoss/dparameter there. None when the fit did not
        record steps.
    """

    def __init__(self, loss, learning_rate, trainable, diverged=False,
                 interrupted=False, values=None, slopes=None, new_values=None):
        self.loss = np.asarray(loss, dtype=np.float64)
        self.learning_rate = learning_rate
        self.trainable = list(trainable)
        self.diverged = diverged
        self.interrupted = interrupted
        self.values = None if values is None else np.asarray(values, dtype=np.float64)
        self.slopes = None if slopes is None else np.asarray(slopes, dtype=np.float64)
        self._new_values = (
            None if new_values is None else np.asarray(new_values, dtype=np.float64)
        )

    def __len__(self):
        return len(self.loss)

    def __repr__(self):
        if self.diverged:
            ending = "diverged"
        elif self.interrupted:
            ending = "interrupted"
        else:
            ending = "completed"
        last = f", final loss {self.loss[-1]:.6g}" if len(self.loss) else ""
        return f"<History: {len(self.loss)} epochs, {ending}{last}>"

    @property
    def has_steps(self):
        """Whether the parameter values and slopes of every step were recorded."""
        return self.values is not None

    @property
    def step_sizes(self):
        """``learning_rate * slopes``, shape (n_steps, n_trainable), or None."""
        return None if self.slopes is None else self.learning_rate * self.slopes

    @property
    def new_values(self):
        """Parameter values after each update, or None.

        These are the values the network stored, so in float32 they can
        differ from ``values - step_sizes`` by the rounding to float32.
        """
        if self._new_values is not None:
            return self._new_values
        return None if self.values is None else self.values - self.step_sizes

    def fieldnames(self):
        """Return the column names of :meth:`rows` and of the CSV file."""
        names = ["step", "loss"]
        if self.has_steps:
            for name in self.trainable:
                names += [name, f"slope_{name}", f"step_size_{name}", f"new_{name}"]
        return names

    def rows(self):
        """Return the history as a list of dicts, one per step.

        With recorded steps each row also holds, for every trainable parameter
        p, its value ``p`` before the update, ``slope_p`` (dLoss/dp),
        ``step_size_p`` (learning rate times slope) and ``new_p``.
        """
        rows = []
        for step, value in enumerate(self.loss):
            row = {"step": step, "loss": float(value)}
            if self.has_steps:
                sizes, new = self.step_sizes[step], self.new_values[step]
                for j, name in enumerate(self.trainable):
                    row[name] = float(self.values[step, j])
                    row[f"slope_{name}"] = float(self.slopes[step, j])
                    row[f"step_size_{name}"] = float(sizes[j])
                    row[f"new_{name}"] = float(new[j])
            rows.append(row)
        return rows

    def to_csv(self, path):
        """Write one row per step to ``path``, atomically.

        The file is written to a temporary file beside ``path`` and renamed, so
        ``path`` is either complete or untouched. Floats are written with
        ``repr``, so they read back exactly.
        """
        rows = self.rows()
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise FileNotFoundError(
                f"cannot write {path}: the directory {directory} does not exist; "
                "create it first"
            )
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", newline="") as stream:
                writer = csv.DictWriter(stream, fieldnames=self.fieldnames())
                writer.writeheader()
                writer.writerows(rows)
            # mkstemp creates the file readable by its owner only
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
