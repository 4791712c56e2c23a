"""Report formats: how a decision is rendered for people or programs.

A format is registered through ``qmframe_register_report_formats``; the
built-in ``text``, ``markdown`` and ``json`` formats use the same hook.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from qmframe.decision import Decision
from qmframe.framework import Framework
from qmframe.submission import Review, Submission

__all__ = [
    "Assessment",
    "ReportFormat",
    "basis_sentence",
    "progress_summary",
    "status_description",
    "status_words",
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
