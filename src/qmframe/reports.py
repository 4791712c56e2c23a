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

__all__ = ["Assessment", "ReportFormat", "basis_sentence"]


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
