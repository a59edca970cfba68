"""Built-in activations, registered through the same hook as any plugin.

Each class gives f and f' in NumPy and the code of its C twin in
``_kernels.pxd``; the tests hold the two equal. Symbols: z is the
pre-activation, f(z) the activation. This module has the piecewise-linear
and exponential-linear functions; the smooth ones live in
``_smooth_activations.py`` and softmax in ``_softmax.py``.

Every built-in accepts any finite z in float64 or float32 and returns finite
values of the input dtype. float32 input is evaluated in float64 and rounded
once. At a kink, where f has no derivative, ``derivative`` returns the
one-sided derivative from the left, so relu'(0) = 0, leaky_relu'(0) = alpha
and elu'(0) = alpha.
"""

import numpy as np

from bpkit import _elementwise as kernels
from bpkit._base import Activation
from bpkit._smooth_activations import GELU, SiLU, Sigmoid, Softplus, Tanh
from bpkit._softmax import Softmax
from bpkit._stable import working_dtype
from bpkit._validation import check_parameter
from bpkit.hookspecs import hookimpl


def _float_array(z):
    """Return z as an array of its own float dtype (float64 for other types)."""
    z = np.asarray(z)
    if z.dtype not in (np.float32, np.float64):
        z = z.astype(np.float64)
    return z


class Identity(Activation):
    """f(z) = z, the usual output activation for regression."""

    name = "identity"
    latex = "z"
    latex_derivative = "1"
    latex_steps = (r"\frac{d}{dz}\, z = 1",)
    _kernel = kernels.ACT_IDENTITY

    def value(self, z):
        return np.array(_float_array(z), copy=True)

    def derivative(self, z):
        return np.ones_like(_float_array(z))


class ReLU(Activation):
    """Rectified linear unit, f(z) = max(z, 0).

    Notes
    -----
    f has a kink at z = 0; bpkit uses f'(0) = 0 there, the derivative from
    the left. Both value and derivative are exact.
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
        z = _float_array(z)
        return np.where(z > 0, z, 0).astype(z.dtype, copy=False)

    def derivative(self, z):
        z = _float_array(z)
        return (z > 0).astype(z.dtype)


class LeakyReLU(Activation):
    """Leaky ReLU, f(z) = z for z > 0 and alpha z otherwise.

    Parameters
    ----------
    alpha : float, default 0.01
        Slope for z <= 0, a finite number >= 0. ``alpha=0`` is ReLU.

    Notes
    -----
    f has a kink at z = 0 (unless alpha = 1); bpkit uses f'(0) = alpha, the
    derivative from the left. The value is alpha z rounded once.
    """

    name = "leaky_relu"
    latex = r"\begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}"
    latex_derivative = r"\begin{cases} 1 & z > 0 \\ \alpha & z \le 0 \end{cases}"
    kinks = (0.0,)
    latex_steps = (
        r"z > 0:&\quad f(z) = z, \quad f'(z) = 1",
        r"z < 0:&\quad f(z) = \alpha z, \quad f'(z) = \alpha",
        r"z = 0:&\quad \text{left slope } \alpha, \text{ right slope } 1,"
        r" \text{ so } f'(0) := \alpha",
    )
    _kernel = kernels.ACT_LEAKY_RELU

    def __init__(self, alpha=0.01):
        alpha = check_parameter(alpha, "alpha", "leaky_relu")
        super().__init__(alpha=alpha)
        self.alpha = alpha

    def value(self, z):
        z64, dtype = working_dtype(z)
        return np.where(z64 > 0, z64, self.alpha * z64).astype(dtype)

    def derivative(self, z):
        z64, dtype = working_dtype(z)
        return np.where(z64 > 0, 1.0, self.alpha).astype(dtype)


class ELU(Activation):
    """Exponential linear unit, f(z) = z for z > 0, alpha (exp(z) - 1) otherwise.

    Parameters
    ----------
    alpha : float, default 1.0
        Limit of -f(z) as z goes to minus infinity, a finite number >= 0.

    Notes
    -----
    exp(z) - 1 cancels for small |z| (at z = 1e-8 it keeps only 8 digits), so
    f uses ``expm1``. f'(z) = alpha exp(z) for z <= 0. For alpha != 1, f has a
    kink at 0 and bpkit uses f'(0) = alpha, the derivative from the left.
    """

    name = "elu"
    latex = r"\begin{cases} z & z > 0 \\ \alpha \left(e^{z} - 1\right) & z \le 0 \end{cases}"
    latex_derivative = r"\begin{cases} 1 & z > 0 \\ \alpha e^{z} & z \le 0 \end{cases}"
    latex_steps = (
        r"z > 0:&\quad f(z) = z, \quad f'(z) = 1",
        r"z < 0:&\quad \frac{d}{dz}\, \alpha\left(e^{z} - 1\right) = \alpha e^{z}",
        r"z = 0:&\quad \text{left slope } \alpha e^{0} = \alpha, \text{ right slope } 1,"
        r" \text{ so } f'(0) := \alpha",
    )
    _kernel = kernels.ACT_ELU

    def __init__(self, alpha=1.0):
        alpha = check_parameter(alpha, "alpha", "elu")
        super().__init__(alpha=alpha)
        self.alpha = alpha
        self.kinks = () if alpha == 1.0 else (0.0,)

    def value(self, z):
        z64, dtype = working_dtype(z)
        negative = self.alpha * np.expm1(np.minimum(z64, 0.0))
        return np.where(z64 > 0, z64, negative).astype(dtype)

    def derivative(self, z):
        z64, dtype = working_dtype(z)
        return np.where(z64 > 0, 1.0, self.alpha * np.exp(np.minimum(z64, 0.0))).astype(
            dtype
        )


BUILTIN_ACTIVATIONS = [
    Identity,
    ReLU,
    LeakyReLU,
    ELU,
    GELU,
    Softplus,
    Sigmoid,
    Tanh,
    SiLU,
    Softmax,
]


@hookimpl
def bpkit_register_activations():
    return list(BUILTIN_ACTIVATIONS)
