"""Finding plugins, calling their hooks, and collecting what they supply.

:func:`get_plugin_manager` makes a :class:`QmframePluginManager` with qmframe's
hooks, the built-in plugins and (unless told not to) every installed
``qmframe`` entry point. :class:`Registry` calls the registration hooks,
remembers which plugin supplied what, and turns a plugin's exception into a
:class:`~qmframe.errors.PluginError` naming the plugin and the hook.

**pluggy does the calling.** Every hook is called as ``pm.hook.NAME(**kwargs)``,
so ``tryfirst``, ``trylast``, ``wrapper=True``, ``firstresult`` and pluggy's
tracing behave exactly as pluggy documents; qmframe never loops over the
implementations itself. Two things still need to know *which* implementation
was running, and both find it the same way, by reading frames (nothing is
wrapped, replaced or called around pluggy):

* the ``register`` callback a registration hook receives walks up the call
  stack to the first frame running one of that hook's implementations (its
  code object is the implementation's, and for a method ``self`` is the
  implementation's instance), so each registration is credited to the plugin
  whose code made it, helpers called by the hook included;
* an exception escaping a hook call is credited to the innermost frame of its
  traceback that runs one of the hook's implementations.

A result that is wrong rather than raised (a check returning something that
is not a :class:`~qmframe.errors.Problem`, a decision dropping the
explanation) cannot be traced by frames: it is credited to the implementation
that returned it when pluggy's call order and the results tell it apart, and
otherwise to the implementations that could have returned it, all named.

Plugin labels (``"dist-name version"`` for an installed distribution, the
plugin's name otherwise) are worked out once, when plugins load, never per
call. Hook calls are untyped at the pluggy level; this module is the typed
layer between them and the rest of qmframe.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import inspect
import json
import os
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib.resources.abc import Traversable
from typing import Any

import attrs
import pluggy

from qmframe import hookspecs
from qmframe.decision import Decision
from qmframe.engine import Assessor
from qmframe.errors import PluginError, Problem, ValidationError
from qmframe.examples import Example
from qmframe.files import file_label, read_framework
from qmframe.framework import Framework
from qmframe.reports import ReportFormat
from qmframe.rules import RuleKind
from qmframe.submission import Review, Submission
from qmframe.validation import check_framework

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "TRACE_VARIABLE",
    "FrameworkSource",
    "LoadFailure",
    "PluginInfo",
    "QmframePluginManager",
    "Registered",
    "Registry",
    "describe_plugins",
    "get_plugin_manager",
    "plugins_json",
    "plugins_text",
]

FrameworkSource = str | os.PathLike[str] | Traversable | Framework

#: Modules registered as plugins in every manager, before entry points.
DEFAULT_PLUGINS = (
    "qmframe.default_plugins.rule_kinds",
    "qmframe.default_plugins.report_formats",
    "qmframe.default_plugins.html_report",
    "qmframe.default_plugins.letter_report",
)
_DEFAULT_NAMES = frozenset(DEFAULT_PLUGINS)
#: How many frameworks' assessors a Registry keeps (the least recently used go first).
_ASSESSORS_KEPT = 64

#: The entry-point group installed plugins announce themselves in.
ENTRY_POINT_GROUP = "qmframe"

#: Set this environment variable to ``1`` to print every hook call to stderr.
TRACE_VARIABLE = "QMFRAME_TRACE_PLUGINS"

_PREFIX = "qmframe_"

_UNMARKED: pluggy.HookimplOpts = {
    "wrapper": False,
    "hookwrapper": False,
    "optionalhook": False,
    "tryfirst": False,
    "trylast": False,
    "specname": None,
}


# -------------------------------------------------------------------------------------------------
# Loading
# -------------------------------------------------------------------------------------------------


@attrs.frozen
class LoadFailure:
    """An installed plugin that was left out, and why.

    ``name`` is the entry point's name; ``error`` says what went wrong
    (the exception raised while importing it, or why it failed validation).
    """

    name: str
    distribution: str
    version: str
    error: str

    @property
    def label(self) -> str:
        """How the plugin is named in messages: ``"dist-name version"``."""
        return f"{self.distribution} {self.version}".strip()

    def __str__(self) -> str:
        return f"plugin {self.label!r} (entry point {self.name!r}) was not loaded: {self.error}"


def _hookable(plugin: object, name: str) -> bool:
    """Whether pluggy can take ``plugin.name`` as an implementation (functions and methods).

    Read without running descriptors, as pluggy reads it: a value in an
    instance's ``__dict__`` as it is, otherwise the class's or module's.
    """
    if not (inspect.isclass(plugin) or inspect.ismodule(plugin)):
        own = getattr(plugin, "__dict__", None)
        if isinstance(own, dict) and name in own:
            return isinstance(own[name], types.MethodType) or inspect.isfunction(own[name])
    value = inspect.getattr_static(plugin, name, None)
    return isinstance(value, (staticmethod, classmethod, types.MethodType)) or inspect.isfunction(
        value
    )


class QmframePluginManager(pluggy.PluginManager):
    """pluggy's plugin manager with qmframe's hooks, as pytest subclasses it.

    * A function named ``qmframe_*`` is a hook implementation whether or not it
      is marked with :data:`~qmframe.hookimpl` (mark it to pass options such as
      ``tryfirst`` or ``wrapper``), so :meth:`unknown_hooks` and pluggy's
      ``check_pending()`` catch a misspelt name instead of ignoring it.
    * :meth:`load_entrypoints` loads installed plugins one by one: one that
      fails to import or to validate is recorded in :attr:`load_failures`,
      named by its distribution, and left out; the rest load.
    * The label of each entry-point plugin is worked out once, as it loads.
    """

    def __init__(self) -> None:
        super().__init__(ENTRY_POINT_GROUP)
        self.add_hookspecs(hookspecs)
        #: Installed plugins that were left out, in the order they were tried.
        self.load_failures: list[LoadFailure] = []
        #: Plugin name → (distribution, version), for plugins loaded from entry points.
        self.distributions: dict[str, tuple[str, str]] = {}

    def parse_hookimpl_opts(self, plugin: object, name: str) -> pluggy.HookimplOpts | None:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is not None or not name.startswith(_PREFIX) or not _hookable(plugin, name):
            return opts
        return _UNMARKED.copy()

    def hook_names(self) -> list[str]:
        """The names of qmframe's hooks (those with a specification)."""
        return sorted(
            name
            for name, caller in vars(self.hook).items()
            if isinstance(caller, pluggy.HookCaller) and caller.has_spec()
        )

    def unknown_hooks(self, plugin: object) -> list[str]:
        """What is wrong with each implementation in ``plugin`` that matches no hook."""
        found = []
        for caller in self.get_hookcallers(plugin) or ():
            if caller.has_spec():
                continue
            # How the plugin marked its own implementation (not the caller's list of them).
            opts = self.parse_hookimpl_opts(plugin, caller.name)
            if opts is None or not opts.get("optionalhook"):
                import difflib  # only a misspelt hook needs it

                close = difflib.get_close_matches(caller.name, self.hook_names(), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                found.append(f"{caller.name!r} is not a qmframe hook{hint}")
        return sorted(found)

    def load_entrypoints(self, group: str = ENTRY_POINT_GROUP) -> int:
        """Load and register every plugin installed in ``group``; returns how many loaded.

        Each entry point is imported and validated on its own. One that raises
        while importing, fails pluggy's validation (an argument the hook does
        not offer) or implements a ``qmframe_*`` hook that does not exist is
        left out and recorded in :attr:`load_failures` with its distribution's
        name and version. Entry points already registered or blocked are skipped.
        """
        loaded = 0
        for entry_point in importlib.metadata.entry_points(group=group):
            name = entry_point.name
            if self.get_plugin(name) is not None or self.is_blocked(name):
                continue
            dist = entry_point.dist
            distribution, version = (dist.name, dist.version) if dist else (entry_point.value, "")
            error = self._load_one(entry_point)
            if error:
                self.load_failures.append(LoadFailure(name, distribution, version, error))
            else:
                self.distributions[name] = (distribution, version)
                loaded += 1
        return loaded

    def _load_one(self, entry_point: importlib.metadata.EntryPoint) -> str:
        """Register one entry point's plugin; returns what went wrong, or ""."""
        try:
            plugin = entry_point.load()
        except Exception as exc:  # a plugin's import error is the plugin's failure
            return f"{type(exc).__name__}: {exc}"
        try:
            self.register(plugin, name=entry_point.name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            # pluggy before 1.7 leaves a plugin it refused half-registered: take it out.
            if self.get_plugin(entry_point.name) is not None:
                self.unregister(name=entry_point.name)
            return str(exc)
        unknown = self.unknown_hooks(plugin)
        if unknown:
            self.unregister(plugin)
            return "; ".join(unknown)
        return ""


def get_plugin_manager(
    *, load_entrypoints: bool = True, plugins: Iterable[object] = ()
) -> QmframePluginManager:
    """A manager with qmframe's hooks, its built-in plugins, and installed plugins.

    ``plugins`` are registered too, after the installed ones (handy in tests
    and in host applications); one that implements a ``qmframe_*`` hook that
    does not exist, marked or not, or that pluggy refuses, raises
    :class:`~qmframe.errors.PluginError` naming it. An installed plugin that
    fails to load is left out and listed in ``load_failures`` instead (see
    :meth:`QmframePluginManager.load_entrypoints`).

    With the environment variable ``QMFRAME_TRACE_PLUGINS=1``, pluggy's
    tracing prints every hook call, its arguments and its result to stderr.
    """
    pm = QmframePluginManager()
    if os.environ.get(TRACE_VARIABLE, "") not in ("", "0"):
        pm.trace.root.setwriter(_write_trace)
        pm.enable_tracing()
    for module_name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(module_name), module_name)
    if load_entrypoints:
        pm.load_entrypoints()
    for plugin in plugins:
        try:
            name = pm.register(plugin)
        except pluggy.PluginValidationError as exc:
            raise PluginError(
                _name_for(plugin, pm.get_canonical_name(plugin)), "", str(exc)
            ) from exc
        unknown = pm.unknown_hooks(plugin)
        if unknown:
            raise PluginError(_name_for(plugin, name or ""), "", "; ".join(unknown))
    return pm


def _write_trace(message: str) -> None:
    sys.stderr.write(message)  # looked up per line, so a redirected stderr gets it


def _name_for(plugin: object, name: str) -> str:
    """A readable name: pluggy names an object without ``__name__`` by its id."""
    if name == str(id(plugin)):
        cls = type(plugin)
        return f"{cls.__module__}.{cls.__qualname__}"
    return name


def _distributions_of(pm: pluggy.PluginManager) -> dict[str, tuple[str, str]]:
    if isinstance(pm, QmframePluginManager):
        return dict(pm.distributions)
    found = {}
    for plugin, dist in pm.list_plugin_distinfo():
        name = pm.get_name(plugin)
        if name is not None:
            found[name] = (dist.project_name, dist.version)
    return found


# -------------------------------------------------------------------------------------------------
# Which implementation was running: read from frames, never by calling around pluggy
# -------------------------------------------------------------------------------------------------


def _codes_of(function: object) -> set[types.CodeType]:
    """The code objects an implementation runs as: its own, and those it wraps."""
    codes: set[types.CodeType] = set()
    current: object = function
    for _ in range(100):  # a __wrapped__ chain is short; never loop forever on a cycle
        current = getattr(current, "__func__", current)
        code = getattr(current, "__code__", None)
        if isinstance(code, types.CodeType):
            codes.add(code)
        current = getattr(current, "__wrapped__", None)
        if current is None:
            break
    return codes


def _index(impls: Sequence[pluggy.HookImpl]) -> dict[types.CodeType, list[pluggy.HookImpl]]:
    by_code: dict[types.CodeType, list[pluggy.HookImpl]] = {}
    for impl in impls:
        for code in _codes_of(impl.function):
            by_code.setdefault(code, []).append(impl)
    return by_code


def _first_argument(frame: types.FrameType) -> object:
    code = frame.f_code
    return frame.f_locals.get(code.co_varnames[0]) if code.co_argcount else None


def _running(
    frames: Iterable[types.FrameType], by_code: dict[types.CodeType, list[pluggy.HookImpl]]
) -> tuple[types.FrameType, list[pluggy.HookImpl]] | None:
    """The first frame running one of the implementations, and which ones it can be."""
    for frame in frames:
        found = by_code.get(frame.f_code)
        if not found:
            continue
        if len(found) > 1:  # one class, several instances: tell them apart by self
            owner = _first_argument(frame)
            found = [i for i in found if getattr(i.function, "__self__", None) is owner] or found
        return frame, found
    return None


def _stack(frame: types.FrameType | None) -> Iterator[types.FrameType]:
    while frame is not None:
        yield frame
        frame = frame.f_back


def _traceback_frames(exc: BaseException) -> list[types.FrameType]:
    """The frames an exception passed through, innermost (where it was raised) first."""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames[::-1]


def _call_order(caller: pluggy.HookCaller) -> list[pluggy.HookImpl]:
    """The implementations in the order pluggy calls them (wrappers first)."""
    return list(reversed(caller.get_hookimpls()))


# -------------------------------------------------------------------------------------------------
# The registry
# -------------------------------------------------------------------------------------------------


@attrs.frozen
class Registered:
    """Something a plugin supplied, with the plugin's label."""

    value: Any
    plugin: str


@attrs.define
class _Holder:
    registered: Registered
    plugin_name: str
    builtin: bool
    replace: bool


_WHAT = {
    "qmframe_register_frameworks": "framework",
    "qmframe_register_rule_kinds": "rule kind",
    "qmframe_register_report_formats": "report format",
    "qmframe_register_examples": "example",
}
_REPLACEABLE = frozenset({"qmframe_register_rule_kinds", "qmframe_register_report_formats"})


class Registry:
    """What the installed plugins supply: frameworks, rule kinds, report formats, examples.

    Build one per plugin manager; frameworks are read from their TOML on first
    use and kept. Two plugins supplying one framework id, rule kind, report
    format or example name raise :class:`~qmframe.errors.PluginError` naming
    both. A plugin replaces a built-in rule kind or report format only when it
    says so, with ``register(value, replace=True)``; registering a built-in's
    name without it is a ``PluginError`` naming both plugins.

    ``rule_kinds`` maps each kind name to its implementation and
    ``rule_kind_sources`` to the label of the plugin that supplied it;
    ``report_formats`` and ``examples`` map names to :class:`Registered`
    values; ``load_failures`` lists the installed plugins left out because they
    failed to load.
    """

    def __init__(self, pm: pluggy.PluginManager | None = None) -> None:
        self.pm = pm if pm is not None else get_plugin_manager()
        self.load_failures: tuple[LoadFailure, ...] = tuple(getattr(self.pm, "load_failures", ()))
        self._distributions = _distributions_of(self.pm)
        self._labels: dict[str, str] = {}
        self._load_order: dict[str, int] = {}
        for name, plugin in self.pm.list_name_plugin():
            if plugin is not None:
                self._load_order[name] = len(self._load_order)
                dist = self._distributions.get(name)
                self._labels[name] = f"{dist[0]} {dist[1]}" if dist else _name_for(plugin, name)
        self._supplied: dict[str, dict[str, list[Any]]] = {}
        self._replaced: dict[str, list[str]] = {}
        kinds = self._collect("qmframe_register_rule_kinds", RuleKind, lambda kind: kind.name)
        self.rule_kinds: dict[str, RuleKind] = {name: r.value for name, r in kinds.items()}
        self.rule_kind_sources: dict[str, str] = {name: r.plugin for name, r in kinds.items()}
        self.report_formats: dict[str, Registered] = self._collect(
            "qmframe_register_report_formats", ReportFormat, lambda fmt: fmt.name
        )
        # (source, plugin name, the id it was registered with or ""), read on first use.
        self._sources = [
            (Registered(value, self._label(impl.plugin_name)), impl.plugin_name, declared)
            for impl, value, _, declared in self._registrations("qmframe_register_frameworks")
        ]
        self.examples: dict[str, Registered] = self._collect(
            "qmframe_register_examples", Example, lambda ex: ex.name
        )
        self._by_id: dict[str, Registered] | None = None
        self._found: dict[str, Registered] = {}  # looked up by id before all were read
        self._source_of: dict[str, str] = {}
        # Keyed by the framework's value, bounded; lru_cache is thread-safe.
        self._assessors: Callable[[Framework], Assessor] = functools.lru_cache(
            maxsize=_ASSESSORS_KEPT
        )(self._new_assessor)
        self._has_decide = bool(self.pm.hook.qmframe_decide.get_hookimpls())
        self._has_checks = bool(self.pm.hook.qmframe_check_submission.get_hookimpls())

    # -- calling hooks -------------------------------------------------------------------------

    def _label(self, plugin_name: str) -> str:
        return self._labels.get(plugin_name, plugin_name)

    def _labels_of(self, impls: Iterable[pluggy.HookImpl]) -> str:
        labels = list(dict.fromkeys(self._label(impl.plugin_name) for impl in impls))
        return " or ".join(labels)

    def _call(self, hook_name: str, **kwargs: Any) -> Any:
        """Call a hook through pluggy; an exception from a plugin becomes its PluginError."""
        caller: pluggy.HookCaller = getattr(self.pm.hook, hook_name)
        try:
            return caller(**kwargs)
        except PluginError:
            raise
        except Exception as exc:
            failure = self._failure(caller, exc)
            if failure is None:
                raise
            raise failure from exc

    def _failure(self, caller: pluggy.HookCaller, exc: Exception) -> PluginError | None:
        """The PluginError for an exception raised by one of a hook's implementations."""
        running = _running(_traceback_frames(exc), _index(_call_order(caller)))
        if running is None:
            return None
        return PluginError(self._labels_of(running[1]), caller.name, f"{type(exc).__name__}: {exc}")

    def _answered_by(self, caller: pluggy.HookCaller, results: Sequence[object]) -> list[str]:
        """For each result of a hook call, the plugin(s) that can have returned it.

        pluggy drops None results and keeps the others in call order. A
        generator names its implementation by its code; otherwise, without
        wrappers, result ``i`` came from one of the implementations at call
        positions ``i`` to ``i + (implementations - results)``.
        """
        order = _call_order(caller)
        plain = [impl for impl in order if not (impl.wrapper or impl.hookwrapper)]
        by_code = _index(order)
        spare = len(plain) - len(results)
        labels = []
        for i, result in enumerate(results):
            code = getattr(result, "gi_code", None)
            frame = getattr(result, "gi_frame", None)
            running = _running([frame], by_code) if isinstance(frame, types.FrameType) else None
            if running is not None:
                labels.append(self._labels_of(running[1]))
            elif isinstance(code, types.CodeType) and code in by_code:
                labels.append(self._labels_of(by_code[code]))
            elif len(plain) == len(order) and spare >= 0:
                labels.append(self._labels_of(plain[i : i + spare + 1]))
            else:
                labels.append(self._labels_of(order))
        return labels

    def _registrations(self, hook_name: str) -> list[tuple[pluggy.HookImpl, Any, bool, str]]:
        """Call a registration hook; every registered value with its implementation.

        The ``register`` callback credits each value to the implementation
        running in the caller's frames (see the module's docstring). When one
        function object is registered by several plugins, each of its
        invocations (each frame) is credited to the next of them in call order.
        """
        caller: pluggy.HookCaller = getattr(self.pm.hook, hook_name)
        order = _call_order(caller)
        by_code = _index(order)
        credited: dict[int, tuple[types.FrameType, pluggy.HookImpl]] = {}
        got: list[tuple[pluggy.HookImpl, Any, bool, str]] = []

        def running() -> pluggy.HookImpl:
            here = inspect.currentframe()
            found = _running(_stack(here.f_back if here else None), by_code)
            if found is None:
                if len(order) == 1:
                    return order[0]
                raise PluginError(
                    self._labels_of(order),
                    hook_name,
                    "register was called from outside a hook implementation; call it while "
                    "the hook runs",
                )
            frame, impls = found
            if len(impls) == 1:
                return impls[0]
            earlier = credited.get(id(frame))
            if earlier is not None and earlier[0] is frame:
                return earlier[1]
            taken = {id(impl) for _, impl in credited.values()}
            impl = next((i for i in impls if id(i) not in taken), impls[0])
            credited[id(frame)] = (frame, impl)
            return impl

        def register(value: object, *, replace: bool = False, id: str = "") -> None:
            impl = running()
            if replace and hook_name not in _REPLACEABLE:
                raise PluginError(
                    self._label(impl.plugin_name),
                    hook_name,
                    "only rule kinds and report formats can replace a built-in (replace=True)",
                )
            if id and hook_name != "qmframe_register_frameworks":
                raise PluginError(
                    self._label(impl.plugin_name), hook_name, "only frameworks take an id (id=...)"
                )
            got.append((impl, value, replace, id))

        self._call(hook_name, register=register)
        credited.clear()  # the frames it holds are done with
        for impl, value, _, _ in got:
            supplied = self._supplied.setdefault(impl.plugin_name, {})
            supplied.setdefault(hook_name, []).append(value)
        return got

    def _collect(
        self, hook_name: str, cls: type, key: Callable[[Any], str]
    ) -> dict[str, Registered]:
        what = _WHAT[hook_name]
        holders: dict[str, _Holder] = {}
        for impl, value, replace, _ in self._registrations(hook_name):
            label = self._label(impl.plugin_name)
            if not isinstance(value, cls):
                raise PluginError(
                    label, hook_name, f"registered {value!r}, which is not a {cls.__name__}"
                )
            name = key(value)
            new = _Holder(
                Registered(value, label),
                impl.plugin_name,
                impl.plugin_name in _DEFAULT_NAMES,
                replace,
            )
            held = holders.get(name)
            if held is None:
                holders[name] = new
                continue
            if new.builtin == held.builtin:
                later, first = self._later_loaded(
                    (label, new.plugin_name), (held.registered.plugin, held.plugin_name)
                )
                raise PluginError(
                    later, hook_name, f"{name!r} is already registered by plugin {first!r}"
                )
            theirs, builtin = (held, new) if new.builtin else (new, held)
            if not theirs.replace:
                raise PluginError(
                    theirs.registered.plugin,
                    hook_name,
                    f"{what} {name!r} is built in (plugin {builtin.registered.plugin!r}); to "
                    "replace it, register it with replace=True",
                )
            holders[name] = theirs
            self._replaced.setdefault(theirs.plugin_name, []).append(f"{what} {name}")
        return {name: held.registered for name, held in holders.items()}

    # -- frameworks ----------------------------------------------------------------------------

    def _load(
        self, sources: Iterable[tuple[Registered, str, str]]
    ) -> dict[str, tuple[Registered, str]]:
        """Read framework sources: each framework by id, with the plugin name that supplied it."""
        by_id: dict[str, tuple[Registered, str]] = {}
        problems: list[Problem] = []
        for registered, plugin_name, declared in sources:
            source = registered.value
            try:
                framework = source if isinstance(source, Framework) else read_framework(source)
            except ValidationError as exc:
                problems += exc.problems
                continue
            if declared and framework.id != declared:
                raise PluginError(
                    registered.plugin,
                    "qmframe_register_frameworks",
                    f"registered {_source_name(source)} with id {declared!r}, but the "
                    f"framework's id is {framework.id!r}",
                )
            earlier = by_id.get(framework.id)
            if earlier is not None:
                later, first = self._later_loaded(
                    (registered.plugin, plugin_name), (earlier[0].plugin, earlier[1])
                )
                raise PluginError(
                    later,
                    "qmframe_register_frameworks",
                    f"framework {framework.id!r} is also supplied by plugin {first!r}",
                )
            by_id[framework.id] = (Registered(framework, registered.plugin), plugin_name)
            self._source_of[framework.id] = (
                f"built in code by {registered.plugin}"
                if isinstance(source, Framework)
                else file_label(source)
            )
        if problems:
            raise ValidationError(problems)
        return by_id

    def _load_all(self) -> dict[str, Registered]:
        # Those already looked up by their declared id stay the same objects.
        rest = [s for s in self._sources if not (s[2] and s[2] in self._found)]
        loaded = {framework_id: found[0] for framework_id, found in self._load(rest).items()}
        return {**loaded, **self._found}

    def _later_loaded(self, one: tuple[str, str], two: tuple[str, str]) -> tuple[str, str]:
        """Two (label, plugin name) pairs in conflict: the later-loaded plugin's label first.

        Conflicts name the plugin loaded later as the one that failed, whatever
        order pluggy called them in, so the message does not depend on tryfirst.
        """
        order = self._load_order
        later, first = sorted((one, two), key=lambda p: order.get(p[1], len(order)), reverse=True)
        return later[0], first[0]

    def frameworks(self) -> dict[str, Registered]:
        """Every supplied framework by id, with the plugin that supplied it."""
        if self._by_id is None:
            self._by_id = self._load_all()
        return dict(self._by_id)

    def framework(self, framework_id: str) -> Framework:
        """A supplied framework by id; an unknown id is a ValidationError listing the known ones.

        Only the sources that can hold it are read: those registered with this
        id (``register(source, id=...)``), those registered without one, and
        frameworks built in code; the others wait until they are asked for.
        """
        known = self._by_id
        if known is None:
            found = self._found.get(framework_id)
            if found is None:
                candidates = [s for s in self._sources if s[2] in ("", framework_id)]
                if any(s[2] == framework_id for s in candidates):
                    loaded = self._load(candidates).get(framework_id)
                    if loaded is not None:
                        self._found[framework_id] = found = loaded[0]
            if found is not None:
                framework: Framework = found.value
                return framework
            known = self.frameworks()
        if framework_id not in known:
            names = ", ".join(sorted(known)) or "none: install a framework plugin"
            raise ValidationError(
                [
                    Problem(
                        f"unknown framework {framework_id!r} (installed: {names})",
                        code="unknown-reference",
                    )
                ]
            )
        framework = known[framework_id].value
        return framework  # noqa: RET504  (typed: a Registered value is Any)

    def framework_source(self, framework_id: str) -> str:
        """Where a supplied framework was read from."""
        if framework_id not in self._source_of:
            self.frameworks()
        return self._source_of.get(framework_id, "")

    # -- checking and assessing ----------------------------------------------------------------

    def check_framework(self, framework: Framework) -> list[Problem]:
        return check_framework(framework, self.rule_kinds)

    def check_submission(
        self, framework: Framework, submission: Submission, review: Review | None
    ) -> list[Problem]:
        """Problems the plugins report for this submission (``qmframe_check_submission``)."""
        if not self._has_checks:
            return []
        hook = "qmframe_check_submission"
        caller: pluggy.HookCaller = self.pm.hook.qmframe_check_submission
        results = self._call(hook, framework=framework, submission=submission, review=review)
        problems: list[Problem] = []
        answered: list[str] = []

        def label(i: int) -> str:  # worked out only when something is wrong
            if not answered:
                answered.extend(self._answered_by(caller, results))
            return answered[i]

        for i, result in enumerate(results):
            if not isinstance(result, Iterable):
                raise PluginError(
                    label(i), hook, f"returned {result!r}, not an iterable of Problems"
                )
            try:
                found = list(result)  # a generator runs the plugin's code only now
            except Exception as exc:
                raise self._failure(caller, exc) or PluginError(
                    label(i), hook, f"{type(exc).__name__}: {exc}"
                ) from exc
            for problem in found:
                if not isinstance(problem, Problem):
                    raise PluginError(
                        label(i), hook, f"returned {problem!r}, which is not a Problem"
                    )
                problems.append(problem)
        return problems

    def assessor(self, framework: Framework) -> Assessor:
        """The assessor for a framework, kept for the frameworks used most recently.

        Kept by the framework's value, not its identity: an equal framework
        (read again, or built again in code) gets the same assessor, and the
        assessors of at most 64 frameworks are kept.
        """
        try:
            hash(framework)
        except TypeError:  # built in code with a list where a tuple belongs: not a key
            return self._new_assessor(framework)
        return self._assessors(framework)

    def _new_assessor(self, framework: Framework) -> Assessor:
        return Assessor(
            framework,
            self.rule_kinds,
            decide=self._decide if self._has_decide else None,
            check=self.check_submission if self._has_checks else None,
            kind_sources=self.rule_kind_sources,
        )

    def _decide(
        self,
        framework: Framework,
        submission: Submission,
        review: Review | None,
        decision: Decision,
    ) -> Decision | None:
        """``qmframe_decide`` through pluggy: the first non-None answer, checked."""
        hook = "qmframe_decide"
        result = self._call(
            hook, framework=framework, submission=submission, review=review, decision=decision
        )
        if result is None:
            return None
        (label,) = self._answered_by(self.pm.hook.qmframe_decide, [result])
        if not isinstance(result, Decision):
            raise PluginError(label, hook, f"returned {result!r}, not a Decision")
        if result.explanation[: len(decision.explanation)] != decision.explanation:
            raise PluginError(
                label,
                hook,
                "dropped or changed the explanation of the declared rules; append to it instead",
            )
        return result

    def report_format(self, name: str) -> ReportFormat:
        found = self.report_formats.get(name)
        if found is None:
            raise ValidationError(
                [
                    Problem(
                        f"unknown report format {name!r} (available: "
                        f"{', '.join(sorted(self.report_formats))})",
                        code="unknown-reference",
                    )
                ]
            )
        fmt: ReportFormat = found.value
        return fmt


# -------------------------------------------------------------------------------------------------
# Describing the plugins (``qmframe plugins``)
# -------------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class PluginInfo:
    """One loaded plugin: where it came from, the hooks it implements, what it registered.

    ``name`` is its name in the plugin manager (the entry point's name for an
    installed plugin); ``label`` is how messages name it. ``frameworks`` lists
    the ids of the frameworks it supplies (a file that does not load is shown
    by its name, marked so); ``replaces`` the built-ins it replaced.
    """

    name: str
    label: str
    distribution: str = ""
    version: str = ""
    builtin: bool = False
    hooks: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    rule_kinds: tuple[str, ...] = ()
    report_formats: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()


def _source_name(source: object) -> str:
    if isinstance(source, (str, os.PathLike, Traversable)):
        return file_label(source)
    return repr(source)


def _framework_id(source: object) -> str:
    if isinstance(source, Framework):
        return source.id
    try:
        return read_framework(source).id  # type: ignore[arg-type]
    except ValidationError as exc:
        return f"{file_label(source)} (does not load: {len(exc.problems)} problem(s))"  # type: ignore[arg-type]
    except Exception as exc:  # a diagnostic command lists what it can
        return f"{source!r} (does not load: {type(exc).__name__}: {exc})"


def _qmframe_version() -> str:
    from qmframe import __version__

    return __version__


def describe_plugins(registry: Registry) -> tuple[PluginInfo, ...]:
    """Every plugin the registry's manager holds, in load order (built-ins first)."""
    infos = []
    for name, plugin in registry.pm.list_name_plugin():
        if plugin is None:
            continue
        supplied = registry._supplied.get(name, {})
        builtin = name in _DEFAULT_NAMES
        distribution, version = registry._distributions.get(
            name, ("qmframe", _qmframe_version()) if builtin else ("", "")
        )
        infos.append(
            PluginInfo(
                name=name,
                label=registry._label(name),
                distribution=distribution,
                version=version,
                builtin=builtin,
                hooks=tuple(sorted(c.name for c in registry.pm.get_hookcallers(plugin) or ())),
                frameworks=tuple(
                    _framework_id(s) for s in supplied.get("qmframe_register_frameworks", ())
                ),
                rule_kinds=tuple(k.name for k in supplied.get("qmframe_register_rule_kinds", ())),
                report_formats=tuple(
                    f.name for f in supplied.get("qmframe_register_report_formats", ())
                ),
                examples=tuple(e.name for e in supplied.get("qmframe_register_examples", ())),
                replaces=tuple(registry._replaced.get(name, ())),
            )
        )
    return tuple(infos)


def plugins_json(infos: Sequence[PluginInfo], failures: Sequence[LoadFailure]) -> str:
    """``qmframe plugins --json``: ``{"plugins": [...], "failed": [...]}``."""
    from qmframe._convert import unstructure_json

    data = {
        "plugins": [unstructure_json(info) for info in infos],
        "failed": [{**unstructure_json(f), "label": f.label} for f in failures],
    }
    return json.dumps(data, indent=2) + "\n"


def plugins_text(infos: Sequence[PluginInfo], failures: Sequence[LoadFailure]) -> str:
    """``qmframe plugins``: one paragraph per plugin, then those that failed to load."""
    lines: list[str] = []
    if not infos:
        lines.append("No plugins installed.")
    for info in infos:
        if lines:
            lines.append("")
        origin = (
            "built in"
            if info.builtin
            else (f"entry point {info.name!r}" if info.distribution else "registered in code")
        )
        lines.append(f"{info.label} ({origin})")
        for title, values in (
            ("hooks", info.hooks),
            ("frameworks", info.frameworks),
            ("rule kinds", info.rule_kinds),
            ("report formats", info.report_formats),
            ("examples", info.examples),
            ("replaces", info.replaces),
        ):
            if values:
                lines.append(f"  {title}: {', '.join(values)}")
    if failures:
        lines.append("")
        lines.append("Failed to load (left out):")
        lines += [f"  {f.label} (entry point {f.name!r}): {f.error}" for f in failures]
    return "\n".join(lines) + "\n"
