"""How the rules decide: each part of the minimum offer is a veto, the commitment is
required, and the exemplary award level needs a renewal with two exemplary areas on top of
everything the minimum needs; a submission's ratings carry the justification the file asks."""

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


def test_a_refused_award_reaches_no_level_though_the_exemplary_rules_hold(
    framework: qmframe.Framework, thornbury: Pair
) -> None:
    # The levels are cumulative: exemplary needs the minimum, which needs the award.
    submission, review = thornbury
    decision = qmframe.assess(
        framework, submission, _judged(review, "mo-money", "not-in-place"), as_of=AS_OF
    )
    assert (decision.status, decision.award_level) == ("not-awarded", "")
    [rating] = [o for o in decision.explanation if o.rule == "exemplary-rating"]
    assert (rating.effect, rating.holds) == ("level", True)
    minimum, exemplary = decision.progress
    assert (minimum.reached, minimum.held, minimum.required) == (False, 9, 10)
    assert [(m.target, m.rule) for m in minimum.missing] == [("mo-money", "offer-money")]
    # Everything exemplary asks of its own holds: complete, but not reached.
    assert (exemplary.complete, exemplary.reached, exemplary.missing) == (True, False, ())


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
    # A first award stays at the minimum, however exemplary: the rating is given on renewal.
    assert decision.award_level == "minimum"
    exemplary = decision.progress_of("exemplary")
    assert exemplary is not None
    assert (exemplary.held, exemplary.required) == (2, 3)
    assert [m.rule for m in exemplary.missing] == ["is-renewal"]
    renewal = attrs.evolve(submission, previous_award="buttle-quality-mark/ashcombe-college/2011")
    decision = qmframe.assess(
        framework, renewal, _judged(review, "monitoring", "exemplary"), as_of=AS_OF
    )
    assert decision.award_level == "exemplary"


def test_one_exemplary_area_on_renewal_stays_at_the_minimum(
    framework: qmframe.Framework, thornbury: Pair
) -> None:
    submission, review = thornbury
    for area in ("raising-aspirations", "entry-support"):
        review = _judged(review, area, "met")
    decision = qmframe.assess(framework, submission, review, as_of=AS_OF)
    assert (decision.status, decision.award_level) == ("awarded", "minimum")
    exemplary = decision.progress_of("exemplary")
    assert exemplary is not None
    # The renewal holds, and one of the two exemplary areas the level needs.
    assert (exemplary.held, exemplary.required, exemplary.fraction) == (2, 3, 2 / 3)
    assert [m.target for m in exemplary.missing] == [
        "raising-aspirations",
        "admissions",
        "entry-support",
    ]


@pytest.mark.parametrize(
    ("target", "change", "code", "message"),
    [
        (
            "mo-money",
            {"justification": "", "narrative": ""},
            "needs-justification",
            "a rating of 'in-place' (met) needs a justification",
        ),
        (
            # The narrative counts, but says nowhere where students read it.
            "mo-money",
            {"justification": "", "narrative": "A bursary of £1,000 a year, on our website."},
            "needs-url",
            "a rating of 'in-place' (met) needs a justification with a web address",
        ),
        (
            "admissions",
            {"justification": "", "narrative": "Contextual offers for all care leavers."},
            "needs-justification",
            "a rating of 'exemplary' (notable) needs a justification of at least 200 "
            "characters; this one has 39",
        ),
    ],
)
def test_a_rating_without_the_justification_the_file_asks_is_refused(
    framework: qmframe.Framework,
    thornbury: Pair,
    target: str,
    change: dict[str, str],
    code: str,
    message: str,
) -> None:
    submission, review = thornbury
    index = next(i for i, r in enumerate(submission.ratings) if r.target == target)
    ratings = list(submission.ratings)
    ratings[index] = attrs.evolve(ratings[index], **change)
    changed = attrs.evolve(submission, ratings=tuple(ratings))
    with pytest.raises(qmframe.ValidationError) as raised:
        qmframe.assess(framework, changed, review, as_of=AS_OF)
    [problem] = raised.value.problems
    assert (problem.path, problem.code) == (f"ratings[{index}].justification", code)
    assert problem.message.startswith(message)


def test_a_rating_that_does_not_meet_needs_no_justification(
    framework: qmframe.Framework, thornbury: Pair
) -> None:
    # Saying a part of the offer is not in place needs no web address.
    submission, review = thornbury
    ratings = tuple(
        attrs.evolve(r, level="not-in-place", justification="") if r.target == "mo-money" else r
        for r in submission.ratings
    )
    decision = qmframe.assess(
        framework, attrs.evolve(submission, ratings=ratings), review, as_of=AS_OF
    )
    assert decision.award_level == "exemplary"


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
    # An indication reaches no award level, but shows how far the ratings go.
    assert decision.award_level == ""
    assert [(p.level, p.complete, p.reached) for p in decision.progress] == [
        ("minimum", True, False),
        ("exemplary", True, False),
    ]
