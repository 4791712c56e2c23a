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

__all__ = ["Assessment", "ReportFormat"]


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
