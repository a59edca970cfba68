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


class ModelFileError(ValueError):
    """A file given to :func:`bpkit.load` is not a complete, readable bpkit model.

    Raised for truncated, corrupted or foreign files and for format versions
    newer than this bpkit can read.
    """

    __module__ = "bpkit"


class MissingPluginError(ValueError):
    """A saved model uses an activation or loss that no installed plugin provides.

    The message names the package to install. ``package``, ``plugin``,
    ``kind`` and ``name`` hold the same facts for programs.
    """

    __module__ = "bpkit"

    def __init__(self, message, *, kind, name, plugin, package):
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.plugin = plugin
        self.package = package


class ConfigurationWarning(BpkitWarning):
    """A network's setup is valid but almost certainly not what was meant.

    Examples: a cross-entropy loss on an output activation whose values can
    leave [0, 1], or a softmax over a single output, which is always 1.
    """

    __module__ = "bpkit"


class ProvenanceWarning(BpkitWarning):
    """A loaded model's activation or loss now comes from a different package."""

    __module__ = "bpkit"
