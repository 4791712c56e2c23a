"""Exact behaviour of each built-in rule kind, written to kill mutants (docs/development.md).

Each test builds a rule and an :class:`~qmframe.AssessmentContext` by hand and
compares the whole :class:`~qmframe.RuleResult` (or the whole list of
problems), so a changed comparison, count, default or message is caught.
The cases sit on the boundaries: exactly at a threshold and one below, empty
scopes, not-applicable and unjudged targets, ties.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import core_fixtures
import pytest

import qmframe
from qmframe import (
    AssessmentContext,
    Criterion,
    EvidenceItem,
    EvidenceRequirement,
    Finding,
    FrameworkIndex,
    Level,
    Problem,
    Rule,
    RuleResult,
    Scale,
    Section,
)
from qmframe.default_plugins.rule_kinds import BUILTIN_RULE_KINDS
from qmframe.errors import describe_value

KINDS = {kind.name: kind for kind in BUILTIN_RULE_KINDS}


def _level(id: str, points: float | None, *, meets: bool = True, notable: bool = False) -> Level:
    return Level(id=id, label=id.title(), meets=meets, notable=notable, points=points)


# "lvl": points 0, 1, 3 (not evenly spaced). "pts": points 1, 2, 6 (the lowest is not 0).
# "pf": no points, and none of lvl's level ids. "down": points that go down.
SCALES = (
    Scale(
        id="lvl",
        levels=(
            _level("no", 0, meets=False),
            _level("yes", 1),
            _level("wow", 3, notable=True),
        ),
    ),
    Scale(id="pts", levels=(_level("p1", 1, meets=False), _level("p2", 2), _level("p6", 6))),
    Scale(id="pf", levels=(_level("fail", None, meets=False), _level("pass", None))),
    Scale(id="down", levels=(_level("hi", 2), _level("lo", 1))),
    Scale(id="flat", levels=(_level("f1", 1, meets=False), _level("f2", 1))),
)

FRAMEWORK = qmframe.Framework(
    id="mut",
    version="1",
    title="Mutants",
    scales=SCALES,
    evidence_types=(
        qmframe.EvidenceType(id="doc", title="Document"),
        qmframe.EvidenceType(id="data", title="Data"),
        qmframe.EvidenceType(id="map", title="Assessment map"),
    ),
    outcome_sets=(
        qmframe.OutcomeSet(
            id="los",
            outcomes=(
                qmframe.Outcome(id="O1", text="one"),
                qmframe.Outcome(id="O2", text="two"),
                qmframe.Outcome(id="O3", text="three"),
            ),
        ),
        qmframe.OutcomeSet(id="other", outcomes=(qmframe.Outcome(id="X1", text="x"),)),
        qmframe.OutcomeSet(id="none"),
    ),
    sections=(
        Section(
            id="a",
            title="A",
            scale="lvl",
            tags=("core",),
            criteria=(
                Criterion(
                    id="a1",
                    title="A1",
                    weight=2.0,
                    evidence=(EvidenceRequirement(types=("doc",), min_count=2),),
                    mappings={"los": ("O1",), "other": ("X1",)},
                ),
                Criterion(
                    id="a2",
                    title="A2",
                    evidence=(
                        EvidenceRequirement(types=("doc", "data")),
                        EvidenceRequirement(types=("data",)),
                    ),
                    mappings={"los": ("O2",)},
                ),
            ),
        ),
        Section(
            id="b",
            title="B",
            scale="lvl",
            criteria=(
                Criterion(id="b1", title="B1", tags=("extra",), mappings={"los": ("O3",)}),
                Criterion(id="b2", title="B2", mappings={"los": ("O3",)}),
            ),
        ),
        Section(id="c", title="C", scale="pf", criteria=(Criterion(id="c1", title="C1"),)),
        Section(
            id="p",
            title="P",
            scale="pts",
            criteria=(
                Criterion(id="p1", title="P1", weight=2.0),
                Criterion(id="p2", title="P2"),
            ),
        ),
        Section(id="n", title="No scale", criteria=(Criterion(id="n1", title="N1"),)),
        Section(
            id="d",
            title="Down",
            scale="down",
            criteria=(Criterion(id="d1", title="D1"), Criterion(id="d2", title="D2")),
        ),
        Section(id="f", title="Flat", scale="flat", criteria=(Criterion(id="f1", title="F1"),)),
    ),
)
INDEX = FrameworkIndex.build(FRAMEWORK)
A = {"section": "a"}
B = {"section": "b"}
P = {"section": "p"}


def _rule(kind: str, **params: Any) -> Rule:
    return Rule(id="r", kind=kind, params=params)


def _check(kind: str, **params: Any) -> list[Problem]:
    return KINDS[kind].check(_rule(kind, **params), INDEX)


def _run(
    kind: str,
    params: Mapping[str, Any],
    levels: Mapping[str, str] | None = None,
    *,
    not_applicable: frozenset[str] = frozenset(),
    unresolved: Mapping[str, str] | None = None,
    evidence: tuple[EvidenceItem, ...] = (),
    actions: tuple[qmframe.ActionItem, ...] = (),
) -> RuleResult:
    rule = _rule(kind, **params)
    assert KINDS[kind].check(rule, INDEX) == []
    by_criterion: dict[str, tuple[EvidenceItem, ...]] = {}
    for item in evidence:
        for criterion in item.criteria:
            by_criterion[criterion] = (*by_criterion.get(criterion, ()), item)
    submission = qmframe.Submission(
        framework="mut",
        framework_version="1",
        organisation=qmframe.Organisation(id="o", name="O"),
        evidence=evidence,
        actions=actions,
    )
    ctx = AssessmentContext(
        index=INDEX,
        submission=submission,
        as_of=dt.date(2026, 1, 1),
        levels=dict(levels or {}),
        not_applicable=not_applicable,
        unresolved=dict(unresolved or {}),
        evidence_by_criterion=by_criterion,
    )
    return KINDS[kind].prepare(rule, INDEX)(ctx)


def _item(id: str, type: str, *criteria: str, outcomes: tuple[str, ...] = ()) -> EvidenceItem:
    return EvidenceItem(id=id, type=type, title=id, criteria=criteria, outcomes=outcomes)


def _met(target: str, level: str) -> Finding:
    return Finding(target=target, holds=True, level=level)


# -- shared parameters: if_empty, unknown keys, scope and level ------------------------------


@pytest.mark.parametrize(
    "kind", ["minimum-level", "at-least", "evidence-present", "weighted-score"]
)
def test_if_empty_accepts_only_fail_or_hold(kind: str) -> None:
    extra: dict[str, Any] = {
        "minimum-level": {"level": "yes"},
        "at-least": {"level": "yes", "count": 1},
        "evidence-present": {},
        "weighted-score": {"threshold": 1},
    }[kind]
    for good in ("fail", "hold"):
        assert _check(kind, scope=A, if_empty=good, **extra) == []
    assert _check(kind, scope=A, if_empty="Hold", **extra) == [
        Problem(
            "expected 'fail' or 'hold', got a string ('Hold')", path="if_empty", code="wrong-value"
        )
    ]


def test_unknown_keys_are_each_named_with_the_allowed_keys() -> None:
    assert _check("minimum-level", scope=A, level="yes", levle="yes", scop={}) == [
        Problem(
            "unknown key 'levle' for kind 'minimum-level' (expected scope, level, if_empty)",
            code="unknown-key",
        ),
        Problem(
            "unknown key 'scop' for kind 'minimum-level' (expected scope, level, if_empty)",
            code="unknown-key",
        ),
    ]


def test_minimum_level_reports_every_problem_at_once() -> None:
    unknown = Problem(
        "unknown key 'extra' for kind 'minimum-level' (expected scope, level, if_empty)",
        code="unknown-key",
    )
    # A bad scope stops there (the level cannot be resolved without one).
    assert _check("minimum-level", extra=1, scope={"section": "zz"}, level="yes") == [
        unknown,
        Problem("unknown section 'zz'", path="scope.section", code="unknown-reference"),
    ]
    assert _check("minimum-level", extra=1, scope=A, level="nope") == [
        unknown,
        Problem("unknown level 'nope' for scale 'lvl'", path="level", code="unknown-reference"),
    ]
    assert _check("minimum-level", extra=1, scope=A) == [
        unknown,
        Problem("required: a level id, got nothing", path="level", code="missing-value"),
    ]
    assert _check("minimum-level", extra=1, scope=A, level="yes", if_empty="x") == [
        unknown,
        Problem(
            "expected 'fail' or 'hold', got a string ('x')", path="if_empty", code="wrong-value"
        ),
    ]
    assert _check("minimum-level", scope=A, level="yes") == []


# -- minimum-level -----------------------------------------------------------------------------


def test_minimum_level_holds_exactly_at_the_level() -> None:
    result = _run("minimum-level", {"scope": A, "level": "yes"}, {"a1": "yes", "a2": "wow"})
    assert result == RuleResult(
        True,
        "2 applicable criteria in a: a1=yes, a2=wow",
        "all 2 at or above 'yes'",
        (_met("a1", "yes"), _met("a2", "wow")),
    )


def test_minimum_level_fails_one_below_the_level() -> None:
    result = _run("minimum-level", {"scope": A, "level": "yes"}, {"a1": "no", "a2": "yes"})
    assert result == RuleResult(
        False,
        "2 applicable criteria in a: a1=no, a2=yes",
        "1 of 2 below 'yes': a1",
        (
            Finding(target="a1", holds=False, level="no", note="'no' is below 'yes'"),
            _met("a2", "yes"),
        ),
    )
    both = _run("minimum-level", {"scope": A, "level": "wow"}, {"a1": "no", "a2": "yes"})
    assert both.concluded == "2 of 2 below 'wow': a1, a2"


def test_minimum_level_skips_not_applicable_and_fails_unjudged_and_unresolved() -> None:
    result = _run(
        "minimum-level",
        {"level": "wow", "scope": {"section": ["a", "b"]}},
        {"a1": "wow", "b2": "wow"},
        not_applicable=frozenset({"b1"}),
        unresolved={"a2": "the panel is split"},
    )
    assert result == RuleResult(
        False,
        "3 applicable criteria in a, b: a1=wow, a2=the panel is split, b1=not applicable, b2=wow",
        "1 of 3 below 'wow': a2",
        (
            _met("a1", "wow"),
            Finding(target="a2", holds=False, note="the panel is split"),
            _met("b2", "wow"),
        ),
    )
    unjudged = _run("minimum-level", {"level": "no", "scope": B}, {"b1": "no"})
    assert unjudged == RuleResult(
        False,
        "2 applicable criteria in b: b1=no, b2=not judged",
        "1 of 2 below 'no': b2",
        (_met("b1", "no"), Finding(target="b2", holds=False, note="not judged")),
    )


def test_minimum_level_on_an_empty_scope_fails_unless_declared_to_hold() -> None:
    gone = frozenset({"b1", "b2"})
    failed = _run("minimum-level", {"scope": B, "level": "yes"}, not_applicable=gone)
    assert failed == RuleResult(
        False,
        "nothing to judge: no applicable criteria in b",
        "does not hold: there is nothing in scope to judge",
    )
    for if_empty, holds in (("fail", False), ("hold", True)):
        result = _run(
            "minimum-level",
            {"scope": B, "level": "yes", "if_empty": if_empty},
            not_applicable=gone,
        )
        assert result.holds is holds
    held = _run(
        "minimum-level", {"scope": B, "level": "yes", "if_empty": "hold"}, not_applicable=gone
    )
    assert held == RuleResult(
        True,
        "nothing to judge: no applicable criteria in b",
        "holds (the rule is declared to hold when its scope is empty)",
    )


def test_minimum_level_on_sections_uses_their_own_levels() -> None:
    result = _run(
        "minimum-level",
        {"scope": {"of": "sections", "section": ["a", "b"]}, "level": "yes"},
        {"a": "wow", "b": "no", "a1": "no"},
    )
    assert result == RuleResult(
        False,
        "2 applicable sections in a, b: a=wow, b=no",
        "1 of 2 below 'yes': b",
        (
            _met("a", "wow"),
            Finding(target="b", holds=False, level="no", note="'no' is below 'yes'"),
        ),
    )


# -- at-least ----------------------------------------------------------------------------------


def test_at_least_counts_must_be_whole_numbers_within_the_scope() -> None:
    assert _check("at-least", scope=A, level="yes", count=2) == []  # exactly the scope's size
    assert _check("at-least", scope=A, level="yes", count=1) == []
    assert _check("at-least", scope=A, level="yes", count=3) == [
        Problem("asks for 3 but the scope holds 2", "count", code="inconsistent")
    ]
    for bad in (0, True, "2", 1.0, None):
        assert _check("at-least", scope=A, level="yes", count=bad) == [
            Problem(
                f"expected a whole number of at least 1, got {describe_value(bad)}",
                "count",
                code="wrong-value",
            )
        ]
    # A bad scope and a bad count are both reported; the scope size is then not compared.
    assert _check("at-least", scope={"section": "zz"}, level="yes", count=0) == [
        Problem("unknown section 'zz'", path="scope.section", code="unknown-reference"),
        Problem(
            "expected a whole number of at least 1, got an integer (0)", "count", code="wrong-value"
        ),
    ]
    assert _check("at-least", scope={"section": "zz"}, level="yes", count=9) == [
        Problem("unknown section 'zz'", path="scope.section", code="unknown-reference")
    ]
    assert _check("at-least", scope=A, level="yes", count=1, cuont=1) == [
        Problem(
            "unknown key 'cuont' for kind 'at-least' (expected scope, level, count, if_empty)",
            code="unknown-key",
        )
    ]


def test_at_least_holds_with_exactly_the_count_and_fails_one_short() -> None:
    levels = {"a1": "yes", "b1": "wow", "b2": "no"}
    scope = {"section": ["a", "b"]}
    held = _run("at-least", {"level": "yes", "count": 2, "scope": scope}, levels)
    assert held == RuleResult(
        True,
        "4 applicable criteria in a, b: a1=yes, a2=not judged, b1=wow, b2=no",
        "2 at or above 'yes', at least the 2 required",
        (_met("a1", "yes"), _met("b1", "wow")),
        needed=2,  # how many of its findings must hold: what award-level progress counts
    )
    failed = _run("at-least", {"level": "yes", "count": 3, "scope": scope}, levels)
    assert failed == RuleResult(
        False,
        "4 applicable criteria in a, b: a1=yes, a2=not judged, b1=wow, b2=no",
        "2 at or above 'yes', fewer than the 3 required",
        (
            _met("a1", "yes"),
            Finding(target="a2", holds=False, note="not judged"),
            _met("b1", "wow"),
            Finding(target="b2", holds=False, level="no", note="'no' is below 'yes'"),
        ),
        needed=3,
    )


def test_at_least_on_an_empty_scope() -> None:
    gone = frozenset({"a1", "a2"})
    failed = _run("at-least", {"scope": A, "level": "yes", "count": 1}, not_applicable=gone)
    assert failed == RuleResult(
        False,
        "nothing to judge: no applicable criteria in a",
        "does not hold: there is nothing in scope to judge",
    )
    held = _run(
        "at-least",
        {"scope": A, "level": "yes", "count": 1, "if_empty": "hold"},
        not_applicable=gone,
    )
    assert held.holds
    assert held.saw == "nothing to judge: no applicable criteria in a"


def test_at_least_leaves_not_applicable_targets_out_of_the_count() -> None:
    result = _run(
        "at-least",
        {"scope": A, "level": "wow", "count": 1},
        {"a1": "wow", "a2": "wow"},
        not_applicable=frozenset({"a1"}),
    )
    assert result == RuleResult(
        True,
        "1 applicable criteria in a: a1=not applicable, a2=wow",
        "1 at or above 'wow', at least the 1 required",
        (_met("a2", "wow"),),
        needed=1,
    )


# -- notable-level -----------------------------------------------------------------------------


def test_notable_level_checks_a_level_only_when_one_is_given() -> None:
    # Section c's scale has no 'yes': without a level nothing is looked up.
    assert _check("notable-level", scope={"section": ["a", "c"]}) == []
    assert _check("notable-level", scope={"of": "sections"}) == []
    assert _check("notable-level", scope=A, level="yes") == []
    assert _check("notable-level", scope={"section": ["a", "c"]}, level="yes") == [
        Problem("unknown level 'yes' for scale 'pf'", path="level", code="unknown-reference")
    ]
    unknown = Problem(
        "unknown key 'lvl' for kind 'notable-level' (expected scope, level)", code="unknown-key"
    )
    assert _check("notable-level", scope=A, level="nope", lvl=1) == [
        unknown,
        Problem("unknown level 'nope' for scale 'lvl'", path="level", code="unknown-reference"),
    ]
    assert _check("notable-level", scope={"of": "all"}, lvl=1) == [
        unknown,
        Problem(
            "expected 'criteria' or 'sections', got a string ('all')",
            path="scope.of",
            code="wrong-value",
        ),
    ]


def test_notable_level_finds_only_notable_levels_of_applicable_judged_targets() -> None:
    result = _run(
        "notable-level",
        {"scope": {"section": ["a", "b", "c"]}},
        {"a1": "wow", "a2": "yes", "b1": "wow", "c1": "pass"},
        not_applicable=frozenset({"b1"}),
    )
    assert result == RuleResult(
        True, "5 criteria in a, b, c", "1 at a notable level: a1 (wow)", (_met("a1", "wow"),)
    )
    two = _run("notable-level", {"scope": A}, {"a1": "wow", "a2": "wow"})
    assert two == RuleResult(
        True,
        "2 criteria in a",
        "2 at a notable level: a1 (wow), a2 (wow)",
        (_met("a1", "wow"), _met("a2", "wow")),
    )
    none = _run("notable-level", {"scope": A}, {"a1": "yes"})
    assert none == RuleResult(False, "2 criteria in a", "none judged at a notable level")


def test_notable_level_with_a_level_counts_from_exactly_that_level() -> None:
    result = _run(
        "notable-level",
        {"scope": {"section": ["a", "b"]}, "level": "yes"},
        {"a1": "yes", "a2": "no", "b1": "wow"},
    )
    # The conclusion reads as English ("2 at or above 'yes'", not "2 at a at or above 'yes' level").
    assert result == RuleResult(
        True,
        "4 criteria in a, b",
        "2 at or above 'yes': a1 (yes), b1 (wow)",
        (_met("a1", "yes"), _met("b1", "wow")),
    )
    none = _run("notable-level", {"scope": A, "level": "wow"}, {"a1": "yes", "a2": "no"})
    assert none == RuleResult(False, "2 criteria in a", "none judged at or above 'wow'")


def test_notable_level_on_a_target_without_a_scale_finds_nothing() -> None:
    assert _check("notable-level", scope={"section": "n"}, level="yes") == []
    for params in ({"scope": {"section": "n"}}, {"scope": {"section": "n"}, "level": "yes"}):
        assert _run("notable-level", params, {"n1": "yes"}).holds is False


# -- evidence-present --------------------------------------------------------------------------


def test_evidence_present_checks_its_parameters() -> None:
    assert _check("evidence-present") == []
    assert _check("evidence-present", scope={"of": "sections"}, if_empty="no", min_count=2) == [
        Problem(
            "unknown key 'min_count' for kind 'evidence-present' (expected scope, if_empty)",
            code="unknown-key",
        ),
        Problem(
            "expected 'criteria', got a string ('sections')", path="scope.of", code="wrong-value"
        ),
        Problem(
            "expected 'fail' or 'hold', got a string ('no')", path="if_empty", code="wrong-value"
        ),
    ]


def test_evidence_present_needs_min_count_items_of_the_listed_types() -> None:
    # a1 needs 2 documents; a2 needs 1 document or data return, and 1 data return.
    enough = (
        _item("d1", "doc", "a1"),
        _item("d2", "doc", "a1"),
        _item("x1", "data", "a2"),
        _item("m1", "map", "a2"),
    )
    assert _run("evidence-present", {"scope": A}, evidence=enough) == RuleResult(
        True,
        "2 applicable criteria in a with evidence requirements",
        "every requirement is met",
        (
            Finding(target="a1", holds=True, note="2 item(s)"),
            # The map cited by a2 is of no type its requirements name: not counted (the rule
            # does not read it, so removing it must not change the finding).
            Finding(target="a2", holds=True, note="1 item(s)"),
        ),
    )
    # The rule reads only the types its requirements name: without the map, the same result.
    without_map = tuple(item for item in enough if item.type != "map")
    assert _run("evidence-present", {"scope": A}, evidence=without_map) == _run(
        "evidence-present", {"scope": A}, evidence=enough
    )
    # One document short for a1 (data and a document for b1 do not count); nothing for a2.
    short = (_item("d1", "doc", "a1", "b1"), _item("x1", "data", "a1"), _item("d2", "doc", "b1"))
    assert _run("evidence-present", {"scope": A}, evidence=short) == RuleResult(
        False,
        "2 applicable criteria in a with evidence requirements",
        "2 lack evidence: a1 (missing: 1 of 2 doc); a2 (missing: 0 of 1 doc or data; 0 of 1 data)",
        (
            Finding(target="a1", holds=False, note="missing: 1 of 2 doc"),
            Finding(target="a2", holds=False, note="missing: 0 of 1 doc or data; 0 of 1 data"),
        ),
    )
    # A document for a2 meets its first requirement only.
    partly = (*enough[:2], _item("d3", "doc", "a2"))
    assert _run("evidence-present", {"scope": A}, evidence=partly) == RuleResult(
        False,
        "2 applicable criteria in a with evidence requirements",
        "1 lack evidence: a2 (missing: 0 of 1 data)",
        (
            Finding(target="a1", holds=True, note="2 item(s)"),
            Finding(target="a2", holds=False, note="missing: 0 of 1 data"),
        ),
    )


def test_evidence_present_leaves_not_applicable_criteria_out() -> None:
    result = _run(
        "evidence-present",
        {},
        evidence=(_item("x1", "data", "a2"),),
        not_applicable=frozenset({"a1"}),
    )
    assert result == RuleResult(
        True,
        "1 applicable criteria with evidence requirements",
        "every requirement is met",
        (Finding(target="a2", holds=True, note="1 item(s)"),),
    )


def test_evidence_present_on_an_empty_scope_holds_unless_declared_to_fail() -> None:
    # Section b has no evidence requirements; in a, both criteria are not applicable.
    empty = RuleResult(
        True,
        "nothing to judge: no applicable criteria in b with evidence requirements",
        "holds (the rule is declared to hold when its scope is empty)",
    )
    assert _run("evidence-present", {"scope": B}) == empty
    assert _run("evidence-present", {"scope": B, "if_empty": "hold"}) == empty
    failed = _run(
        "evidence-present", {"scope": A, "if_empty": "fail"}, not_applicable=frozenset({"a1", "a2"})
    )
    assert failed == RuleResult(
        False,
        "nothing to judge: no applicable criteria in a with evidence requirements",
        "does not hold: there is nothing in scope to judge",
    )


# -- action-plan -------------------------------------------------------------------------------


def _actions(*statuses: str) -> tuple[qmframe.ActionItem, ...]:
    return tuple(
        qmframe.ActionItem(id=f"x{i}", action="Do it", status=status)
        for i, status in enumerate(statuses)
    )


def test_action_plan_checks_min_items() -> None:
    assert _check("action-plan") == []
    assert _check("action-plan", min_items=1) == []
    for bad in (0, True, "2", 1.5):
        assert _check("action-plan", min_items=bad) == [
            Problem(
                f"expected a whole number of at least 1, got {describe_value(bad)}",
                "min_items",
                code="wrong-value",
            )
        ]
    assert _check("action-plan", items=2) == [
        Problem(
            "unknown key 'items' for kind 'action-plan' (expected min_items)", code="unknown-key"
        )
    ]


def test_action_plan_counts_only_open_actions() -> None:
    actions = _actions("planned", "in-progress", "completed", "dropped")
    held = _run("action-plan", {"min_items": 2}, actions=actions)
    assert held == RuleResult(
        True, "4 action-plan item(s), 2 open", "at least 2 open action(s) planned"
    )
    failed = _run("action-plan", {"min_items": 3}, actions=actions)
    assert failed == RuleResult(
        False,
        "4 action-plan item(s), 2 open",
        "fewer than 3 open action(s) planned",
        (Finding(target="action-plan", holds=False, note="2 of 3"),),
    )


def test_action_plan_needs_one_open_action_by_default() -> None:
    assert _run("action-plan", {}, actions=_actions("planned")) == RuleResult(
        True, "1 action-plan item(s), 1 open", "at least 1 open action(s) planned"
    )
    assert _run("action-plan", {}, actions=_actions("completed")) == RuleResult(
        False,
        "1 action-plan item(s), 0 open",
        "fewer than 1 open action(s) planned",
        (Finding(target="action-plan", holds=False, note="0 of 1"),),
    )


# -- outcome-coverage --------------------------------------------------------------------------


def test_outcome_coverage_checks_its_parameters() -> None:
    for by in ("evidence", "criteria", "either"):
        assert _check("outcome-coverage", outcome_set="los", by=by) == []
    assert _check("outcome-coverage", outcome_set="los") == []
    assert _check("outcome-coverage", outcome_set="los", evidence_types=["doc", "map"]) == []
    assert _check("outcome-coverage", outcome_set="los", by="either", evidence_types=["doc"]) == []
    assert _check("outcome-coverage") == [
        Problem("unknown outcome set None", path="outcome_set", code="unknown-reference")
    ]
    assert _check("outcome-coverage", outcome_set=3) == [
        Problem("unknown outcome set 3", path="outcome_set", code="unknown-reference")
    ]
    assert _check("outcome-coverage", outcome_set="zz", by="both", set="los") == [
        Problem(
            "unknown key 'set' for kind 'outcome-coverage' "
            "(expected outcome_set, by, evidence_types)",
            code="unknown-key",
        ),
        Problem("unknown outcome set 'zz'", path="outcome_set", code="unknown-reference"),
        Problem("expected one of evidence, criteria, either", path="by", code="wrong-value"),
    ]
    for bad in ("doc", [], ["doc", 3]):
        assert _check("outcome-coverage", outcome_set="los", evidence_types=bad) == [
            Problem("expected a list of evidence type ids", "evidence_types", code="wrong-value")
        ]
    assert _check("outcome-coverage", outcome_set="los", evidence_types=["zz", "doc", "yy"]) == [
        Problem("unknown evidence type 'zz'", "evidence_types", code="unknown-reference"),
        Problem("unknown evidence type 'yy'", "evidence_types", code="unknown-reference"),
    ]
    assert _check("outcome-coverage", outcome_set="zz", evidence_types=["yy"]) == [
        Problem("unknown outcome set 'zz'", path="outcome_set", code="unknown-reference"),
        Problem("unknown evidence type 'yy'", "evidence_types", code="unknown-reference"),
    ]
    assert _check("outcome-coverage", outcome_set="los", by="criteria", evidence_types=["zz"]) == [
        Problem("unknown evidence type 'zz'", "evidence_types", code="unknown-reference"),
        Problem("only used when 'by' looks at evidence", "evidence_types", code="inconsistent"),
    ]


EVIDENCE = (
    _item("e1", "doc", outcomes=("O1", "O2", "X1")),
    _item("e2", "map", outcomes=("O2",)),
    _item("e3", "data", outcomes=("O3",)),
)


def _covered(outcome: str, by: str) -> Finding:
    return Finding(target=outcome, holds=True, note=f"covered by {by}")


def _uncovered(outcome: str) -> Finding:
    return Finding(target=outcome, holds=False, note="not covered")


def test_outcome_coverage_by_evidence() -> None:
    everything = _run("outcome-coverage", {"outcome_set": "los"}, evidence=EVIDENCE)
    assert everything == RuleResult(
        True,
        "3 outcomes of 'los', looking at evidence",
        "all 3 covered",
        (_covered("O1", "e1"), _covered("O2", "e1, e2"), _covered("O3", "e3")),
    )
    # Only documents and assessment maps count: e3 (a data return) is left out.
    narrowed = _run(
        "outcome-coverage",
        {"outcome_set": "los", "evidence_types": ["map", "doc"]},
        {"b1": "yes"},
        evidence=EVIDENCE,
    )
    assert narrowed == RuleResult(
        False,
        "3 outcomes of 'los', looking at evidence (evidence of type doc, map)",
        "1 not covered: O3",
        (_covered("O1", "e1"), _covered("O2", "e1, e2"), _uncovered("O3")),
    )
    maps_only = _run(
        "outcome-coverage", {"outcome_set": "los", "evidence_types": ["map"]}, evidence=EVIDENCE
    )
    assert maps_only == RuleResult(
        False,
        "3 outcomes of 'los', looking at evidence (evidence of type map)",
        "2 not covered: O1, O3",
        (_uncovered("O1"), _covered("O2", "e2"), _uncovered("O3")),
    )


def test_outcome_coverage_by_criteria_needs_an_applicable_met_criterion() -> None:
    # a1 meets (yes) -> O1; a2 is below (no) -> O2 uncovered; b1 is not applicable; b2 -> O3.
    levels = {"a1": "yes", "a2": "no", "b1": "wow", "b2": "yes"}
    result = _run(
        "outcome-coverage",
        {"outcome_set": "los", "by": "criteria"},
        levels,
        not_applicable=frozenset({"b1"}),
        evidence=EVIDENCE,
    )
    assert result == RuleResult(
        False,
        "3 outcomes of 'los', looking at criteria",
        "1 not covered: O2",
        (_covered("O1", "a1"), _uncovered("O2"), _covered("O3", "b2")),
    )
    # A met but not applicable criterion covers nothing; an unjudged one neither.
    alone = _run(
        "outcome-coverage",
        {"outcome_set": "los", "by": "criteria"},
        {"b1": "wow"},
        not_applicable=frozenset({"b1"}),
    )
    assert [f.holds for f in alone.findings] == [False, False, False]
    assert _run(
        "outcome-coverage", {"outcome_set": "los", "by": "criteria"}, {"b1": "wow"}
    ).findings[2] == _covered("O3", "b1")


def test_outcome_coverage_by_either_lists_evidence_then_criteria() -> None:
    result = _run(
        "outcome-coverage",
        {"outcome_set": "los", "by": "either", "evidence_types": ["doc"]},
        {"a1": "wow", "b1": "yes", "b2": "yes"},
        evidence=EVIDENCE,
    )
    assert result == RuleResult(
        True,
        "3 outcomes of 'los', looking at either (evidence of type doc)",
        "all 3 covered",
        (_covered("O1", "e1, a1"), _covered("O2", "e1"), _covered("O3", "b1, b2")),
    )


def test_outcome_coverage_of_another_set_and_of_an_empty_set() -> None:
    other = _run("outcome-coverage", {"outcome_set": "other", "by": "either"}, {"a1": "yes"})
    assert other == RuleResult(
        True, "1 outcomes of 'other', looking at either", "all 1 covered", (_covered("X1", "a1"),)
    )
    empty = _run("outcome-coverage", {"outcome_set": "none"}, evidence=EVIDENCE)
    assert empty == RuleResult(
        False, "0 outcomes of 'none', looking at evidence", "the outcome set is empty"
    )


# -- weighted-score ----------------------------------------------------------------------------


def test_weighted_score_needs_rising_points_on_every_scale_in_scope() -> None:
    assert _check("weighted-score", scope=A, threshold=1) == []
    assert _check("weighted-score", scope={"section": "f"}, threshold=1) == []  # level points
    assert _check("weighted-score", scope={"section": ["c", "n", "d"]}, threshold=1) == [
        Problem("scale 'pf' of 'c1' gives no points", "scope", code="inconsistent"),
        Problem("scale '(none)' of 'n1' gives no points", "scope", code="inconsistent"),
        Problem(
            "points on scale 'down' go down", "scope", code="inconsistent"
        ),  # once, not once per criterion
    ]
    assert _check("weighted-score", scope={"section": "zz"}, treshold=1) == [
        Problem(
            "unknown key 'treshold' for kind 'weighted-score' "
            "(expected scope, threshold, min_fraction, if_empty)",
            code="unknown-key",
        ),
        Problem("unknown section 'zz'", path="scope.section", code="unknown-reference"),
    ]


def test_weighted_score_needs_exactly_one_number() -> None:
    for params in ({"threshold": -1}, {"threshold": 2.5}, {"min_fraction": 0}, {"min_fraction": 1}):
        assert _check("weighted-score", scope=A, **params) == []
    exactly_one = Problem("give exactly one of threshold or min_fraction", code="inconsistent")
    assert _check("weighted-score", scope=A) == [exactly_one]
    assert _check("weighted-score", scope=A, threshold=1, min_fraction=0.5) == [exactly_one]
    for bad in (True, "7"):
        assert _check("weighted-score", scope=A, threshold=bad) == [
            Problem(
                f"expected a number, got {describe_value(bad)}", "threshold", code="wrong-value"
            )
        ]
    assert _check("weighted-score", scope=A, min_fraction="x") == [
        Problem("expected a number, got a string ('x')", "min_fraction", code="wrong-value")
    ]
    for bad in (-0.01, 1.01):
        assert _check("weighted-score", scope=A, min_fraction=bad) == [
            Problem("expected a fraction from 0 to 1", "min_fraction", code="wrong-value")
        ]
    assert _check("weighted-score", scope=A, threshold=False, min_fraction=2, if_empty="x") == [
        exactly_one,
        Problem("expected a number, got true/false (false)", "threshold", code="wrong-value"),
        Problem("expected a fraction from 0 to 1", "min_fraction", code="wrong-value"),
        Problem("expected 'fail' or 'hold', got a string ('x')", "if_empty", code="wrong-value"),
    ]


def _scored(target: str, level: str, earned: str) -> Finding:
    return Finding(target=target, holds=True, level=level, note=earned)


def test_weighted_score_reaches_a_threshold_exactly() -> None:
    # pts: p1=1, p2=2, p6=6 points; p1 weighs 2, p2 1: range 3-18.
    held = _run("weighted-score", {"scope": P, "threshold": 6}, {"p1": "p2", "p2": "p2"})
    assert held == RuleResult(
        True,
        "score 6 from 2 criteria in p (range 3-18)",
        "6 reaches the threshold 6",
        (_scored("p1", "p2", "4"), _scored("p2", "p2", "2")),
    )
    failed = _run("weighted-score", {"scope": P, "threshold": 6.5}, {"p1": "p2", "p2": "p2"})
    assert failed == RuleResult(
        False, "score 6 from 2 criteria in p (range 3-18)", "6 is below the threshold 6.5"
    )


def test_weighted_score_min_fraction_is_a_share_of_the_range_above_its_floor() -> None:
    # Range 3-18: a fraction of 0.2 needs 3 + 0.2 * 15 = 6; 0.4 needs 9.
    for fraction, needed, holds in ((0.2, "6", True), (0.4, "9", False), (0, "3", True)):
        result = _run(
            "weighted-score", {"scope": P, "min_fraction": fraction}, {"p1": "p2", "p2": "p2"}
        )
        assert (result.holds, result.concluded) == (
            holds,
            f"6 {'reaches' if holds else 'is below'} the threshold {needed}",
        )
    top = _run("weighted-score", {"scope": P, "min_fraction": 1}, {"p1": "p6", "p2": "p6"})
    assert (top.holds, top.concluded) == (True, "18 reaches the threshold 18")


def test_weighted_score_counts_unjudged_at_the_lowest_points_and_skips_not_applicable() -> None:
    result = _run("weighted-score", {"scope": P, "threshold": 3}, {"p2": "p1"})
    assert result == RuleResult(
        True,
        "score 3 from 2 criteria in p (range 3-18)",
        "3 reaches the threshold 3",
        (_scored("p1", "", "2"), _scored("p2", "p1", "1")),
    )
    alone = _run(
        "weighted-score",
        {"scope": P, "threshold": 12},
        {"p1": "p6", "p2": "p6"},
        not_applicable=frozenset({"p2"}),
    )
    assert alone == RuleResult(
        True,
        "score 12 from 1 criteria in p (range 2-12)",
        "12 reaches the threshold 12",
        (_scored("p1", "p6", "12"),),
    )
    # A target left out does not stop the count: p1 is skipped, p2 still scores.
    first_out = _run(
        "weighted-score",
        {"scope": P, "threshold": 6},
        {"p1": "p6", "p2": "p6"},
        not_applicable=frozenset({"p1"}),
    )
    assert first_out == RuleResult(
        True,
        "score 6 from 1 criteria in p (range 1-6)",
        "6 reaches the threshold 6",
        (_scored("p2", "p6", "6"),),
    )


def test_weighted_score_counts_zero_points_as_zero() -> None:
    # lvl: no=0, yes=1, wow=3; a1 weighs 2.
    result = _run("weighted-score", {"scope": A, "threshold": 3}, {"a1": "no", "a2": "wow"})
    assert result == RuleResult(
        True,
        "score 3 from 2 criteria in a (range 0-9)",
        "3 reaches the threshold 3",
        (_scored("a1", "no", "0"), _scored("a2", "wow", "3")),
    )


def test_weighted_score_weighs_sections_one_each() -> None:
    result = _run(
        "weighted-score",
        {"scope": {"of": "sections", "section": ["a", "p"]}, "threshold": 5},
        {"a": "wow", "p": "p2"},
    )
    assert result == RuleResult(
        True,
        "score 5 from 2 sections in a, p (range 1-9)",
        "5 reaches the threshold 5",
        (_scored("a", "wow", "3"), _scored("p", "p2", "2")),
    )


def test_weighted_score_on_an_empty_scope() -> None:
    gone = frozenset({"p1", "p2"})
    failed = _run("weighted-score", {"scope": P, "threshold": 0}, not_applicable=gone)
    assert failed == RuleResult(
        False,
        "nothing to judge: no applicable criteria in p",
        "does not hold: there is nothing in scope to judge",
    )
    held = _run(
        "weighted-score", {"scope": P, "threshold": 0, "if_empty": "hold"}, not_applicable=gone
    )
    assert held.holds


# -- a section without a scale is never judged ---------------------------------------------------


@pytest.mark.parametrize(("kind", "extra"), [("minimum-level", {}), ("at-least", {"count": 1})])
def test_a_level_rule_refuses_a_section_that_has_no_scale(kind: str, extra: dict[str, Any]) -> None:
    # Section n has no scale of its own and no aggregate: nothing ever gives it a level, so
    # a rule asking it for one could never be met by it.
    assert _check(kind, scope={"of": "sections", "section": ["a", "n"]}, level="yes", **extra) == [
        Problem(
            "section 'n' has no scale, so it is never judged", path="scope", code="missing-value"
        )
    ]
    # The loaders never let a criterion lack a scale, but the rule says so too.
    assert _check(kind, scope={"section": "n"}, level="yes", **extra) == [
        Problem(
            "criterion 'n1' has no scale, so it is never judged", path="scope", code="missing-value"
        )
    ]


def test_a_section_without_a_scale_is_refused_when_the_framework_loads(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> None:
    text = core_fixtures.FRAMEWORK.replace(
        'id = "b"\ntitle = "Area B"\nscale = "lvl"\n', 'id = "b"\ntitle = "Area B"\n'
    )
    text = text.replace('id = "b1"\n', 'id = "b1"\nscale = "lvl"\n')
    text = text.replace('id = "b2"\n', 'id = "b2"\nscale = "lvl"\n')
    text = text.replace(
        'kind = "minimum-level"\nlevel = "yes"',
        'kind = "minimum-level"\nlevel = "yes"\nscope = { of = "sections" }',
    )
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_framework(write("f.toml", text), registry=registry)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("decision.rules[0].scope", "section 'b' has no scale, so it is never judged")
    ]
