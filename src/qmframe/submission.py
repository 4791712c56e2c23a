"""What an organisation sends (a submission) and what its reviewers find (a review).

A submission is the organisation's own account: a self-rating and narrative
per criterion, the evidence it relies on, and the actions it plans. A review
is the assessors' account of the same submission. Keeping the two apart lets
a decision show them side by side and list where they disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from qmframe.frozen import EMPTY, frozen_str_map

__all__ = [
    "ActionItem",
    "EvidenceItem",
    "InformationRequest",
    "Interest",
    "Judgement",
    "Organisation",
    "Rating",
    "Review",
    "Reviewer",
    "Submission",
]


@attrs.frozen(kw_only=True)
class Organisation:
    """The organisation being assessed.

    ``kind`` is one of the framework's organisation kinds (a university, a
    college, a training provider); ``context`` one of its contexts (a nation).
    ``linked`` names organisations it depends on, such as a validating
    university, by id.
    """

    id: str
    name: str
    kind: str = ""
    context: str = ""
    linked: Mapping[str, str] = attrs.field(default=EMPTY, converter=frozen_str_map)


@attrs.frozen(kw_only=True)
class Rating:
    """The organisation's own rating of one criterion or section.

    ``level`` None means not rated yet. ``not_applicable`` needs a
    ``justification`` and is only allowed where the framework permits it.
    """

    target: str
    level: str | None = None
    not_applicable: bool = False
    justification: str = ""
    narrative: str = ""


@attrs.frozen(kw_only=True)
class EvidenceItem:
    """One document or record offered as evidence.

    ``reference`` is a URL or a path relative to the submission's folder; a
    path may not point outside that folder. ``sha256``, when given, is checked
    against the file.
    """

    id: str
    type: str
    title: str
    reference: str = ""
    effective_date: dt.date | None = None
    sha256: str = ""
    criteria: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class ActionItem:
    """A future action the organisation commits to (an action-plan line)."""

    id: str
    action: str
    owner: str = ""
    due: dt.date | None = None
    criteria: tuple[str, ...] = ()
    status: str = "planned"
    carried_from: str = ""


@attrs.frozen(kw_only=True)
class Submission:
    """A self-assessment or application for one framework version."""

    framework: str
    framework_version: str
    organisation: Organisation
    kind: str = "self-assessment"
    submitted_on: dt.date | None = None
    previous_award: str = ""
    details: Mapping[str, str] = attrs.field(default=EMPTY, converter=frozen_str_map)
    ratings: tuple[Rating, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    actions: tuple[ActionItem, ...] = ()

    def rating(self, target: str) -> Rating | None:
        for rating in self.ratings:
            if rating.target == target:
                return rating
        return None


@attrs.frozen(kw_only=True)
class Interest:
    """An interest a reviewer declares in an organisation (employee, external-examiner, ...)."""

    organisation: str
    kind: str
    note: str = ""


@attrs.frozen(kw_only=True)
class Reviewer:
    """A person who judges submissions, with the interests they declare."""

    id: str
    name: str
    organisation: str = ""
    role: str = ""
    interests: tuple[Interest, ...] = ()


@attrs.frozen(kw_only=True)
class Judgement:
    """One reviewer's level for one criterion or section, and why."""

    target: str
    level: str
    reviewer: str = ""
    rationale: str = ""
    evidence: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class InformationRequest:
    """A request to the organisation for more information before or after deciding."""

    id: str
    request: str
    target: str = ""
    due: dt.date | None = None


@attrs.frozen(kw_only=True)
class Review:
    """The reviewers' judgements of one submission."""

    framework: str
    framework_version: str
    organisation: str
    reviewed_on: dt.date | None = None
    reviewers: tuple[Reviewer, ...] = ()
    judgements: tuple[Judgement, ...] = ()
    requests: tuple[InformationRequest, ...] = ()
    notes: str = ""
