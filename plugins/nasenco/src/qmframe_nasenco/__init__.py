"""The NASENCO Provider Group Quality Standards Framework, as a qmframe plugin.

The framework file (``nasenco-qsf.toml``, with the NCTL 2014 learning outcomes
beside it) says nearly everything: the four areas and their standards, the
evidence documents, the binary scale, the panel of at least two reviewers
judging on the lowest level given, the assessment-map coverage of all 49
outcomes, and three years on the register. This module adds only what a
framework file cannot say:

* the rule kind ``nasenco-validating-university``: a private provider must
  name the university that validates its award (it appears in the decision as
  feedback to revise and resubmit, not as an input error, because the scheme
  supports applicants to put it right);
* checks of the input: an assessment-map entry must list the outcomes it
  assesses, and a reviewer who works for the applicant's validating
  university has a conflict of interest;
* worked examples of applications and their panel reviews.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib.resources import files

from qmframe import (
    AssessmentContext,
    Example,
    Framework,
    Problem,
    Review,
    RuleKey,
    RuleKind,
    RuleResult,
    Submission,
    hookimpl,
)
from qmframe.framework import Rule
from qmframe.frozen import is_array
from qmframe.hookspecs import RegisterFramework
from qmframe.index import FrameworkIndex
from qmframe.rules import Evaluation, Reads

__all__ = ["FRAMEWORK_ID", "LINK", "ValidatingUniversity"]

FRAMEWORK_ID = "nasenco-qsf"
#: The key of ``organisation.linked`` that names the validating university.
LINK = "validating_university"
_ASSESSMENT_MAP = "assessment-map"
_HERE = files(__name__)


class ValidatingUniversity(RuleKind):
    """A private provider names the university that validates its award.

    Private providers have always had to be linked to a university for the
    Master's-level validation of the award. ``organisation_kinds`` (default
    ``["private-provider"]``) says which applicants the rule applies to; for
    the others it holds without looking.
    """

    name = "nasenco-validating-university"
    summary = "a private provider names the university validating its award"
    keys = (
        RuleKey(
            "organisation_kinds",
            "list of strings",
            "The organisation kinds the rule applies to; for the others it holds without looking.",
            default='["private-provider"]',
        ),
    )

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        problems = self.unknown_keys(rule)
        kinds = rule.params.get("organisation_kinds", ("private-provider",))
        if not (is_array(kinds) and kinds and all(isinstance(k, str) for k in kinds)):
            return [
                *problems,
                Problem("expected a list of organisation kinds", "organisation_kinds"),
            ]
        known = index.framework.organisation_kinds
        problems += [
            Problem(f"unknown organisation kind {kind!r}", "organisation_kinds")
            for kind in kinds
            if known and kind not in known
        ]
        return problems

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        kinds = frozenset(rule.params.get("organisation_kinds", ("private-provider",)))

        def evaluate(ctx: AssessmentContext) -> RuleResult:
            org = ctx.submission.organisation
            if org.kind not in kinds:
                return RuleResult(
                    True,
                    f"organisation kind {org.kind!r}",
                    f"not required of a {org.kind or 'organisation of no stated kind'}",
                )
            named = org.linked.get(LINK, "").strip()
            saw = f"a {org.kind}, {LINK} = {named!r}"
            if not named:
                return RuleResult(False, saw, "no validating university is named")
            if named == org.id:
                return RuleResult(
                    False, saw, "the provider names itself as its validating university"
                )
            return RuleResult(True, saw, f"validated by {named!r}")

        return evaluate

    # -- start reads --
    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        """Only the organisation: its kind, and the university it names."""
        return Reads.only(organisation=True)

    # -- end reads --


@hookimpl
def qmframe_register_frameworks(register: RegisterFramework) -> None:
    register(_HERE / "frameworks" / "nasenco-qsf.toml", id=FRAMEWORK_ID)


@hookimpl
def qmframe_register_rule_kinds(register: Callable[[RuleKind], None]) -> None:
    register(ValidatingUniversity())


_EXAMPLES = (
    (
        "nasenco-northfield-first",
        "northfield-2018",
        "University of Northfield: a first application, registered for three years",
        "2018-03-01",
    ),
    (
        "nasenco-eastgate-first",
        "eastgate-2018",
        "Eastgate SEND Training: a private provider asked to revise and resubmit "
        "(no validating university, two outcomes not assessed, a divided panel)",
        "2018-06-20",
    ),
    (
        "nasenco-eastgate-resubmission",
        "eastgate-2018-resubmission",
        "Eastgate SEND Training: the revised application, registered",
        "2018-11-15",
    ),
    (
        "nasenco-northfield-reregistration",
        "northfield-2021",
        "University of Northfield: re-registration after three years",
        "2021-02-15",
    ),
)


@hookimpl
def qmframe_register_examples(register: Callable[[Example], None]) -> None:
    for name, folder_name, title, as_of in _EXAMPLES:
        folder = _HERE / "examples" / folder_name
        register(
            Example(
                name=name,
                framework=FRAMEWORK_ID,
                title=title,
                submission=folder / "submission.toml",
                review=folder / "review.toml",
                as_of=as_of,
            )
        )


@hookimpl
def qmframe_check_submission(
    framework: Framework, submission: Submission, review: Review | None
) -> Iterable[Problem] | None:
    """Input rules the framework file cannot say (see the module docstring).

    qmframe calls this once before every decision, with the review when there
    is one: the application is checked either way, and the panel with a
    review. (A decision table found that an application with a review once
    skipped the application's checks.)
    """
    if framework.id != FRAMEWORK_ID:
        return None
    problems = _check_application(submission)
    if review is not None:
        problems += _check_panel(submission, review)
    return problems


def _check_application(submission: Submission) -> list[Problem]:
    problems = [
        Problem(
            "an assessment-map entry must list the learning outcomes its assignment assesses",
            f"evidence[{i}].outcomes",
        )
        for i, item in enumerate(submission.evidence)
        if item.type == _ASSESSMENT_MAP and not item.outcomes
    ]
    problems += [
        Problem(
            f"this framework knows only the link {LINK!r}; {key!r} is ignored",
            f"organisation.linked.{key}",
            severity="warning",
        )
        for key in submission.organisation.linked
        if key != LINK
    ]
    return problems


def _check_panel(submission: Submission, review: Review) -> list[Problem]:
    """A reviewer from the applicant's validating university may not judge it.

    The university answers for the award's standard, so its staff reviewing
    the provider is the conflict the 2017 review describes for external
    examiners: judging a programme one is already responsible for.
    """
    validator = submission.organisation.linked.get(LINK, "").strip()
    if not validator:
        return []
    return [
        Problem(
            f"conflict of interest: reviewer {reviewer.id!r} ({reviewer.name}) works for "
            f"{validator!r}, which validates {submission.organisation.id!r}'s award, so cannot "
            "review this submission; replace them on the panel",
            f"reviewers[{i}]",
            code="conflict-of-interest",
        )
        for i, reviewer in enumerate(review.reviewers)
        if reviewer.organisation == validator
    ]
