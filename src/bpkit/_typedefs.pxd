# Shared C-level codes of the compiled core.
#
# Each built-in activation and loss carries one of these codes (its
# ``_kernel`` attribute on the Python side, read from ``_elementwise``), so
# the compiled loop can branch to the matching kernel without calling Python.
# Plugins without a kernel carry PLUGIN and are called through Python between
# compiled sections.

cdef enum:
    PLUGIN = -1

cdef enum ActivationCode:
    ACT_IDENTITY = 0
    ACT_RELU = 1
    ACT_SIGMOID = 2
    ACT_TANH = 3
    ACT_SOFTPLUS = 4
    ACT_LEAKY_RELU = 5
    ACT_ELU = 6
    ACT_GELU = 7
    ACT_GELU_TANH = 8
    ACT_SILU = 9
    ACT_SOFTMAX = 10

cdef enum LossCode:
    LOSS_SSR = 0
    LOSS_MSE = 1
    LOSS_MAE = 2
    LOSS_HUBER = 3
    LOSS_BINARY_CROSS_ENTROPY = 4
    LOSS_CROSS_ENTROPY = 5
