"""Hook specifications of bpkit.

A plugin is any object or module with functions marked by :data:`hookimpl`.
Built-in activations and losses register through exactly the same hooks as
third-party ones. Third-party packages announce their plugin module through the
entry-point group ``bpkit``::

    [project.entry-points.bpkit]
    my_plugin = "my_package.plugin"

Every hook is called with keyword arguments only and collects the results of
all plugins.
"""

import pluggy

hookspec = pluggy.HookspecMarker("bpkit")
hookimpl = pluggy.HookimplMarker("bpkit")


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------


@hookspec
def bpkit_register_activations():
    """Return the activation classes this plugin provides.

    All results are collected; each plugin returns a list.

    Returns
    -------
    list of type
        Subclasses of :class:`bpkit.Activation`. Each class has a unique
        ``name`` attribute; keyword arguments given to
        :func:`bpkit.get_activation` are passed to its constructor. Its
        ``value(z)`` and ``derivative(z)`` take an array of shape
        ``(n_samples, n_units)`` and return an array of the same shape and
        dtype; both are elementwise unless the class sets
        ``elementwise = False``. ``latex`` and ``latex_derivative`` hold the
        formulas of both in terms of ``z``.

    .. versionadded:: 0.1
    """


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------


@hookspec
def bpkit_register_losses():
    """Return the loss classes this plugin provides.

    All results are collected; each plugin returns a list.

    Returns
    -------
    list of type
        Subclasses of :class:`bpkit.Loss`. Each class has a unique ``name``;
        keyword arguments given to :func:`bpkit.get_loss` are passed to its
        constructor. ``value(y_true, y_pred)`` returns a float and
        ``gradient(y_true, y_pred)`` returns the derivative of that value with
        respect to ``y_pred``, an array of the shape and dtype of ``y_pred``.
        ``latex`` and ``latex_derivative`` hold the formulas of both.

    .. versionadded:: 0.1
    """
