"""The plugin registry: every activation and loss, and where it came from.

Built-ins register through the hooks of :mod:`bpkit.hookspecs` like any other
plugin. Third-party plugins are found through the entry-point group
``bpkit``, loaded lazily on the first lookup and only once. Setting the
environment variable ``BPKIT_DISABLE_PLUGINS=1`` skips the entry points.
"""

import logging
import os
import threading

import pluggy

from bpkit import _activations, _losses, hookspecs
from bpkit._base import Activation, Loss
from bpkit._exceptions import PluginError

logger = logging.getLogger("bpkit")

ENTRY_POINT_GROUP = "bpkit"
DISABLE_ENV_VAR = "BPKIT_DISABLE_PLUGINS"
BUILTIN_PACKAGE = "bpkit"

_KINDS = {
    "activation": ("bpkit_register_activations", Activation),
    "loss": ("bpkit_register_losses", Loss),
}


class _Entry:
    """A registered class and the plugin and package that provided it."""

    __slots__ = ("cls", "plugin", "package")

    def __init__(self, cls, plugin, package):
        self.cls = cls
        self.plugin = plugin
        self.package = package


class Registry:
    """Collects activation and loss classes from all registered plugins."""

    def __init__(self):
        self._lock = threading.RLock()
        self._manager = None
        self._tables = None
        self._packages = {}

    @property
    def manager(self):
        """The :class:`pluggy.PluginManager`, created with the built-ins on first use."""
        with self._lock:
            if self._manager is None:
                self._manager = self._create_manager()
            return self._manager

    def _create_manager(self):
        manager = pluggy.PluginManager("bpkit")
        manager.add_hookspecs(hookspecs)
        manager.register(_activations, name="bpkit.activations")
        manager.register(_losses, name="bpkit.losses")
        if os.environ.get(DISABLE_ENV_VAR, "") not in ("", "0"):
            logger.info("third-party plugins disabled by %s", DISABLE_ENV_VAR)
        else:
            count = manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
            logger.debug("loaded %d plugin(s) from entry points", count)
        for plugin, dist in manager.list_plugin_distinfo():
            self._packages[manager.get_name(plugin)] = dist.project_name
        manager.check_pending()
        return manager

    def register(self, plugin, name=None):
        """Register a plugin object or module; return its name."""
        with self._lock:
            name = self.manager.register(plugin, name=name)
            self._tables = None
            return name

    def unregister(self, plugin):
        """Remove a plugin registered with :meth:`register`."""
        with self._lock:
            self.manager.unregister(plugin)
            self._tables = None

    def package_of(self, plugin_name):
        """Return the distribution that provides a plugin, or None if unknown."""
        if plugin_name.startswith("bpkit."):
            return BUILTIN_PACKAGE
        return self._packages.get(plugin_name)

    def _table(self, kind):
        with self._lock:
            if self._tables is None:
                self._tables = {key: self._collect(key) for key in _KINDS}
            return self._tables[kind]

    def _collect(self, kind):
        hook_name, base = _KINDS[kind]
        hook = getattr(self.manager.hook, hook_name)
        table = {}
        # Call each implementation separately so every class is known by the
        # plugin that returned it.
        for impl in reversed(hook.get_hookimpls()):
            package = self.package_of(impl.plugin_name)
            where = f"plugin {impl.plugin_name!r} (package {package!r})"
            try:
                classes = impl.function()
            except Exception as exc:
                raise PluginError(f"{where} raised in hook {hook_name}: {exc}") from exc
            for cls in classes or ():
                if not (isinstance(cls, type) and issubclass(cls, base)):
                    raise PluginError(
                        f"{where} returned {cls!r} from hook {hook_name}; "
                        f"expected subclasses of bpkit.{base.__name__}"
                    )
                if not isinstance(cls.name, str) or not cls.name:
                    raise PluginError(
                        f"{where} returned {cls.__name__} from hook {hook_name} "
                        "without a name; set the class attribute 'name'"
                    )
                if cls.name in table:
                    first = table[cls.name]
                    raise PluginError(
                        f"{kind} {cls.name!r} is registered twice: by plugin "
                        f"{first.plugin!r} (package {first.package!r}) and by "
                        f"{where}; uninstall one of the packages or set "
                        f"{DISABLE_ENV_VAR}=1"
                    )
                table[cls.name] = _Entry(cls, impl.plugin_name, package)
        return table

    def names(self, kind):
        """Return the sorted names registered for ``kind``."""
        return sorted(self._table(kind))

    def entry(self, kind, name):
        """Return the entry of a name, or raise ValueError listing the choices."""
        table = self._table(kind)
        try:
            return table[name]
        except (KeyError, TypeError):
            raise ValueError(
                f"unknown {kind} {name!r}; registered {kind}s are: "
                f"{', '.join(sorted(table))}. Install the plugin package that "
                f"provides it or pick one of these."
            ) from None

    def create(self, kind, spec, params):
        """Return an instance for a name or pass through an instance."""
        base = _KINDS[kind][1]
        if isinstance(spec, base):
            if params:
                raise TypeError(
                    f"{kind} parameters {sorted(params)} were given with an "
                    f"{kind} instance {spec!r}; pass them to its constructor"
                )
            return spec
        if not isinstance(spec, str):
            raise TypeError(
                f"{kind} must be a name (str) or a bpkit.{base.__name__}, "
                f"got {spec!r} of type {type(spec).__name__}"
            )
        entry = self.entry(kind, spec)
        try:
            instance = entry.cls(**params)
        except TypeError as exc:
            raise TypeError(f"invalid parameters for {kind} {spec!r}: {exc}") from exc
        instance.plugin = entry.plugin
        instance.package = entry.package
        return instance


REGISTRY = Registry()


def get_activation(name, **params):
    """Return the activation registered as ``name``.

    Parameters
    ----------
    name : str or Activation
        A registered name such as ``"relu"``, or an activation instance,
        which is returned unchanged.
    **params
        Parameters of the activation, for example ``alpha=0.1``.

    Raises
    ------
    ValueError
        If no plugin registers ``name``; the message lists the registered names.
    """
    return REGISTRY.create("activation", name, params)


def get_loss(name, **params):
    """Return the loss registered as ``name``.

    Parameters
    ----------
    name : str or Loss
        A registered name such as ``"ssr"``, or a loss instance, which is
        returned unchanged.
    **params
        Parameters of the loss, for example ``delta=2.0`` for huber.

    Raises
    ------
    ValueError
        If no plugin registers ``name``; the message lists the registered names.
    """
    return REGISTRY.create("loss", name, params)


def list_activations():
    """Return the sorted names of all registered activations."""
    return REGISTRY.names("activation")


def list_losses():
    """Return the sorted names of all registered losses."""
    return REGISTRY.names("loss")


def register_plugin(plugin, name=None):
    """Register a plugin object or module at run time; return its name.

    Entry points are the way to ship a plugin; this is for notebooks and tests.
    """
    return REGISTRY.register(plugin, name=name)


def unregister_plugin(plugin):
    """Remove a plugin added with :func:`register_plugin`."""
    REGISTRY.unregister(plugin)
