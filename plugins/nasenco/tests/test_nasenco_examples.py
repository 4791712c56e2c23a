"""The worked examples: first registration, revise and resubmit, resubmission, re-registration."""

from __future__ import annotations

import datetime as dt

import pytest

import qmframe
from qmframe.cli import main


def _decide(name: str) -> tuple[qmframe.Decision, qmframe.Submission, qmframe.Review]:
    example: qmframe.Example = qmframe.default_registry().examples[name].value
    framework = qmframe.load_framework(example.framework)
    submission = qmframe.load_submission(example.submission, framework)
    assert example.review is not None
    review = qmframe.load_review(example.review, framework, submission)
    as_of = dt.date.fromisoformat(example.as_of)
    return qmframe.assess(framework, submission, review, as_of=as_of), submission, review


def test_a_university_registered_first_time() -> None:
    decision, submission, review = _decide("nasenco-northfield-first")
    assert submission.organisation.kind == "university"
    assert not submission.previous_award
    assert len(review.reviewers) >= 2
    assert (decision.status, decision.passed) == ("registered", True)
    assert (decision.valid_from, decision.valid_until) == (
        dt.date(2018, 3, 1),
        dt.date(2021, 2, 28),
    )
    assert decision.unmet == ()
    assert decision.panel_disagreements == ()


def test_a_private_provider_asked_to_revise_and_resubmit() -> None:
    decision, submission, _ = _decide("nasenco-eastgate-first")
    assert submission.organisation.kind == "private-provider"
    assert (decision.status, decision.passed) == ("revise-and-resubmit", False)
    assert decision.valid_until is None
    by_rule: dict[str, list[str]] = {}
    for unmet in decision.unmet:
        by_rule.setdefault(unmet.rule, []).append(unmet.target)
    assert by_rule == {
        "all-acceptable": ["pvta-1", "pvta-outcomes", "pvta-impact"],
        "outcomes-assessed": ["B7", "C4"],
        "validating-university": [""],
    }
    # Feedback per standard, from the panel's own rationales.
    feedback = {u.target: u.feedback for u in decision.unmet}
    assert "B7 and C4" in feedback["pvta-outcomes"]
    assert "not evidence of its effect" in feedback["pvta-impact"]
    coverage = next(o for o in decision.explanation if o.rule == "outcomes-assessed")
    assert coverage.concluded == "2 not covered: B7, C4"
    link = next(o for o in decision.explanation if o.rule == "validating-university")
    assert link.concluded == "no validating university is named"
    # The panel divided on the impact standard; lowest level wins, and the split is shown.
    [split] = decision.panel_disagreements
    assert split.target == "pvta-impact"
    assert dict(split.levels) == {"qsg-patel": "not-yet-acceptable", "qsg-okafor": "acceptable"}
    assert (split.decided, split.policy) == ("not-yet-acceptable", "lowest")


def test_the_revised_application_is_registered() -> None:
    first, before, _ = _decide("nasenco-eastgate-first")
    decision, submission, review = _decide("nasenco-eastgate-resubmission")
    assert submission.organisation.id == before.organisation.id
    assert submission.organisation.linked == {"validating_university": "harbourside-university"}
    assert (decision.status, decision.passed) == ("registered", True)
    assert decision.valid_until == dt.date(2021, 11, 14)
    assert submission.submitted_on is not None
    assert submission.submitted_on > first.as_of
    # Rotating membership: nobody from the validating university sits on the panel.
    assert "harbourside-university" not in {r.organisation for r in review.reviewers}


def test_a_re_registration_after_three_years() -> None:
    earlier, _, _ = _decide("nasenco-northfield-first")
    decision, submission, _ = _decide("nasenco-northfield-reregistration")
    assert submission.previous_award
    assert earlier.valid_until is not None
    assert decision.as_of <= earlier.valid_until  # re-registered before the listing lapsed
    assert (decision.status, decision.valid_until) == ("registered", dt.date(2024, 2, 14))


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("nasenco-northfield-first", "Registered as a quality provider [registered]"),
        ("nasenco-eastgate-first", "Revise and resubmit [revise-and-resubmit]"),
        ("nasenco-eastgate-resubmission", "Registered as a quality provider [registered]"),
        ("nasenco-northfield-reregistration", "Registered as a quality provider [registered]"),
    ],
)
def test_each_example_runs_as_a_demo(
    name: str, status: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", name]) == 0
    assert f"Decision:     {status}" in capsys.readouterr().out


def test_the_divided_panel_shows_in_the_markdown_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "nasenco-eastgate-first", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "## Panel members differ" in out
    assert "qsg-patel not-yet-acceptable, qsg-okafor acceptable; decided" in out
