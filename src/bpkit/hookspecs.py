"""Hook specifications of bpkit.

A plugin is any object or module with functions marked by :data:`hookimpl`.
Built-in activations and losses register through exactly the same hooks as
third-party ones. Third-party packages announce their plugin module through the
entry-point group ``bpkit``::

    [project.entry-points.bpkit]
    my_plugin = "my_package.plugin"

bpkit imports these modules on the first lookup of an activation or loss, once
per process; ``BPKIT_DISABLE_PLUGINS=1`` skips them. Every hook is called with
keyword arguments only and collects the results of all plugins. Hook names
start with ``bpkit_``.

A hook that is retired keeps its spec here with ``warn_on_impl`` set to a
:class:`bpkit.BpkitWarning` subclass, so plugins that implement it get a
warning for one release before it goes; no hook is deprecated yet.

The plugin authors' guide in ``docs/plugins.rst`` has a section for each hook,
headed by its exact signature; a test keeps the two in step.
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

    All results are collected: bpkit calls every plugin's implementation and
    merges the lists. Two plugins that return classes with the same ``name``
    make every lookup raise :class:`bpkit.PluginError` naming both packages.

    Returns
    -------
    list of type
        Subclasses of :class:`bpkit.Activation`, each with a unique ``name``
        (a lower-case identifier). Keyword arguments given to
        :func:`bpkit.get_activation` are passed to the constructor, which
        passes them on to ``Activation.__init__`` so that they are shown and
        saved. Each class provides:

        - ``value(z)`` and ``derivative(z)``: ``z`` is an ndarray of shape
          ``(n_samples, n_units)`` and dtype float64 or float32, possibly
          read-only or non-contiguous. Both return a new ndarray of the same
          shape and dtype, finite for every finite ``z``, and never write to
          ``z``. If ``elementwise`` is True (the default), entry ``[i, j]``
          depends on ``z[i, j]`` alone. Otherwise the function works along
          the last axis, and ``derivative`` returns the diagonal of the
          Jacobian, d f_j / d z_j. Such a class also implements
          ``vjp(z, grad_output)``, the row-by-row product of ``grad_output``
          with the Jacobian, for the backward pass.
        - ``latex`` and ``latex_derivative``: f and f' as TeX math in terms of
          ``z``, without ``$`` delimiters.
        - ``kinks``: the points where f is not differentiable and
          ``derivative`` returns a value fixed by convention, for example
          ``(0.0,)`` for ReLU.

        A plugin that returns nothing may return ``None`` or an empty list.

    .. versionadded:: 0.1
    """


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------


@hookspec
def bpkit_register_losses():
    """Return the loss classes this plugin provides.

    All results are collected: bpkit calls every plugin's implementation and
    merges the lists. Two plugins that return classes with the same ``name``
    make every lookup raise :class:`bpkit.PluginError` naming both packages.

    Returns
    -------
    list of type
        Subclasses of :class:`bpkit.Loss`, each with a unique ``name`` (a
        lower-case identifier). Keyword arguments given to
        :func:`bpkit.get_loss` are passed to the constructor. Each class
        provides:

        - ``value(y_true, y_pred)``: both arrays have shape
          ``(n_samples, n_outputs)`` and the same dtype. Returns the loss as a
          real number, finite for finite input unless it overflows.
        - ``gradient(y_true, y_pred)``: d value / d y_pred, a new ndarray of
          the shape and dtype of ``y_pred``, finite for finite input. Neither
          method writes to its inputs.
        - ``reduction``: ``"sum"`` if the loss adds up the contributions of
          all elements, ``"mean"`` if it averages them, so that duplicating the
          batch leaves it unchanged.
        - ``latex`` and ``latex_derivative``: L and dL/dy_pred as TeX math.
        - ``kinks``: residuals ``y_pred - y_true`` where the gradient is fixed
          by convention (for mean absolute error, 0).
        - ``y_true_domain`` and ``y_pred_domain``: ``(low, high)`` of valid
          values, ``(-inf, inf)`` by default.

        A plugin that returns nothing may return ``None`` or an empty list.

    .. versionadded:: 0.1
    """
