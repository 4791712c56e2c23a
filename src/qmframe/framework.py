"""The structure of a quality framework: sections, criteria, scales and rules.

These are plain frozen value classes. They know nothing about TOML: the one
converter in :mod:`qmframe._convert` owns the file shape, and
:mod:`qmframe.validation` checks the references between the parts. A framework
file is data only; nothing in it is ever run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

__all__ = [
    "DEFAULT_JUSTIFICATION",
    "Applicability",
    "AwardLevel",
    "Context",
    "Criterion",
    "DecisionPolicy",
    "EvidenceRequirement",
    "EvidenceType",
    "Framework",
    "Justification",
    "JustificationNeed",
    "Level",
    "Lifecycle",
    "Outcome",
    "OutcomeSet",
    "ReviewPolicy",
    "Rule",
    "Scale",
    "Section",
    "StatusLabel",
    "Validity",
]


@attrs.frozen(kw_only=True)
class Level:
    """One named step of an ordinal scale.

    ``meets`` says whether a judgement at this level satisfies the criterion;
    ``notable`` marks levels worth highlighting (for example *exceptional*),
    which is separate from passing. ``points`` is only for frameworks that
    really give points: without them, levels are never turned into numbers.
    """

    id: str
    label: str
    meets: bool
    notable: bool = False
    points: float | None = None
    description: str = ""


@attrs.frozen(kw_only=True)
class Scale:
    """Ordered levels, lowest first."""

    id: str
    title: str = ""
    levels: tuple[Level, ...] = ()
    description: str = ""

    def level_ids(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.levels)

    def get(self, level_id: str) -> Level | None:
        for level in self.levels:
            if level.id == level_id:
                return level
        return None

    def rank(self, level_id: str) -> int:
        """Position of a level, lowest 0; raises KeyError for an unknown id."""
        for index, level in enumerate(self.levels):
            if level.id == level_id:
                return index
        raise KeyError(level_id)

    @property
    def has_points(self) -> bool:
        return bool(self.levels) and all(level.points is not None for level in self.levels)


@attrs.frozen(kw_only=True)
class EvidenceType:
    """A kind of document or record an organisation can submit."""

    id: str
    title: str
    description: str = ""


@attrs.frozen(kw_only=True)
class Outcome:
    """One entry of an outcome set (for example a learning outcome)."""

    id: str
    text: str
    group: str = ""
    provenance: str = "official"


@attrs.frozen(kw_only=True)
class OutcomeSet:
    """An external catalogue that criteria and evidence can map to.

    ``expected_total`` lets a framework declare how many outcomes the source
    publication has, so a partly filled catalogue is caught by validation.
    ``file`` names a separate outcome-set TOML file beside the framework file
    (for a catalogue several frameworks share); its outcomes are read from there.
    """

    id: str
    title: str = ""
    file: str = ""
    source: str = ""
    groups: Mapping[str, str] = attrs.field(factory=dict)
    expected_total: int | None = None
    outcomes: tuple[Outcome, ...] = ()


@attrs.frozen(kw_only=True)
class Context:
    """A setting the framework is used in (for example a nation) with its own guidance."""

    id: str
    title: str
    description: str = ""


@attrs.frozen(kw_only=True)
class Applicability:
    """Which organisations a criterion or section applies to; empty means all."""

    contexts: tuple[str, ...] = ()
    organisation_kinds: tuple[str, ...] = ()

    def applies(self, context: str, organisation_kind: str) -> bool:
        return (not self.contexts or context in self.contexts) and (
            not self.organisation_kinds or organisation_kind in self.organisation_kinds
        )


#: Shared default: an Applicability is immutable, so one instance serves every criterion.
_APPLIES_EVERYWHERE = Applicability()


@attrs.frozen(kw_only=True)
class EvidenceRequirement:
    """At least ``min_count`` evidence items of any of ``types`` must support the criterion."""

    types: tuple[str, ...]
    min_count: int = 1
    description: str = ""


# -- award levels, status labels and justified ratings ------------------------------------


@attrs.frozen(kw_only=True)
class JustificationNeed:
    """What the justification of one kind of rating must hold.

    ``required`` asks for some text; ``min_chars`` for at least that many
    characters (leading and trailing spaces not counted); ``url`` for a web
    address (``http://`` or ``https://``) in it. Either of the last two asks
    for text too. Nothing set: no justification is needed.
    """

    required: bool = False
    min_chars: int = 0
    url: bool = False

    @property
    def needed(self) -> bool:
        """Whether a rating of this kind must carry a justification at all."""
        return self.required or self.min_chars > 0 or self.url


#: Shared defaults: these values are immutable, so one instance serves every criterion.
_NOTHING_NEEDED = JustificationNeed()
_REASON_NEEDED = JustificationNeed(required=True)


@attrs.frozen(kw_only=True)
class Justification:
    """What justification a rating of a criterion or section needs, by what it says.

    ``met`` applies to a rating at a level that meets the criterion,
    ``notable`` (as well) to one at a notable level, ``unmet`` to one at a
    level that does not meet it, and ``not_applicable`` to marking it not
    applicable (by default a reason is required, as it always was).
    ``unmet_satisfies`` makes an unmet rating, with the justification
    ``unmet`` asks for, satisfy the criterion for rules of kind
    ``satisfied`` (a criterion that *should*, not *must*, be met). The text
    checked for a level is the rating's ``justification`` and ``narrative``
    together; for not applicable, its ``justification``.
    """

    met: JustificationNeed = _NOTHING_NEEDED
    notable: JustificationNeed = _NOTHING_NEEDED
    unmet: JustificationNeed = _NOTHING_NEEDED
    not_applicable: JustificationNeed = _REASON_NEEDED
    unmet_satisfies: bool = False


#: What a criterion or section without a ``justification`` table asks for.
DEFAULT_JUSTIFICATION = Justification()


@attrs.frozen(kw_only=True)
class StatusLabel:
    """How a status reads to people: a label, and a sentence saying what it means."""

    label: str
    description: str = ""


@attrs.frozen(kw_only=True)
class AwardLevel:
    """One step of an award that has levels (for example minimum and exemplary).

    Award levels are listed lowest first and are cumulative: a level is
    reached when every lower one is and every rule it names holds. The lowest
    is the award itself: it is reached when the decision passes (its
    ``require`` and ``veto`` rules hold), so it names no rules of its own.
    Not to be confused with the levels of a scale, which criteria are judged at.
    """

    id: str
    label: str
    description: str = ""
    rules: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Criterion:
    """One statement an organisation is judged against."""

    id: str
    title: str
    guidance: str = ""
    scale: str = ""
    provenance: str = "official"
    tags: tuple[str, ...] = ()
    weight: float | None = None
    evidence: tuple[EvidenceRequirement, ...] = ()
    applicability: Applicability = _APPLIES_EVERYWHERE
    not_applicable_allowed: bool = False
    mappings: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    context_guidance: Mapping[str, str] = attrs.field(factory=dict)
    #: What justification each kind of rating needs (None: its section's, else the default).
    justification: Justification | None = None


@attrs.frozen(kw_only=True)
class Section:
    """A group of criteria (an area, strand or core principle).

    A section with a ``scale`` can be judged as a whole. When it is not judged
    directly, its level is derived from its criteria by ``aggregate``, one of
    the ordinal-safe methods in :mod:`qmframe.scales`.
    """

    id: str
    title: str
    summary: str = ""
    provenance: str = "official"
    tags: tuple[str, ...] = ()
    scale: str = ""
    aggregate: str = ""
    applicability: Applicability = _APPLIES_EVERYWHERE
    not_applicable_allowed: bool = False
    context_guidance: Mapping[str, str] = attrs.field(factory=dict)
    criteria: tuple[Criterion, ...] = ()
    #: What justification each kind of rating needs, for the section and (by default) its
    #: criteria (None: the default).
    justification: Justification | None = None


@attrs.frozen(kw_only=True)
class Rule:
    """A declared decision rule: a ``kind`` name plus that kind's parameters.

    ``effect`` says how the rule combines into the decision: ``require`` (must
    hold for the passing status), ``veto`` (if it fails, the decision takes the
    rule's own ``status`` whatever else holds), ``highlight`` (what it finds is
    reported as highlights), ``inform`` (reported only) or ``level`` (counts only
    towards the award levels that name it). ``params`` holds the
    kind's own keys, which sit beside the common ones in the file.
    """

    id: str
    kind: str
    title: str = ""
    effect: str = "require"
    status: str = ""
    feedback: str = ""
    params: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class DecisionPolicy:
    """The framework's own decision vocabulary and its rules, in evaluation order."""

    pass_status: str = "awarded"
    fail_status: str = "not-awarded"
    statuses: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    #: How each status reads, by status (``indication`` included); unlabelled ones read as-is.
    labels: Mapping[str, StatusLabel] = attrs.field(factory=dict)

    def label(self, status: str) -> str:
        """The declared label of a status, or the status itself."""
        found = self.labels.get(status)
        return found.label if found is not None else status

    def all_statuses(self) -> tuple[str, ...]:
        extra = tuple(s for s in self.statuses if s not in (self.pass_status, self.fail_status))
        return (self.pass_status, self.fail_status, *extra)


@attrs.frozen(kw_only=True)
class ReviewPolicy:
    """Whether an award needs reviewers, how many, and how their judgements combine.

    ``required`` (the default) means an award is made only on a review by at
    least ``min_reviewers`` reviewers; without one, a decision is only an
    indication. ``required = false`` declares a self-certified framework: the
    organisation's self-assessment is authoritative and no reviewer is needed
    (a review, when given, is still used). ``combine`` is ``lowest`` (the
    lowest level any reviewer gave), ``median`` (the lower median) or
    ``unanimous`` (a target counts only where every reviewer gave the same
    level; otherwise it stays unresolved).
    """

    required: bool = True
    min_reviewers: int = 1
    combine: str = "lowest"


@attrs.frozen(kw_only=True)
class Validity:
    """How long a passing decision lasts, and when a mid-point review falls due."""

    months: int = 0
    midpoint_months: int = 0


@attrs.frozen(kw_only=True)
class Lifecycle:
    """Which moves an award's history may make, as this framework allows them.

    The states are qmframe's own (see :mod:`qmframe.awards.lifecycle`), so whether an
    award is current means the same for every framework. Left empty, each
    field means qmframe's default: ``transitions`` (state to the states it may
    move to) replaces the default table, ``add`` and ``remove`` extend or
    restrict it, and ``start`` lists the states a history may begin in.
    """

    transitions: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    add: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    remove: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    start: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Framework:
    """A complete, versioned quality framework."""

    id: str
    version: str
    title: str
    owner: str = ""
    summary: str = ""
    organisation_kinds: tuple[str, ...] = ()
    public_fields: tuple[str, ...] = ()
    contexts: tuple[Context, ...] = ()
    scales: tuple[Scale, ...] = ()
    evidence_types: tuple[EvidenceType, ...] = ()
    outcome_sets: tuple[OutcomeSet, ...] = ()
    sections: tuple[Section, ...] = ()
    decision: DecisionPolicy = attrs.field(factory=DecisionPolicy)
    review: ReviewPolicy = attrs.field(factory=ReviewPolicy)
    validity: Validity = attrs.field(factory=Validity)
    lifecycle: Lifecycle = attrs.field(factory=Lifecycle)
    #: Ordered award levels, lowest first (empty: the award has a single pass status).
    award_levels: tuple[AwardLevel, ...] = ()

    def award_level(self, level_id: str) -> AwardLevel | None:
        """The award level of that id, or None."""
        for level in self.award_levels:
            if level.id == level_id:
                return level
        return None

    def justification_of(self, target_id: str) -> Justification:
        """What a rating of a section or criterion must justify: its own table, else its
        section's, else the default (a reason for not applicable, nothing else)."""
        for section in self.sections:
            if section.id == target_id:
                return section.justification or DEFAULT_JUSTIFICATION
            for criterion in section.criteria:
                if criterion.id == target_id:
                    return criterion.justification or section.justification or DEFAULT_JUSTIFICATION
        return DEFAULT_JUSTIFICATION

    def iter_criteria(self) -> Iterator[tuple[Section, Criterion]]:
        """Every criterion with the section holding it, in file order."""
        for section in self.sections:
            for criterion in section.criteria:
                yield section, criterion

    def criterion(self, criterion_id: str) -> Criterion | None:
        for _, criterion in self.iter_criteria():
            if criterion.id == criterion_id:
                return criterion
        return None

    def section(self, section_id: str) -> Section | None:
        for section in self.sections:
            if section.id == section_id:
                return section
        return None

    def scale(self, scale_id: str) -> Scale | None:
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        return None

    def outcome_set(self, set_id: str) -> OutcomeSet | None:
        for outcome_set in self.outcome_sets:
            if outcome_set.id == set_id:
                return outcome_set
        return None

    def target_title(self, target_id: str) -> str:
        """Title of a section or criterion by id ('' when there is none)."""
        for section in self.sections:
            if section.id == target_id:
                return section.title
            for criterion in section.criteria:
                if criterion.id == target_id:
                    return criterion.title
        return ""
