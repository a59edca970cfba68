"""Helpers shared by the activation and loss checks."""

import numpy as np

from bpkit.testing._latex import latex_problems

DTYPES = (np.dtype(np.float64), np.dtype(np.float32))

#: Relative tolerance of the derivative against central differences, on top
#: of the rounding error of the difference quotient itself.
DERIVATIVE_RTOL = 1e-6
#: Tolerance of a float32 result against the float64 result at the same
#: input: about 8 units in the last place absolute, 64 relative.
FLOAT32_ATOL = 1e-6
FLOAT32_RTOL = 64 * float(np.finfo(np.float32).eps)


class PluginCallError(Exception):
    """A plugin function raised; the message names the call and its input."""


def call(obj, method, *args):
    """Call ``obj.method(*args)``; raise PluginCallError naming the input if it raises."""
    try:
        with np.errstate(all="ignore"):
            return getattr(obj, method)(*args)
    except Exception as exc:
        shapes = ", ".join(f"{arg.dtype} {arg.shape}" for arg in args)
        raise PluginCallError(
            f"{method}() raised {type(exc).__name__}: {exc} (input {shapes})"
        ) from exc


def array_problem(result, like, method):
    """Return why ``result`` breaks the array contract for input ``like``, or None."""
    if not isinstance(result, np.ndarray):
        return f"{method}() returned {type(result).__name__}, expected an ndarray"
    if result.shape != like.shape:
        return (
            f"{method}() returned shape {result.shape} for input of shape "
            f"{like.shape}; it must return the input's shape"
        )
    if result.dtype != like.dtype:
        return (
            f"{method}() returned dtype {result.dtype} for {like.dtype} input; it "
            "must return the input's dtype"
        )
    return None


def layout_variants(base):
    """Yield ``(description, array)``: ``base`` in each memory layout a caller may pass.

    The arrays are C-contiguous, Fortran-ordered, a strided view and read-only.
    """
    yield "C-contiguous", np.ascontiguousarray(base)
    yield "Fortran-ordered", np.asfortranarray(base)
    wide = np.repeat(base, 2, axis=-1)
    yield "strided view", wide[..., ::2]
    read_only = base.copy()
    read_only.flags.writeable = False
    yield "read-only", read_only


def latex_check(obj):
    """Return failures of the ``latex`` and ``latex_derivative`` attributes."""
    failures = []
    for attribute in ("latex", "latex_derivative"):
        for problem in latex_problems(getattr(obj, attribute, None)):
            failures.append(f"{attribute} {problem}")
    return failures


def name_check(obj):
    """Return failures of the ``name`` attribute."""
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not name:
        return [f"name is {name!r}; set the class attribute name to a non-empty str"]
    if not name.isidentifier() or name != name.lower():
        return [
            f"name {name!r} must be a lower-case Python identifier such as "
            "'log_cosh', so it works as a keyword and on the command line"
        ]
    return []


def describe_number(value):
    """Return a number as short text: 6 significant digits."""
    return f"{float(value):.6g}"


def difference_step(x, dtype=np.float64):
    """Return the central-difference step for points ``x``: cbrt(eps) * max(1, |x|).

    This step balances the truncation error, of order h^2, against the
    rounding error, of order eps / h.
    """
    eps = float(np.finfo(dtype).eps)
    return np.cbrt(eps) * np.maximum(1.0, np.abs(x))


def rounding_tolerance(f_plus, f_minus, step):
    """Return the tolerance of a difference quotient for its rounding error.

    Each function value carries a rounding error of a few eps times its
    size, so their difference divided by ``step`` carries that much over
    ``step``; 64 eps leaves room for functions accurate to a few ulps.
    """
    eps = float(np.finfo(np.float64).eps)
    return 64 * eps * np.maximum(np.abs(f_plus), np.abs(f_minus)) / step


def run_checks(obj, checks):
    """Return ``(name, failures)`` for each check, catching calls that raise."""
    results = []
    for name, check in checks:
        try:
            failures = check(obj)
        except PluginCallError as exc:
            failures = [str(exc)]
        except Exception as exc:
            # A result of the wrong shape can break the check's own indexing;
            # the shape check reports the cause.
            failures = [f"check stopped: {type(exc).__name__}: {exc}"]
        results.append((name, failures))
    return results
