"""Plugin loading: entry points, run-time plugins, failures and conflicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

import attrs
import core_fixtures
import pytest

import qmframe
from qmframe.rules import AssessmentContext, Evaluation, RuleResult

REPO = Path(__file__).resolve().parents[1]


def _registry(*plugins: object, entrypoints: bool = False) -> qmframe.Registry:
    return qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=entrypoints, plugins=plugins)
    )


def test_installed_example_plugin_is_found_through_its_entry_point() -> None:
    registry = _registry(entrypoints=True)
    supplied = registry.frameworks()["example-charter"]
    assert supplied.plugin.startswith("qmframe-example ")
    # The wheel carries a copy of frameworks/example-charter.toml; it must not be stale.
    assert supplied.value == qmframe.read_framework(REPO / "frameworks" / "example-charter.toml")
    assert "example-riverside" in registry.examples


def test_entry_points_are_not_loaded_when_asked_not_to() -> None:
    assert _registry().frameworks() == {}


class _FrameworkInCode:
    """A plugin that builds its framework in Python rather than TOML."""

    __name__ = "framework-in-code"

    @qmframe.hookimpl
    def qmframe_register_frameworks(self, register: Callable[[object], None]) -> None:
        register(qmframe.read_framework(self.path))

    def __init__(self, path: Path) -> None:
        self.path = path


def test_run_time_plugin_supplies_a_framework(mini: dict[str, Path]) -> None:
    registry = _registry(_FrameworkInCode(mini["framework"]))
    assert registry.framework("mini").title == "Mini framework"
    assert registry.framework_source("mini").startswith("built in code by ")


def test_two_plugins_with_the_same_framework_id_name_both(mini: dict[str, Path]) -> None:
    one, two = _FrameworkInCode(mini["framework"]), _FrameworkInCode(mini["framework"])
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    registry.pm.register(one, "plugin-one")
    registry.pm.register(two, "plugin-two")
    registry = qmframe.Registry(registry.pm)
    with pytest.raises(qmframe.PluginError) as caught:
        registry.frameworks()
    assert str(caught.value) == (
        "plugin 'plugin-two' failed in hook qmframe_register_frameworks: "
        "framework 'mini' is also supplied by plugin 'plugin-one'"
    )


class _Raises:
    __name__ = "broken-plugin"

    @qmframe.hookimpl
    def qmframe_register_rule_kinds(self, register: Callable[[object], None]) -> None:
        raise RuntimeError("database unavailable")


def test_a_plugin_that_raises_is_named_with_its_hook() -> None:
    pm = qmframe.get_plugin_manager(load_entrypoints=False)
    pm.register(_Raises(), "broken-plugin")
    with pytest.raises(qmframe.PluginError) as caught:
        qmframe.Registry(pm)
    assert caught.value.plugin == "broken-plugin"
    assert str(caught.value) == (
        "plugin 'broken-plugin' failed in hook "
        "qmframe_register_rule_kinds: RuntimeError: database unavailable"
    )


class _Misspelled:
    @qmframe.hookimpl
    def qmframe_register_framewroks(self, register: Callable[[object], None]) -> None:
        """A typo: must fail loudly, not be ignored."""


def test_a_misspelled_hook_fails_loudly() -> None:
    with pytest.raises(qmframe.PluginError) as caught:
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[_Misspelled()])
    assert str(caught.value) == (
        "plugin 'tests.test_plugins._Misspelled' could not be loaded: "
        "'qmframe_register_framewroks' is not a qmframe hook "
        "(did you mean 'qmframe_register_frameworks'?)"
    )


class _AlwaysHolds(qmframe.RuleKind):
    """A replacement for the built-in minimum-level kind, to prove it can be replaced."""

    name: ClassVar[str] = "minimum-level"

    def prepare(self, rule: qmframe.Rule, index: object) -> Evaluation:
        def evaluate(ctx: AssessmentContext) -> RuleResult:
            return RuleResult(True, "nothing", "replaced kind always holds")

        return evaluate


@attrs.define
class _KindPlugin:
    kinds: tuple[qmframe.RuleKind, ...]
    replace: bool = False

    @qmframe.hookimpl
    def qmframe_register_rule_kinds(self, register: Callable[..., None]) -> None:
        for kind in self.kinds:
            register(kind, replace=self.replace)


def test_a_third_party_rule_kind_replaces_the_built_in(mini: dict[str, Path]) -> None:
    registry = _registry(_KindPlugin((_AlwaysHolds(),), replace=True))
    assert registry.rule_kind_sources["minimum-level"] == "tests.test_plugins._KindPlugin"
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    review = qmframe.load_review(mini["review"], framework, submission, registry=registry)
    decision = qmframe.assess(framework, submission, review, registry=registry)
    assert decision.explanation[0].concluded == "replaced kind always holds"
    assert decision.passed  # the built-in would have failed b2


def test_two_third_party_kinds_with_one_name_conflict() -> None:
    pm = qmframe.get_plugin_manager(load_entrypoints=False)
    pm.register(_KindPlugin((_AlwaysHolds(),)), "first")
    pm.register(_KindPlugin((_AlwaysHolds(),)), "second")
    with pytest.raises(
        qmframe.PluginError, match="'minimum-level' is already registered by plugin 'first'"
    ):
        qmframe.Registry(pm)


class _DetailCheck:
    __name__ = "detail-check"

    @qmframe.hookimpl
    def qmframe_check_submission(
        self, framework: qmframe.Framework, submission: qmframe.Submission
    ) -> Iterable[qmframe.Problem]:
        if "lead" not in submission.details:
            yield qmframe.Problem("name your lead", "details.lead")


def test_check_submission_problems_stop_loading(
    mini: dict[str, Path], write: Callable[..., Path]
) -> None:
    registry = _registry(_DetailCheck())
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_submission(mini["submission"], framework, registry=registry)
    assert [str(p) for p in caught.value.problems] == [
        f"{mini['submission']}: details.lead: name your lead"
    ]
    fixed = write("s/ok.toml", core_fixtures.SUBMISSION + '\n[details]\nlead = "Sam"\n')
    assert qmframe.load_submission(fixed, framework, registry=registry).details == {"lead": "Sam"}


class _Decides:
    __name__ = "decider"

    def __init__(self, keep_explanation: bool) -> None:
        self.keep = keep_explanation

    @qmframe.hookimpl
    def qmframe_decide(self, decision: qmframe.Decision) -> qmframe.Decision:
        extra = qmframe.RuleOutcome(
            rule="plugin-rule",
            kind="python",
            effect="inform",
            title="",
            holds=True,
            saw="s",
            concluded="c",
        )
        kept = decision.explanation if self.keep else ()
        return attrs.evolve(decision, explanation=(*kept, extra))


def test_decide_hook_may_append_to_the_explanation(mini: dict[str, Path]) -> None:
    registry = _registry(_Decides(keep_explanation=True))
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    decision = qmframe.assess(framework, submission, as_of=dt.date(2026, 1, 1), registry=registry)
    assert [o.rule for o in decision.explanation] == ["all-met", "plan", "shine", "plugin-rule"]


def test_decide_hook_may_not_drop_the_explanation(mini: dict[str, Path]) -> None:
    registry = _registry(_Decides(keep_explanation=False))
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    with pytest.raises(qmframe.PluginError, match="dropped or changed the explanation"):
        qmframe.assess(framework, submission, as_of=dt.date(2026, 1, 1), registry=registry)
