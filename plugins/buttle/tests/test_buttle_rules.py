"""How the rules decide: each part of the minimum offer is a veto, the commitment is
required, and the exemplary rating only informs (until award levels, issue 11)."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

import qmframe

AS_OF = dt.date(2013, 3, 25)
Pair = tuple[qmframe.Submission, qmframe.Review]


@pytest.fixture(scope="module")
def framework() -> qmframe.Framework:
    return qmframe.load_framework("buttle-quality-mark")


def _load(framework: qmframe.Framework, name: str) -> Pair:
    example: qmframe.Example = qmframe.default_registry().examples[name].value
    submission = qmframe.load_submission(example.submission, framework)
    assert example.review is not None
    return submission, qmframe.load_review(example.review, framework, submission)


@pytest.fixture(scope="module")
def thornbury(framework: qmframe.Framework) -> Pair:
    return _load(framework, "buttle-thornbury-university")


@pytest.fixture(scope="module")
def ashcombe(framework: qmframe.Framework) -> Pair:
    return _load(framework, "buttle-ashcombe-college")


def _judged(review: qmframe.Review, target: str, level: str) -> qmframe.Review:
    """Every panel member's judgement of ``target`` set to ``level``."""
    return attrs.evolve(
        review,
        judgements=tuple(
            attrs.evolve(j, level=level, rationale="") if j.target == target else j
            for j in review.judgements
        ),
    )


@pytest.mark.parametrize(
    ("criterion", "rule"),
    [
        ("mo-named-contact", "offer-named-contact"),
        ("mo-money", "offer-money"),
        ("mo-housing", "offer-accommodation"),
        ("mo-year-round", "offer-accommodation"),
        ("mo-support", "offer-support"),
    ],
)
def test_each_part_of_the_offer_vetoes_an_exemplary_university(
    framework: qmframe.Framework, thornbury: Pair, criterion: str, rule: str
) -> None:
    submission, review = thornbury
    decision = qmframe.assess(
        framework, submission, _judged(review, criterion, "not-in-place"), as_of=AS_OF
    )
    assert (decision.status, decision.passed, decision.valid_until) == (
        "not-awarded",
        False,
        None,
    )
    [unmet] = decision.unmet
    assert (unmet.target, unmet.rule) == (criterion, rule)
    declared = next(r for r in framework.decision.rules if r.id == rule)
    assert unmet.feedback == declared.feedback
    # Nothing else failed: three exemplary areas do not make up for it.
    failing = [o.rule for o in decision.explanation if not o.holds]
    assert failing == [rule]
    assert len(decision.highlights) == 3


def test_the_exemplary_rule_is_reported_even_when_the_award_is_refused(
    framework: qmframe.Framework, thornbury: Pair
) -> None:
    # Why the rating must become a cumulative award level (issue 11): today the inform rule
    # holds for a refused award, and only the status says the rating is moot.
    submission, review = thornbury
    decision = qmframe.assess(
        framework, submission, _judged(review, "mo-money", "not-in-place"), as_of=AS_OF
    )
    assert decision.status == "not-awarded"
    [rating] = [o for o in decision.explanation if o.rule == "exemplary-rating"]
    assert (rating.effect, rating.holds) == ("inform", True)


def test_an_unmet_commitment_area_is_not_awarded(
    framework: qmframe.Framework, ashcombe: Pair
) -> None:
    submission, review = ashcombe
    decision = qmframe.assess(
        framework, submission, _judged(review, "monitoring", "not-yet-met"), as_of=AS_OF
    )
    assert decision.status == "not-awarded"
    assert [(u.target, u.rule, u.reason) for u in decision.unmet] == [
        ("monitoring", "commitment-met", "'not-yet-met' is below 'met'")
    ]


def test_a_part_of_the_offer_that_is_not_published_is_not_awarded(
    framework: qmframe.Framework, ashcombe: Pair
) -> None:
    submission, review = ashcombe
    # Take money out of both documents that showed it.
    evidence = tuple(
        attrs.evolve(e, criteria=tuple(c for c in e.criteria if c != "mo-money"))
        for e in submission.evidence
    )
    decision = qmframe.assess(
        framework, attrs.evolve(submission, evidence=evidence), review, as_of=AS_OF
    )
    assert decision.status == "not-awarded"
    assert [(u.target, u.rule, u.reason) for u in decision.unmet] == [
        ("mo-money", "offer-published", "missing: 0 of 1 published-offer or policy")
    ]


def test_without_an_action_plan_there_is_no_commitment_to_improve(
    framework: qmframe.Framework, ashcombe: Pair
) -> None:
    submission, review = ashcombe
    decision = qmframe.assess(framework, attrs.evolve(submission, actions=()), review, as_of=AS_OF)
    assert decision.status == "not-awarded"
    [unmet] = decision.unmet
    assert (unmet.rule, unmet.title) == (
        "action-plan",
        "An action plan shows the commitment to improve",
    )


def test_two_exemplary_areas_are_enough_for_the_rating(
    framework: qmframe.Framework, ashcombe: Pair
) -> None:
    submission, review = ashcombe
    decision = qmframe.assess(
        framework, submission, _judged(review, "monitoring", "exemplary"), as_of=AS_OF
    )
    [rating] = [o for o in decision.explanation if o.rule == "exemplary-rating"]
    assert rating.holds
    assert [h.target for h in decision.highlights] == ["raising-aspirations", "monitoring"]


def test_a_college_judged_on_year_round_accommodation_is_not_held_to_it(
    framework: qmframe.Framework, ashcombe: Pair
) -> None:
    # Even if the panel records it, 365-day accommodation is asked of universities only.
    submission, review = ashcombe
    extra = (
        qmframe.Judgement(reviewer="panel-okoro", target="mo-year-round", level="not-in-place"),
        qmframe.Judgement(reviewer="panel-nash", target="mo-year-round", level="not-in-place"),
    )
    judged = attrs.evolve(review, judgements=review.judgements + extra)
    decision = qmframe.assess(framework, submission, judged, as_of=AS_OF)
    assert (decision.status, decision.unmet) == ("awarded", ())


def test_the_same_offer_at_a_university_must_be_year_round(
    framework: qmframe.Framework, ashcombe: Pair
) -> None:
    # Ashcombe's offer, made by a university, lacks the judgement of year-round
    # accommodation that a university needs.
    submission, review = ashcombe
    org = attrs.evolve(submission.organisation, kind="university")
    decision = qmframe.assess(
        framework, attrs.evolve(submission, organisation=org), review, as_of=AS_OF
    )
    assert decision.status == "not-awarded"
    reasons = {(u.target, u.rule): u.reason for u in decision.unmet}
    assert reasons[("mo-year-round", "offer-accommodation")] == "not judged"
    assert ("mo-year-round", "offer-published") in reasons


def test_one_panel_member_alone_does_not_settle_a_part_of_the_offer(
    framework: qmframe.Framework, ashcombe: Pair
) -> None:
    submission, review = ashcombe
    alone = attrs.evolve(
        review,
        judgements=tuple(
            j
            for j in review.judgements
            if not (j.target == "mo-support" and j.reviewer == "panel-nash")
        ),
    )
    decision = qmframe.assess(framework, submission, alone, as_of=AS_OF)
    assert decision.status == "not-awarded"
    [unmet] = decision.unmet
    assert (unmet.target, unmet.rule) == ("mo-support", "offer-support")
    assert unmet.reason == "judged by 1 of the 2 reviewers the panel needs: in-place"


def test_a_self_assessment_alone_is_only_an_indication(
    framework: qmframe.Framework, thornbury: Pair
) -> None:
    decision = qmframe.assess(framework, thornbury[0], as_of=AS_OF)
    assert (decision.basis, decision.status) == ("indication", "indication")
    assert (decision.indicated_status, decision.passed) == ("awarded", False)
    # On its own ratings Thornbury would have had four exemplary areas, not three.
    assert len(decision.highlights) == 4
