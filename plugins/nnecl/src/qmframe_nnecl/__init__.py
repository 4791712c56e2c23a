"""The NNECL Quality Mark for care-experienced and estranged students, as a qmframe plugin.

The framework file (``nnecl-quality-mark.toml``) says nearly everything: the
seven areas and their criteria, the three framing strands as tags, the area
scale whose top two levels are highlighted, the evidence types, the four
nations and their guidance notes, and the decision (awarded when every
applicable area is at least evidenced and there is an action plan; three
years, with a mid-point review at eighteen months), and the details every
submission states, among them the definition of care experience it uses
(institutions use UCAS's, a HESA code, their nation's statutory one, or their
own, which must then be written out). This module adds only what a framework
file cannot say, as checks of the submission:

* every action-plan item names an owner and a date, because the plan is what
  the mid-point review and the re-submission look at;
* a re-submission should carry actions forward from the plan of the award it
  renews (a warning: the scheme makes that plan the basis of re-submission).

It also ships worked examples of submissions and their reviews.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib.resources import files

from qmframe import Example, Framework, Problem, Review, Submission, hookimpl
from qmframe.hookspecs import RegisterFramework

__all__ = ["FRAMEWORK_ID"]

FRAMEWORK_ID = "nnecl-quality-mark"
_HERE = files(__name__)


@hookimpl
def qmframe_register_frameworks(register: RegisterFramework) -> None:
    register(_HERE / "frameworks" / "nnecl-quality-mark.toml", id=FRAMEWORK_ID)


_EXAMPLES = (
    (
        "nnecl-brookmere-college",
        "brookmere-college-2023",
        "Brookmere College (England): a further-education college awarded the Quality Mark, "
        "with two areas of highlighted practice",
        "2023-01-20",
        True,
    ),
    (
        "nnecl-corran-university",
        "corran-university-2024",
        "Corran University (Scotland): not yet awarded, with the assessor's feedback on two "
        "areas and a highlight for admissions",
        "2024-06-14",
        False,
    ),
    (
        "nnecl-brookmere-college-resubmission",
        "brookmere-college-2026",
        "Brookmere College (England): the re-submission at the end of its award, carrying its "
        "action plan forward",
        "2026-01-09",
        False,
    ),
)


@hookimpl
def qmframe_register_examples(register: Callable[[Example], None]) -> None:
    for name, folder_name, title, as_of, demo in _EXAMPLES:
        folder = _HERE / "examples" / folder_name
        register(
            Example(
                name=name,
                framework=FRAMEWORK_ID,
                title=title,
                submission=folder / "submission.toml",
                review=folder / "review.toml",
                as_of=as_of,
                demo=demo,
            )
        )


@hookimpl
def qmframe_check_submission(
    framework: Framework, submission: Submission, review: Review | None
) -> Iterable[Problem] | None:
    """Checks of the submission the framework file cannot express (see the module docstring).

    qmframe calls this before every decision, with the review when there is
    one; these checks are of the submission alone, so they run either way.
    """
    if framework.id != FRAMEWORK_ID:
        return None
    return _check_actions(submission)


def _check_actions(submission: Submission) -> list[Problem]:
    problems = []
    for i, action in enumerate(submission.actions):
        if not action.owner.strip():
            problems.append(
                Problem(
                    "every action in the plan needs an owner",
                    f"actions[{i}].owner",
                    code="missing-value",
                )
            )
        if action.due is None:
            problems.append(
                Problem(
                    "every action in the plan needs a date to be done by",
                    f"actions[{i}].due",
                    code="missing-value",
                )
            )
    if submission.previous_award and not any(a.carried_from for a in submission.actions):
        problems.append(
            Problem(
                f"this re-submission renews {submission.previous_award!r} but carries no action "
                "from that award's plan; say which actions it continues or completes "
                "(carried_from)",
                "actions",
                severity="warning",
            )
        )
    return problems
