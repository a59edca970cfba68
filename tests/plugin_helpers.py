"""Small activations, losses and plugins for the plugin tests.

``make_plugin`` wraps classes in a plugin object, so each test can register
its own misbehaving variant and the registry no longer contains it after the test.
"""

import numpy as np

import bpkit


class ArcLinear(bpkit.Activation):
    """f(z) = z + 2 arctan(z), smooth and increasing, with f'(z) = 1 + 2 / (1 + z^2)."""

    name = "arc_linear_test"
    latex = r"z + 2 \arctan(z)"
    latex_derivative = r"1 + \frac{2}{1 + z^2}"

    def value(self, z):
        return z + 2 * np.arctan(z)

    def derivative(self, z):
        with np.errstate(over="ignore"):  # z * z overflows to inf, giving 2 / inf = 0
            return 1 + 2 / (1 + z * z)


class HalfSquares(bpkit.Loss):
    """L = sum(r^2) / 2, dL/dy_pred = r: the SSR of a plugin, halved."""

    name = "half_squares_test"
    latex = r"\frac{1}{2} \sum_i \left(\hat{y}_i - y_i\right)^2"
    latex_derivative = r"\hat{y}_i - y_i"
    reduction = "sum"

    def value(self, y_true, y_pred):
        residual = np.asarray(y_pred, dtype=np.float64) - y_true
        return float(np.sum(residual * residual) / 2)

    def gradient(self, y_true, y_pred):
        return np.asarray(y_pred - y_true, dtype=y_pred.dtype)


def make_plugin(activations=(), losses=()):
    """Return a plugin object whose hooks return the given classes."""

    class Plugin:
        @bpkit.hookimpl
        def bpkit_register_activations(self):
            return list(activations)

        @bpkit.hookimpl
        def bpkit_register_losses(self):
            return list(losses)

    return Plugin()


def failing_after(cls, method, calls, make_result):
    """Return a subclass of ``cls`` whose ``method`` misbehaves from call ``calls`` on.

    ``make_result(self, *args)`` gives the bad result or raises.
    """
    state = {"count": 0}

    def patched(self, *args):
        state["count"] += 1
        if state["count"] > calls:
            return make_result(self, *args)
        return getattr(cls, method)(self, *args)

    return type(f"Failing{cls.__name__}", (cls,), {method: patched})
