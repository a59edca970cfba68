"""Warning and exception classes of bpkit."""


class BpkitWarning(UserWarning):
    """Base class of every warning that bpkit emits."""

    __module__ = "bpkit"


class DivergenceWarning(BpkitWarning):
    """Training stopped because the loss became NaN or infinite."""

    __module__ = "bpkit"


class PluginError(RuntimeError):
    """A plugin misbehaved: it raised, or returned a value that breaks its contract.

    The message names the plugin, the package that registered it and the hook
    or method involved.
    """

    __module__ = "bpkit"
