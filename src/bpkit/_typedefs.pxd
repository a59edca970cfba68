# Shared C-level codes of the compiled core.
#
# Each built-in activation and loss carries one of these codes (its
# ``_kernel`` attribute on the Python side), so the compiled loop can branch
# to the matching kernel without calling Python. Plugins without a kernel
# carry PLUGIN and are called through Python between compiled sections.

cdef enum:
    PLUGIN = -1

cdef enum ActivationCode:
    ACT_IDENTITY = 0
    ACT_RELU = 1
    ACT_SIGMOID = 2
    ACT_TANH = 3
    ACT_SOFTPLUS = 4

cdef enum LossCode:
    LOSS_SSR = 0
    LOSS_MSE = 1
