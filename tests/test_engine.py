"""Scoring: purity, validity dates, panels, comparisons and the explanation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import attrs
import core_fixtures
import pytest

import qmframe
from qmframe.engine import add_months

AS_OF = dt.date(2026, 3, 1)


@pytest.fixture
def loaded(
    mini: dict[str, Path], registry: qmframe.Registry
) -> tuple[qmframe.Framework, qmframe.Submission, qmframe.Review]:
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    review = qmframe.load_review(mini["review"], framework, submission, registry=registry)
    return framework, submission, review


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 3, 1), 36, dt.date(2029, 3, 1)),
        (dt.date(2026, 11, 30), 18, dt.date(2028, 5, 30)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def test_decision_is_a_pure_function_of_its_inputs(
    loaded: tuple, registry: qmframe.Registry
) -> None:
    framework, submission, review = loaded
    first = registry.assessor(framework).assess(submission, review, as_of=AS_OF)
    fresh = qmframe.Assessor(
        framework, registry.rule_kinds, kind_sources=registry.rule_kind_sources
    )
    assert fresh.assess(submission, review, as_of=AS_OF) == first
    assert fresh.assess(submission, review, as_of=AS_OF + dt.timedelta(days=1)) != first


def test_passing_decision_has_validity_and_midpoint(
    loaded: tuple, registry: qmframe.Registry
) -> None:
    framework, submission, _ = loaded
    decision = qmframe.assess(framework, submission, as_of=AS_OF, registry=registry)
    assert decision.passed
    assert decision.basis == "self-certified"
    assert (decision.valid_from, decision.valid_until, decision.midpoint_due) == (
        dt.date(2026, 3, 1),
        dt.date(2029, 2, 28),
        dt.date(2027, 9, 1),
    )
    assert decision.comparisons == ()


def test_as_of_defaults_to_the_review_date(loaded: tuple, registry: qmframe.Registry) -> None:
    framework, submission, review = loaded
    assert (
        qmframe.assess(framework, submission, review, registry=registry).as_of == review.reviewed_on
    )
    assert qmframe.assess(framework, submission, registry=registry).as_of == submission.submitted_on


def test_self_rating_and_judgement_side_by_side(loaded: tuple, registry: qmframe.Registry) -> None:
    framework, submission, review = loaded
    decision = qmframe.assess(framework, submission, review, as_of=AS_OF, registry=registry)
    assert decision.basis == "review"
    assert [(c.target, c.self_level, c.assessed_level, c.agrees) for c in decision.comparisons] == [
        ("a1", "wow", "wow", True),
        ("a2", "yes", "wow", False),
        ("b1", "yes", "yes", True),
        ("b2", "yes", "no", False),
    ]
    assert [c.target for c in decision.disagreements] == ["a2", "b2"]


def test_comparisons_are_right_for_every_pair_of_levels_however_often_made(
    loaded: tuple, registry: qmframe.Registry
) -> None:
    # One assessor makes each comparison once and keeps it: every pair of levels, met again
    # and again, must still compare as its own levels do.
    framework, submission, review = loaded
    assessor = registry.assessor(framework)
    pairs = [(mine, theirs) for mine in ("no", "yes", "wow") for theirs in ("no", "yes", "wow")]
    for mine, theirs in pairs + pairs[::-1]:
        rated = attrs.evolve(
            submission,
            ratings=tuple(
                attrs.evolve(r, level=mine) if r.target == "a2" else r for r in submission.ratings
            ),
        )
        judged = attrs.evolve(
            review,
            judgements=tuple(
                attrs.evolve(j, level=theirs) if j.target == "a2" else j for j in review.judgements
            ),
        )
        decision = assessor.assess(rated, judged, as_of=AS_OF)
        [a2] = [c for c in decision.comparisons if c.target == "a2"]
        assert (a2.title, a2.self_level, a2.assessed_level, a2.agrees) == (
            "A two",
            mine,
            theirs,
            mine == theirs,
        )


def test_explanation_lists_every_rule_in_order(loaded: tuple, registry: qmframe.Registry) -> None:
    framework, submission, review = loaded
    decision = qmframe.assess(framework, submission, review, as_of=AS_OF, registry=registry)
    assert [(o.rule, o.kind, o.effect, o.holds) for o in decision.explanation] == [
        ("all-met", "minimum-level", "require", False),
        ("plan", "action-plan", "require", True),
        ("shine", "notable-level", "highlight", True),
    ]
    assert all(o.saw and o.concluded for o in decision.explanation)
    assert decision.status == "not-yet"
    assert [(u.target, u.title, u.rule) for u in decision.unmet] == [("b2", "B two", "all-met")]


PANEL = core_fixtures.REVIEW.replace(
    '[[reviewers]]\nid = "r1"\nname = "Rev One"\n',
    '[[reviewers]]\nid = "r1"\nname = "Rev One"\n\n[[reviewers]]\nid = "r2"\nname = "Rev Two"\n'
    '\n[[reviewers]]\nid = "r3"\nname = "Rev Three"\n',
).replace("[[judgements]]\n", '[[judgements]]\nreviewer = "r1"\n') + "".join(
    f'\n[[judgements]]\nreviewer = "{who}"\ntarget = "b2"\nlevel = "{level}"\n'
    for who, level in (("r2", "wow"), ("r3", "yes"))
)


@pytest.mark.parametrize(
    ("combine", "b2", "passed"),
    [("lowest", "no", False), ("median", "yes", True), ("unanimous", None, False)],
)
def test_panel_judgements_combine_by_the_declared_policy(
    write: Callable[..., Path],
    registry: qmframe.Registry,
    combine: str,
    b2: str | None,
    passed: bool,
) -> None:
    # min_reviewers = 1: here only b2 is judged by the whole panel of three.
    text = core_fixtures.FRAMEWORK.replace(
        "[review]\nrequired = false\n", f'[review]\ncombine = "{combine}"\nmin_reviewers = 1\n'
    )
    framework = qmframe.load_framework(write("f.toml", text), registry=registry)
    submission = qmframe.load_submission(
        write("s/s.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    review = qmframe.load_review(write("s/r.toml", PANEL), framework, submission, registry=registry)
    decision = qmframe.assess(framework, submission, review, as_of=AS_OF, registry=registry)
    assert decision.passed is passed
    saw = decision.explanation[0].saw
    if b2 is None:
        assert "b2=panel not unanimous: no, wow, yes" in saw
    else:
        assert f"b2={b2}" in saw


def test_a_target_needs_judgements_from_the_whole_panel(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    text = core_fixtures.FRAMEWORK.replace(
        "[review]\nrequired = false\n", "[review]\nmin_reviewers = 3\n"
    )
    framework = qmframe.load_framework(write("f.toml", text), registry=registry)
    submission = qmframe.load_submission(
        write("s/s.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    review = qmframe.load_review(
        write("s/r.toml", PANEL.replace('level = "no"', 'level = "yes"')),
        framework,
        submission,
        registry=registry,
    )
    decision = qmframe.assess(framework, submission, review, as_of=AS_OF, registry=registry)
    # b2 was judged by all three; a1, a2 and b1 by r1 alone, which does not settle them.
    assert [(u.target, u.reason) for u in decision.unmet] == [
        ("a1", "judged by 1 of the 3 reviewers the panel needs: wow"),
        ("a2", "judged by 1 of the 3 reviewers the panel needs: wow"),
        ("b1", "judged by 1 of the 3 reviewers the panel needs: yes"),
    ]


def test_too_few_reviewers_for_the_panel(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    text = core_fixtures.FRAMEWORK.replace(
        "[review]\nrequired = false\n", "[review]\nmin_reviewers = 2\n"
    )
    framework = qmframe.load_framework(write("f.toml", text), registry=registry)
    submission = qmframe.load_submission(
        write("s/s.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    # Too few reviewers is no error in the file: a decision on it is only an indication.
    review = qmframe.load_review(
        write("s/r.toml", core_fixtures.REVIEW), framework, submission, registry=registry
    )
    warnings = qmframe.validate_submission(framework, submission, review=review, registry=registry)
    (warning,) = [p for p in warnings if p.code == "too-few-reviewers"]
    assert warning.severity == "warning"
    assert warning.message.startswith("the framework asks for at least 2 reviewers; 1 named")
    decision = qmframe.assess(framework, submission, review, registry=registry)
    assert (decision.status, decision.passed, decision.indicated_status) == (
        "indication",
        False,
        "not-yet",
    )


def test_assessor_refuses_a_submission_for_another_version(
    loaded: tuple, registry: qmframe.Registry
) -> None:
    framework, submission, _ = loaded
    with pytest.raises(
        qmframe.ValidationError, match="this submission is for version '1' of 'mini'"
    ):
        registry.assessor(framework).assess(
            attrs.evolve(submission, framework_version="1"), as_of=AS_OF
        )


def test_assessor_refuses_an_invalid_framework(loaded: tuple, registry: qmframe.Registry) -> None:
    framework, _, _ = loaded
    broken = attrs.evolve(framework, scales=())
    with pytest.raises(qmframe.ValidationError, match="unknown scale 'lvl'"):
        qmframe.Assessor(broken, registry.rule_kinds)
