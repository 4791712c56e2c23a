"""The plugin manager: pluggy does the calling, and a failing plugin is named.

Plugins here are throwaway modules (``types.ModuleType``) or classes registered
through ``get_plugin_manager(load_entrypoints=False, plugins=[...])``; installed
plugins are imitated by a ``*.dist-info`` folder on ``sys.path``, which
``importlib.metadata`` finds as it finds a pip-installed distribution.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import io
import itertools
import json
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pluggy
import pytest

import qmframe
from qmframe import api, plugins
from qmframe.cli import main
from qmframe.plugins import LoadFailure, describe_plugins, plugins_json, plugins_text
from qmframe.rules import AssessmentContext, Evaluation, RuleResult

hookimpl = qmframe.hookimpl


def _module(name: str, **hooks: Callable[..., Any]) -> types.ModuleType:
    """A plugin module called ``name`` holding the given hook functions."""
    module = types.ModuleType(name)
    for hook, function in hooks.items():
        setattr(module, hook, function)
    return module


def _registry(*plugins: object) -> qmframe.Registry:
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False, plugins=plugins))


@pytest.fixture
def case(mini: dict[str, Path]) -> tuple[qmframe.Framework, qmframe.Submission]:
    """The mini framework and a submission for it."""
    return qmframe.read_framework(mini["framework"]), qmframe.read_submission(mini["submission"])


Case = tuple[qmframe.Framework, qmframe.Submission]


def _example(name: str) -> qmframe.Example:
    return qmframe.Example(name=name, framework="mini", title=name, submission=Path("s.toml"))


# -- pluggy does the calling ---------------------------------------------------------------------


def _checker(name: str, calls: list[str], **opts: bool) -> types.ModuleType:
    @hookimpl(**opts)
    def qmframe_check_submission(framework: qmframe.Framework) -> list[qmframe.Problem]:
        calls.append(name)
        return [qmframe.Problem(f"from {name}", severity="notice")]

    return _module(name, qmframe_check_submission=qmframe_check_submission)


def test_tryfirst_and_trylast_order_the_calls_as_pluggy_documents(case: Case) -> None:
    """pluggy: tryfirst first, trylast last, the rest last-registered first."""
    calls: list[str] = []
    registry = _registry(
        _checker("a", calls),
        _checker("b-first", calls, tryfirst=True),
        _checker("c", calls),
        _checker("d-last", calls, trylast=True),
        _checker("e", calls),
    )
    framework, submission = case
    problems = registry.check_submission(framework, submission, None)
    assert calls == ["b-first", "e", "c", "a", "d-last"]
    assert [p.message for p in problems] == [f"from {name}" for name in calls]


def test_registration_hooks_run_in_pluggy_order_too() -> None:
    def examples(name: str, **opts: bool) -> types.ModuleType:
        @hookimpl(**opts)
        def qmframe_register_examples(register: Callable[[object], None]) -> None:
            register(_example(name))

        return _module(name, qmframe_register_examples=qmframe_register_examples)

    registry = _registry(examples("one"), examples("two", trylast=True), examples("three"))
    assert list(registry.examples) == ["three", "one", "two"]
    assert {n: r.plugin for n, r in registry.examples.items()} == {
        "one": "one",
        "two": "two",
        "three": "three",
    }


def test_a_wrapper_wraps_a_qmframe_hook(case: Case) -> None:
    seen: list[list[str]] = []

    @hookimpl(wrapper=True)
    def qmframe_check_submission(framework: qmframe.Framework) -> Iterator[None]:
        results: list[list[qmframe.Problem]] = yield  # type: ignore[misc]
        seen.append([p.message for result in results for p in result])
        return [*results, [qmframe.Problem("added by the wrapper", severity="notice")]]

    calls: list[str] = []
    registry = _registry(
        _module("wrapper", qmframe_check_submission=qmframe_check_submission),
        _checker("plain", calls),
    )
    framework, submission = case
    problems = registry.check_submission(framework, submission, None)
    assert seen == [["from plain"]]
    assert [p.message for p in problems] == ["from plain", "added by the wrapper"]


def test_a_wrapper_may_register_and_is_credited() -> None:
    @hookimpl(wrapper=True)
    def qmframe_register_examples(register: Callable[[object], None]) -> Iterator[None]:
        register(_example("before"))
        yield
        register(_example("after"))

    @hookimpl
    def plain(register: Callable[[object], None]) -> None:
        register(_example("inner"))

    registry = _registry(
        _module("wrapping", qmframe_register_examples=qmframe_register_examples),
        _module("plain", qmframe_register_examples=plain),
    )
    assert {n: r.plugin for n, r in registry.examples.items()} == {
        "before": "wrapping",
        "inner": "plain",
        "after": "wrapping",
    }


def _decider(name: str, calls: list[str], answer: str | None) -> types.ModuleType:
    @hookimpl
    def qmframe_decide(decision: qmframe.Decision) -> qmframe.Decision | None:
        calls.append(name)
        if answer is None:
            return None
        return attrs.evolve(decision, status=answer)

    return _module(name, qmframe_decide=qmframe_decide)


def test_decide_stops_at_the_first_answer(mini: dict[str, Path]) -> None:
    calls: list[str] = []
    registry = _registry(
        _decider("never-asked", calls, "from-never-asked"),
        _decider("answers", calls, "from-answers"),
        _decider("passes", calls, None),
    )
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    decision = qmframe.assess(framework, submission, as_of=dt.date(2026, 1, 1), registry=registry)
    assert decision.status == "from-answers"
    assert calls == ["passes", "answers"]


def test_trace_variable_prints_hook_calls_to_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QMFRAME_TRACE_PLUGINS", "1")
    _registry()
    out, err = capsys.readouterr()
    assert out == ""
    assert "qmframe_register_rule_kinds [hook]" in err
    assert "finish qmframe_register_rule_kinds --> [" in err

    monkeypatch.setenv("QMFRAME_TRACE_PLUGINS", "0")
    _registry()
    assert capsys.readouterr() == ("", "")


def test_trace_keeps_the_commands_stdout_clean(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(api, "_default", None)
    assert main(["frameworks"]) == 0
    quiet = capsys.readouterr()

    monkeypatch.setattr(api, "_default", None)
    monkeypatch.setenv("QMFRAME_TRACE_PLUGINS", "1")
    assert main(["frameworks"]) == 0
    traced = capsys.readouterr()
    assert traced.out == quiet.out
    assert "example-charter" in traced.out
    assert "qmframe_register_frameworks [hook]" in traced.err


# -- unmarked and misspelt hooks -------------------------------------------------------------------


def test_an_unmarked_qmframe_function_is_an_implementation() -> None:
    def qmframe_register_examples(register: Callable[[object], None]) -> None:
        register(_example("unmarked"))

    def helper() -> None:
        raise AssertionError("not a hook: never called")

    module = _module("unmarked", qmframe_register_examples=qmframe_register_examples)
    module.helper = helper  # type: ignore[attr-defined]
    module.qmframe_version = "1"  # type: ignore[attr-defined]  # not a function: not a hook
    registry = _registry(module)
    assert registry.examples["unmarked"].plugin == "unmarked"


@pytest.mark.parametrize("marked", [True, False], ids=["marked", "unmarked"])
def test_a_misspelt_hook_names_the_plugin(marked: bool) -> None:
    def qmframe_chek_submission(framework: object) -> None:
        """A typo."""

    function = hookimpl(qmframe_chek_submission) if marked else qmframe_chek_submission
    with pytest.raises(qmframe.PluginError) as caught:
        _registry(_module("typo", qmframe_chek_submission=function))
    assert caught.value.plugin == "typo"
    assert str(caught.value) == (
        "plugin 'typo' could not be loaded: 'qmframe_chek_submission' is not a qmframe hook "
        "(did you mean 'qmframe_check_submission'?)"
    )


def test_pluggy_check_pending_sees_unmarked_misspellings() -> None:
    pm = qmframe.get_plugin_manager(load_entrypoints=False)
    pm.register(_module("late", qmframe_decid=lambda decision: None))
    with pytest.raises(pluggy.PluginValidationError, match="unknown hook 'qmframe_decid'"):
        pm.check_pending()


def test_an_argument_the_hook_does_not_offer_names_the_plugin() -> None:
    @hookimpl
    def qmframe_decide(decision: object, verdict: object) -> None:
        """``verdict`` is not an argument of the hook."""

    with pytest.raises(
        qmframe.PluginError, match=r"(?s)^plugin 'greedy' could not be loaded: .*'verdict'"
    ):
        _registry(_module("greedy", qmframe_decide=qmframe_decide))


# -- a hook that raises is that plugin's failure -------------------------------------------------


def _fine_checker(name: str) -> types.ModuleType:
    def qmframe_check_submission(framework: object) -> None:
        return None

    return _module(name, qmframe_check_submission=qmframe_check_submission)


def _check_problems(registry: qmframe.Registry, case: Case) -> list[qmframe.Problem]:
    framework, submission = case
    return registry.check_submission(framework, submission, None)


def test_a_raising_check_is_named_among_others(case: Case) -> None:
    def qmframe_check_submission(framework: object) -> None:
        raise KeyError("lead")

    registry = _registry(
        _fine_checker("before"),
        _module("raiser", qmframe_check_submission=qmframe_check_submission),
        _fine_checker("after"),
    )
    with pytest.raises(qmframe.PluginError) as caught:
        _check_problems(registry, case)
    assert (caught.value.plugin, caught.value.hook) == ("raiser", "qmframe_check_submission")
    assert str(caught.value) == (
        "plugin 'raiser' failed in hook qmframe_check_submission: KeyError: 'lead'"
    )
    assert isinstance(caught.value.__cause__, KeyError)


def test_a_check_generator_raising_while_iterated_is_named(case: Case) -> None:
    def qmframe_check_submission(framework: object) -> Iterator[qmframe.Problem]:
        yield qmframe.Problem("first", severity="notice")
        raise ValueError("half way")

    registry = _registry(
        _fine_checker("quiet"), _module("half", qmframe_check_submission=qmframe_check_submission)
    )
    with pytest.raises(qmframe.PluginError, match=r"^plugin 'half' failed in hook qmframe_check"):
        _check_problems(registry, case)


def test_an_exception_from_a_helper_is_credited_to_the_hook_that_called_it(case: Case) -> None:
    def deep() -> None:
        raise ZeroDivisionError("deep down")

    def qmframe_check_submission(framework: object) -> None:
        deep()

    registry = _registry(
        _module("caller", qmframe_check_submission=qmframe_check_submission),
        _fine_checker("other"),
    )
    with pytest.raises(qmframe.PluginError, match=r"^plugin 'caller' failed .*deep down"):
        _check_problems(registry, case)


class _Instance:
    """Two instances of one class: the frames tell them apart by ``self``."""

    def __init__(self, name: str, fail: bool) -> None:
        self.__name__ = name
        self.fail = fail

    def qmframe_register_examples(self, register: Callable[[object], None]) -> None:
        if self.fail:
            raise RuntimeError(f"{self.__name__} broke")
        register(_example(self.__name__))


def test_instances_of_one_class_are_told_apart() -> None:
    registry = _registry(_Instance("one", False), _Instance("two", False))
    assert {n: r.plugin for n, r in registry.examples.items()} == {"one": "one", "two": "two"}
    with pytest.raises(qmframe.PluginError) as caught:
        _registry(_Instance("fine", False), _Instance("broken", True), _Instance("ok", False))
    assert str(caught.value) == (
        "plugin 'broken' failed in hook qmframe_register_examples: RuntimeError: broken broke"
    )


def test_one_function_shared_by_two_plugins_is_credited_per_call() -> None:
    counter = itertools.count()

    def qmframe_register_examples(register: Callable[[object], None]) -> None:
        register(_example(f"shared-{next(counter)}"))

    first = _module("first", qmframe_register_examples=qmframe_register_examples)
    second = _module("second", qmframe_register_examples=qmframe_register_examples)
    registry = _registry(first, second)
    # pluggy calls the later-registered plugin first.
    assert {n: r.plugin for n, r in registry.examples.items()} == {
        "shared-0": "second",
        "shared-1": "first",
    }


def test_a_raising_wrapper_is_named(case: Case) -> None:
    @hookimpl(wrapper=True)
    def qmframe_check_submission(framework: object) -> Iterator[None]:
        yield
        raise LookupError("after the others")

    registry = _registry(
        _fine_checker("plain"),
        _module("wrapper", qmframe_check_submission=qmframe_check_submission),
    )
    with pytest.raises(qmframe.PluginError, match=r"^plugin 'wrapper' failed .*after the others"):
        _check_problems(registry, case)


def test_a_raising_decide_is_named(mini: dict[str, Path]) -> None:
    def qmframe_decide(decision: qmframe.Decision) -> None:
        raise RuntimeError("cannot decide")

    registry = _registry(
        _decider("silent", [], None), _module("thinker", qmframe_decide=qmframe_decide)
    )
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    with pytest.raises(qmframe.PluginError) as caught:
        qmframe.assess(framework, submission, as_of=dt.date(2026, 1, 1), registry=registry)
    assert str(caught.value) == (
        "plugin 'thinker' failed in hook qmframe_decide: RuntimeError: cannot decide"
    )


def test_a_wrong_result_is_credited_to_the_plugin_that_can_have_returned_it(case: Case) -> None:
    def wrong(framework: object) -> list[object]:
        return ["not a problem"]

    registry = _registry(
        _checker("a", []), _module("wrong", qmframe_check_submission=wrong), _checker("b", [])
    )
    with pytest.raises(qmframe.PluginError) as caught:
        _check_problems(registry, case)
    assert str(caught.value) == (
        "plugin 'wrong' failed in hook qmframe_check_submission: "
        "returned 'not a problem', which is not a Problem"
    )
    # With a None among the results, pluggy's list no longer says who returned what.
    registry = _registry(_module("wrong", qmframe_check_submission=wrong), _fine_checker("none"))
    with pytest.raises(qmframe.PluginError) as caught:
        _check_problems(registry, case)
    assert caught.value.plugin == "none or wrong"


def test_a_check_returning_a_non_iterable_is_named(case: Case) -> None:
    def single(framework: object) -> qmframe.Problem:
        return qmframe.Problem("one, not a list")

    registry = _registry(_module("single", qmframe_check_submission=single))
    with pytest.raises(qmframe.PluginError, match=r"^plugin 'single' .*not an iterable"):
        _check_problems(registry, case)


def test_register_called_after_the_hook_returned_is_refused() -> None:
    kept: list[Callable[[object], None]] = []

    def qmframe_register_examples(register: Callable[[object], None]) -> None:
        kept.append(register)

    _registry(_module("keeper", qmframe_register_examples=qmframe_register_examples))
    kept[0](_example("late"))  # the only implementation: credited to it, harmlessly
    registry = _registry(
        _module("keeper", qmframe_register_examples=qmframe_register_examples),
        _module("other", qmframe_register_examples=lambda register: None),
    )
    with pytest.raises(qmframe.PluginError, match="outside a hook implementation"):
        kept[-1](_example("late"))
    assert "late" not in registry.examples


def test_labels_are_worked_out_when_plugins_load_not_per_call(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    def qmframe_check_submission(framework: object) -> None:
        raise RuntimeError("boom")

    pm = qmframe.get_plugin_manager(
        plugins=[_module("late-failure", qmframe_check_submission=qmframe_check_submission)]
    )
    registry = qmframe.Registry(pm)

    def forbidden(*args: object) -> None:
        raise AssertionError("labels worked out again")

    monkeypatch.setattr(pluggy.PluginManager, "list_plugin_distinfo", forbidden)
    monkeypatch.setattr(importlib.metadata, "distributions", forbidden)
    monkeypatch.setattr(importlib.metadata, "entry_points", forbidden)
    monkeypatch.setattr(plugins, "_name_for", forbidden)
    with pytest.raises(qmframe.PluginError, match=r"^plugin 'late-failure' failed"):
        _check_problems(registry, case)
    assert registry.frameworks()["example-charter"].plugin == (
        f"qmframe-example {importlib.metadata.version('qmframe-example')}"
    )


# -- replacing a built-in needs replace=True -----------------------------------------------------


class _AlwaysHolds(qmframe.RuleKind):
    name: ClassVar[str] = "minimum-level"

    def prepare(self, rule: qmframe.Rule, index: object) -> Evaluation:
        def evaluate(ctx: AssessmentContext) -> RuleResult:
            return RuleResult(True, "nothing", "replaced kind always holds")

        return evaluate


def _kinds(name: str, replace: bool, **opts: bool) -> types.ModuleType:
    @hookimpl(**opts)
    def qmframe_register_rule_kinds(register: Callable[..., None]) -> None:
        register(_AlwaysHolds(), replace=replace)

    return _module(name, qmframe_register_rule_kinds=qmframe_register_rule_kinds)


def test_registering_a_built_in_name_without_replace_names_both() -> None:
    with pytest.raises(qmframe.PluginError) as caught:
        _registry(_kinds("sneaky", replace=False))
    assert str(caught.value) == (
        "plugin 'sneaky' failed in hook qmframe_register_rule_kinds: rule kind "
        "'minimum-level' is built in (plugin 'qmframe.default_plugins.rule_kinds'); "
        "to replace it, register it with replace=True"
    )


@pytest.mark.parametrize("order", [{}, {"tryfirst": True}, {"trylast": True}])
def test_replace_true_replaces_a_built_in_rule_kind(order: dict[str, bool]) -> None:
    registry = _registry(_kinds("replacer", replace=True, **order))
    assert isinstance(registry.rule_kinds["minimum-level"], _AlwaysHolds)
    assert registry.rule_kind_sources["minimum-level"] == "replacer"
    assert registry.rule_kind_sources["at-least"] == "qmframe.default_plugins.rule_kinds"
    (info,) = [i for i in describe_plugins(registry) if i.name == "replacer"]
    assert info.replaces == ("rule kind minimum-level",)


def test_two_plugins_replacing_one_built_in_conflict() -> None:
    with pytest.raises(qmframe.PluginError) as caught:
        _registry(_kinds("one", replace=True), _kinds("two", replace=True))
    assert str(caught.value) == (
        "plugin 'two' failed in hook qmframe_register_rule_kinds: "
        "'minimum-level' is already registered by plugin 'one'"
    )


class _Html(qmframe.ReportFormat):
    name = "html"
    suffix = ".html"
    description = "not the built-in"

    def render(self, assessment: qmframe.Assessment) -> str:
        return "<p>replaced</p>"


def test_a_built_in_report_format_needs_replace_too() -> None:
    def formats(replace: bool) -> types.ModuleType:
        def qmframe_register_report_formats(register: Callable[..., None]) -> None:
            register(_Html(), replace=replace)

        return _module(
            "html-plugin", qmframe_register_report_formats=qmframe_register_report_formats
        )

    with pytest.raises(qmframe.PluginError, match="report format 'html' is built in"):
        _registry(formats(replace=False))
    registry = _registry(formats(replace=True))
    assert isinstance(registry.report_format("html"), _Html)
    assert registry.report_formats["html"].plugin == "html-plugin"


@pytest.mark.parametrize(
    ("hook", "value", "name"),
    [
        ("qmframe_register_report_formats", _Html, "html"),
        ("qmframe_register_examples", lambda: _example("twice"), "twice"),
    ],
    ids=["report-format", "example"],
)
def test_two_plugins_registering_one_name_are_both_named(
    hook: str, value: Callable[[], object], name: str
) -> None:
    def supply(register: Callable[..., None]) -> None:
        register(value())

    with pytest.raises(qmframe.PluginError) as caught:
        _registry(_module("first", **{hook: supply}), _module("second", **{hook: supply}))
    assert str(caught.value) == (
        f"plugin 'second' failed in hook {hook}: {name!r} is already registered by plugin 'first'"
    )


def test_qmframe_plugins_text_shows_what_a_plugin_replaced() -> None:
    registry = _registry(_kinds("replacer", replace=True))
    infos = [i for i in describe_plugins(registry) if not i.builtin]
    assert plugins_text(infos, []) == (
        "replacer (registered in code)\n"
        "  hooks: qmframe_register_rule_kinds\n"
        "  rule kinds: minimum-level\n"
        "  replaces: rule kind minimum-level\n"
    )


def test_only_rule_kinds_and_report_formats_take_replace() -> None:
    def qmframe_register_examples(register: Callable[..., None]) -> None:
        register(_example("x"), replace=True)

    with pytest.raises(qmframe.PluginError, match="only rule kinds and report formats"):
        _registry(_module("ex", qmframe_register_examples=qmframe_register_examples))


# -- installed plugins that fail to load ---------------------------------------------------------


@attrs.frozen
class _Site:
    root: Path

    def install(
        self, dist: str, version: str, entry_points: dict[str, str], **modules: str
    ) -> None:
        """A distribution as pip would leave it: a dist-info folder and its modules."""
        info = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
        )
        lines = "".join(f"{name} = {value}\n" for name, value in entry_points.items())
        (info / "entry_points.txt").write_text(f"[qmframe]\n{lines}", encoding="utf-8")
        for module, source in modules.items():
            (self.root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Site]:
    """A folder on sys.path for imitation distributions; the CLI's registry is rebuilt."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr(api, "_default", None)
    before = set(sys.modules)
    yield _Site(root)
    for name in set(sys.modules) - before:
        if name.startswith("qmframe_fake_"):
            del sys.modules[name]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


GOOD = """
    from pathlib import Path
    import qmframe

    def qmframe_register_examples(register):
        register(qmframe.Example(name="fake-good", framework="x", title="t",
                                 submission=Path("s.toml")))
"""


def test_an_entry_point_that_fails_to_import_is_left_out_and_named(site: _Site) -> None:
    site.install("qmframe-broken", "1.0", {"broken": "qmframe_fake_missing"})
    site.install("qmframe-good", "2.0", {"good": "qmframe_fake_good"}, qmframe_fake_good=GOOD)
    registry = qmframe.Registry()
    assert registry.load_failures == (
        LoadFailure(
            "broken",
            "qmframe-broken",
            "1.0",
            "ModuleNotFoundError: No module named 'qmframe_fake_missing'",
        ),
    )
    assert registry.examples["fake-good"].plugin == "qmframe-good 2.0"
    assert "example-charter" in registry.frameworks()  # the installed plugins still load


def test_an_entry_point_raising_at_import_is_left_out(site: _Site) -> None:
    angry = "raise RuntimeError('no config file')"
    site.install("qmframe-angry", "0.3", {"angry": "qmframe_fake_angry"}, qmframe_fake_angry=angry)
    (failure,) = qmframe.Registry().load_failures
    assert str(failure) == (
        "plugin 'qmframe-angry 0.3' (entry point 'angry') was not loaded: "
        "RuntimeError: no config file"
    )


def test_an_entry_point_with_a_misspelt_hook_is_left_out_whole(site: _Site) -> None:
    source = GOOD + "\n    def qmframe_register_framewroks(register):\n        pass\n"
    site.install("qmframe-typo", "1.1", {"typo": "qmframe_fake_typo"}, qmframe_fake_typo=source)
    registry = qmframe.Registry()
    (failure,) = registry.load_failures
    assert failure.error == (
        "'qmframe_register_framewroks' is not a qmframe hook "
        "(did you mean 'qmframe_register_frameworks'?)"
    )
    assert "fake-good" not in registry.examples  # its good hook is left out too
    assert registry.pm.get_plugin("typo") is None


def test_an_entry_point_pluggy_refuses_is_left_out(site: _Site) -> None:
    greedy = "def qmframe_decide(decision, verdict):\n    return None\n"
    site.install(
        "qmframe-greedy", "3.1", {"greedy": "qmframe_fake_greedy"}, qmframe_fake_greedy=greedy
    )
    registry = qmframe.Registry()
    (failure,) = registry.load_failures
    assert failure.label == "qmframe-greedy 3.1"
    assert "Argument(s) {'verdict'} are declared in the hookimpl" in failure.error
    assert registry.pm.get_plugin("greedy") is None
    assert not registry.pm.hook.qmframe_decide.get_hookimpls()


def test_cli_commands_keep_working_and_warn_about_a_broken_plugin(site: _Site) -> None:
    site.install("qmframe-broken", "1.0", {"broken": "qmframe_fake_missing"})
    code, out, err = _run("frameworks")
    assert code == 0
    assert "example-charter" in out
    assert err == (
        "warning: plugin 'qmframe-broken 1.0' (entry point 'broken') was not loaded: "
        "ModuleNotFoundError: No module named 'qmframe_fake_missing'\n"
    )


def test_cli_a_raising_hook_exits_1_naming_the_plugin(site: _Site) -> None:
    raiser = "def qmframe_register_frameworks(register):\n    raise OSError('share not mounted')\n"
    site.install(
        "qmframe-raiser", "2.0", {"raiser": "qmframe_fake_raiser"}, qmframe_fake_raiser=raiser
    )
    code, out, err = _run("frameworks")
    assert (code, out) == (1, "")
    assert err == (
        "error: plugin 'qmframe-raiser 2.0' failed in hook qmframe_register_frameworks: "
        "OSError: share not mounted\n"
    )
    assert "This is a bug" not in err


# -- describing the plugins ----------------------------------------------------------------------


def test_describe_plugins_lists_what_each_plugin_registered(site: _Site) -> None:
    site.install("qmframe-broken", "1.0", {"broken": "qmframe_fake_missing"})
    registry = qmframe.Registry()
    infos = {info.name: info for info in describe_plugins(registry)}
    version = importlib.metadata.version("qmframe-example")
    assert infos["example"] == plugins.PluginInfo(
        name="example",
        label=f"qmframe-example {version}",
        distribution="qmframe-example",
        version=version,
        hooks=(
            "qmframe_check_submission",
            "qmframe_register_examples",
            "qmframe_register_frameworks",
        ),
        frameworks=("example-charter",),
        examples=("example-riverside",),
    )
    kinds = infos["qmframe.default_plugins.rule_kinds"]
    assert kinds.builtin
    assert kinds.distribution == "qmframe"
    assert "minimum-level" in kinds.rule_kinds
    assert set(kinds.rule_kinds) == {
        kind for kind, source in registry.rule_kind_sources.items() if source == kinds.label
    }
    assert infos["nasenco"].rule_kinds == ("nasenco-validating-university",)
    assert "html" in infos["qmframe.default_plugins.html_report"].report_formats
    assert "broken" not in infos
    assert list(infos)[:4] == list(plugins.DEFAULT_PLUGINS)  # load order, built-ins first


def test_describe_plugins_shows_a_framework_file_that_does_not_load(write: Any) -> None:
    bad = write("bad.toml", 'id = "x"\n')

    def qmframe_register_frameworks(register: Callable[[object], None]) -> None:
        register(bad)

    registry = _registry(_module("bad-fw", qmframe_register_frameworks=qmframe_register_frameworks))
    (info,) = [i for i in describe_plugins(registry) if i.name == "bad-fw"]
    (shown,) = info.frameworks
    assert shown.startswith(f"{bad} (does not load: ")


def test_qmframe_plugins_lists_plugins_and_failures(site: _Site) -> None:
    site.install("qmframe-broken", "1.0", {"broken": "qmframe_fake_missing"})
    code, out, err = _run("plugins")
    assert (code, err) == (0, "")
    version = importlib.metadata.version("qmframe-example")
    assert (
        f"qmframe-example {version} (entry point 'example')\n"
        "  hooks: qmframe_check_submission, qmframe_register_examples, "
        "qmframe_register_frameworks\n"
        "  frameworks: example-charter\n"
        "  examples: example-riverside\n"
    ) in out
    assert out.endswith(
        "Failed to load (left out):\n"
        "  qmframe-broken 1.0 (entry point 'broken'): "
        "ModuleNotFoundError: No module named 'qmframe_fake_missing'\n"
    )
    assert "qmframe.default_plugins" not in out
    assert "qmframe.default_plugins.rule_kinds (built in)" in _run("plugins", "--all")[1]


def test_qmframe_plugins_json(site: _Site) -> None:
    site.install("qmframe-broken", "1.0", {"broken": "qmframe_fake_missing"})
    code, out, _ = _run("plugins", "--json")
    assert code == 0
    data = json.loads(out)
    example = next(p for p in data["plugins"] if p["name"] == "example")
    assert example["distribution"] == "qmframe-example"
    assert example["frameworks"] == ["example-charter"]
    assert not any(p["builtin"] for p in data["plugins"])
    assert data["failed"] == [
        {
            "name": "broken",
            "distribution": "qmframe-broken",
            "version": "1.0",
            "error": "ModuleNotFoundError: No module named 'qmframe_fake_missing'",
            "label": "qmframe-broken 1.0",
        }
    ]
    all_data = json.loads(_run("plugins", "--all", "--json")[1])
    assert [p["name"] for p in all_data["plugins"]][:4] == list(plugins.DEFAULT_PLUGINS)


def test_plugins_text_with_nothing_installed() -> None:
    assert plugins_text([], []) == "No plugins installed.\n"
    assert json.loads(plugins_json([], [])) == {"plugins": [], "failed": []}


def test_a_hook_marked_optional_is_not_taken_for_a_misspelling() -> None:
    """pluggy's optionalhook: a plugin may implement a hook that this qmframe lacks (a newer
    one's), and says so; only unmarked or plainly marked unknown hooks are misspellings."""

    class Forward:
        @qmframe.hookimpl(optionalhook=True)
        def qmframe_from_a_newer_qmframe(self) -> None: ...

        @qmframe.hookimpl
        def qmframe_chek_submission(self) -> None: ...

        def qmframe_register_framewroks(self) -> None: ...

    pm = qmframe.get_plugin_manager(load_entrypoints=False)
    plugin = Forward()
    pm.register(plugin, name="forward")
    assert pm.unknown_hooks(plugin) == [
        "'qmframe_chek_submission' is not a qmframe hook "
        "(did you mean 'qmframe_check_submission'?)",
        "'qmframe_register_framewroks' is not a qmframe hook "
        "(did you mean 'qmframe_register_frameworks'?)",
    ]
