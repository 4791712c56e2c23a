"""The worked examples: an exemplary university, a college at the minimum, and a
university refused for want of year-round accommodation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import qmframe
from qmframe.cli import main

REPO_EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "qmframe_buttle" / "examples"
EXAMPLES = (
    "buttle-thornbury-university",
    "buttle-ashcombe-college",
    "buttle-glenmuir-university",
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


def _holds(decision: qmframe.Decision) -> dict[str, bool]:
    return {o.rule: o.holds for o in decision.explanation}


def test_an_exemplary_university_renewal(decided: dict[str, Assessed]) -> None:
    decision, submission, review = decided["buttle-thornbury-university"]
    assert (submission.organisation.kind, submission.organisation.context) == (
        "university",
        "england",
    )
    assert submission.previous_award == "buttle-quality-mark/thornbury-university/2011-03-21"
    assert (decision.status, decision.passed, decision.basis) == ("awarded", True, "review")
    assert decision.unmet == ()
    assert [(h.target, h.level, h.rule) for h in decision.highlights] == [
        ("raising-aspirations", "exemplary", "exemplary-areas"),
        ("entry-support", "exemplary", "exemplary-areas"),
        ("monitoring", "exemplary", "exemplary-areas"),
    ]
    # Every rule holds, the exemplary rating included: a renewal rated exemplary.
    assert set(_holds(decision).values()) == {True}
    [rating] = [o for o in decision.explanation if o.rule == "exemplary-rating"]
    assert rating.concluded == "3 at or above 'exemplary', at least the 2 required"
    assert decision.award_level == "exemplary"
    # The minimum counts five parts of the offer, four areas and the action plan; exemplary
    # the renewal and the two exemplary areas it needs.
    assert [(p.level, p.reached, p.held, p.required, p.missing) for p in decision.progress] == [
        ("minimum", True, 10, 10, ()),
        ("exemplary", True, 3, 3, ()),
    ]
    # Year-round accommodation was judged, because Thornbury is a university.
    [housing] = [o for o in decision.explanation if o.rule == "offer-accommodation"]
    assert housing.saw.endswith("mo-housing=in-place, mo-year-round=in-place")
    assert (decision.valid_from, decision.valid_until, decision.midpoint_due) == (
        dt.date(2013, 3, 25),
        dt.date(2015, 3, 24),
        None,
    )
    # The panel divided on admissions and took the lower judgement; the university had
    # rated itself exemplary there.
    [split] = decision.panel_disagreements
    assert (split.target, dict(split.levels), split.decided) == (
        "admissions",
        {"panel-okoro": "met", "panel-fraser": "exemplary"},
        "met",
    )
    assert [(c.target, c.self_level, c.assessed_level) for c in decision.disagreements] == [
        ("admissions", "exemplary", "met")
    ]
    assert len(review.reviewers) == 2


def test_a_college_at_the_minimum(decided: dict[str, Assessed]) -> None:
    decision, submission, _ = decided["buttle-ashcombe-college"]
    assert (submission.organisation.kind, submission.kind, submission.previous_award) == (
        "college",
        "application",
        "",
    )
    assert (decision.status, decision.passed) == ("awarded", True)
    assert decision.unmet == ()
    assert [(h.target, h.level) for h in decision.highlights] == [
        ("raising-aspirations", "exemplary")
    ]
    holds = _holds(decision)
    # One exemplary area is a highlight, not an exemplary rating, and a first award is not a
    # renewal: the award is at the minimum.
    assert (holds.pop("exemplary-rating"), holds.pop("is-renewal")) == (False, False)
    assert set(holds.values()) == {True}
    assert decision.award_level == "minimum"
    minimum, exemplary = decision.progress
    # No year-round accommodation is asked of a college: four parts of the offer.
    assert (minimum.reached, minimum.held, minimum.required) == (True, 9, 9)
    assert (exemplary.reached, exemplary.held, exemplary.required) == (False, 1, 3)
    assert [(m.target, m.rule) for m in exemplary.missing] == [
        ("", "is-renewal"),
        ("admissions", "exemplary-rating"),
        ("entry-support", "exemplary-rating"),
        ("monitoring", "exemplary-rating"),
    ]
    # A college is not asked for 365-day accommodation.
    [housing] = [o for o in decision.explanation if o.rule == "offer-accommodation"]
    assert housing.saw == (
        "1 applicable criteria tagged 'accommodation': "
        "mo-housing=in-place, mo-year-round=not applicable"
    )
    assert all(r.target != "mo-year-round" for r in submission.ratings)
    assert decision.valid_until == dt.date(2015, 6, 13)
    assert decision.disagreements == ()
    assert decision.panel_disagreements == ()


def test_a_university_without_year_round_accommodation_is_not_awarded(
    decided: dict[str, Assessed],
) -> None:
    decision, submission, _ = decided["buttle-glenmuir-university"]
    assert (submission.organisation.kind, submission.organisation.context) == (
        "university",
        "scotland",
    )
    assert (decision.status, decision.passed) == ("not-awarded", False)
    assert (decision.valid_from, decision.valid_until) == (None, None)
    # Only the veto on accommodation fails; everything else the award needs holds.
    failing = [o.rule for o in decision.explanation if not o.holds]
    assert failing == ["offer-accommodation", "is-renewal", "exemplary-rating"]
    # No award, so no award level; the minimum lacks the one part of the offer.
    assert decision.award_level == ""
    minimum, exemplary = decision.progress
    assert (minimum.reached, minimum.held, minimum.required) == (False, 9, 10)
    assert [(m.target, m.rule) for m in minimum.missing] == [
        ("mo-year-round", "offer-accommodation")
    ]
    assert (exemplary.reached, exemplary.held, exemplary.required) == (False, 1, 3)
    [unmet] = decision.unmet
    assert (unmet.target, unmet.rule, unmet.reason) == (
        "mo-year-round",
        "offer-accommodation",
        "'not-in-place' is below 'in-place'",
    )
    assert unmet.title == "Accommodation all year round"
    # The feedback is the panel's own, not the rule's default.
    assert "52-week let in halls" in unmet.feedback
    # The university thought its 38-week halls were enough.
    assert [(c.target, c.self_level, c.assessed_level) for c in decision.disagreements] == [
        ("mo-year-round", "in-place", "not-in-place")
    ]
    # What is exemplary still stands in the feedback.
    assert [(h.target, h.level) for h in decision.highlights] == [("admissions", "exemplary")]


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("buttle-thornbury-university", "Awarded the Buttle UK Quality Mark (Exemplary) [awarded]"),
        ("buttle-ashcombe-college", "Awarded the Buttle UK Quality Mark (Minimum) [awarded]"),
        ("buttle-glenmuir-university", "Not awarded [not-awarded]"),
    ],
)
def test_each_example_runs_as_a_demo(
    name: str, status: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", name, "--no-html"]) == 0
    assert f"Decision:     {status}" in capsys.readouterr().out


def test_the_letter_names_the_level_and_what_the_next_one_needs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "buttle-ashcombe-college", "--format", "letter", "--no-html"]) == 0
    flat = " ".join(capsys.readouterr().out.split())
    assert (
        "We are pleased to tell you that the decision is: Awarded the Buttle UK Quality Mark, "
        "at the Minimum level. The institution offers care leavers the minimum support"
    ) in flat
    assert "Towards the Exemplary level: 1 of the 3 things it needs are in place." in flat
    assert "The submission renews an award: The exemplary rating is given on renewal" in flat


def test_the_markdown_report_gives_the_panels_feedback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "buttle-glenmuir-university", "--format", "markdown", "--no-html"]) == 0
    out = capsys.readouterr().out
    assert "Accommodation all year round" in out
    assert "52-week let in halls" in out


def test_the_examples_are_listed_but_not_the_default_demo(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--list"]) == 0
    out = capsys.readouterr().out
    for name in EXAMPLES:
        assert name in out
    registry = qmframe.default_registry()
    assert not any(registry.examples[name].value.demo for name in EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_part_of_the_offer_rated_in_place_says_where_it_is_published(
    name: str, decided: dict[str, Assessed]
) -> None:
    _, submission, _ = decided[name]
    published = submission.details["published_offer"]
    offer = [r for r in submission.ratings if r.target.startswith("mo-")]
    assert offer
    assert all(f"{published}#" in r.justification for r in offer if r.level == "in-place")


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_names_its_contact_and_plans_ahead(
    name: str, decided: dict[str, Assessed]
) -> None:
    _, submission, _ = decided[name]
    assert submission.details["named_contact"]
    assert submission.details["published_offer"].startswith("https://")
    assert int(submission.details["care_leavers_enrolled"]) > 0
    assert submission.actions
    assert all(a.owner and a.due for a in submission.actions)


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_installed_examples_are_the_repository_files(name: str) -> None:
    example: qmframe.Example = qmframe.default_registry().examples[name].value
    folder = REPO_EXAMPLES / Path(str(example.submission)).parent.name
    assert example.submission.read_text() == (folder / "submission.toml").read_text()
    assert example.review is not None
    assert example.review.read_text() == (folder / "review.toml").read_text()
