"""The plugin's own checks, and edge cases of the decision."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest
from qmframe_nnecl import qmframe_check_submission

import qmframe
from qmframe.cli import main

AS_OF = dt.date(2023, 1, 20)


@pytest.fixture(scope="module")
def framework() -> qmframe.Framework:
    return qmframe.load_framework("nnecl-quality-mark")


@pytest.fixture(scope="module")
def brookmere(framework: qmframe.Framework) -> tuple[qmframe.Submission, qmframe.Review]:
    example: qmframe.Example = qmframe.default_registry().examples["nnecl-brookmere-college"].value
    submission = qmframe.load_submission(example.submission, framework)
    assert example.review is not None
    return submission, qmframe.load_review(example.review, framework, submission)


def _problems(framework: qmframe.Framework, submission: qmframe.Submission) -> list[str]:
    return [
        f"{p.severity} {p.path}: {p.message}"
        for p in qmframe.validate_submission(framework, submission)
    ]


def _details(submission: qmframe.Submission, **changes: str | None) -> qmframe.Submission:
    details = dict(submission.details)
    for key, value in changes.items():
        if value is None:
            details.pop(key, None)
        else:
            details[key] = value
    return attrs.evolve(submission, details=details)


# -- the definition of care experience (declared in the framework file) -----------------------

DEFINITIONS = ("ucas", "hesa-01", "hesa-04", "statutory", "institutional")


def test_the_definition_is_declared_in_the_file_not_in_code(framework: qmframe.Framework) -> None:
    declared = {d.key: d for d in framework.submission_details}
    definition = declared["care_experience_definition"]
    assert (definition.type, definition.required) == ("choice", True)
    assert tuple(definition.choices) == DEFINITIONS
    assert definition.choices["institutional"].endswith("worded in care_experience_definition_text")
    wording = declared["care_experience_definition_text"]
    assert wording.required_if is not None
    assert (wording.required_if.key, wording.required_if.equals) == (
        "care_experience_definition",
        "institutional",
    )
    # The plugin's own check is only of the action plan now.
    submission = _details(
        qmframe.load_submission(
            qmframe.default_registry().examples["nnecl-brookmere-college"].value.submission,
            framework,
        ),
        care_experience_definition=None,
    )
    assert qmframe_check_submission(framework, submission, None) == []


def test_the_examples_pass_and_every_decision_checks_the_definition(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission, review = brookmere
    assert _problems(framework, submission) == []
    # With the review too: every decision runs these checks, reviewed or not, so a
    # reviewed submission without its definition is refused like any other.
    missing = _details(submission, care_experience_definition=None)
    problems = qmframe.validate_submission(framework, missing, review=review)
    assert [(p.path, p.code) for p in problems] == [
        ("details.care_experience_definition", "missing-value")
    ]
    with pytest.raises(qmframe.ValidationError, match="definition of care experience"):
        qmframe.assess(framework, missing, review)


def test_the_definition_of_care_experience_must_be_stated(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission = _details(brookmere[0], care_experience_definition=None)
    [problem] = _problems(framework, submission)
    assert problem.startswith(
        "error details.care_experience_definition: required, and missing: Which definition "
        "of care experience this submission uses"
    )
    assert f"(one of: {', '.join(DEFINITIONS)})" in problem


def test_an_unknown_definition_is_refused_with_the_choices(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission = _details(brookmere[0], care_experience_definition="ofs")
    assert _problems(framework, submission) == [
        "error details.care_experience_definition: unknown choice 'ofs' (expected one of: "
        f"{', '.join(DEFINITIONS)})"
    ]


def test_an_institutions_own_definition_must_be_written_out(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission = _details(brookmere[0], care_experience_definition_text="  ")
    assert _problems(framework, submission) == [
        "error details.care_experience_definition_text: required when "
        "care_experience_definition is 'institutional', and missing: The institution's own "
        "definition of care experience, written out in full"
    ]
    # A named definition needs no wording of its own.
    ucas = _details(submission, care_experience_definition="ucas")
    assert _problems(framework, ucas) == []


def test_a_detail_the_file_does_not_declare_is_refused(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission = _details(brookmere[0], care_experiance_definition="ucas")
    [problem] = _problems(framework, submission)
    assert problem.startswith(
        "error details.care_experiance_definition: unknown detail 'care_experiance_definition' "
        "(this framework asks for: care_experience_definition, care_experience_definition_text,"
    )


def test_other_frameworks_are_left_alone(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    other = attrs.evolve(framework, id="someone-elses-mark")
    no_plan_owner = attrs.evolve(
        brookmere[0], actions=tuple(attrs.evolve(a, owner="") for a in brookmere[0].actions)
    )
    assert qmframe_check_submission(other, no_plan_owner, None) is None
    assert qmframe_check_submission(framework, no_plan_owner, None)


# -- the action plan ---------------------------------------------------------------------------


def test_every_action_names_an_owner_and_a_date(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission = brookmere[0]
    actions = list(submission.actions)
    actions[1] = attrs.evolve(actions[1], owner="")
    actions[3] = attrs.evolve(actions[3], due=None)
    problems = _problems(framework, attrs.evolve(submission, actions=tuple(actions)))
    assert problems == [
        "error actions[1].owner: every action in the plan needs an owner",
        "error actions[3].due: every action in the plan needs a date to be done by",
    ]


def test_a_resubmission_that_carries_nothing_forward_is_warned(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    renewal = attrs.evolve(brookmere[0], previous_award="nnecl-quality-mark/brookmere-college/x")
    [problem] = _problems(framework, renewal)
    assert problem.startswith("warning actions: this re-submission renews")
    carried = list(renewal.actions)
    carried[0] = attrs.evolve(carried[0], carried_from="retention-gap")
    assert _problems(framework, attrs.evolve(renewal, actions=tuple(carried))) == []


def test_a_missing_action_plan_is_not_yet_awarded(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission, review = brookmere
    no_plan = attrs.evolve(submission, actions=())
    assert _problems(framework, no_plan) == []  # a valid submission, just not awardable
    decision = qmframe.assess(framework, no_plan, review, as_of=AS_OF)
    assert (decision.status, decision.passed, decision.valid_until) == (
        "not-yet-awarded",
        False,
        None,
    )
    [unmet] = decision.unmet
    assert (unmet.rule, unmet.target) == ("action-plan", "action-plan")
    assert unmet.title == "The submission includes an action plan of future actions"
    assert unmet.feedback.startswith("Add an action plan")
    # The areas were all met, and the highlights still stand in the feedback.
    assert decision.explanation[0].holds
    assert len(decision.highlights) == 2


def test_a_plan_of_only_completed_actions_is_no_plan(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission, review = brookmere
    done = tuple(attrs.evolve(a, status="completed") for a in submission.actions)
    decision = qmframe.assess(
        framework, attrs.evolve(submission, actions=done), review, as_of=AS_OF
    )
    assert decision.status == "not-yet-awarded"
    assert decision.explanation[1].saw == "4 action-plan item(s), 0 open"


# -- areas -------------------------------------------------------------------------------------


def _sixth_form(
    submission: qmframe.Submission, review: qmframe.Review, justification: str
) -> tuple[qmframe.Submission, qmframe.Review]:
    org = attrs.evolve(submission.organisation, id="st-aidans-sixth-form", kind="sixth-form")
    ratings = [r for r in submission.ratings if r.target != "pre-entry"]
    ratings.append(
        qmframe.Rating(target="pre-entry", not_applicable=True, justification=justification)
    )
    return (
        attrs.evolve(submission, organisation=org, ratings=tuple(ratings)),
        attrs.evolve(
            review,
            organisation=org.id,
            judgements=tuple(j for j in review.judgements if j.target != "pre-entry"),
        ),
    )


def test_an_area_not_applicable_to_a_sixth_form(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission, review = _sixth_form(
        *brookmere, "A school sixth form: all our students join from our own year 11."
    )
    assert _problems(framework, submission) == []
    decision = qmframe.assess(framework, submission, review, as_of=AS_OF)
    assert (decision.status, decision.passed) == ("awarded", True)
    first = decision.explanation[0]
    assert first.saw.startswith("6 applicable sections: ")
    assert "pre-entry=not applicable" in first.saw
    assert first.concluded == "all 6 at or above 'evidenced'"


def test_not_applicable_needs_a_justification_and_is_only_for_pre_entry(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission, _ = _sixth_form(*brookmere, "")
    last = len(submission.ratings) - 1
    assert submission.ratings[last].target == "pre-entry"
    assert _problems(framework, submission) == [
        f"error ratings[{last}].justification: not applicable needs a justification"
    ]
    admissions = [
        qmframe.Rating(target="admissions", not_applicable=True, justification="We have none.")
        if r.target == "admissions"
        else r
        for r in brookmere[0].ratings
    ]
    [problem] = _problems(framework, attrs.evolve(brookmere[0], ratings=tuple(admissions)))
    assert "does not allow 'admissions' to be marked not applicable" in problem


def test_an_area_judged_through_its_criteria_takes_the_lowest(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission, review = brookmere
    judgements = [j for j in review.judgements if j.target != "student-success"]
    judgements += [
        qmframe.Judgement(target="ss-retention", level="enhanced"),
        qmframe.Judgement(target="ss-careers", level="not-yet-evidenced"),
        qmframe.Judgement(target="ss-progression", level="evidenced"),
    ]
    decision = qmframe.assess(
        framework, submission, attrs.evolve(review, judgements=tuple(judgements)), as_of=AS_OF
    )
    assert decision.status == "not-yet-awarded"
    assert [(u.target, u.reason) for u in decision.unmet] == [
        ("student-success", "'not-yet-evidenced' is below 'evidenced'")
    ]


def test_an_area_left_unjudged_is_not_awarded(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    submission, review = brookmere
    partial = attrs.evolve(
        review, judgements=tuple(j for j in review.judgements if j.target != "admissions")
    )
    decision = qmframe.assess(framework, submission, partial, as_of=AS_OF)
    assert [(u.target, u.reason) for u in decision.unmet] == [("admissions", "not judged")]


def test_a_self_assessment_alone_gives_an_indicative_decision(
    framework: qmframe.Framework, brookmere: tuple[qmframe.Submission, qmframe.Review]
) -> None:
    decision = qmframe.assess(framework, brookmere[0], as_of=AS_OF)
    assert (decision.basis, decision.status) == ("indication", "indication")
    assert decision.indicated_status == "awarded"
    assert not decision.passed
    assert decision.valid_until is None
    assert "at least 1 reviewer" in decision.basis_note


def test_the_command_line_shows_the_declared_details(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example: qmframe.Example = qmframe.default_registry().examples["nnecl-corran-university"].value
    text = example.submission.read_text()
    assert 'care_experience_definition = "statutory"\n' in text
    path = tmp_path / "submission.toml"
    path.write_text(text.replace('care_experience_definition = "statutory"\n', ""))
    assert main(["assess", "nnecl-quality-mark", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: details.care_experience_definition: required, and missing" in err
