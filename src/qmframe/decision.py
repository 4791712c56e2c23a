"""A decision and its explanation.

A :class:`Decision` is the whole answer an assessor or panel reads: the status
in the framework's own words, what was notable, what was not met and what to
say about it, how long the award lasts, and the explanation: every rule that
was evaluated, in order, with what it looked at and what it concluded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from qmframe.frozen import frozen_str_map

__all__ = [
    "JSON_FORMAT_VERSION",
    "AwardProgress",
    "Comparison",
    "DecidedLevel",
    "Decision",
    "Finding",
    "GivenLevel",
    "Highlight",
    "PanelDisagreement",
    "PanelMember",
    "RuleOutcome",
    "Unmet",
    "award_id",
]

#: The version of a decision's JSON (``format_version``): raised when a reader must change.
JSON_FORMAT_VERSION = 1


@attrs.frozen(kw_only=True)
class Finding:
    """What a rule concluded about one target (a criterion, section, outcome or item)."""

    target: str
    holds: bool
    level: str = ""
    note: str = ""


@attrs.frozen(kw_only=True)
class RuleOutcome:
    """One evaluated rule: what it saw and what it concluded."""

    rule: str
    kind: str
    effect: str
    title: str
    holds: bool
    saw: str
    concluded: str
    findings: tuple[Finding, ...] = ()
    #: The plugin whose code evaluated the rule ("qmframe" for the built-in kinds).
    evaluated_by: str = ""


@attrs.frozen(kw_only=True)
class GivenLevel:
    """One reviewer's level for a target and why: a judgement the decision was made from.

    ``reviewer`` is the reviewer's id (empty for a review that names none),
    ``rationale`` and ``evidence`` (evidence item ids) are as the review gives them.
    """

    reviewer: str
    level: str
    rationale: str = ""
    evidence: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class PanelMember:
    """A reviewer who judged the submission, as the decision records them."""

    id: str
    name: str
    role: str = ""
    organisation: str = ""


@attrs.frozen(kw_only=True)
class DecidedLevel:
    """The level a target was decided at, and where it came from.

    ``source`` is one of :data:`qmframe.vocabulary.LEVEL_SOURCES`: ``judgement``
    (the reviewers'), ``self-rating`` (the organisation's own), ``derived`` (from
    the section's criteria), ``not-applicable`` or ``unresolved`` (``level`` is
    then empty). ``note`` says why for the last three, and for a judgement that
    overrules the organisation's "not applicable" it holds the reviewer's
    rationale. Readers (reports, the sector view) use these levels and never
    derive their own, so every reader shows the same level the rules saw.
    ``judgements`` are the reviewers' own levels for the target, each with its
    rationale, in review order: what a combined level was combined from.
    """

    target: str
    level: str
    source: str
    note: str = ""
    judgements: tuple[GivenLevel, ...] = ()


@attrs.frozen(kw_only=True)
class Highlight:
    """A section or criterion judged at a level the framework marks as notable."""

    target: str
    title: str
    level: str
    rule: str


@attrs.frozen(kw_only=True)
class Unmet:
    """Something a rule found missing: why (``reason``) and what to tell them.

    In :attr:`Decision.unmet` it comes from a ``require`` or ``veto`` rule; in
    :attr:`AwardProgress.missing`, from a rule an award level needs. ``target``
    is empty when the rule found nothing about a section or criterion.
    """

    target: str
    title: str
    rule: str
    reason: str
    feedback: str


@attrs.frozen(kw_only=True)
class AwardProgress:
    """How far a decision has come towards one award level.

    ``required`` counts what the level needs: the targets (criteria,
    sections, outcomes, items) its rules found something about, each counted
    once, or the rule itself where it found nothing about a target; a rule
    that needs only some of its targets (``at-least``) counts as many as it
    needs. ``held`` counts those that hold, and ``missing`` says what does
    not hold yet (for a rule that needs only some targets, every target that
    could still count). The lowest level's rules are the ``require`` and
    ``veto`` rules. ``reached`` is true when this level's progress and that
    of every lower level are complete and an award is made (an indication
    reaches no level, but still shows its progress).
    """

    level: str
    reached: bool
    held: int
    required: int
    missing: tuple[Unmet, ...] = ()

    @property
    def complete(self) -> bool:
        """True when everything the level needs holds."""
        return self.held == self.required

    @property
    def fraction(self) -> float:
        """``held`` as a fraction of ``required`` (1.0 when the level needs nothing)."""
        return self.held / self.required if self.required else 1.0


@attrs.frozen(kw_only=True)
class Comparison:
    """Self-rating and assessor judgement of one target, side by side."""

    target: str
    title: str
    self_level: str
    assessed_level: str
    agrees: bool


@attrs.frozen(kw_only=True)
class PanelDisagreement:
    """Panel members who judged one target at different levels, and what came of it.

    A panel policy such as ``lowest`` settles a split silently; recording the
    split keeps it visible, so a chair can see where the panel was divided.
    ``levels`` maps each reviewer id to the level they gave, in review order;
    ``decided`` is the combined level (empty when the policy left the target
    unresolved) and ``policy`` the framework's ``review.combine``.
    """

    target: str
    title: str
    levels: Mapping[str, str] = attrs.field(converter=frozen_str_map)
    decided: str
    policy: str


@attrs.frozen(kw_only=True)
class Decision:
    """The explained outcome of assessing one submission.

    ``basis`` (one of :data:`qmframe.vocabulary.BASES`) says what the decision
    rests on: ``review`` (the reviewers the framework requires judged it),
    ``self-certified`` (the framework needs no reviewers) or ``indication``
    (reviewers are required but missing or too few). An indication is no
    award: its ``status`` is ``indication``, ``passed`` is false, it has no
    validity dates, ``indicated_status`` is what the declared rules would
    conclude and ``basis_note`` says what is missing. ``passed`` is true only
    when an award is made. ``valid_from``/``valid_until``/``midpoint_due``
    are set for an award of a framework that declares a validity.
    ``levels`` is the decided level of every judged, rated, derived,
    not-applicable or unresolved target, in framework order.
    ``comparisons`` set self-rating against assessed level;
    ``panel_disagreements`` list the targets a panel's members judged differently.
    ``reviewers`` are the review's reviewers and ``review_notes`` its
    internal notes (for the panel's reports; the letter leaves both out).
    ``award_level`` is the highest award level reached ("" when the framework
    has none, or none is reached) and ``progress`` the progress towards each of
    the framework's award levels, lowest first.
    """

    framework: str
    version: str
    organisation: str
    organisation_name: str
    status: str
    passed: bool
    basis: str
    as_of: dt.date
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    midpoint_due: dt.date | None = None
    highlights: tuple[Highlight, ...] = ()
    unmet: tuple[Unmet, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    panel_disagreements: tuple[PanelDisagreement, ...] = ()
    requests: tuple[str, ...] = ()
    explanation: tuple[RuleOutcome, ...] = ()
    levels: tuple[DecidedLevel, ...] = ()
    indicated_status: str = ""
    basis_note: str = ""
    award_level: str = ""
    progress: tuple[AwardProgress, ...] = ()
    reviewers: tuple[PanelMember, ...] = ()
    review_notes: str = ""

    @property
    def is_indication(self) -> bool:
        """True when the reviewers the framework requires are missing: no award is made."""
        return self.basis == "indication"

    def progress_of(self, award_level: str) -> AwardProgress | None:
        """The progress towards one award level, or None when the framework has no such level."""
        for progress in self.progress:
            if progress.level == award_level:
                return progress
        return None

    def level_of(self, target: str) -> DecidedLevel | None:
        """The decided level of one target, or None when it was neither judged nor rated."""
        for decided in self.levels:
            if decided.target == target:
                return decided
        return None

    @property
    def disagreements(self) -> tuple[Comparison, ...]:
        """Targets where the self-rating and the assessed level differ."""
        return tuple(c for c in self.comparisons if not c.agrees)


def award_id(decision: Decision) -> str:
    """A stable name for a decision: what a re-submission's ``previous_award`` refers to.

    ``FRAMEWORK/ORGANISATION/AS-OF``; the register keys its awards by it and the
    JSON report carries it as ``award``. The register keeps several decisions of
    one organisation on one day; the second and later get ``/2``, ``/3`` ...
    after this id (see :attr:`qmframe.awards.register.RecordedDecision.award`).
    """
    return f"{decision.framework}/{decision.organisation}/{decision.as_of.isoformat()}"
