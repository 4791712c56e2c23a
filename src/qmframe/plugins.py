"""Finding plugins and collecting what they supply.

:func:`get_plugin_manager` makes a pluggy manager with qmframe's hooks, the
built-in plugins and (unless told not to) every installed ``qmframe`` entry
point. :class:`Registry` asks each plugin in turn what it supplies, remembers
which plugin supplied what, and turns a plugin's exception into a
:class:`~qmframe.errors.PluginError` naming the plugin and the hook.

Hook calls are untyped at the pluggy level; this module is the typed layer
between them and the rest of qmframe.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
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
    "FrameworkSource",
    "Registered",
    "Registry",
    "get_plugin_manager",
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


def get_plugin_manager(
    *, load_entrypoints: bool = True, plugins: Iterable[object] = ()
) -> pluggy.PluginManager:
    """A manager with qmframe's hooks, its built-in plugins, and installed plugins.

    ``plugins`` are registered too (handy in tests and in host applications).
    Set the environment variable ``QMFRAME_TRACE_PLUGINS=1`` to print every
    hook call. A plugin implementing a hook that does not exist (a misspelled
    name) raises :class:`pluggy.PluginValidationError` here, not silently later.
    """
    pm = pluggy.PluginManager("qmframe")
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints("qmframe")
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    if os.environ.get("QMFRAME_TRACE_PLUGINS"):
        pm.trace.root.setwriter(print)
        pm.enable_tracing()
    return pm


@attrs.frozen
class Registered:
    """Something a plugin supplied, with the plugin's name."""

    value: Any
    plugin: str


def plugin_label(pm: pluggy.PluginManager, plugin: object) -> str:
    """A plugin's name, with its distribution and version when it came from one."""
    name = pm.get_name(plugin) or repr(plugin)
    for loaded, dist in pm.list_plugin_distinfo():
        if loaded is plugin:
            return f"{dist.project_name} {dist.version}"
    return name


class Registry:
    """What the installed plugins supply: frameworks, rule kinds, report formats, examples.

    Build one per plugin manager; frameworks are read from their TOML on first
    use and kept. Conflicts (two plugins, one framework id or kind name) raise
    :class:`~qmframe.errors.PluginError` naming both plugins.
    """

    def __init__(self, pm: pluggy.PluginManager | None = None) -> None:
        self.pm = pm if pm is not None else get_plugin_manager()
        kinds = self._collect("qmframe_register_rule_kinds", RuleKind, lambda kind: kind.name)
        self.rule_kinds: dict[str, RuleKind] = {k: v.value for k, v in kinds.items()}
        #: Which plugin supplied each rule kind ("qmframe" for the built-in ones).
        self.rule_kind_sources: dict[str, str] = {
            k: "qmframe" if v.plugin in _DEFAULT_NAMES else v.plugin for k, v in kinds.items()
        }
        self.report_formats: dict[str, Registered] = self._collect(
            "qmframe_register_report_formats", ReportFormat, lambda fmt: fmt.name
        )
        self._sources = self._collect_frameworks()
        self.examples: dict[str, Registered] = self._collect(
            "qmframe_register_examples", Example, lambda ex: ex.name
        )
        self._by_id: dict[str, Registered] | None = None
        self._source_of: dict[str, str] = {}
        self._assessors: dict[int, tuple[Framework, Assessor]] = {}
        self._has_decide = bool(self.pm.hook.qmframe_decide.get_hookimpls())
        self._has_checks = bool(self.pm.hook.qmframe_check_submission.get_hookimpls())

    # -- collecting ----------------------------------------------------------------------------

    def _call_each(self, hook_name: str, **kwargs: Any) -> Iterable[tuple[str, Any]]:
        """Call every implementation of a hook, yielding (plugin label, result)."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in caller.get_hookimpls():  # registration order: built-ins first
            label = plugin_label(self.pm, impl.plugin)
            try:
                result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception as exc:
                raise PluginError(label, hook_name, f"{type(exc).__name__}: {exc}") from exc
            yield label, result

    def _collect(
        self, hook_name: str, cls: type, key: Callable[[Any], str]
    ) -> dict[str, Registered]:
        found: dict[str, Registered] = {}
        for_plugin: list[Any] = []
        for label, _ in self._call_each(hook_name, register=for_plugin.append):
            for value in for_plugin:
                if not isinstance(value, cls):
                    raise PluginError(
                        label, hook_name, f"registered {value!r}, which is not a {cls.__name__}"
                    )
                name = key(value)
                earlier = found.get(name)
                if earlier is not None and earlier.plugin not in _DEFAULT_NAMES:
                    raise PluginError(
                        label,
                        hook_name,
                        f"{name!r} is already registered by plugin {earlier.plugin!r}",
                    )
                found[name] = Registered(value, label)
            for_plugin.clear()
        return found

    def _collect_frameworks(self) -> list[Registered]:
        sources: list[Registered] = []
        supplied: list[Any] = []
        for label, _ in self._call_each("qmframe_register_frameworks", register=supplied.append):
            sources += [Registered(source, label) for source in supplied]
            supplied.clear()
        return sources

    # -- frameworks ----------------------------------------------------------------------------

    def _load_all(self) -> dict[str, Registered]:
        by_id: dict[str, Registered] = {}
        problems: list[Problem] = []
        for registered in self._sources:
            source = registered.value
            try:
                framework = source if isinstance(source, Framework) else read_framework(source)
            except ValidationError as exc:
                problems += exc.problems
                continue
            earlier = by_id.get(framework.id)
            if earlier is not None:
                raise PluginError(
                    registered.plugin,
                    "qmframe_register_frameworks",
                    f"framework {framework.id!r} is also supplied by plugin {earlier.plugin!r}",
                )
            by_id[framework.id] = Registered(framework, registered.plugin)
            self._source_of[framework.id] = (
                f"built in code by {registered.plugin}"
                if isinstance(source, Framework)
                else file_label(source)
            )
        if problems:
            raise ValidationError(problems)
        return by_id

    def frameworks(self) -> dict[str, Registered]:
        """Every supplied framework by id, with the plugin that supplied it."""
        if self._by_id is None:
            self._by_id = self._load_all()
        return dict(self._by_id)

    def framework(self, framework_id: str) -> Framework:
        """A supplied framework by id; an unknown id is a ValidationError listing the known ones."""
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
        framework: Framework = known[framework_id].value
        return framework

    def framework_source(self, framework_id: str) -> str:
        """Where a supplied framework was read from."""
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
        problems: list[Problem] = []
        for label, result in self._call_each(
            "qmframe_check_submission", framework=framework, submission=submission, review=review
        ):
            for problem in result or ():
                if not isinstance(problem, Problem):
                    raise PluginError(
                        label,
                        "qmframe_check_submission",
                        f"returned {problem!r}, which is not a Problem",
                    )
                problems.append(problem)
        return problems

    def assessor(self, framework: Framework) -> Assessor:
        """The (cached) assessor for a framework object."""
        cached = self._assessors.get(id(framework))
        if cached is not None and cached[0] is framework:
            return cached[1]
        assessor = Assessor(
            framework,
            self.rule_kinds,
            decide=self._decide if self._has_decide else None,
            check=self.check_submission if self._has_checks else None,
            kind_sources=self.rule_kind_sources,
        )
        self._assessors[id(framework)] = (framework, assessor)
        return assessor

    def _decide(
        self,
        framework: Framework,
        submission: Submission,
        review: Review | None,
        decision: Decision,
    ) -> Decision | None:
        for label, result in self._call_each(
            "qmframe_decide",
            framework=framework,
            submission=submission,
            review=review,
            decision=decision,
        ):
            if result is None:
                continue
            if not isinstance(result, Decision):
                raise PluginError(label, "qmframe_decide", f"returned {result!r}, not a Decision")
            kept = result.explanation[: len(decision.explanation)]
            if kept != decision.explanation:
                raise PluginError(
                    label,
                    "qmframe_decide",
                    "dropped or changed the explanation "
                    "of the declared rules; append to it instead",
                )
            return result
        return None

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
