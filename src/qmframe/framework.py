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

from qmframe.frozen import (
    EMPTY,
    FrozenMap,
    exact,
    frozen_str_map,
    frozen_table,
    frozen_tuple_map,
)

__all__ = [
    "DEFAULT_JUSTIFICATION",
    "Applicability",
    "AwardLevel",
    "Context",
    "Criterion",
    "DecisionPolicy",
    "DetailCondition",
    "Disclosure",
    "EvidenceRequirement",
    "EvidenceType",
    "Figure",
    "Framework",
    "Justification",
    "JustificationNeed",
    "Level",
    "Lifecycle",
    "Outcome",
    "OutcomeSet",
    "RecurringEvent",
    "ReviewPolicy",
    "Rule",
    "Scale",
    "Section",
    "StatusLabel",
    "SubmissionDetail",
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
    groups: Mapping[str, str] = attrs.field(default=EMPTY, converter=frozen_str_map)
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


def _frozen_labels(value: Mapping[str, StatusLabel]) -> FrozenMap[str, StatusLabel]:
    """Converter for the status labels (each label is frozen already)."""
    if type(value) is FrozenMap:
        return value
    return FrozenMap(value) if value else EMPTY


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
    mappings: Mapping[str, tuple[str, ...]] = attrs.field(default=EMPTY, converter=frozen_tuple_map)
    context_guidance: Mapping[str, str] = attrs.field(default=EMPTY, converter=frozen_str_map)
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
    context_guidance: Mapping[str, str] = attrs.field(default=EMPTY, converter=frozen_str_map)
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
    # Compared exactly, so `min_items = true` and `min_items = 1` are different rules.
    params: Mapping[str, Any] = attrs.field(default=EMPTY, converter=frozen_table, eq=exact)


@attrs.frozen(kw_only=True)
class DecisionPolicy:
    """The framework's own decision vocabulary and its rules, in evaluation order."""

    pass_status: str = "awarded"
    fail_status: str = "not-awarded"
    statuses: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    #: How each status reads, by status (``indication`` included); unlabelled ones read as-is.
    labels: Mapping[str, StatusLabel] = attrs.field(default=EMPTY, converter=_frozen_labels)

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


# -- declared submission details, recurring events and their figures ----------------------


@attrs.frozen(kw_only=True)
class DetailCondition:
    """A condition on another detail: it holds when detail ``key`` has the value ``equals``."""

    key: str
    equals: str


@attrs.frozen(kw_only=True)
class SubmissionDetail:
    """One fact a framework asks of every submission, given in its ``[details]`` table.

    ``type`` is one of :data:`~qmframe.vocabulary.DETAIL_TYPES`: ``text``,
    ``choice`` (one of ``choices``, each with its meaning), ``date``
    (YYYY-MM-DD), ``number`` or ``url`` (an http or https address). A
    ``required`` detail must be given; ``required_if`` makes one required only
    when another detail has a given value. Values are kept as text.
    """

    key: str
    type: str = "text"
    required: bool = False
    required_if: DetailCondition | None = None
    choices: Mapping[str, str] = attrs.field(default=EMPTY, converter=frozen_str_map)
    help: str = ""


@attrs.frozen(kw_only=True)
class Figure:
    """One number that each return of a recurring event reports.

    A ``count`` is a whole number of people (0 or more): a public sector view
    rounds and suppresses its totals by the framework's ``[disclosure]``
    rule. A ``number`` is any other quantity (an amount of money), shown as it
    is. ``at_most`` names another figure of the same event this one cannot
    exceed (those who stayed, of those enrolled); the sector view then gives
    it as a percentage of that figure too.
    """

    id: str
    label: str
    type: str = "count"
    required: bool = False
    at_most: str = ""
    description: str = ""


@attrs.frozen(kw_only=True)
class RecurringEvent:
    """Something every holder does again and again during an award, such as an annual return.

    The first is due ``first_due_months`` after the award (or its renewal)
    was made, by default ``every_months``; the next every ``every_months``
    after that, for as long as the award lasts. Each return reports the
    declared ``figures``.
    """

    id: str
    title: str
    every_months: int
    first_due_months: int | None = None
    description: str = ""
    figures: tuple[Figure, ...] = ()


@attrs.frozen(kw_only=True)
class Disclosure:
    """How a public sector view publishes figures about people (counts).

    The default is the standard rounding methodology of HESA, the UK's higher
    education statistics agency: totals of people rounded to the nearest
    multiple of ``round_to`` (halves upwards, so a total below 2.5 shows as
    0), and no percentage of fewer than ``min_percentage_base`` people.
    ``suppress_below`` hides, rather than rounds, a total above 0 and below it.
    """

    round_to: int = 5
    suppress_below: float = 0.0
    min_percentage_base: float = 22.5


@attrs.frozen(kw_only=True)
class Lifecycle:
    """Which moves an award's history may make, as this framework allows them.

    The states are qmframe's own (see :mod:`qmframe.awards.lifecycle`), so whether an
    award is current means the same for every framework. Left empty, each
    field means qmframe's default: ``transitions`` (state to the states it may
    move to) replaces the default table, ``add`` and ``remove`` extend or
    restrict it, and ``start`` lists the states a history may begin in.
    ``recurring`` declares what holders must do again and again during an
    award (see :class:`RecurringEvent`).
    """

    transitions: Mapping[str, tuple[str, ...]] = attrs.field(
        default=EMPTY, converter=frozen_tuple_map
    )
    add: Mapping[str, tuple[str, ...]] = attrs.field(default=EMPTY, converter=frozen_tuple_map)
    remove: Mapping[str, tuple[str, ...]] = attrs.field(default=EMPTY, converter=frozen_tuple_map)
    start: tuple[str, ...] = ()
    recurring: tuple[RecurringEvent, ...] = ()


@attrs.frozen(kw_only=True, cache_hash=True)
class Framework:
    """A complete, versioned quality framework.

    Immutable all the way down (tuples, and :class:`~qmframe.frozen.FrozenMap`
    for every mapping), so it is hashable and can key a cache; the hash is
    worked out once per object.
    """

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
    submission_details: tuple[SubmissionDetail, ...] = ()
    disclosure: Disclosure = attrs.field(factory=Disclosure)
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
