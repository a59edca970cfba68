"""Built-in activations, registered through the same hook as any plugin.

Each class gives f and f' in NumPy, written to be stable for every finite
input, and the code of its C twin in ``_kernels.pxd``; the tests hold the two
equal. Symbols: z is the pre-activation, f(z) the activation.
"""

import numpy as np

from bpkit import _elementwise as kernels
from bpkit._base import Activation
from bpkit.hookspecs import hookimpl


class Identity(Activation):
    """f(z) = z, the usual output activation for regression."""

    name = "identity"
    latex = "z"
    latex_derivative = "1"
    latex_steps = (r"\frac{d}{dz}\, z = 1",)
    _kernel = kernels.ACT_IDENTITY

    def value(self, z):
        return np.array(z, copy=True)

    def derivative(self, z):
        return np.ones_like(z)


class ReLU(Activation):
    """Rectified linear unit, f(z) = max(z, 0).

    Notes
    -----
    f is not differentiable at z = 0; bpkit uses f'(0) = 0 there.
    """

    name = "relu"
    latex = r"\max(z, 0)"
    latex_derivative = r"\begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}"
    kinks = (0.0,)
    #: Where f'(z) = 0, in words; the explanation quotes it for a zero factor.
    zero_derivative_condition = "z <= 0"
    latex_steps = (
        r"z > 0:&\quad \max(z, 0) = z, \quad \frac{d}{dz}\, z = 1",
        r"z < 0:&\quad \max(z, 0) = 0, \quad \frac{d}{dz}\, 0 = 0",
        r"z = 0:&\quad \text{left slope } 0 \ne \text{right slope } 1,"
        r" \text{ so } f'(0) := 0",
    )
    _kernel = kernels.ACT_RELU

    def value(self, z):
        return np.maximum(z, 0).astype(np.asarray(z).dtype, copy=False)

    def derivative(self, z):
        z = np.asarray(z)
        return (z > 0).astype(z.dtype)


class Sigmoid(Activation):
    """Logistic sigmoid, f(z) = 1 / (1 + exp(-z)).

    Notes
    -----
    Evaluated as exp(z) / (1 + exp(z)) for z < 0 so that exp never
    overflows. f'(z) = e / (1 + e)^2 with e = exp(-|z|), which keeps full
    relative accuracy where f(z) (1 - f(z)) would round to 0.
    """

    name = "sigmoid"
    latex = r"\frac{1}{1 + e^{-z}}"
    latex_derivative = r"\sigma(z)\,\bigl(1 - \sigma(z)\bigr)"
    latex_steps = (
        r"\sigma(z) &= \left(1 + e^{-z}\right)^{-1}",
        r"\sigma'(z) &= -\left(1 + e^{-z}\right)^{-2} \cdot \left(-e^{-z}\right)"
        r" = \frac{e^{-z}}{\left(1 + e^{-z}\right)^2}",
        r"&= \frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}}"
        r" = \sigma(z)\,\bigl(1 - \sigma(z)\bigr)",
    )
    _kernel = kernels.ACT_SIGMOID

    def value(self, z):
        z = np.asarray(z)
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)

    def derivative(self, z):
        z = np.asarray(z)
        e = np.exp(-np.abs(z))
        return (e / ((1 + e) * (1 + e))).astype(z.dtype, copy=False)


class Tanh(Activation):
    """Hyperbolic tangent.

    Notes
    -----
    f'(z) = 1 - tanh(z)^2 cancels to 0 for |z| > 19; bpkit evaluates it as
    4e / (1 + e)^2 with e = exp(-2|z|), which is the same value without the
    cancellation.
    """

    name = "tanh"
    latex = r"\tanh(z)"
    latex_derivative = r"1 - \tanh^2(z)"
    latex_steps = (
        r"\tanh(z) &= \frac{\sinh(z)}{\cosh(z)}",
        r"\frac{d}{dz} \tanh(z) &= \frac{\cosh^2(z) - \sinh^2(z)}{\cosh^2(z)}"
        r" = 1 - \tanh^2(z)",
    )
    _kernel = kernels.ACT_TANH

    def value(self, z):
        return np.tanh(z)

    def derivative(self, z):
        z = np.asarray(z)
        e = np.exp(-2 * np.abs(z))
        return (4 * e / ((1 + e) * (1 + e))).astype(z.dtype, copy=False)


class Softplus(Activation):
    """Softplus, f(z) = log(1 + exp(z)), a smooth ReLU.

    Notes
    -----
    Evaluated as max(z, 0) + log1p(exp(-|z|)), which never overflows;
    f'(z) is the sigmoid of z.
    """

    name = "softplus"
    latex = r"\log\left(1 + e^{z}\right)"
    latex_derivative = r"\frac{1}{1 + e^{-z}}"
    latex_steps = (
        r"\frac{d}{dz} \log\left(1 + e^{z}\right) &= \frac{e^{z}}{1 + e^{z}}",
        r"&= \frac{1}{e^{-z} + 1} = \sigma(z)",
    )
    _kernel = kernels.ACT_SOFTPLUS

    def value(self, z):
        z = np.asarray(z)
        return (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))).astype(
            z.dtype, copy=False
        )

    def derivative(self, z):
        return Sigmoid().value(z)


BUILTIN_ACTIVATIONS = [Identity, ReLU, Sigmoid, Tanh, Softplus]


@hookimpl
def bpkit_register_activations():
    return list(BUILTIN_ACTIVATIONS)
