"""Each rule of the NASENCO QSF, the plugin's checks, conflicts of interest and the panel policy.

Every test starts from a passing worked example and changes one thing, so a
failure points at the rule that caught it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from qmframe_nasenco import ValidatingUniversity

import qmframe
from qmframe.cli import main

CRITERIA = (
    "entry-1",
    "entry-2",
    "delivery-1",
    "delivery-2",
    "delivery-3",
    "delivery-4",
    "data-1",
    "data-2",
    "pvta-1",
    "pvta-2",
    "pvta-3",
    "pvta-outcomes",
    "pvta-impact",
)
Loaded = tuple[qmframe.Framework, qmframe.Submission, qmframe.Review, dt.date]


def _load(name: str) -> Loaded:
    example: qmframe.Example = qmframe.default_registry().examples[name].value
    framework = qmframe.load_framework(example.framework)
    submission = qmframe.load_submission(example.submission, framework)
    assert example.review is not None
    review = qmframe.load_review(example.review, framework, submission)
    return framework, submission, review, dt.date.fromisoformat(example.as_of)


@pytest.fixture
def university() -> Loaded:
    return _load("nasenco-northfield-first")


@pytest.fixture
def private() -> Loaded:
    return _load("nasenco-eastgate-resubmission")


def _assess(
    loaded: Loaded,
    *,
    submission: qmframe.Submission | None = None,
    review: qmframe.Review | None = None,
    framework: qmframe.Framework | None = None,
) -> qmframe.Decision:
    fw, sub, rev, as_of = loaded
    return qmframe.assess(framework or fw, submission or sub, review or rev, as_of=as_of)


def _unmet(decision: qmframe.Decision, rule: str) -> list[str]:
    return [u.target for u in decision.unmet if u.rule == rule]


def test_the_starting_points_pass(university: Loaded, private: Loaded) -> None:
    assert _assess(university).status == "registered"
    assert _assess(private).status == "registered"


# -- every standard must be acceptable --------------------------------------------------------


@pytest.mark.parametrize("target", CRITERIA)
def test_one_standard_not_yet_acceptable_means_revise_with_its_feedback(
    university: Loaded, target: str
) -> None:
    review = university[2]
    first = review.reviewers[0].id
    judgements = tuple(
        attrs.evolve(j, level="not-yet-acceptable", rationale=f"Say more about {target}.")
        if (j.target, j.reviewer) == (target, first)
        else j
        for j in review.judgements
    )
    decision = _assess(university, review=attrs.evolve(review, judgements=judgements))
    assert (decision.status, decision.passed) == ("revise-and-resubmit", False)
    assert decision.valid_until is None
    assert [(u.target, u.feedback) for u in decision.unmet] == [
        (target, f"Say more about {target}.")
    ]
    assert [p.target for p in decision.panel_disagreements] == [target]


def test_without_a_rationale_the_feedback_is_the_frameworks(university: Loaded) -> None:
    review = university[2]
    judgements = tuple(
        attrs.evolve(j, level="not-yet-acceptable", rationale="") if j.target == "data-1" else j
        for j in review.judgements
    )
    decision = _assess(university, review=attrs.evolve(review, judgements=judgements))
    [unmet] = decision.unmet
    assert unmet.target == "data-1"
    assert unmet.feedback.startswith("Revise this standard and resubmit")
    assert decision.panel_disagreements == ()  # both reviewers agreed it is not yet acceptable


# -- the panel ---------------------------------------------------------------------------------


def test_the_declared_policy_decides_a_split(university: Loaded) -> None:
    review = university[2]
    first = review.reviewers[0].id
    judgements = tuple(
        attrs.evolve(j, level="not-yet-acceptable")
        if (j.target, j.reviewer) == ("pvta-2", first)
        else j
        for j in review.judgements
    )
    split = attrs.evolve(review, judgements=judgements)
    lowest = _assess(university, review=split)
    assert _unmet(lowest, "all-acceptable") == ["pvta-2"]
    assert lowest.panel_disagreements[0].decided == "not-yet-acceptable"
    # The same split under a framework declaring unanimity leaves the standard unresolved.
    unanimous_fw = attrs.evolve(
        university[0], review=qmframe.ReviewPolicy(min_reviewers=2, combine="unanimous")
    )
    unanimous = _assess(university, review=split, framework=unanimous_fw)
    [unmet] = unanimous.unmet
    assert unmet.reason == "panel not unanimous: not-yet-acceptable, acceptable"
    assert unanimous.panel_disagreements[0].decided == ""


def test_a_panel_of_one_gives_only_an_indication(university: Loaded, tmp_path: Path) -> None:
    framework, submission, review, _ = university
    alone = review.reviewers[0].id
    single = attrs.evolve(
        review,
        reviewers=review.reviewers[:1],
        judgements=tuple(j for j in review.judgements if j.reviewer == alone),
    )
    qmframe.write_toml(tmp_path / "review.toml", single)
    loaded = qmframe.load_review(tmp_path / "review.toml", framework, submission)
    decision = qmframe.assess(framework, submission, loaded)
    assert (decision.status, decision.passed, decision.valid_until) == ("indication", False, None)
    assert decision.basis_note == (
        "the review names 1 of the 2 reviewers the framework requires for an award"
    )
    warnings = qmframe.validate_submission(framework, submission, review=loaded)
    assert [p.code for p in warnings if p.severity == "warning"] == ["too-few-reviewers"]


# -- conflicts of interest -------------------------------------------------------------------


def _with_reviewer(review: qmframe.Review, index: int, **changes: object) -> qmframe.Review:
    reviewers = list(review.reviewers)
    reviewers[index] = attrs.evolve(reviewers[index], **changes)
    return attrs.evolve(review, reviewers=tuple(reviewers))


def _interest(kind: str) -> Callable[[str], dict[str, object]]:
    return lambda applicant: {"interests": (qmframe.Interest(organisation=applicant, kind=kind),)}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (_interest("external-examiner"), "declared an interest in '{a}' (external-examiner)"),
        (_interest("consultant"), "declared an interest in '{a}' (consultant)"),
        (lambda applicant: {"organisation": applicant}, "works for '{a}'"),
        (
            lambda applicant: {"organisation": "harbourside-university"},
            "works for 'harbourside-university', which validates '{a}'",
        ),
    ],
)
def test_a_conflicted_reviewer_is_refused_for_that_application(
    private: Loaded,
    tmp_path: Path,
    changes: Callable[[str], dict[str, object]],
    reason: str,
) -> None:
    framework, submission, review, _ = private
    applicant = submission.organisation.id
    conflicted = _with_reviewer(review, 1, **changes(applicant))
    qmframe.write_toml(tmp_path / "review.toml", conflicted)
    with pytest.raises(qmframe.ConflictOfInterestError) as caught:
        qmframe.load_review(tmp_path / "review.toml", framework, submission)
    [problem] = caught.value.problems
    name = conflicted.reviewers[1]
    assert problem.message.startswith(f"conflict of interest: reviewer {name.id!r} ({name.name}) ")
    assert reason.format(a=applicant) in problem.message
    assert problem.path == "reviewers[1]"
    assert problem.file == str(tmp_path / "review.toml")


def test_the_command_line_refuses_a_conflicted_panel(
    private: Loaded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    framework, submission, review, _ = private
    interest = qmframe.Interest(organisation=submission.organisation.id, kind="external-examiner")
    qmframe.write_toml(tmp_path / "submission.toml", submission)
    qmframe.write_toml(tmp_path / "review.toml", _with_reviewer(review, 0, interests=(interest,)))
    code = main(
        [
            "assess",
            framework.id,
            str(tmp_path / "submission.toml"),
            "--review",
            str(tmp_path / "review.toml"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert f"conflict of interest: reviewer {review.reviewers[0].id!r}" in err
    assert "(external-examiner)" in err


def test_an_interest_elsewhere_is_no_conflict(private: Loaded, tmp_path: Path) -> None:
    framework, submission, review, _ = private
    elsewhere = qmframe.Interest(organisation="kingsmere-university", kind="external-examiner")
    qmframe.write_toml(tmp_path / "review.toml", _with_reviewer(review, 0, interests=(elsewhere,)))
    loaded = qmframe.load_review(tmp_path / "review.toml", framework, submission)
    assert loaded.reviewers[0].interests == (elsewhere,)


# -- evidence ------------------------------------------------------------------------------------


def test_the_impact_standard_needs_headteachers_accounts(private: Loaded) -> None:
    submission = private[1]
    kept = tuple(e for e in submission.evidence if e.type != "headteacher-feedback")
    decision = _assess(private, submission=attrs.evolve(submission, evidence=kept))
    assert decision.status == "revise-and-resubmit"
    # delivery-3 and delivery-4 accept other documents; pvta-impact needs this kind.
    assert _unmet(decision, "evidence") == ["pvta-impact"]
    [unmet] = [u for u in decision.unmet if u.rule == "evidence"]
    assert "0 of 1 headteacher-feedback" in unmet.reason


# -- coverage of the 49 learning outcomes ------------------------------------------------------


def _drop_outcome(submission: qmframe.Submission, outcome: str) -> qmframe.Submission:
    evidence = tuple(
        attrs.evolve(e, outcomes=tuple(o for o in e.outcomes if o != outcome))
        for e in submission.evidence
    )
    return attrs.evolve(submission, evidence=evidence)


def test_an_unassessed_outcome_is_listed_by_id(private: Loaded) -> None:
    framework = private[0]
    outcome_set = framework.outcome_set("nctl-2014")
    assert outcome_set is not None
    for outcome in (outcome_set.outcomes[0].id, outcome_set.outcomes[-1].id):
        decision = _assess(private, submission=_drop_outcome(private[1], outcome))
        assert decision.status == "revise-and-resubmit"
        assert _unmet(decision, "outcomes-assessed") == [outcome]
        coverage = next(o for o in decision.explanation if o.rule == "outcomes-assessed")
        assert coverage.concluded == f"1 not covered: {outcome}"


def test_only_the_assessment_map_counts(private: Loaded) -> None:
    submission = _drop_outcome(private[1], "B3")
    # Naming the outcome in the module handbook does not make an assignment assess it.
    evidence = tuple(
        attrs.evolve(e, outcomes=("B3",)) if e.type == "module-handbook" else e
        for e in submission.evidence
    )
    decision = _assess(private, submission=attrs.evolve(submission, evidence=evidence))
    assert _unmet(decision, "outcomes-assessed") == ["B3"]


def test_an_assessment_map_entry_must_list_outcomes(private: Loaded, tmp_path: Path) -> None:
    framework, submission, _, _ = private
    index = next(i for i, e in enumerate(submission.evidence) if e.type == "assessment-map")
    evidence = list(submission.evidence)
    evidence[index] = attrs.evolve(evidence[index], outcomes=())
    qmframe.write_toml(tmp_path / "s.toml", attrs.evolve(submission, evidence=tuple(evidence)))
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_submission(tmp_path / "s.toml", framework)
    [problem] = caught.value.problems
    assert problem.path == f"evidence[{index}].outcomes"
    assert "must list the learning outcomes" in problem.message


# -- the validating university -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "linked", "holds", "concluded"),
    [
        ("private-provider", {}, False, "no validating university is named"),
        ("private-provider", {"validating_university": "  "}, False, "no validating university"),
        ("private-provider", {"validating_university": "SELF"}, False, "names itself"),
        ("private-provider", {"validating_university": "kingsmere-university"}, True, "validated"),
        ("university", {}, True, "not required of a university"),
    ],
)
def test_a_private_provider_names_its_validating_university(
    private: Loaded, kind: str, linked: dict[str, str], holds: bool, concluded: str
) -> None:
    submission = private[1]
    org = submission.organisation
    linked = {k: org.id if v == "SELF" else v for k, v in linked.items()}
    changed = attrs.evolve(submission, organisation=attrs.evolve(org, kind=kind, linked=linked))
    decision = _assess(private, submission=changed)
    outcome = next(o for o in decision.explanation if o.rule == "validating-university")
    assert outcome.holds is holds
    assert concluded in outcome.concluded
    assert decision.passed is holds
    if not holds:
        # It is feedback in the decision, not an input error.
        [unmet] = decision.unmet
        assert unmet.rule == "validating-university"
        assert "validating_university" in unmet.feedback


def test_an_unknown_link_is_a_warning(private: Loaded) -> None:
    framework, submission, _, _ = private
    org = submission.organisation
    changed = attrs.evolve(
        submission, organisation=attrs.evolve(org, linked={**org.linked, "parent": "x"})
    )
    problems = qmframe.validate_submission(framework, changed)
    assert [(p.path, p.severity) for p in problems] == [("organisation.linked.parent", "warning")]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"organisation_kinds": ["charity"]}, "unknown organisation kind 'charity'"),
        ({"organisation_kinds": "private-provider"}, "expected a list of organisation kinds"),
        ({"kinds": ["university"]}, "unknown key 'kinds'"),
    ],
)
def test_the_rule_kind_checks_its_parameters(
    private: Loaded, params: dict[str, object], message: str
) -> None:
    framework = private[0]
    rule = qmframe.Rule(id="v", kind=ValidatingUniversity.name, params=params)
    rules = (*framework.decision.rules, rule)
    broken = attrs.evolve(framework, decision=attrs.evolve(framework.decision, rules=rules))
    problems = qmframe.default_registry().check_framework(broken)
    assert any(message in p.message for p in problems if p.severity == "error")


def test_the_rule_kind_can_cover_other_kinds(private: Loaded) -> None:
    framework, submission, _, _ = private
    rule = qmframe.Rule(
        id="v", kind=ValidatingUniversity.name, params={"organisation_kinds": ["university"]}
    )
    fw = attrs.evolve(framework, decision=attrs.evolve(framework.decision, rules=(rule,)))
    uni = attrs.evolve(
        submission, organisation=attrs.evolve(submission.organisation, kind="university", linked={})
    )
    decision = _assess(private, submission=uni, framework=fw)
    assert not decision.passed
    assert decision.explanation[0].concluded == "no validating university is named"
