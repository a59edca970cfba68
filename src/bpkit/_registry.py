"""The plugin registry: every activation and loss, and where it came from.

Built-ins register through the hooks of :mod:`bpkit.hookspecs` like any other
plugin. Third-party plugins are found through the entry-point group
``bpkit``, loaded lazily on the first lookup and only once. Setting the
environment variable ``BPKIT_DISABLE_PLUGINS=1`` skips the entry points.

Every class in the tables carries its provenance: the pluggy name of the
plugin that returned it and the distribution (pip package) that installed
that plugin. Error messages, ``Network`` and saved models use both.
"""

import functools
import importlib.metadata
import logging
import os
import threading

import pluggy

from bpkit import _activations, _losses, hookspecs
from bpkit._base import Activation, Loss, _Registered
from bpkit._exceptions import PluginError

logger = logging.getLogger("bpkit")

ENTRY_POINT_GROUP = "bpkit"
DISABLE_ENV_VAR = "BPKIT_DISABLE_PLUGINS"
BUILTIN_PACKAGE = "bpkit"

_KINDS = {
    "activation": ("bpkit_register_activations", Activation),
    "loss": ("bpkit_register_losses", Loss),
}
_PLURALS = {"activation": "activations", "loss": "losses"}


def hook_name(kind):
    """Return the name of the hook that registers classes of ``kind``."""
    return _KINDS[kind][0]


def plugin_label(plugin, package):
    """Return "plugin 'p' (package 'd')", the spelling used in messages."""
    if package is None:
        return f"plugin {plugin!r} (registered at run time, not by a package)"
    return f"plugin {plugin!r} (package {package!r})"


def kind_of(obj):
    """Return "activation" or "loss" for an instance, or None for anything else."""
    for kind, (_, base) in _KINDS.items():
        if isinstance(obj, base):
            return kind
    return None


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
            count = self._load_entry_points(manager)
            logger.debug("loaded %d plugin(s) from entry points", count)
        try:
            manager.check_pending()
        except pluggy.PluginValidationError as exc:
            name = manager.get_name(exc.plugin)
            raise PluginError(
                f"plugin {name!r} (package {self.package_of(name)!r}) implements "
                f"a hook that bpkit does not define: {exc}. Check the spelling "
                "against bpkit.hookspecs or upgrade bpkit."
            ) from exc
        return manager

    def _load_entry_points(self, manager):
        """Import and register every plugin of the entry-point group; return the count.

        This does what ``pluggy.PluginManager.load_setuptools_entrypoints``
        does, but wraps each failure in a PluginError that names the package.
        """
        count = 0
        for dist in importlib.metadata.distributions():
            package = dist.metadata["Name"]
            for entry_point in dist.entry_points.select(group=ENTRY_POINT_GROUP):
                name = entry_point.name
                if manager.get_plugin(name) is not None:
                    # The same distribution can be found twice on sys.path.
                    if self._packages.get(name) != package:
                        raise PluginError(
                            f"packages {self._packages.get(name)!r} and {package!r} "
                            f"both declare the plugin {name!r} in entry-point group "
                            f"{ENTRY_POINT_GROUP!r}; uninstall one of them"
                        )
                    continue
                where = (
                    f"plugin {name!r} of package {package!r} (entry point "
                    f"{entry_point.value!r} in group {ENTRY_POINT_GROUP!r})"
                )
                try:
                    plugin = entry_point.load()
                except Exception as exc:
                    raise PluginError(
                        f"{where} failed to import: {type(exc).__name__}: {exc}. "
                        f"Reinstall or uninstall {package!r}, or set "
                        f"{DISABLE_ENV_VAR}=1 to skip third-party plugins."
                    ) from exc
                try:
                    manager.register(plugin, name=name)
                except (ValueError, pluggy.PluginValidationError) as exc:
                    raise PluginError(f"{where} could not be registered: {exc}") from exc
                self._packages[name] = package
                count += 1
        return count

    def register(self, plugin, name=None):
        """Register a plugin object or module; return its name.

        Raises PluginError, and leaves the plugin unregistered, if it
        implements a ``bpkit_`` hook that bpkit does not define.
        """
        with self._lock:
            manager = self.manager
            name = manager.register(plugin, name=name)
            try:
                manager.check_pending()
            except pluggy.PluginValidationError as exc:
                manager.unregister(plugin)
                raise PluginError(
                    f"plugin {name!r} implements a hook that bpkit does not define: "
                    f"{exc}. Check the spelling against bpkit.hookspecs."
                ) from exc
            self._tables = None
            return name

    def unregister(self, plugin):
        """Remove a plugin registered with :meth:`register`."""
        with self._lock:
            self.manager.unregister(plugin)
            self._tables = None

    def package_of(self, plugin_name):
        """Return the distribution that provides a plugin, or None if unknown.

        Plugins registered at run time with :func:`register_plugin` have no
        distribution, so they give None.
        """
        if plugin_name is None:
            return None
        if plugin_name.startswith("bpkit."):
            return BUILTIN_PACKAGE
        return self._packages.get(plugin_name)

    def origin(self, obj):
        """Return ``(plugin, package)`` of an activation or loss instance.

        An instance made by :func:`get_activation` or :func:`get_loss` carries
        both. For an instance built directly from its class, the registry
        entry of that class supplies them. A class that no plugin registers
        gives plugin None and the distribution that contains its module, or
        None if no installed distribution contains it.
        """
        if obj.plugin is not None:
            return obj.plugin, obj.package
        kind = kind_of(obj)
        entry = self._table(kind).get(obj.name) if kind else None
        if entry is not None and entry.cls is type(obj):
            return entry.plugin, entry.package
        return None, _distribution_of_module(type(obj).__module__)

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
            where = plugin_label(impl.plugin_name, package)
            try:
                classes = impl.function()
            except Exception as exc:
                raise PluginError(
                    f"{where} raised in hook {hook_name}: {type(exc).__name__}: {exc}"
                ) from exc
            if classes is None:
                classes = []
            if not isinstance(classes, (list, tuple)):
                raise PluginError(
                    f"{where} returned {classes!r} from hook {hook_name}; expected "
                    f"a list of subclasses of bpkit.{base.__name__}"
                )
            for cls in classes:
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
                        f"{kind} {cls.name!r} is registered twice: by "
                        f"{plugin_label(first.plugin, first.package)} and by "
                        f"{where}, both in hook {hook_name}; uninstall one of the "
                        f"packages or set {DISABLE_ENV_VAR}=1"
                    )
                table[cls.name] = _Entry(cls, impl.plugin_name, package)
        return table

    def names(self, kind):
        """Return the sorted names registered for ``kind``."""
        return sorted(self._table(kind))

    def entries(self, kind):
        """Return ``(name, cls, plugin, package)`` for every ``kind``, sorted by name."""
        table = self._table(kind)
        return [
            (name, table[name].cls, table[name].plugin, table[name].package)
            for name in sorted(table)
        ]

    def entry(self, kind, name):
        """Return the entry of a name, or raise ValueError listing the choices."""
        table = self._table(kind)
        try:
            return table[name]
        except (KeyError, TypeError):
            raise ValueError(
                f"unknown {kind} {name!r}; registered {_PLURALS[kind]} are: "
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
        # _Registered.__init__ stores any keyword, so a class that does not
        # define its own __init__ would keep and silently ignore a misspelt
        # or foreign parameter such as relu(alpha=0.5).
        if params and entry.cls.__init__ is _Registered.__init__:
            raise TypeError(
                f"{kind} {spec!r} takes no parameters, got {', '.join(sorted(params))}"
            )
        try:
            instance = entry.cls(**params)
        except TypeError as exc:
            raise TypeError(f"invalid parameters for {kind} {spec!r}: {exc}") from exc
        instance.plugin = entry.plugin
        instance.package = entry.package
        return instance


@functools.lru_cache(maxsize=None)
def _distribution_of_module(module_name):
    """Return the distribution that installed a module, or None."""
    top_level = module_name.partition(".")[0]
    if top_level == "bpkit":
        return BUILTIN_PACKAGE
    names = importlib.metadata.packages_distributions().get(top_level, [])
    return names[0] if names else None


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
