"""The conformance kit: check an activation or loss the way bpkit checks its own.

Use it from a plugin package's tests::

    import bpkit.testing
    from my_package.plugin import Mish

    def test_mish_conforms():
        bpkit.testing.check_activation(Mish())

Each check reports the input point and the size of any error; see
:func:`check_activation` and :func:`check_loss` for the list. The same checks
run from the command line as ``bpkit check-plugin NAME``.
"""

import contextlib

from bpkit._base import Activation, Loss
from bpkit._registry import REGISTRY, get_activation, get_loss
from bpkit.testing._activation_checks import ACTIVATION_CHECKS
from bpkit.testing._common import run_checks
from bpkit.testing._latex import latex_problems
from bpkit.testing._loss_checks import LOSS_CHECKS
from bpkit.testing._report import CheckResult, ConformanceError, ConformanceReport

__all__ = sorted([
    "CheckResult",
    "ConformanceError",
    "ConformanceReport",
    "check_activation",
    "check_loss",
    "latex_problems",
    "temporary_plugin",
])


def _instance(obj, base, factory, function):
    if isinstance(obj, str):
        return factory(obj)
    if isinstance(obj, type) and issubclass(obj, base):
        return obj()
    if isinstance(obj, base):
        return obj
    raise TypeError(
        f"{function} takes a bpkit.{base.__name__} instance, subclass or registered "
        f"name, got {obj!r} of type {type(obj).__name__}"
    )


def _report(kind, instance, checks, raise_on_failure):
    plugin, package = REGISTRY.origin(instance)
    results = [CheckResult(name, failures) for name, failures in run_checks(instance, checks)]
    report = ConformanceReport(kind, instance.describe(), plugin, package, results)
    if raise_on_failure and not report.passed:
        raise ConformanceError(report)
    return report


def check_activation(obj, *, raise_on_failure=True):
    """Check an activation against bpkit's contract for value and derivative.

    Parameters
    ----------
    obj : Activation, Activation subclass or str
        An instance, a class (built with no arguments) or a registered name.
    raise_on_failure : bool, default True
        Raise :class:`ConformanceError` if any check fails. With False the
        report is returned either way.

    Returns
    -------
    ConformanceReport

    Raises
    ------
    ConformanceError
        If a check fails and ``raise_on_failure`` is true; the message lists
        every failing point and the size of its error.

    Notes
    -----
    The checks, in order:

    1. ``name`` is a lower-case identifier, ``elementwise`` a bool and
       ``kinks`` a sequence of finite numbers.
    2. ``latex`` and ``latex_derivative`` are non-empty and parse as TeX math
       (balanced groups, commands known to docutils' TeX-to-MathML converter).
    3. ``value`` and ``derivative`` return an ndarray of the input's shape
       and dtype, for float64 and float32, C- and Fortran-ordered, strided and
       read-only input, and leave the input unchanged.
    4. If ``elementwise``, each element's result does not depend on the other
       elements.
    5. ``derivative`` equals the central difference (f(z + h) - f(z - h)) / 2h,
       h = cbrt(eps) max(1, |z|), within 1e-6 max(1, |f'(z)|) plus the
       rounding error of the quotient, on a grid over [-8, 8] and at points
       out to +-1000, skipping points within 2h of a declared kink. For a
       non-elementwise activation the diagonal of the Jacobian along the last
       axis is compared.
    6. If not ``elementwise``, ``vjp(z, g)`` exists and equals the central
       differences of ``sum(g * f(z))``, entry by entry.
    7. Both are finite at huge and tiny inputs (+-1e300, +-746, +-5e-324 in
       float64; +-3e38, +-89, +-1e-45 in float32), and a tiny input gives the
       result at 0 to rounding (the derivative only if 0 is not a kink).
    8. float32 results equal the float64 ones within 1e-6 + 7.6e-6 |f|.
    """
    instance = _instance(obj, Activation, get_activation, "check_activation")
    return _report("activation", instance, ACTIVATION_CHECKS, raise_on_failure)


def check_loss(obj, *, raise_on_failure=True):
    """Check a loss against bpkit's contract for value and gradient.

    Parameters
    ----------
    obj : Loss, Loss subclass or str
        An instance, a class (built with no arguments) or a registered name.
    raise_on_failure : bool, default True
        Raise :class:`ConformanceError` if any check fails. With False the
        report is returned either way.

    Returns
    -------
    ConformanceReport

    Raises
    ------
    ConformanceError
        If a check fails and ``raise_on_failure`` is true.

    Notes
    -----
    Test points lie inside ``y_true_domain`` (bounds included) and
    ``y_pred_domain`` (bounds excluded). The checks, in order:

    1. ``name`` is a lower-case identifier, ``reduction`` is "sum" or "mean",
       and the domains are (low, high) with low < high.
    2. ``latex`` and ``latex_derivative`` parse as TeX math.
    3. ``value`` returns a real number and ``gradient`` an ndarray of the
       shape and dtype of ``y_pred``, for float64 and float32 and every
       memory layout, leaving the inputs unchanged.
    4. ``gradient`` equals central differences of ``value``, element by
       element, with the tolerance of :func:`check_activation`, skipping
       residuals within 2h of a declared kink.
    5. Duplicating the batch doubles a "sum" loss and keeps a "mean" loss.
    6. Value and gradient are finite at predictions of +-1e100 and +-1e-300
       (float32: +-1e15, +-1e-38), or near the bounds of a bounded domain.
    7. float32 results equal the float64 ones within 1e-6 + 7.6e-6 |value|.
    """
    instance = _instance(obj, Loss, get_loss, "check_loss")
    return _report("loss", instance, LOSS_CHECKS, raise_on_failure)


@contextlib.contextmanager
def temporary_plugin(plugin, name=None):
    """Register a plugin for the duration of a ``with`` block.

    Parameters
    ----------
    plugin : object or module
        Anything with functions marked by :data:`bpkit.hookimpl`.
    name : str, optional
        The plugin's name in messages and provenance.

    Yields
    ------
    str
        The name the plugin was registered under.

    Examples
    --------
    >>> import bpkit, bpkit.testing
    >>> class Cube(bpkit.Activation):
    ...     name = "cube"
    ...     latex = "z^3"
    ...     latex_derivative = "3 z^2"
    ...     def value(self, z):
    ...         return z ** 3
    ...     def derivative(self, z):
    ...         return 3 * z ** 2
    >>> class CubePlugin:
    ...     @bpkit.hookimpl
    ...     def bpkit_register_activations(self):
    ...         return [Cube]
    >>> with bpkit.testing.temporary_plugin(CubePlugin(), name="cube-demo"):
    ...     print(bpkit.get_activation("cube").plugin)
    cube-demo
    >>> "cube" in bpkit.list_activations()
    False
    """
    registered = REGISTRY.register(plugin, name=name)
    try:
        yield registered
    finally:
        REGISTRY.unregister(plugin)
