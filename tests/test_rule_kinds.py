"""Each built-in rule kind, including empty scopes and everything not applicable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import core_fixtures
import pytest

import qmframe

AS_OF = dt.date(2026, 3, 1)
RULES_START = core_fixtures.FRAMEWORK.index("[[decision.rules]]")


@pytest.fixture
def decide(
    write: Callable[..., Path], registry: qmframe.Registry
) -> Callable[..., qmframe.Decision]:
    """Assess the mini submission against the mini framework with other rules and edits."""

    def _decide(
        rules: str,
        *,
        submission_edits: tuple[tuple[str, str], ...] = (),
        review: str | None = None,
        framework_edits: tuple[tuple[str, str], ...] = (),
    ) -> qmframe.Decision:
        text = core_fixtures.FRAMEWORK[:RULES_START] + rules
        text += "\n" + core_fixtures.FRAMEWORK[core_fixtures.FRAMEWORK.index("[validity]") :]
        for old, new in framework_edits:
            assert old in text
            text = text.replace(old, new)
        sub = core_fixtures.SUBMISSION
        for old, new in submission_edits:
            assert old in sub, old
            sub = sub.replace(old, new)
        framework = qmframe.load_framework(write("f.toml", text), registry=registry)
        submission = qmframe.load_submission(write("s/s.toml", sub), framework, registry=registry)
        rev = None
        if review is not None:
            rev = qmframe.load_review(
                write("s/r.toml", review), framework, submission, registry=registry
            )
        return qmframe.assess(framework, submission, rev, as_of=AS_OF, registry=registry)

    return _decide


def _rule(kind: str, **params: str) -> str:
    lines = ["[[decision.rules]]", 'id = "r"', f'kind = "{kind}"']
    lines += [f"{key} = {value}" for key, value in params.items()]
    return "\n".join(lines) + "\n"


def test_minimum_level_holds_and_fails(decide: Callable[..., qmframe.Decision]) -> None:
    held = decide(_rule("minimum-level", level='"yes"'))
    assert held.passed
    assert held.status == "awarded"
    # The review judges b2 'no': the rule fails and names b2 with the reviewer's rationale.
    failed = decide(_rule("minimum-level", level='"yes"'), review=core_fixtures.REVIEW)
    assert not failed.passed
    assert failed.status == "not-yet"
    assert [(u.target, u.feedback) for u in failed.unmet] == [
        ("b2", "No evidence of B two in practice.")
    ]
    [outcome] = failed.explanation
    assert outcome.concluded == "1 of 4 below 'yes': b2"
    assert outcome.saw == "4 applicable criteria: a1=wow, a2=wow, b1=yes, b2=no"


def test_inapplicable_criteria_are_left_out(decide: Callable[..., qmframe.Decision]) -> None:
    # b1 applies only in the north; a southern organisation is not judged on it.
    decision = decide(
        _rule("minimum-level", level='"yes"'),
        submission_edits=(
            ('context = "north"', 'context = "south"'),
            ('target = "b1"\nlevel = "yes"', 'target = "b1"'),
        ),
    )
    assert decision.passed
    assert "b1=not applicable" in decision.explanation[0].saw


def test_unjudged_criterion_fails_minimum(decide: Callable[..., qmframe.Decision]) -> None:
    decision = decide(
        _rule("minimum-level", level='"yes"'),
        submission_edits=(('target = "a2"\nlevel = "yes"', 'target = "a2"'),),
    )
    assert [(u.target, u.reason) for u in decision.unmet] == [("a2", "not judged")]


NO_B = (
    (
        'target = "b1"\nlevel = "yes"',
        'target = "b"\nnot_applicable = true\njustification = "We run no B activities."',
    ),
    ('[[ratings]]\ntarget = "b2"\nlevel = "yes"\n', ""),
)


def test_empty_scope_fails_by_default_and_holds_when_declared(
    decide: Callable[..., qmframe.Decision],
) -> None:
    scoped = _rule("minimum-level", level='"yes"', scope='{ section = "b" }')
    failed = decide(scoped, submission_edits=NO_B)
    assert not failed.passed
    assert failed.explanation[0].concluded == "does not hold: there is nothing in scope to judge"
    held = decide(scoped + 'if_empty = "hold"\n', submission_edits=NO_B)
    assert held.passed


def test_a_section_not_applicable_takes_its_criteria(
    decide: Callable[..., qmframe.Decision],
) -> None:
    decision = decide(_rule("minimum-level", level='"yes"'), submission_edits=NO_B)
    assert decision.passed
    assert decision.explanation[0].saw == (
        "2 applicable criteria: a1=wow, a2=yes, b1=not applicable, b2=not applicable"
    )


def test_rating_inside_a_section_marked_not_applicable_is_refused(
    decide: Callable[..., qmframe.Decision],
) -> None:
    with pytest.raises(
        qmframe.ValidationError,
        match=r"ratings\[3\]\.level: 'b2' is rated, but "
        "its section 'b' is marked not applicable",
    ):
        decide(_rule("minimum-level", level='"yes"'), submission_edits=NO_B[:1])


@pytest.mark.parametrize(("count", "passed"), [(2, True), (3, False)])
def test_at_least(decide: Callable[..., qmframe.Decision], count: int, passed: bool) -> None:
    # Reviewed: a1=wow, a2=wow, b1=yes, b2=no -> two at or above 'wow'.
    decision = decide(
        _rule("at-least", level='"wow"', count=str(count)), review=core_fixtures.REVIEW
    )
    assert decision.passed is passed
    assert decision.explanation[0].concluded.startswith("2 at or above 'wow'")
    if not passed:
        assert [u.target for u in decision.unmet] == ["b1", "b2"]


@pytest.mark.parametrize("kind", ["minimum-level", "at-least"])
def test_a_prepared_rule_judges_every_level_alike_however_often_it_runs(
    decide: Callable[..., qmframe.Decision], kind: str
) -> None:
    # The verdicts are worked out once per rule (one table for every submission): each
    # level of b2, assessed again and again, must still give the finding its rank gives.
    params = {"level": '"yes"'} | ({"count": "4"} if kind == "at-least" else {})
    expected = {
        "no": (False, "'no' is below 'yes'"),
        "yes": (True, ""),
        "wow": (True, ""),
    }
    for level in ["wow", "no", "yes", "no", "wow", "yes"]:
        decision = decide(
            _rule(kind, **params),
            submission_edits=(
                ('target = "b2"\nlevel = "yes"', f'target = "b2"\nlevel = "{level}"'),
            ),
        )
        [outcome] = decision.explanation
        [b2] = [f for f in outcome.findings if f.target == "b2"]
        assert (b2.level, b2.holds, b2.note) == (level, *expected[level])
        assert outcome.saw.endswith(f"b2={level}")
        assert decision.passed is expected[level][0]


def test_at_least_cannot_ask_for_more_than_the_scope(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    text = core_fixtures.FRAMEWORK.replace(
        'kind = "action-plan"', 'kind = "at-least"\nlevel = "yes"\ncount = 9'
    )
    with pytest.raises(
        qmframe.ValidationError,
        match=r"rules\[1\]\.count: asks for 9 but the "
        "scope holds 4",
    ):
        qmframe.load_framework(write("f.toml", text), registry=registry)


def test_notable_level_gives_highlights_for_aggregated_sections(
    decide: Callable[..., qmframe.Decision],
) -> None:
    rules = _rule("notable-level", scope='{ of = "sections" }') + 'effect = "highlight"\n'
    decision = decide(rules, review=core_fixtures.REVIEW)
    # Section a is not judged directly; its minimum over a1=wow, a2=wow is wow.
    assert [(h.target, h.level, h.title) for h in decision.highlights] == [("a", "wow", "Area A")]
    assert decision.passed  # a highlight rule never decides the status


def test_highlight_in_a_failing_decision(decide: Callable[..., qmframe.Decision]) -> None:
    rules = (
        _rule("minimum-level", level='"yes"')
        + _rule("notable-level", scope='{ of = "sections" }').replace('id = "r"', 'id = "h"')
        + 'effect = "highlight"\n'
    )
    decision = decide(rules, review=core_fixtures.REVIEW)
    assert not decision.passed
    assert [h.target for h in decision.highlights] == ["a"]
    assert decision.valid_from is None
    assert decision.valid_until is None


def test_evidence_present(decide: Callable[..., qmframe.Decision]) -> None:
    assert decide(_rule("evidence-present")).passed
    decision = decide(
        _rule("evidence-present"), submission_edits=(('criteria = ["a1"]', 'criteria = ["a2"]'),)
    )
    assert [(u.target, u.reason) for u in decision.unmet] == [("a1", "missing: 0 of 1 doc")]


@pytest.mark.parametrize(
    ("by", "uncovered"), [("evidence", ["O3"]), ("criteria", []), ("either", [])]
)
def test_outcome_coverage(
    decide: Callable[..., qmframe.Decision], by: str, uncovered: list[str]
) -> None:
    # Evidence maps O1 and O2; criteria a1->O1, a2->O2, b1->O3, all self-rated as meeting.
    decision = decide(_rule("outcome-coverage", outcome_set='"los"', by=f'"{by}"'))
    assert [u.target for u in decision.unmet] == uncovered
    assert decision.passed is (not uncovered)


def test_outcome_coverage_by_criteria_needs_them_met(
    decide: Callable[..., qmframe.Decision],
) -> None:
    decision = decide(
        _rule("outcome-coverage", outcome_set='"los"', by='"criteria"'),
        submission_edits=(('target = "b1"\nlevel = "yes"', 'target = "b1"\nlevel = "no"'),),
    )
    assert [(u.target, u.reason) for u in decision.unmet] == [("O3", "not covered")]


def test_action_plan(decide: Callable[..., qmframe.Decision]) -> None:
    assert decide(_rule("action-plan")).passed
    completed = decide(
        _rule("action-plan"),
        submission_edits=(('owner = "Head"', 'owner = "Head"\nstatus = "completed"'),),
    )
    assert not completed.passed
    assert completed.explanation[0].saw == "1 action-plan item(s), 0 open"
    assert [u.rule for u in completed.unmet] == ["r"]


@pytest.mark.parametrize(("fraction", "passed"), [("0.7", True), ("0.75", False)])
def test_weighted_score(
    decide: Callable[..., qmframe.Decision], fraction: str, passed: bool
) -> None:
    # Self-ratings: a1=wow (2 points x weight 2), a2, b1, b2 = yes (1 each): 7.
    # Reviewed:     a1=wow (4), a2=wow (2), b1=yes (1), b2=no (0): 7.
    decision = decide(_rule("weighted-score", threshold="7"))
    assert decision.explanation[0].saw == "score 7 from 4 criteria (range 0-10)"
    assert decision.passed
    assert not decide(_rule("weighted-score", threshold="7.5")).passed
    # A fraction of the range: 0.7 of 0-10 is 7, 0.75 is 7.5.
    assert decide(_rule("weighted-score", min_fraction=fraction)).passed is passed


def test_weighted_score_needs_points(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    text = core_fixtures.FRAMEWORK.replace(", points = 0", "").replace(
        'kind = "action-plan"', 'kind = "weighted-score"\nthreshold = 1'
    )
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_framework(write("f.toml", text), registry=registry)
    messages = {p.message for p in caught.value.problems}
    assert messages == {
        "scale 'lvl' of 'a1' gives no points",
        "scale 'lvl' of 'a2' gives no points",
        "scale 'lvl' of 'b1' gives no points",
        "scale 'lvl' of 'b2' gives no points",
    }


def test_veto_sets_its_own_status(decide: Callable[..., qmframe.Decision]) -> None:
    rules = (
        _rule("action-plan")
        + 'effect = "veto"\nstatus = "ineligible"\n'
        + _rule("minimum-level", level='"yes"').replace('id = "r"', 'id = "m"')
    )
    decision = decide(rules, submission_edits=(('owner = "Head"', 'status = "dropped"'),))
    assert decision.status == "ineligible"
    # Both rules are still explained, in order.
    assert [o.rule for o in decision.explanation] == ["r", "m"]


def test_unknown_parameter_is_reported(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    text = core_fixtures.FRAMEWORK.replace(
        'kind = "action-plan"', 'kind = "action-plan"\nmin_itmes = 2'
    )
    with pytest.raises(
        qmframe.ValidationError,
        match=r"decision\.rules\[1\]: unknown key "
        "'min_itmes' for kind 'action-plan'",
    ):
        qmframe.load_framework(write("f.toml", text), registry=registry)
