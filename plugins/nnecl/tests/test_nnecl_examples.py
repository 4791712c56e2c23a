"""The worked examples: an FE college awarded, a university not yet, and a re-submission."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import qmframe
from qmframe.awards.lifecycle import carry_forward
from qmframe.awards.register import award_id
from qmframe.cli import main

REPO_EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "qmframe_nnecl" / "examples"
EXAMPLES = (
    "nnecl-brookmere-college",
    "nnecl-corran-university",
    "nnecl-brookmere-college-resubmission",
)

Assessed = tuple[qmframe.Decision, qmframe.Submission, qmframe.Review]


def _decide(name: str) -> Assessed:
    example: qmframe.Example = qmframe.default_registry().examples[name].value
    framework = qmframe.load_framework(example.framework)
    submission = qmframe.load_submission(example.submission, framework)
    assert example.review is not None
    review = qmframe.load_review(example.review, framework, submission)
    as_of = dt.date.fromisoformat(example.as_of)
    return qmframe.assess(framework, submission, review, as_of=as_of), submission, review


@pytest.fixture(scope="module")
def decided() -> dict[str, Assessed]:
    return {name: _decide(name) for name in EXAMPLES}


def _levels(decision: qmframe.Decision) -> str:
    [outcome] = [o for o in decision.explanation if o.rule == "every-area-evidenced"]
    return outcome.saw


def test_an_fe_college_in_england_awarded_with_two_highlights(
    decided: dict[str, Assessed],
) -> None:
    decision, submission, review = decided["nnecl-brookmere-college"]
    assert (submission.organisation.kind, submission.organisation.context) == (
        "college",
        "england",
    )
    assert (decision.status, decision.passed, decision.basis) == ("awarded", True, "review")
    assert [(h.target, h.level) for h in decision.highlights] == [
        ("student-wellbeing", "enhanced"),
        ("collaboration-partnership", "exceptional"),
    ]
    assert decision.unmet == ()
    assert decision.disagreements == ()  # the college rated itself as the assessor judged
    assert (decision.valid_from, decision.valid_until, decision.midpoint_due) == (
        dt.date(2023, 1, 20),
        dt.date(2026, 1, 19),
        dt.date(2024, 7, 20),
    )
    assert [(o.rule, o.holds) for o in decision.explanation] == [
        ("every-area-evidenced", True),
        ("action-plan", True),
        ("highlighted-practice", True),
    ]
    assert decision.explanation[0].concluded == "all 7 at or above 'evidenced'"
    assert decision.explanation[1].saw == "4 action-plan item(s), 4 open"
    assert [r.role for r in review.reviewers] == ["NNECL assessor"]


def test_a_scottish_university_not_yet_awarded_with_its_feedback(
    decided: dict[str, Assessed],
) -> None:
    decision, submission, review = decided["nnecl-corran-university"]
    assert (submission.organisation.kind, submission.organisation.context) == (
        "university",
        "scotland",
    )
    assert (decision.status, decision.passed) == ("not-yet-awarded", False)
    assert (decision.valid_from, decision.valid_until, decision.midpoint_due) == (None,) * 3
    by_target = {u.target: u for u in decision.unmet}
    assert list(by_target) == ["continuous-improvement", "student-success"]
    assert {u.rule for u in decision.unmet} == {"every-area-evidenced"}
    # The feedback is the assessor's own, area by area.
    assert (
        "continuation, attainment and graduate outcomes"
        in by_target["continuous-improvement"].feedback
    )
    assert "no family network" in by_target["student-success"].feedback
    assert decision.explanation[0].concluded == (
        "2 of 7 below 'evidenced': continuous-improvement, student-success"
    )
    # The university rated both areas higher than the assessor did.
    assert [(c.target, c.self_level, c.assessed_level) for c in decision.disagreements] == [
        ("continuous-improvement", "evidenced", "not-yet-evidenced"),
        ("student-success", "evidenced", "not-yet-evidenced"),
    ]
    assert len(decision.requests) == len(review.requests) == 2


def test_a_highlight_in_a_failing_submission_is_still_reported(
    decided: dict[str, Assessed],
) -> None:
    decision, _, _ = decided["nnecl-corran-university"]
    assert not decision.passed
    assert [(h.target, h.level, h.rule) for h in decision.highlights] == [
        ("admissions", "enhanced", "highlighted-practice")
    ]
    highlight = next(o for o in decision.explanation if o.effect == "highlight")
    assert highlight.concluded == "1 at a notable level: admissions (enhanced)"


def test_the_resubmission_carries_its_previous_action_plan_forward(
    decided: dict[str, Assessed],
) -> None:
    first, before, _ = decided["nnecl-brookmere-college"]
    decision, submission, _ = decided["nnecl-brookmere-college-resubmission"]
    assert submission.organisation.id == before.organisation.id
    # It names the award it renews, as the register names it, and comes before that expires.
    assert submission.previous_award == award_id(first)
    assert first.valid_until is not None
    assert submission.submitted_on is not None
    assert submission.submitted_on < decision.as_of <= first.valid_until
    carried = carry_forward(before, submission)
    assert carried.problems == ()
    outcomes = {a.id: a.outcome for a in carried.actions}
    assert outcomes == {
        "retention-gap": "carried",
        "estranged-data": "completed",
        "work-placements": "completed",
        "apprentices": "completed",
    }
    assert carried.new == ("adult-learners", "estranged-outreach")
    # Every previous action appears in the new plan; the open ones keep it awardable.
    assert {a.carried_from for a in submission.actions} - {""} == {a.id for a in before.actions}
    assert decision.explanation[1].saw == "6 action-plan item(s), 3 open"


def test_the_resubmission_is_awarded_for_three_more_years(
    decided: dict[str, Assessed],
) -> None:
    decision, _, _ = decided["nnecl-brookmere-college-resubmission"]
    assert (decision.status, decision.valid_until) == ("awarded", dt.date(2029, 1, 8))
    assert decision.midpoint_due == dt.date(2027, 7, 9)
    assert [h.target for h in decision.highlights] == [
        "continuous-improvement",
        "student-wellbeing",
        "collaboration-partnership",
    ]


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_states_its_definition_of_care_experience(
    name: str, decided: dict[str, Assessed]
) -> None:
    _, submission, _ = decided[name]
    assert submission.details["care_experience_definition"] in {"institutional", "statutory"}
    assert submission.details["working_group"]
    assert all(a.owner and a.due for a in submission.actions)


def test_the_demo_runs_the_fe_college(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--no-html"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Demo: Brookmere College (England)")
    assert "Decision:     Awarded the NNECL Quality Mark [awarded]" in out
    assert "mid-point review due 2024-07-20" in out
    assert (
        "  * Collaborative and partnership working [collaboration-partnership]: "
        "Exceptional practice" in out
    )


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("nnecl-brookmere-college", "Awarded the NNECL Quality Mark [awarded]"),
        ("nnecl-corran-university", "Not yet awarded [not-yet-awarded]"),
        ("nnecl-brookmere-college-resubmission", "Awarded the NNECL Quality Mark [awarded]"),
    ],
)
def test_each_example_runs_as_a_demo(
    name: str, status: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", name, "--no-html"]) == 0
    assert f"Decision:     {status}" in capsys.readouterr().out


def test_the_markdown_report_gives_the_feedback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "nnecl-corran-university", "--format", "markdown", "--no-html"]) == 0
    out = capsys.readouterr().out
    assert "Student success" in out
    assert "no family network" in out


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_installed_examples_are_the_repository_files(name: str) -> None:
    example: qmframe.Example = qmframe.default_registry().examples[name].value
    folder = REPO_EXAMPLES / Path(str(example.submission)).parent.name
    assert example.submission.read_text() == (folder / "submission.toml").read_text()
    assert example.review is not None
    assert example.review.read_text() == (folder / "review.toml").read_text()
