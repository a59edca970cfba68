"""Buffers for the compiled core and the bridge to plugins written in Python.

``Workspace`` allocates, once per batch size, every buffer that the compiled
forward and backward passes write into, so a training loop allocates nothing
per step. ``PluginBridge`` is what the compiled loop calls, with the GIL
held, for an activation or loss that has no C kernel: it runs the plugin on
whole arrays, checks the result and copies it into the workspace.
"""

import numpy as np

from bpkit import _core
from bpkit._exceptions import PluginError
from bpkit._registry import REGISTRY, hook_name, kind_of, plugin_label


class Workspace:
    """Preallocated forward and backward buffers for up to ``n_rows`` rows.

    The compiled training loop writes the row count of the current batch
    into ``batch_rows``; the views below use it, so a plugin receives arrays of
    the current batch's shape. Views are cached per row count, so a fit
    creates them once for full batches and once for a smaller last batch.
    """

    def __init__(self, layout, n_rows, dtype):
        self.layout = layout
        self.n_rows = n_rows
        self.value_offsets = layout.value_offsets(n_rows)
        self.values = np.zeros(layout.values_size(n_rows), dtype=dtype)
        self.delta_half = layout.delta_half_size(n_rows)
        self.delta = np.zeros(2 * self.delta_half, dtype=dtype)
        self.grad = np.zeros(layout.n_params, dtype=dtype)
        self.batch_rows = np.array([n_rows], dtype=np.intp)
        self._views = {}

    def _view(self, kind, layer, half=0):
        rows = int(self.batch_rows[0])
        key = (kind, layer, half, rows)
        view = self._views.get(key)
        if view is None:
            n_out = self.layout.layer_sizes[layer + 1]
            if kind == "z":
                start = self.value_offsets[layer]
                buffer = self.values
            elif kind == "a":
                start = self.value_offsets[layer] + rows * n_out
                buffer = self.values
            else:
                start = half * self.delta_half
                buffer = self.delta
            view = buffer[start:start + rows * n_out].reshape(rows, n_out)
            self._views[key] = view
        return view

    def z(self, layer):
        """Return z_l of the current batch as a (rows, n_out) view into ``values``."""
        return self._view("z", layer)

    def a(self, layer):
        """Return a_l of the current batch as a (rows, n_out) view into ``values``."""
        return self._view("a", layer)

    def delta_view(self, half, layer):
        """Return one delta half as a (rows, n_out) view for layer ``layer``."""
        return self._view("delta", layer, half)


def plugin_context(obj, method):
    """Return the words that name a plugin function in an error message.

    For example: ``activation 'mish' from plugin 'smooth' (package
    'bpkit-smooth'), hook bpkit_register_activations, method derivative``.
    """
    kind = kind_of(obj)
    plugin, package = REGISTRY.origin(obj)
    if plugin is None:
        source = f"an unregistered {type(obj).__module__}.{type(obj).__qualname__}"
    else:
        source = plugin_label(plugin, package)
    return (
        f"{kind} {obj.describe()!r} from {source}, hook {hook_name(kind)}, "
        f"method {method}"
    )


class PluginBridge:
    """Runs Python activations and losses for the compiled passes.

    Every result is checked before it reaches a buffer: an ndarray of the
    input's shape and dtype, and finite wherever the input is finite. A
    non-finite input (an overflow upstream) passes through unchecked, and so
    does a loss that overflows to infinity, so that the training loop reports
    divergence instead of blaming the plugin.
    """

    def __init__(self, workspace, activations, loss, y=None):
        self.workspace = workspace
        self.activations = activations
        self.loss_function = loss
        self.y = y

    def _checked(self, plugin, method, result, like, inputs_finite):
        if not isinstance(result, np.ndarray):
            raise PluginError(
                f"{plugin_context(plugin, method)} returned "
                f"{type(result).__name__}, expected an ndarray"
            )
        if result.shape != like.shape:
            raise PluginError(
                f"{plugin_context(plugin, method)} returned shape {result.shape}, "
                f"expected {like.shape}, the shape of its input"
            )
        if result.dtype != like.dtype:
            raise PluginError(
                f"{plugin_context(plugin, method)} returned dtype {result.dtype}, "
                f"expected {like.dtype}, the dtype of its input"
            )
        if inputs_finite and not np.all(np.isfinite(result)):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(result))[0])
            raise PluginError(
                f"{plugin_context(plugin, method)} returned {float(result[bad])!r} at "
                f"index {bad} for finite input; it must return finite values for "
                "every finite input"
            )
        return result

    def _call(self, plugin, method, *args):
        try:
            return getattr(plugin, method)(*args)
        except PluginError:
            raise
        except Exception as exc:
            raise PluginError(
                f"{plugin_context(plugin, method)} raised {type(exc).__name__}: {exc}"
            ) from exc

    def activate(self, layer):
        """a_l = f_l(z_l) for a plugin activation."""
        activation = self.activations[layer]
        z = _read_only(self.workspace.z(layer))
        finite = bool(np.all(np.isfinite(z)))
        value = self._call(activation, "value", z)
        self.workspace.a(layer)[...] = self._checked(activation, "value", value, z, finite)

    def multiply_by_derivative(self, layer, half):
        """delta = dLoss/da_l -> dLoss/dz_l for a plugin activation.

        An elementwise plugin is asked for f'(z) and delta is multiplied by it;
        one with ``elementwise = False`` is asked for ``vjp(z, delta)``.
        """
        activation = self.activations[layer]
        z = _read_only(self.workspace.z(layer))
        finite = bool(np.all(np.isfinite(z)))
        delta = self.workspace.delta_view(half, layer)
        # The compiled kernels overflow to infinity silently and the training
        # loop reports divergence; so do these products.
        if activation.elementwise:
            derivative = self._checked(
                activation, "derivative", self._call(activation, "derivative", z), z,
                finite,
            )
            with np.errstate(over="ignore", invalid="ignore"):
                delta[...] *= derivative
        else:
            product = self._call(activation, "vjp", z, delta.copy())
            delta[...] = self._checked(
                activation, "vjp", product, z, finite and bool(np.all(np.isfinite(delta)))
            )

    def loss(self):
        """Return the plugin loss and write dLoss/da_L into the first delta half."""
        loss = self.loss_function
        last = self.workspace.layout.n_layers - 1
        y_pred = _read_only(self.workspace.a(last))
        y_true = _read_only(self.y[:y_pred.shape[0]])
        finite = bool(np.all(np.isfinite(y_pred)))
        value = self._call(loss, "value", y_true, y_pred)
        gradient = self._call(loss, "gradient", y_true, y_pred)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise PluginError(
                f"{plugin_context(loss, 'value')} returned {value!r}, expected a float"
            ) from None
        if finite and np.isnan(value):
            raise PluginError(
                f"{plugin_context(loss, 'value')} returned nan for finite input; "
                "it must return a number for every finite input"
            )
        # An infinite loss is an overflow of an unbounded loss, not a broken
        # contract: the training loop stops and reports divergence.
        overflowed = finite and np.isinf(value)
        self.workspace.delta_view(0, last)[...] = self._checked(
            loss, "gradient", gradient, y_pred, finite and not overflowed
        )
        return value


def _read_only(array):
    """Return a read-only view of ``array`` to hand to a plugin.

    A plugin that writes to its input then fails with a PluginError instead
    of changing the network's values. A view, because y may be the caller's
    own array, which must stay writable.
    """
    view = array.view()
    view.flags.writeable = False
    return view


class Engine:
    """Calls into the compiled core for one network's layout and plugins."""

    def __init__(self, layout, activations, loss):
        self.layout = layout
        self.activations = activations
        self.loss = loss
        self.activation_codes = np.array([a._kernel for a in activations], dtype=np.intc)
        self.activation_alphas = np.array(
            [float(a.params.get("alpha", 0.0)) for a in activations], dtype=np.float64
        )
        self.loss_code = int(loss._kernel)
        self.loss_param = float(loss.params.get("delta", 0.0))

    def forward(self, params, X):
        """Return the workspace after a forward pass over the rows of X."""
        workspace = Workspace(self.layout, X.shape[0], params.dtype)
        bridge = PluginBridge(workspace, self.activations, self.loss)
        _core.forward_pass(
            params, X, workspace.values, self.layout.sizes,
            self.layout.weight_offsets, self.layout.bias_offsets,
            workspace.value_offsets, self.activation_codes, self.activation_alphas,
            bridge,
        )
        return workspace

    def loss_and_gradients(self, params, X, Y):
        """Return (loss, gradient vector, workspace) at ``params``."""
        workspace = Workspace(self.layout, X.shape[0], params.dtype)
        bridge = PluginBridge(workspace, self.activations, self.loss, Y)
        loss = _core.loss_and_gradients(
            params, X, Y, workspace.values, workspace.delta, workspace.grad,
            self.layout.sizes, self.layout.weight_offsets, self.layout.bias_offsets,
            workspace.value_offsets, self.activation_codes, self.activation_alphas,
            self.loss_code, self.loss_param, bridge,
        )
        return loss, workspace.grad, workspace
