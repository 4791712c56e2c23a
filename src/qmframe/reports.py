"""Report formats: how a decision is rendered for people or programs.

A format is registered through ``qmframe_register_report_formats``; the
built-in ``text``, ``markdown`` and ``json`` formats use the same hook.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from qmframe.decision import Decision
from qmframe.framework import Framework
from qmframe.index import FrameworkIndex
from qmframe.submission import Review, Submission

__all__ = [
    "ASSESSOR_NOTICE",
    "Assessment",
    "GivenRow",
    "ReportFormat",
    "TargetReview",
    "basis_sentence",
    "progress_summary",
    "status_description",
    "status_words",
    "target_reviews",
]


def basis_sentence(decision: Decision) -> str:
    """What a decision rests on, in one plain sentence for every report to show.

    Empty for a decision on the review the framework requires. An indication
    says that it is no award, what is missing and what the rules would say.
    """
    if decision.is_indication:
        return (
            f"This is only an indication, not an award: {decision.basis_note}. On what was "
            f"submitted, the framework's rules would conclude: {decision.indicated_status}."
        )
    if decision.basis == "self-certified":
        return (
            "Self-certified: this framework needs no reviewers, so the self-assessment "
            "is the basis of the decision."
        )
    return ""


def status_words(decision: Decision, framework: Framework) -> str:
    """The status as people read it: the framework's label for it (or the status id), with
    the award level reached after it, for example "Awarded the Mark (Exemplary)"."""
    words = framework.decision.label(decision.status)
    level = framework.award_level(decision.award_level) if decision.award_level else None
    return f"{words} ({level.label})" if level is not None else words


def status_description(decision: Decision, framework: Framework) -> str:
    """What the framework says the decision's status means ("" when it says nothing)."""
    found = framework.decision.labels.get(decision.status)
    return found.description if found is not None else ""


def progress_summary(decision: Decision, framework: Framework) -> list[tuple[str, str]]:
    """Each award level as (label with id, how far the decision came), lowest first."""
    rows = []
    for progress in decision.progress:
        level = framework.award_level(progress.level)
        name = f"{level.label if level else progress.level} [{progress.level}]"
        count = f"{progress.held} of {progress.required}"
        if progress.reached:
            state = f"reached ({count})"
        elif progress.complete:
            state = f"complete ({count}), but not reached: " + (
                "an indication reaches no award level"
                if decision.is_indication
                else "it needs the award and every level below it"
            )
        else:
            state = f"{progress.fraction:.0%} ({count}), not reached"
        rows.append((name, state))
    return rows


@attrs.frozen(kw_only=True)
class Assessment:
    """A decision with what it was made from: everything a report may show."""

    decision: Decision
    framework: Framework
    submission: Submission
    review: Review | None = None


class ReportFormat:
    """Base class for report formats; subclass it and register an instance.

    ``name`` is what ``--format`` takes; ``suffix`` the usual file ending.
    """

    name: ClassVar[str] = ""
    suffix: ClassVar[str] = ".txt"
    description: ClassVar[str] = ""

    def render(self, assessment: Assessment) -> str:
        """The whole report as text."""
        raise NotImplementedError


#: What the assessor's report says of itself: it is for the panel, not the organisation.
ASSESSOR_NOTICE = (
    "For the assessors and the panel: this report names the reviewers and gives their "
    "rationales and the review's notes. Send the organisation the letter (--format letter)."
)


@attrs.frozen(kw_only=True)
class GivenRow:
    """One reviewer's level for a target, as the assessor's report shows it."""

    reviewer: str  # "Name [id]", the id alone, or "reviewer" when the review names none
    level: str  # the level's label on the target's scale
    rationale: str


@attrs.frozen(kw_only=True)
class TargetReview:
    """One target in the assessor's report: self-rating, each reviewer, the combined level.

    Built only from the decision's :attr:`~qmframe.decision.Decision.levels`
    (with their judgements) and the submission's rating, so every format shows
    the same. ``panel_split`` is true when reviewers gave the target different
    levels; ``differs_from_self`` when the combined level is not the self-rating.
    """

    target: str
    title: str  # "Title [id]"
    self_rating: str
    given: tuple[GivenRow, ...]
    decided: str
    source: str  # where the level came from, with its note
    panel_split: bool
    differs_from_self: bool


def _reviewer(reviewer: str, names: dict[str, str]) -> str:
    """A reviewer as the report names them; a judgement that names no reviewer, in a review
    with one reviewer, is that reviewer's."""
    if not reviewer and len(names) == 1:
        reviewer = next(iter(names))
    if names.get(reviewer):
        return f"{names[reviewer]} [{reviewer}]"
    return reviewer or "reviewer"


def target_reviews(assessment: Assessment) -> list[TargetReview]:
    """Every target of :attr:`Decision.levels <qmframe.decision.Decision.levels>`, in order,
    as the assessor's report shows it."""
    d = assessment.decision
    index = FrameworkIndex.build(assessment.framework)
    names = {member.id: member.name for member in d.reviewers}
    rated = {r.target: r for r in assessment.submission.ratings}
    rows = []
    for decided in d.levels:
        target = index.targets.get(decided.target)
        title = f"{target.title or decided.target} [{decided.target}]" if target else decided.target
        rating = rated.get(decided.target)
        if rating is None:
            own, own_level = "not rated", None
        elif rating.not_applicable:
            own, own_level = "not applicable", None
        else:
            own_level = rating.level
            own = index.level_label(decided.target, rating.level) if rating.level else "not rated"
        given = tuple(
            GivenRow(
                reviewer=_reviewer(j.reviewer, names),
                level=index.level_label(decided.target, j.level),
                rationale=j.rationale,
            )
            for j in decided.judgements
        )
        rows.append(
            TargetReview(
                target=decided.target,
                title=title,
                self_rating=own,
                given=given,
                decided=(
                    index.level_label(decided.target, decided.level) if decided.level else "none"
                ),
                source=decided.source + (f": {decided.note}" if decided.note else ""),
                panel_split=len({j.level for j in decided.judgements}) > 1,
                differs_from_self=own_level is not None
                and bool(decided.level)
                and own_level != decided.level,
            )
        )
    return rows
