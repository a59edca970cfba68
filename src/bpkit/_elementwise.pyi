# Type stubs of the compiled module bpkit._elementwise (see _elementwise.pyx).
# C types of the arguments are given as trailing comments.

import numpy as np
from numpy.typing import NDArray

_Float = np.float32 | np.float64

PLUGIN_KERNEL: int
ACT_IDENTITY: int
ACT_RELU: int
ACT_SIGMOID: int
ACT_TANH: int
ACT_SOFTPLUS: int
ACT_LEAKY_RELU: int
ACT_ELU: int
ACT_GELU: int
ACT_GELU_TANH: int
ACT_SILU: int
ACT_SOFTMAX: int
LOSS_SSR: int
LOSS_MSE: int
LOSS_MAE: int
LOSS_HUBER: int
LOSS_BINARY_CROSS_ENTROPY: int
LOSS_CROSS_ENTROPY: int

def activation_values(
    code: int,  # int
    z: NDArray[_Float],  # const floating[:, ::1]
    a_out: NDArray[_Float],  # floating[:, ::1]
    alpha: float,  # double
) -> None: ...
def activation_derivatives(
    code: int,  # int
    z: NDArray[_Float],  # const floating[:, ::1]
    a: NDArray[_Float],  # const floating[:, ::1]
    delta: NDArray[_Float],  # floating[:, ::1]
    alpha: float,  # double
) -> None: ...
def loss_values(
    code: int,  # int
    y_true: NDArray[_Float],  # const floating[:, ::1]
    y_pred: NDArray[_Float],  # const floating[:, ::1]
    grad_out: NDArray[_Float],  # floating[:, ::1]
    param: float,  # double
) -> float: ...
def logits_loss_values(
    loss_code: int,  # int
    y_true: NDArray[_Float],  # const floating[:, ::1]
    z: NDArray[_Float],  # const floating[:, ::1]
    delta_out: NDArray[_Float],  # floating[:, ::1]
) -> float: ...
