"""Gradient check: the compiled backward pass against central differences."""

from dataclasses import dataclass

import numpy as np

from bpkit._validation import check_positive_finite

# Default tolerances per dtype, as (rtol, atol). A central difference with the
# default step has an error of about eps**(2/3) relative to the loss scale:
# about 4e-11 in float64 and 2e-5 in float32.
_TOLERANCES = {"float64": (1e-5, 1e-7), "float32": (1e-2, 1e-3)}


@dataclass(frozen=True)
class GradientCheckRow:
    """One parameter's analytic and numeric derivative and their difference."""

    name: str
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    ok: bool


class GradientCheck:
    """Per-parameter table of a gradient check, as returned by :func:`gradcheck`.

    Attributes
    ----------
    rows : list of GradientCheckRow
        One row per parameter, W1.. then b1...
    eps : float
        Relative step of the central differences.
    rtol, atol : float
        A row passes when ``abs_error <= atol + rtol * max(|analytic|, |numeric|)``.
    """

    def __init__(self, rows, eps, rtol, atol):
        self.rows = list(rows)
        self.eps = eps
        self.rtol = rtol
        self.atol = atol

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, name):
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no parameter named {name!r} in this gradient check")

    @property
    def ok(self):
        """True when every row passes."""
        return all(row.ok for row in self.rows)

    @property
    def max_abs_error(self):
        """The maximum absolute error over all rows."""
        return max(row.abs_error for row in self.rows)

    @property
    def max_rel_error(self):
        """The maximum relative error over all rows."""
        return max(row.rel_error for row in self.rows)

    def failures(self):
        """Return the rows that do not pass."""
        return [row for row in self.rows if not row.ok]

    def __repr__(self):
        verdict = "ok" if self.ok else f"{len(self.failures())} failing"
        return (
            f"<GradientCheck: {len(self.rows)} parameters, {verdict}, "
            f"max relative error {self.max_rel_error:.3g}>"
        )

    def to_text(self):
        """Return the table as aligned plain text, one line per parameter."""
        header = ("parameter", "analytic", "numeric", "abs error", "rel error", "")
        lines = [
            (
                row.name,
                f"{row.analytic:.10g}",
                f"{row.numeric:.10g}",
                f"{row.abs_error:.2e}",
                f"{row.rel_error:.2e}",
                "ok" if row.ok else "MISMATCH",
            )
            for row in self.rows
        ]
        widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(6)]
        text = []
        for cells in [header, *lines]:
            name = cells[0].ljust(widths[0])
            numbers = [cell.rjust(width) for cell, width in zip(cells[1:5], widths[1:5])]
            text.append("  ".join([name, *numbers, cells[5]]).rstrip())
        verdict = (
            "all parameters agree"
            if self.ok
            else f"{len(self.failures())} parameter(s) disagree"
        )
        text.append(
            f"{verdict} (eps={self.eps:.3g}, rtol={self.rtol:.3g}, atol={self.atol:.3g}); "
            f"max relative error {self.max_rel_error:.2e}"
        )
        return "\n".join(text)


def gradcheck(network, X, y, *, eps=None, rtol=None, atol=None):
    """Compare the network's gradients with central finite differences.

    For each parameter p the numeric derivative is
    ``(L(p + h) - L(p - h)) / (2 h)`` with ``h = eps * max(1, |p|)``, each
    loss computed by the compiled forward pass. The analytic derivative is
    :meth:`Network.gradients`. The network's parameters are restored exactly
    afterwards, also when an error interrupts the check.

    Parameters
    ----------
    network : Network
    X : array-like of shape (n_samples, n_inputs)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    eps : float, optional
        Relative step. Default: the cube root of the dtype's machine epsilon,
        about 6.1e-6 for float64 and 4.9e-3 for float32, which balances
        truncation and rounding error of a central difference.
    rtol, atol : float, optional
        Tolerances of the pass test. Default: 1e-5 and 1e-7 for float64,
        1e-2 and 1e-3 for float32.

    Returns
    -------
    GradientCheck
        The per-parameter table, with ``ok`` and ``to_text()``.

    Notes
    -----
    The relative error is ``|analytic - numeric| / max(|analytic|, |numeric|)``
    and 0 where both are 0. A difference step that crosses a kink, such as a
    ReLU pre-activation within h of 0, makes the numeric value wrong. The
    check then reports a mismatch that is not a bug of the backward pass.

    Examples
    --------
    >>> import bpkit
    >>> net = bpkit.Network((2, 2, 1), seed=0)
    >>> X, y = bpkit.load_worked_example()
    >>> bpkit.gradcheck(net, X, y).ok
    True
    """
    # validate, before any parameter moves
    X, Y = network._check_data(X, y)
    default_rtol, default_atol = _TOLERANCES[network.dtype.name]
    if eps is None:
        eps = float(np.cbrt(np.finfo(network.dtype).eps))
    eps = check_positive_finite(eps, "eps")
    rtol = default_rtol if rtol is None else check_positive_finite(rtol, "rtol")
    atol = default_atol if atol is None else check_positive_finite(atol, "atol")

    # analytic
    analytic = network.gradients(X, Y)

    # numeric, one parameter at a time
    rows = []
    for name in network.parameter_names():
        original = network.parameter(name)
        step = eps * max(1.0, abs(original))
        try:
            # Read back the stored values because float32 storage rounds p +- h.
            network.set_parameter(name, original + step)
            upper, loss_upper = network.parameter(name), network.loss(X, Y)
            network.set_parameter(name, original - step)
            lower, loss_lower = network.parameter(name), network.loss(X, Y)
        finally:
            network.set_parameter(name, original)
        numeric = (loss_upper - loss_lower) / (upper - lower)
        rows.append(_compare(name, analytic[name], numeric, rtol, atol))
    return GradientCheck(rows, eps, rtol, atol)


def _compare(name, analytic, numeric, rtol, atol):
    abs_error = abs(analytic - numeric)
    scale = max(abs(analytic), abs(numeric))
    rel_error = abs_error / scale if scale > 0 else 0.0
    ok = bool(abs_error <= atol + rtol * scale)
    return GradientCheckRow(name, float(analytic), float(numeric), abs_error, rel_error, ok)
