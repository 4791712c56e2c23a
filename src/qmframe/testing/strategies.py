"""Hypothesis strategies for qmframe's values: frameworks, submissions, reviews and cases.

Everything here needs hypothesis installed (qmframe's ``test`` extra);
qmframe itself never imports this module. Every strategy generates *valid*
values by default: a generated framework has no error from
:func:`qmframe.validation.check_framework` with the built-in rule kinds, a
submission none from :func:`~qmframe.validation.check_submission`, and a review
none from :func:`~qmframe.validation.check_review`. The invalid variants
(:func:`invalid_frameworks`, :func:`invalid_submissions`, :func:`invalid_reviews`)
are separate, and each says what it broke and where, so a test can check that
the error names that place.

Ids are built from positions (``s0``, ``c0-1``, ``r2``) and levels come from a
small vocabulary, so a shrunk counterexample reads like a hand-written file.
Keyword-only arguments narrow any part: ``submissions(fw, all_met=["s1"])``
gives only submissions where every criterion of section ``s1`` is met.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import attrs
from hypothesis import strategies as st

from qmframe._convert import unstructure_toml
from qmframe.framework import (
    Applicability,
    AwardLevel,
    Context,
    Criterion,
    DecisionPolicy,
    DetailCondition,
    EvidenceRequirement,
    EvidenceType,
    Figure,
    Framework,
    Justification,
    JustificationNeed,
    Level,
    Lifecycle,
    Outcome,
    OutcomeSet,
    RecurringEvent,
    ReviewPolicy,
    Rule,
    Scale,
    Section,
    SubmissionDetail,
    Validity,
)
from qmframe.index import FrameworkIndex
from qmframe.rules import resolve_scope
from qmframe.submission import (
    ActionItem,
    EvidenceItem,
    InformationRequest,
    Interest,
    Judgement,
    Organisation,
    Rating,
    Review,
    Reviewer,
    Submission,
)
from qmframe.testing.edits import AssessmentCase, justification_for
from qmframe.vocabulary import ACTION_STATUSES, DETAIL_TYPES

__all__ = [
    "BUILTIN_KINDS",
    "INTEREST_KINDS",
    "LEVEL_WORDS",
    "MUTATIONS",
    "AssessmentCase",
    "Invalid",
    "assessment_cases",
    "dates",
    "detail_values",
    "frameworks",
    "invalid_frameworks",
    "invalid_reviews",
    "invalid_submissions",
    "justification_for",
    "likely_awards",
    "return_figures",
    "reviews",
    "scales",
    "submissions",
    "texts",
]

#: Level ids, lowest first. A generated scale uses an ordered selection of them,
#: so different scales share ids in the same order (rules can then name one
#: level for a scope that spans several scales).
LEVEL_WORDS = ("absent", "partial", "met", "good", "strong", "outstanding")
#: The rule kinds :func:`frameworks` knows how to write parameters for.
BUILTIN_KINDS = (
    "minimum-level",
    "at-least",
    "notable-level",
    "evidence-present",
    "action-plan",
    "outcome-coverage",
    "weighted-score",
    "satisfied",
    "renewal",
)
#: The kinds of breakage the invalid strategies make.
MUTATIONS = ("broken-reference", "duplicate-id", "wrong-type", "foreign-level")

_EVIDENCE_TYPES = ("policy", "record", "feedback", "plan")
_CONTEXTS = ("north", "south", "east")
_ORG_KINDS = ("school", "college", "charity")
_TAGS = ("core", "extra")
_AGGREGATES = ("minimum", "median", "best-fit")
_PROVENANCES = ("official", "paraphrase", "illustrative")
_OPEN = ("planned", "in-progress")
#: Kinds of interest a generated reviewer declares (in organisations other than the one judged).
INTEREST_KINDS = ("employee", "former-employee", "external-examiner", "governor", "consultant")


@functools.cache
def texts(*, max_size: int = 12) -> st.SearchStrategy[str]:
    """Free text that survives a TOML round trip (no control characters or surrogates).

    ``max_size`` (default 12)
        The most characters.

    The strategy is made once per size and reused. Requires hypothesis.
    """
    alphabet = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
    return st.text(alphabet, max_size=max_size)


@functools.cache
def dates(
    *, min_value: dt.date = dt.date(2000, 1, 1), max_value: dt.date = dt.date(2099, 12, 31)
) -> st.SearchStrategy[dt.date]:
    """Dates that award arithmetic (validity months) cannot overflow.

    ``min_value`` (default 2000-01-01)
        The first day.
    ``max_value`` (default 2099-12-31)
        The last day.

    Requires hypothesis.
    """
    return st.dates(min_value=min_value, max_value=max_value)


@functools.cache
def _maybe_dates() -> st.SearchStrategy[dt.date | None]:
    return st.none() | dates()


# -- scales and frameworks ---------------------------------------------------------------------


@st.composite
def _scales(
    draw: st.DrawFn, *, scale_id: str | None, min_levels: int, max_levels: int, points: bool | None
) -> Scale:
    sid = scale_id if scale_id is not None else draw(st.sampled_from(("scale", "grade", "rank")))
    n = draw(st.integers(min_levels, max_levels))
    chosen = sorted(draw(st.sets(st.integers(0, len(LEVEL_WORDS) - 1), min_size=n, max_size=n)))
    ids = [LEVEL_WORDS[i] for i in chosen]
    # Levels from ``first_meeting`` up meet; notable levels are a top slice of
    # the meeting ones (upward closed, as a real scale's "exceptional" is).
    first_meeting = draw(st.integers(0, n - 1))
    first_notable = draw(st.integers(first_meeting, n))
    give_points = draw(st.booleans()) if points is None else points
    running = 0
    levels = []
    for i, level_id in enumerate(ids):
        running += draw(st.integers(0, 2)) if i else 0
        levels.append(
            Level(
                id=level_id,
                label=level_id.capitalize(),
                meets=i >= first_meeting,
                notable=i >= first_notable,
                points=float(running) if give_points else None,
            )
        )
    return Scale(id=sid, title=sid.capitalize(), levels=tuple(levels))


def scales(
    *,
    scale_id: str | None = None,
    min_levels: int = 1,
    max_levels: int = 4,
    points: bool | None = None,
) -> st.SearchStrategy[Scale]:
    """Valid scales: levels lowest first, meeting levels above non-meeting ones.

    Level ids come from :data:`LEVEL_WORDS`, in that order; the notable levels
    are a top slice of the meeting ones.

    ``scale_id`` (default None: one of scale, grade, rank)
        The scale's id.
    ``min_levels`` (default 1)
        The fewest levels.
    ``max_levels`` (default 4)
        The most levels (at most ``len(LEVEL_WORDS)``).
    ``points`` (default None: either)
        True gives every level non-decreasing points, False none.

    Requires hypothesis.
    """
    if not 1 <= min_levels <= max_levels <= len(LEVEL_WORDS):
        raise ValueError(f"need 1 <= min_levels <= max_levels <= {len(LEVEL_WORDS)}")
    return _scales(scale_id=scale_id, min_levels=min_levels, max_levels=max_levels, points=points)


def _subset(
    draw: st.DrawFn, items: Sequence[str], *, max_size: int | None = None
) -> tuple[str, ...]:
    if not items:
        return ()
    chosen = draw(st.sets(st.sampled_from(tuple(items)), max_size=max_size or len(items)))
    return tuple(i for i in items if i in chosen)


@st.composite
def _criteria(
    draw: st.DrawFn,
    *,
    section_index: int,
    count: int,
    section_scale: str,
    aggregated: bool,
    scale_ids: Sequence[str],
    contexts: Sequence[str],
    org_kinds: Sequence[str],
    evidence_types: Sequence[str],
    outcome_sets: Sequence[OutcomeSet],
    not_applicable: bool,
) -> tuple[Criterion, ...]:
    out = []
    for j in range(count):
        if aggregated:
            scale = draw(st.sampled_from(("", section_scale)))
        elif section_scale:
            scale = draw(st.sampled_from(("", *scale_ids)))
        else:
            scale = draw(st.sampled_from(tuple(scale_ids)))
        requirements = tuple(
            EvidenceRequirement(
                types=tuple(
                    draw(
                        st.lists(
                            st.sampled_from(tuple(evidence_types)),
                            min_size=1,
                            max_size=2,
                            unique=True,
                        )
                    )
                ),
                min_count=draw(st.integers(1, 2)),
            )
            for _ in range(draw(st.integers(0, 2)))
        )
        mappings = {}
        for outcome_set in outcome_sets:
            ids = _subset(draw, [o.id for o in outcome_set.outcomes], max_size=2)
            if ids:
                mappings[outcome_set.id] = ids
        out.append(
            Criterion(
                id=f"c{section_index}-{j}",
                title=draw(texts()),
                guidance="",
                scale=scale,
                provenance=draw(st.sampled_from(_PROVENANCES)),
                tags=_subset(draw, _TAGS),
                weight=draw(st.sampled_from((None, 0.5, 1.0, 2.0))),
                evidence=requirements,
                applicability=Applicability(
                    contexts=_subset(draw, contexts, max_size=1),
                    organisation_kinds=_subset(draw, org_kinds, max_size=2),
                ),
                not_applicable_allowed=not_applicable and draw(st.booleans()),
                mappings=mappings,
                context_guidance=dict.fromkeys(
                    _subset(draw, contexts, max_size=1), "Local guidance."
                ),
            )
        )
    return tuple(out)


def _common_levels(index: FrameworkIndex, targets: Sequence[str]) -> tuple[str, ...]:
    """Level ids found on the scale of every target, in scale order."""
    common: list[str] | None = None
    for target in targets:
        scale = index.targets[target].scale
        if scale is None:
            return ()
        ids = list(scale.level_ids())
        common = ids if common is None else [i for i in common if i in ids]
    return tuple(common or ())


def _scope_options(
    index: FrameworkIndex, *, criteria_only: bool
) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
    """Every simple scope table that resolves, with the targets it resolves to."""
    fw = index.framework
    options: list[tuple[dict[str, Any], tuple[str, ...]]] = [
        ({}, tuple(index.criteria)),
    ]
    for section in fw.sections:
        options.append(({"section": section.id}, tuple(c.id for c in section.criteria)))
    for tag in _TAGS:
        tagged = tuple(c for c in index.criteria if tag in index.targets[c].tags)
        if tagged:
            options.append(({"tag": tag}, tagged))
    if not criteria_only and all(s.scale for s in fw.sections):
        options.append(({"of": "sections"}, tuple(s.id for s in fw.sections)))
    if not criteria_only:
        for section in fw.sections:
            if section.scale:
                options.append(({"of": "sections", "section": section.id}, (section.id,)))
    return [(scope, targets) for scope, targets in options if targets]


def _rule(
    draw: st.DrawFn, kind: str, rule_id: str, index: FrameworkIndex, extra: Sequence[str]
) -> Rule | None:
    """One rule of a built-in kind with parameters that check, or None if it cannot apply."""
    params: dict[str, Any] = {}
    effect = draw(st.sampled_from(("require", "require", "veto", "inform")))
    if kind in ("minimum-level", "at-least"):
        leveled = [
            (scope, targets, common)
            for scope, targets in _scope_options(index, criteria_only=False)
            if (common := _common_levels(index, targets))
        ]
        if not leveled:
            return None
        scope, targets, common = draw(st.sampled_from(leveled))
        params = {"scope": scope, "level": draw(st.sampled_from(common))}
        if kind == "at-least":
            params["count"] = draw(st.integers(1, len(targets)))
        if draw(st.booleans()):
            params["if_empty"] = draw(st.sampled_from(("fail", "hold")))
    elif kind == "notable-level":
        scaled = [
            (s, t)
            for s, t in _scope_options(index, criteria_only=False)
            if all(index.targets[x].scale for x in t)
        ]
        if not scaled:
            return None
        scope, targets = draw(st.sampled_from(scaled))
        params = {"scope": scope}
        shared = _common_levels(index, targets)
        use_level: bool = draw(st.booleans())
        if shared and use_level:
            params["level"] = draw(st.sampled_from(shared))
        effect = draw(st.sampled_from(("highlight", "highlight", "inform")))
    elif kind == "evidence-present":
        scope, _ = draw(st.sampled_from(_scope_options(index, criteria_only=True)))
        params = {"scope": scope}
        if draw(st.booleans()):
            params["if_empty"] = draw(st.sampled_from(("fail", "hold")))
    elif kind == "action-plan":
        params = {"min_items": draw(st.integers(1, 2))}
    elif kind == "satisfied":
        scaled = [
            (s, t)
            for s, t in _scope_options(index, criteria_only=False)
            if all(index.targets[x].scale for x in t)
        ]
        if not scaled:
            return None
        scope, _ = draw(st.sampled_from(scaled))
        params = {"scope": scope}
        if draw(st.booleans()):
            params["if_empty"] = draw(st.sampled_from(("fail", "hold")))
    elif kind == "renewal":
        params = {}
    elif kind == "outcome-coverage":
        sets = [o.id for o in index.framework.outcome_sets if o.outcomes]
        if not sets:
            return None
        params = {
            "outcome_set": draw(st.sampled_from(sets)),
            "by": draw(st.sampled_from(("evidence", "criteria", "either"))),
        }
    elif kind == "weighted-score":
        pointed = [
            (scope, targets)
            for scope, targets in _scope_options(index, criteria_only=False)
            if all((sc := index.targets[t].scale) is not None and sc.has_points for t in targets)
        ]
        if not pointed:
            return None
        scope, _ = draw(st.sampled_from(pointed))
        params = {"scope": scope}
        if draw(st.booleans()):
            params["min_fraction"] = draw(st.sampled_from((0.0, 0.25, 0.5, 1.0)))
        else:
            params["threshold"] = draw(st.integers(0, 6))
    else:
        raise ValueError(f"frameworks() cannot write parameters for rule kind {kind!r}")
    status = ""
    if effect == "veto" and extra and draw(st.booleans()):
        status = draw(st.sampled_from(tuple(extra)))
    return Rule(
        id=rule_id,
        kind=kind,
        title=draw(texts()),
        effect=effect,
        status=status,
        feedback="",
        params=params,
    )


@st.composite
def _frameworks(
    draw: st.DrawFn,
    *,
    scales: st.SearchStrategy[Scale] | None,
    min_sections: int,
    max_sections: int,
    max_criteria: int,
    rule_kinds: Sequence[str],
    max_rules: int,
    aggregates: Sequence[str],
    not_applicable: bool,
    contexts: bool,
    outcome_sets: bool,
    award_levels: bool = False,
    justification: bool = False,
    submission_details: bool = True,
    recurring: bool = False,
) -> Framework:
    n_scales = draw(st.integers(1, 3))
    drawn_scales: list[Scale] = []
    for i in range(n_scales):
        scale = draw(
            scales
            if scales is not None
            else _scales(scale_id=f"scale{i}", min_levels=1, max_levels=4, points=None)
        )
        if scales is not None:
            scale = attrs.evolve(scale, id=f"scale{i}")
        drawn_scales.append(scale)
    scale_ids = [s.id for s in drawn_scales]
    context_ids = _subset(draw, _CONTEXTS, max_size=2) if contexts else ()
    org_kinds = _subset(draw, _ORG_KINDS, max_size=2) if contexts else ()
    evidence_types = draw(
        st.lists(st.sampled_from(_EVIDENCE_TYPES), min_size=1, max_size=3, unique=True)
    )
    sets: list[OutcomeSet] = []
    if outcome_sets and draw(st.booleans()):
        n = draw(st.integers(1, 4))
        sets.append(
            OutcomeSet(
                id="os0",
                title="Outcomes",
                outcomes=tuple(
                    Outcome(
                        id=f"O{k + 1}",
                        text=f"Outcome {k + 1}",
                        provenance=draw(st.sampled_from(_PROVENANCES)),
                    )
                    for k in range(n)
                ),
                expected_total=draw(st.sampled_from((None, n))),
            )
        )
    sections = []
    for i in range(draw(st.integers(min_sections, max_sections))):
        section_scale = draw(st.sampled_from(("", *scale_ids)))
        aggregate = ""
        if section_scale and len(aggregates) > 0 and draw(st.booleans()):
            aggregate = draw(st.sampled_from(tuple(aggregates)))
        criteria = draw(
            _criteria(
                section_index=i,
                count=draw(st.integers(1, max_criteria)),
                section_scale=section_scale,
                aggregated=bool(aggregate),
                scale_ids=scale_ids,
                contexts=context_ids,
                org_kinds=org_kinds,
                evidence_types=evidence_types,
                outcome_sets=sets,
                not_applicable=not_applicable,
            )
        )
        if justification:
            criteria = tuple(
                attrs.evolve(c, justification=draw(_justifications())) for c in criteria
            )
        sections.append(
            Section(
                id=f"s{i}",
                title=draw(texts()),
                summary="",
                provenance=draw(st.sampled_from(_PROVENANCES)),
                tags=_subset(draw, _TAGS),
                scale=section_scale,
                aggregate=aggregate,
                applicability=Applicability(contexts=_subset(draw, context_ids, max_size=1)),
                not_applicable_allowed=not_applicable and draw(st.booleans()),
                criteria=criteria,
                justification=draw(_justifications()) if justification else None,
            )
        )
    extra = draw(st.sampled_from(((), ("deferred",))))
    base = Framework(
        id="fw",
        version="1",
        title="",
        organisation_kinds=org_kinds,
        contexts=tuple(Context(id=c, title=c.capitalize()) for c in context_ids),
        scales=tuple(drawn_scales),
        evidence_types=tuple(EvidenceType(id=e, title=e.capitalize()) for e in evidence_types),
        outcome_sets=tuple(sets),
        sections=tuple(sections),
    )
    index = FrameworkIndex.build(base)
    kinds = draw(st.lists(st.sampled_from(tuple(rule_kinds)), min_size=1, max_size=max_rules))
    rules = [
        rule for k, kind in enumerate(kinds) if (rule := _rule(draw, kind, f"r{k}", index, extra))
    ]
    if not rules:  # every drawn kind needed something the framework lacks
        rules = [Rule(id="r0", kind="action-plan", params={"min_items": 1})]
    levels: list[AwardLevel] = []
    next_id = len(kinds) + 1  # past every id the rules above may have used
    if award_levels:
        for k in range(draw(st.integers(2, 3))):
            named: list[str] = []
            if k:  # the lowest is the award itself; each higher level adds rules of its own
                for kind in draw(
                    st.lists(st.sampled_from(tuple(rule_kinds)), min_size=1, max_size=2)
                ):
                    extra_rule = _rule(draw, kind, f"r{next_id}", index, extra)
                    next_id += 1
                    if extra_rule is not None:
                        rules.append(attrs.evolve(extra_rule, effect="level", status=""))
                        named.append(extra_rule.id)
                informing = [r.id for r in rules if r.effect in ("inform", "highlight")]
                named += _subset(draw, informing, max_size=1)
            levels.append(
                AwardLevel(id=f"level{k}", label=f"Level {k}", rules=tuple(dict.fromkeys(named)))
            )
    months = draw(st.sampled_from((0, 12, 24)))
    declared = draw(_declared_details()) if submission_details else ()
    events = draw(_recurring_events(months)) if recurring else ()
    return attrs.evolve(
        base,
        submission_details=declared,
        lifecycle=Lifecycle(recurring=events),
        id=draw(st.sampled_from(("fw", "mark", "charter"))),
        version=draw(st.sampled_from(("1", "1.0", "2024"))),
        title=draw(texts()),
        owner="",
        summary="",
        decision=DecisionPolicy(
            pass_status="awarded", fail_status="not-awarded", statuses=extra, rules=tuple(rules)
        ),
        review=ReviewPolicy(
            min_reviewers=draw(st.integers(1, 2)),
            combine=draw(st.sampled_from(("lowest", "median", "unanimous"))),
        ),
        validity=Validity(
            months=months, midpoint_months=draw(st.sampled_from((0, months // 2))) if months else 0
        ),
        award_levels=tuple(levels),
    )


@st.composite
def _needs(draw: st.DrawFn) -> JustificationNeed:
    return JustificationNeed(
        required=draw(st.booleans()),
        min_chars=draw(st.sampled_from((0, 0, 10, 60))),
        url=draw(st.booleans()),
    )


@st.composite
def _justifications(draw: st.DrawFn) -> Justification | None:
    if draw(st.booleans()):
        return None
    unmet = draw(_needs())
    return Justification(
        met=draw(_needs()),
        notable=draw(_needs()),
        unmet=unmet,
        not_applicable=draw(_needs()),
        # Accepting an unmet rating without a reason is worth a warning: ask for one.
        unmet_satisfies=unmet.needed and draw(st.booleans()),
    )


def frameworks(
    *,
    scales: st.SearchStrategy[Scale] | None = None,
    min_sections: int = 1,
    max_sections: int = 3,
    max_criteria: int = 3,
    rule_kinds: Collection[str] = BUILTIN_KINDS,
    max_rules: int = 4,
    aggregates: Collection[str] = _AGGREGATES,
    not_applicable: bool = True,
    contexts: bool = True,
    outcome_sets: bool = True,
    award_levels: bool = False,
    justification: bool = False,
    submission_details: bool = True,
    recurring: bool = False,
) -> st.SearchStrategy[Framework]:
    """Valid frameworks using the built-in rule kinds.

    Ids come from positions (sections ``s0``, criteria ``c0-1``, rules
    ``r2``), so a shrunk counterexample reads like a hand-written file.

    ``scales`` (default: :func:`scales`)
        Draws each scale (ids are renumbered).
    ``min_sections`` (default 1)
        The fewest sections.
    ``max_sections`` (default 3)
        The most sections.
    ``max_criteria`` (default 3)
        The most criteria in a section (at least one).
    ``rule_kinds`` (default :data:`BUILTIN_KINDS`)
        The kinds of rule drawn.
    ``max_rules`` (default 4)
        The most rules drawn (a kind that cannot apply is left out; with none
        left, one action-plan rule).
    ``aggregates`` (default minimum, median, best-fit)
        The section aggregation methods; empty for none.
    ``not_applicable`` (default True)
        False never allows anything to be marked not applicable.
    ``contexts`` (default True)
        False gives no contexts or organisation kinds.
    ``outcome_sets`` (default True)
        False gives no outcome sets.
    ``submission_details`` (default True)
        False declares no submission details; otherwise up to three, of any
        type, some required, some required only when another detail has a
        given value.
    ``award_levels`` (default False)
        True gives two or three award levels, each above the lowest naming
        rules of effect ``level`` of its own (and sometimes an ``inform`` or
        ``highlight`` rule).
    ``justification`` (default False)
        True gives some sections and criteria a ``justification`` table; the
        submissions strategy then writes justifications that satisfy it.
    ``recurring`` (default False)
        True declares one or two recurring events (``[[lifecycle.recurring]]``,
        every 6 or 12 months, the first due within the award where it
        lasts), each with one to three figures: counts and numbers, some
        required, a later count sometimes bounded by an earlier one
        (``at_most``). :func:`return_figures` gives valid returns for them.

    Requires hypothesis.
    """
    unknown = set(rule_kinds) - set(BUILTIN_KINDS)
    if unknown or not rule_kinds:
        raise ValueError(f"rule_kinds must be a non-empty selection of {BUILTIN_KINDS}")
    if not 1 <= min_sections <= max_sections or max_criteria < 1 or max_rules < 1:
        raise ValueError(
            "need 1 <= min_sections <= max_sections, max_criteria >= 1, max_rules >= 1"
        )
    return _frameworks(
        scales=scales,
        min_sections=min_sections,
        max_sections=max_sections,
        max_criteria=max_criteria,
        rule_kinds=tuple(k for k in BUILTIN_KINDS if k in rule_kinds),
        max_rules=max_rules,
        aggregates=tuple(a for a in _AGGREGATES if a in aggregates),
        not_applicable=not_applicable,
        contexts=contexts,
        outcome_sets=outcome_sets,
        award_levels=award_levels,
        justification=justification,
        submission_details=submission_details,
        recurring=recurring,
    )


@st.composite
def _recurring_events(draw: st.DrawFn, months: int) -> tuple[RecurringEvent, ...]:
    events = []
    for k in range(draw(st.integers(1, 2))):
        every = draw(st.sampled_from((6, 12)))
        # Due at least once during an award that lasts, as the framework's checks ask.
        firsts = [m for m in (None, 3, 6, 12) if not months or (m or every) < months]
        figures: list[Figure] = []
        for j in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(("count", "count", "number")))
            earlier = [f.id for f in figures if f.type == kind]
            bounded: bool = draw(st.booleans())
            figures.append(
                Figure(
                    id=f"f{j}",
                    label=f"Figure {j}",
                    type=kind,
                    required=draw(st.booleans()),
                    at_most=draw(st.sampled_from(earlier)) if earlier and bounded else "",
                )
            )
        events.append(
            RecurringEvent(
                id=f"return{k}",
                title=f"Return {k}",
                every_months=every,
                first_due_months=draw(st.sampled_from(tuple(firsts))) if firsts else None,
                figures=tuple(figures),
            )
        )
    return tuple(events)


@st.composite
def _return_figures(draw: st.DrawFn, event: RecurringEvent) -> dict[str, float]:
    given = [f for f in event.figures if f.required or draw(st.booleans())]
    values: dict[str, float] = {}
    waiting = list(given)
    ids = {f.id for f in given}
    while waiting:
        ready = [f for f in waiting if f.at_most not in ids or f.at_most in values]
        if not ready:  # bounds in a circle: the same value satisfies them all
            values.update(dict.fromkeys((f.id for f in waiting), 0.0))
            break
        for figure in ready:
            bound = values.get(figure.at_most)
            if figure.type == "count":
                top = int(bound) if bound is not None else 500
                values[figure.id] = float(draw(st.integers(0, top)))
            else:
                top_number = bound if bound is not None else 100000.0
                values[figure.id] = draw(
                    st.floats(0, top_number, allow_nan=False, allow_infinity=False)
                )
            waiting.remove(figure)
    return {f.id: values[f.id] for f in event.figures if f.id in values}


def return_figures(event: RecurringEvent) -> st.SearchStrategy[dict[str, float]]:
    """Valid figures for one return of a recurring event.

    Valid as :func:`qmframe.awards.returns.check_figures` checks them: every
    required figure and some optional ones; a count is a whole number
    (at most 500), a number is 0 or more; a figure with ``at_most`` is no
    more than that figure when both are given. Requires hypothesis.
    """
    return _return_figures(event)


@st.composite
def _declared_details(draw: st.DrawFn) -> tuple[SubmissionDetail, ...]:
    out: list[SubmissionDetail] = []
    for k in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(DETAIL_TYPES))
        choices = (
            dict.fromkeys(_subset(draw, ("yes", "no", "other")) or ("yes",), "Meaning.")
            if kind == "choice"
            else {}
        )
        earlier = [d for d in out if d.type == "choice"]
        condition = None
        depends: bool = draw(st.booleans())
        if earlier and depends:
            other = draw(st.sampled_from(earlier))
            equals = draw(st.sampled_from(tuple(other.choices)))
            condition = DetailCondition(key=other.key, equals=equals)
        out.append(
            SubmissionDetail(
                key=f"d{k}",
                type=kind,
                required=condition is None and draw(st.booleans()),
                required_if=condition,
                choices=choices,
                help=draw(st.sampled_from(("", "Say what applies."))),
            )
        )
    return tuple(out)


# -- submissions and reviews -------------------------------------------------------------------


def _as_strategy(
    framework: Framework | st.SearchStrategy[Framework] | None,
) -> st.SearchStrategy[Framework]:
    if framework is None:
        return frameworks()
    if isinstance(framework, Framework):
        return st.just(framework)
    return framework


def _expand(index: FrameworkIndex, targets: Iterable[str]) -> frozenset[str]:
    """Targets plus, for each section, its criteria; unknown ids are an error."""
    out: set[str] = set()
    for target in targets:
        if target not in index.targets:
            raise ValueError(f"unknown criterion or section {target!r}")
        out.add(target)
        out.update(index.section_criteria.get(target, ()))
    return frozenset(out)


def _level(
    draw: st.DrawFn, index: FrameworkIndex, target: str, *, meeting: bool, top: bool = False
) -> str:
    scale = index.targets[target].scale
    assert scale is not None
    if top:
        return scale.levels[-1].id  # the top of a scale always meets
    levels = [lv.id for lv in scale.levels if lv.meets or not meeting]
    if not levels:
        raise ValueError(f"{target!r}: its scale {scale.id!r} has no meeting level")
    return draw(st.sampled_from(tuple(levels)))


def _judged_targets(index: FrameworkIndex) -> list[str]:
    """Every criterion, and every section with its own scale, in file order."""
    out = []
    for section in index.framework.sections:
        if section.scale:
            out.append(section.id)
        out += [c.id for c in section.criteria]
    return out


def _value_of(detail: SubmissionDetail) -> st.SearchStrategy[str]:
    """Valid text for one declared detail (see :func:`qmframe.details.value_problem`)."""
    if detail.type == "choice":
        return st.sampled_from(tuple(detail.choices))
    if detail.type == "date":
        return dates().map(dt.date.isoformat)
    if detail.type == "number":
        return st.integers(-5, 5000).map(str) | st.sampled_from(("4.5", "1,200", "0"))
    if detail.type == "url":
        return st.sampled_from(("https://example.org/", "http://example.org/care?page=2"))
    return texts().map(lambda text: text if text.strip() else "Our answer.")


@st.composite
def _detail_values(draw: st.DrawFn, framework: Framework) -> dict[str, str]:
    values: dict[str, str] = {}
    for detail in framework.submission_details:
        if detail.required or (detail.required_if is None and draw(st.booleans())):
            values[detail.key] = draw(_value_of(detail))
    # A detail required when another has a value: added once its condition holds. Giving a
    # value only makes more conditions hold, so this settles.
    changed = True
    while changed:
        changed = False
        for detail in framework.submission_details:
            condition = detail.required_if
            if detail.key in values or condition is None:
                continue
            if values.get(condition.key) == condition.equals or draw(st.booleans()):
                values[detail.key] = draw(_value_of(detail))
                changed = True
    return {d.key: values[d.key] for d in framework.submission_details if d.key in values}


def detail_values(framework: Framework) -> st.SearchStrategy[dict[str, str]]:
    """Valid ``[details]`` for ``framework``: every required detail, some optional ones.

    Each value is of its detail's declared type; a detail required only when
    another has a given value is always there when it does. For a framework
    that declares no details, an empty table. Requires hypothesis.
    """
    if not framework.submission_details:
        return st.just({})
    return _detail_values(framework)


_REASON = "Shown by the evidence we list for {}, reviewed this year."
_URL = " https://example.org/evidence/{}"
#: How a rating is justified: none, a reason, a reason with a URL, or free text.
_JUSTIFICATIONS = st.sampled_from(("none", "reason", "reason+url", "text"))
_WITH_URL = st.booleans()
_NARRATIVES = st.sampled_from(("", "What we do, in our own words."))


def _justification(draw: st.DrawFn, target: str, justified: bool | None) -> str:
    """A rating's justification: a reason (sometimes with a URL), free text or none."""
    if justified is False:
        return ""
    how = draw(_JUSTIFICATIONS) if justified is None else "reason"
    if how == "none":
        return ""
    if how == "text":
        return draw(texts())
    if how == "reason+url" or (justified and draw(_WITH_URL)):
        return _REASON.format(target) + _URL.format(target)
    return _REASON.format(target)


@st.composite
def _submissions(
    draw: st.DrawFn,
    framework: Framework,
    *,
    all_met: Collection[str],
    levels: Mapping[str, st.SearchStrategy[str]],
    not_applicable: bool,
    rate_sections: bool,
    max_evidence: int,
    max_actions: int,
    complete_evidence: bool = False,
    min_open_actions: int = 0,
    organisations: st.SearchStrategy[Organisation] | None = None,
    renewals: bool | None = None,
    justified: bool | None = None,
    details: Mapping[str, st.SearchStrategy[str]] | None = None,
    top: bool = False,
) -> Submission:
    fw = framework
    index = FrameworkIndex.build(fw)
    met = _expand(index, all_met)
    if organisations is not None:
        org = draw(organisations)
    else:
        org = Organisation(
            id=draw(st.sampled_from(("org", "org-1", "acme"))),
            name=draw(texts()),
            kind=draw(st.sampled_from(fw.organisation_kinds)) if fw.organisation_kinds else "",
            context=draw(st.sampled_from(tuple(c.id for c in fw.contexts))) if fw.contexts else "",
        )
    ratings = []
    na_sections: set[str] = set()
    for target in _judged_targets(index):
        if index.targets[target].section in na_sections and target not in met:
            # A section marked not applicable takes its criteria with it.
            ratings.append(
                Rating(
                    target=target,
                    not_applicable=True,
                    justification=justification_for(
                        fw, target, "its section does not apply", not_applicable=True
                    ),
                )
            )
            continue
        is_section = index.targets[target].kind == "section"
        derived = is_section and bool(index.sections[target].aggregate)
        leave = not rate_sections or (derived and draw(st.booleans()))
        if is_section and leave and target not in met and target not in levels:
            continue
        allowed_na = not_applicable and index.targets[target].not_applicable_allowed
        pinned = [c for c in index.section_criteria.get(target, ()) if c in met or c in levels]
        allowed_na = allowed_na and not pinned
        if target not in met and target not in levels and allowed_na and draw(st.booleans()):
            ratings.append(
                Rating(
                    target=target,
                    not_applicable=True,
                    justification=justification_for(
                        fw, target, "not relevant here", not_applicable=True
                    ),
                )
            )
            if index.targets[target].kind == "section":
                na_sections.add(target)
            continue
        if target in levels:
            level = draw(levels[target])
        else:
            level = _level(draw, index, target, meeting=target in met, top=top)
        ratings.append(
            Rating(
                target=target,
                level=level,
                # A framework's justification table comes first: what it asks is written.
                justification=justification_for(
                    fw, target, _justification(draw, target, justified)
                ),
                narrative=draw(_NARRATIVES),
            )
        )
    criteria = list(index.criteria)
    outcome_ids = [o.id for s in fw.outcome_sets for o in s.outcomes]
    evidence: list[EvidenceItem] = []

    def item(type_: str, linked: tuple[str, ...]) -> EvidenceItem:
        return EvidenceItem(
            id=f"e{len(evidence)}",
            type=type_,
            title=draw(texts()),
            reference=draw(st.sampled_from(("", "https://example.org/doc"))),
            effective_date=draw(_maybe_dates()),
            sha256=draw(st.sampled_from(("", "0" * 64))),
            criteria=linked,
            outcomes=_subset(draw, outcome_ids, max_size=2),
        )

    # Evidence that fits what the criteria ask for, criterion by criterion...
    for criterion_id, criterion in index.criteria.items():
        supply = complete_evidence or (len(evidence) < max_evidence and draw(st.booleans()))
        if criterion.evidence and supply:
            for req in criterion.evidence:
                for _ in range(req.min_count):
                    evidence.append(item(draw(st.sampled_from(req.types)), (criterion_id,)))
    # Complete evidence also covers every outcome, once per evidence type (a rule may
    # count only some types).
    if complete_evidence:
        for outcome_set in fw.outcome_sets:
            for evidence_type in fw.evidence_types:
                evidence.append(
                    attrs.evolve(
                        item(evidence_type.id, ()),
                        outcomes=tuple(o.id for o in outcome_set.outcomes),
                    )
                )
    # ...and a few loose items.
    types = [e.id for e in fw.evidence_types]
    loose = draw(st.integers(0, max(0, max_evidence - len(evidence)))) if types else 0
    for _ in range(loose):
        evidence.append(
            item(draw(st.sampled_from(tuple(types))), _subset(draw, criteria, max_size=2))
        )
    renewal = draw(st.booleans()) if renewals is None else renewals
    previous = f"{fw.id}-{org.id}-previous" if renewal else ""
    actions = tuple(
        ActionItem(
            id=f"a{k}",
            action=f"Action {k}",
            owner="owner",
            due=draw(_maybe_dates()),
            criteria=_subset(draw, criteria, max_size=2),
            status=draw(st.sampled_from(_OPEN if k < min_open_actions else ACTION_STATUSES)),
            carried_from=f"{previous}:a{k}" if previous and draw(st.booleans()) else "",
        )
        for k in range(draw(st.integers(min_open_actions, max(max_actions, min_open_actions))))
    )
    if fw.submission_details:
        given = draw(detail_values(fw))
    elif details is None:
        given = draw(st.dictionaries(st.sampled_from(("contact", "region")), texts(), max_size=1))
    else:
        given = {}
    if details is not None:
        given.update({key: draw(strategy) for key, strategy in details.items()})
    return Submission(
        framework=fw.id,
        framework_version=fw.version,
        organisation=org,
        kind=draw(st.sampled_from(("self-assessment", "application"))),
        submitted_on=draw(_maybe_dates()),
        previous_award=previous,
        details=given,
        ratings=tuple(ratings),
        evidence=tuple(evidence),
        actions=actions,
    )


def submissions(
    framework: Framework | st.SearchStrategy[Framework] | None = None,
    *,
    all_met: Collection[str] = (),
    levels: Mapping[str, st.SearchStrategy[str]] | None = None,
    not_applicable: bool = True,
    rate_sections: bool = True,
    max_evidence: int = 4,
    max_actions: int = 3,
    complete_evidence: bool = False,
    min_open_actions: int = 0,
    organisations: st.SearchStrategy[Organisation] | None = None,
    renewals: bool | None = None,
    justified: bool | None = None,
    details: Mapping[str, st.SearchStrategy[str]] | None = None,
) -> st.SearchStrategy[Submission]:
    """Valid submissions for a framework.

    Every criterion gets a rating on its own scale, or is marked not
    applicable (with a justification) where the framework allows it.

    ``framework`` (default None: generated)
        A framework or a strategy of them.

    ``all_met`` (default none)
        Sections or criteria whose every criterion is rated at a meeting level.
    ``levels`` (default none)
        A target's id mapped to a strategy of its level ids.
    ``not_applicable`` (default True)
        False never marks anything not applicable.
    ``rate_sections`` (default True)
        False rates criteria only; a section's level is then derived or missing.
    ``max_evidence`` (default 4)
        The most loose evidence items (besides those that fit the criteria).
    ``max_actions`` (default 3)
        The most action-plan items (at least ``min_open_actions``).
    ``complete_evidence`` (default False)
        True always supplies the evidence each criterion asks for, and evidence
        covering every outcome once per evidence type; otherwise evidence
        often fits. Every reference resolves.
    ``min_open_actions`` (default 0)
        A least number of planned or in-progress actions.
    ``organisations`` (default: generated)
        Draws the organisation (its kind and context must be the framework's),
        for plugin rules that look at it.
    ``renewals`` (default None: either)
        True always sets ``previous_award`` (a renewal; some actions are then
        carried from the previous plan), False never.
    ``justified`` (default None: any)
        True gives every rating a written reason (sometimes with a URL),
        False none; None mixes reasons, free text and none. A rating always
        gives what the framework's ``justification`` table asks of it.
    ``details`` (default: the declared details, else a random ``contact`` or ``region``)
        A detail key mapped to a strategy of its values, for plugins that ask
        for particular details. They are added to valid values for the
        framework's declared details (see :func:`detail_values`).

    Requires hypothesis.
    """
    return _as_strategy(framework).flatmap(
        lambda fw: _submissions(
            fw,
            all_met=tuple(all_met),
            levels=dict(levels or {}),
            not_applicable=not_applicable,
            rate_sections=rate_sections,
            max_evidence=max_evidence,
            max_actions=max_actions,
            complete_evidence=complete_evidence,
            min_open_actions=min_open_actions,
            organisations=organisations,
            renewals=renewals,
            justified=justified,
            details=details,
        )
    )


def _interests(
    draw: st.DrawFn, submission: Submission, interests: bool | None
) -> tuple[Interest, ...]:
    """Interests a reviewer declares, never in the organisation judged."""
    org = submission.organisation
    elsewhere = [f"not-{org.id}", "partner-org", *(v for v in org.linked.values() if v != org.id)]
    count = draw(st.integers(1, 2)) if interests else 0
    if interests is None:
        count = draw(st.integers(0, 2))
    return tuple(
        Interest(
            organisation=draw(st.sampled_from(elsewhere)),
            kind=draw(st.sampled_from(INTEREST_KINDS)),
            note=draw(st.sampled_from(("", "declared on joining the panel"))),
        )
        for _ in range(count)
    )


@st.composite
def _reviews(
    draw: st.DrawFn,
    framework: Framework,
    submission: Submission,
    *,
    all_met: Collection[str],
    complete: bool,
    interests: bool | None = None,
    top: bool = False,
) -> Review:
    fw = framework
    index = FrameworkIndex.build(fw)
    met = _expand(index, all_met)
    org = submission.organisation.id
    count = draw(st.integers(fw.review.min_reviewers, fw.review.min_reviewers + 1))
    reviewers = tuple(
        Reviewer(
            id=f"rev{i}",
            name=draw(texts()),
            organisation=draw(st.sampled_from(("", "panel"))) if org != "panel" else "",
            role=draw(st.sampled_from(("", "lead", "peer"))),
            interests=_interests(draw, submission, interests),
        )
        for i in range(count)
    )
    marked_na = {r.target for r in submission.ratings if r.not_applicable}
    evidence_ids = [e.id for e in submission.evidence]
    judgements = []
    for target in _judged_targets(index):
        if target in marked_na and target not in met:
            continue
        if not complete and target not in met and not draw(st.booleans()):
            continue
        derived = target in index.sections and bool(index.sections[target].aggregate)
        if derived and draw(st.booleans()):
            continue  # leave the section's level to be derived from its criteria
        shared = _level(draw, index, target, meeting=target in met, top=top)
        agree = top or draw(st.booleans())
        for reviewer in reviewers:
            level = shared if agree else _level(draw, index, target, meeting=target in met)
            judgements.append(
                Judgement(
                    target=target,
                    level=level,
                    reviewer=reviewer.id if count > 1 or draw(st.booleans()) else "",
                    rationale=draw(texts()),
                    evidence=_subset(draw, evidence_ids, max_size=2),
                )
            )
    targets = _judged_targets(index)
    requests = tuple(
        InformationRequest(
            id=f"q{k}",
            request="Please send more.",
            target=draw(st.sampled_from(("", *targets))),
            due=draw(_maybe_dates()),
        )
        for k in range(draw(st.integers(0, 1)))
    )
    return Review(
        framework=fw.id,
        framework_version=fw.version,
        organisation=org,
        reviewed_on=draw(_maybe_dates()),
        reviewers=reviewers,
        judgements=tuple(judgements),
        requests=requests,
        notes="",
    )


def reviews(
    framework: Framework,
    submission: Submission,
    *,
    all_met: Collection[str] = (),
    complete: bool = True,
    interests: bool | None = None,
) -> st.SearchStrategy[Review]:
    """Valid reviews of ``submission``: enough reviewers, none with a conflict of interest.

    ``framework``, ``submission``
        The framework and the submission reviewed.
    ``all_met`` (default none)
        As for :func:`submissions`: those targets are judged at meeting levels.
    ``complete`` (default True)
        Each reviewer judges every criterion (and section with a scale) the
        submission did not mark not applicable, on that target's scale
        (a section that derives its level may be left to derive it); False
        leaves some unjudged.
    ``interests`` (default None: either)
        True gives every reviewer one or two declared interests, False none;
        the interests are in other organisations (including ones the
        organisation is linked to), never the one judged.

    There are the framework's ``min_reviewers`` reviewers or one more; with
    several, their judgements may differ. Judgements cite only the
    submission's evidence. Requires hypothesis.
    """
    return _reviews(
        framework, submission, all_met=tuple(all_met), complete=complete, interests=interests
    )


# -- whole cases -------------------------------------------------------------------------------


@st.composite
def _cases(
    draw: st.DrawFn,
    framework: Framework,
    *,
    reviewed: bool | None,
    all_met: Collection[str],
    not_applicable: bool,
    complete_evidence: bool,
    min_open_actions: int,
    organisations: st.SearchStrategy[Organisation] | None = None,
    renewals: bool | None = None,
    justified: bool | None = None,
    details: Mapping[str, st.SearchStrategy[str]] | None = None,
    interests: bool | None = None,
    top: bool | None = False,
) -> AssessmentCase:
    highest: bool = draw(st.booleans()) if top is None else top
    if highest and renewals is None:
        renewals = True  # what only a renewal can show, such as a higher award level
    submission = draw(
        _submissions(
            framework,
            all_met=all_met,
            levels={},
            not_applicable=not_applicable,
            rate_sections=True,
            max_evidence=4,
            max_actions=3,
            complete_evidence=complete_evidence,
            min_open_actions=min_open_actions,
            organisations=organisations,
            renewals=renewals,
            justified=justified,
            details=details,
            top=highest,
        )
    )
    with_review = draw(st.booleans()) if reviewed is None else reviewed
    review = (
        draw(
            _reviews(
                framework,
                submission,
                all_met=all_met,
                complete=True,
                interests=interests,
                top=highest,
            )
        )
        if with_review
        else None
    )
    return AssessmentCase(
        framework=framework, submission=submission, review=review, as_of=draw(dates())
    )


def assessment_cases(
    framework: Framework | st.SearchStrategy[Framework] | None = None,
    *,
    reviewed: bool | None = None,
    all_met: Collection[str] = (),
    not_applicable: bool = True,
    complete_evidence: bool = False,
    min_open_actions: int = 0,
    organisations: st.SearchStrategy[Organisation] | None = None,
    renewals: bool | None = None,
    justified: bool | None = None,
    details: Mapping[str, st.SearchStrategy[str]] | None = None,
    interests: bool | None = None,
) -> st.SearchStrategy[AssessmentCase]:
    """Whole valid cases to assess: a framework, a submission, maybe a review, a date.

    ``framework`` (default None: generated)
        A framework or a strategy of them.
    ``reviewed`` (default None: either)
        True always adds a review (see :func:`reviews`), False never.
    ``all_met`` (default none)
        As for :func:`submissions`, and the review judges them met too.
    ``not_applicable`` (default True)
        As for :func:`submissions`.
    ``complete_evidence`` (default False)
        As for :func:`submissions`.
    ``min_open_actions`` (default 0)
        As for :func:`submissions`.
    ``organisations`` (default: generated)
        As for :func:`submissions`.
    ``renewals`` (default None: either)
        As for :func:`submissions`.
    ``justified`` (default None: any)
        As for :func:`submissions`.
    ``details`` (default: a random contact or region)
        As for :func:`submissions`.
    ``interests`` (default None: either)
        As for :func:`reviews`.

    The date is any day of :func:`dates`. Requires hypothesis.
    """
    return _as_strategy(framework).flatmap(
        lambda fw: _cases(
            fw,
            reviewed=reviewed,
            all_met=tuple(all_met),
            not_applicable=not_applicable,
            complete_evidence=complete_evidence,
            min_open_actions=min_open_actions,
            organisations=organisations,
            renewals=renewals,
            justified=justified,
            details=details,
            interests=interests,
        )
    )


def likely_awards(
    framework: Framework | st.SearchStrategy[Framework] | None = None,
    *,
    reviewed: bool | None = None,
    organisations: st.SearchStrategy[Organisation] | None = None,
    renewals: bool | None = None,
    justified: bool | None = True,
    details: Mapping[str, st.SearchStrategy[str]] | None = None,
    interests: bool | None = None,
    highest: bool | None = None,
) -> st.SearchStrategy[AssessmentCase]:
    """Cases that usually pass: every criterion met, evidence complete, two open actions.

    Properties about awards (monotonicity, not-applicable neutrality,
    sensitivity) need passing cases to start from, which fully random cases
    rarely are. Nothing is marked not applicable.
    :func:`qmframe.testing.invariants.check_award_rate` checks that they do
    pass, and says which rule or check stops them when they do not.

    ``framework`` (default None: generated)
        A framework or a strategy of them.
    ``reviewed`` (default None: a review whenever the framework awards only on one)
        True always adds a review, False never.
    ``justified`` (default True)
        Every rating gives a reason, as rules that read justifications ask;
        None or False as for :func:`submissions`.
    ``organisations`` (default: generated)
        As for :func:`submissions`.
    ``renewals`` (default None: either)
        As for :func:`submissions`.
    ``details`` (default: a random contact or region)
        As for :func:`submissions`.
    ``interests`` (default None: either)
        As for :func:`reviews`.
    ``highest`` (default None: half the cases for a framework with award levels)
        True rates and judges every target at the top of its scale, every
        reviewer agreeing, and makes the case a renewal (unless ``renewals``
        is False): cases that reach a framework's higher award levels, which
        cases merely met rarely do. False never.

    Requires hypothesis.
    """
    return _as_strategy(framework).flatmap(
        lambda fw: _cases(
            fw,
            top=highest if highest is not None else (None if fw.award_levels else False),
            reviewed=reviewed if reviewed is not None else (True if fw.review.required else None),
            all_met=tuple(s.id for s in fw.sections),
            not_applicable=False,
            complete_evidence=True,
            min_open_actions=2,
            organisations=organisations,
            renewals=renewals,
            justified=justified,
            details=details,
            interests=interests,
        )
    )


# -- invalid variants --------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Invalid:
    """A document broken in one way, as the TOML table a file would hold.

    ``mutation`` is one of :data:`MUTATIONS`; ``path`` is where qmframe must
    report the problem (``sections[0].criteria[1].scale``); ``data`` is the
    table (``tomli_w.dumps(data)`` gives the file text).
    """

    mutation: str
    path: str
    description: str
    data: dict[str, Any]


def _foreign_level(fw: Framework, own: Collection[str]) -> str:
    """A level id of another scale of ``fw`` that ``own`` lacks, else an id no scale has."""
    for scale in fw.scales:
        for level in scale.levels:
            if level.id not in own:
                return level.id
    return "no-such-level"


@st.composite
def _invalid_frameworks(draw: st.DrawFn, framework: Framework, mutations: Sequence[str]) -> Invalid:
    data = copy.deepcopy(unstructure_toml(framework))
    places = [(i, j) for i, s in enumerate(framework.sections) for j in range(len(s.criteria))]
    i, j = draw(st.sampled_from(places))
    section = framework.sections[i]
    cdata = data["sections"][i]["criteria"][j]
    cpath = f"sections[{i}].criteria[{j}]"
    level_rules = [k for k, r in enumerate(framework.decision.rules) if "level" in r.params]
    options = [m for m in mutations if m != "foreign-level" or level_rules]
    if not options:
        options = [m for m in mutations if m != "foreign-level"] or ["broken-reference"]
    mutation = draw(st.sampled_from(options))
    if mutation == "broken-reference":
        cdata["scale"] = "no-such-scale"
        return Invalid(
            mutation=mutation,
            path=f"{cpath}.scale",
            description="criterion names an unknown scale",
            data=data,
        )
    if mutation == "duplicate-id":
        cdata["id"] = section.id
        return Invalid(
            mutation=mutation,
            path=f"{cpath}.id",
            description=f"criterion reuses the id of section {section.id!r}",
            data=data,
        )
    if mutation == "wrong-type":
        field = draw(st.sampled_from(("title", "not_applicable_allowed")))
        cdata[field] = 7 if field == "title" else "yes"
        return Invalid(
            mutation=mutation,
            path=f"{cpath}.{field}",
            description=f"criterion {field} has the wrong type",
            data=data,
        )
    k = draw(st.sampled_from(level_rules))
    rule = framework.decision.rules[k]
    # A level missing from at least one scale the rule's scope uses.
    scope_levels = _rule_scope_levels(FrameworkIndex.build(framework), rule)
    foreign = _foreign_level(framework, scope_levels)
    data["decision"]["rules"][k]["level"] = foreign
    return Invalid(
        mutation=mutation,
        path=f"decision.rules[{k}].level",
        description=f"rule asks for level {foreign!r}, not on its scope's scale",
        data=data,
    )


def _rule_scope_levels(index: FrameworkIndex, rule: Rule) -> frozenset[str]:
    """Level ids found on every scale of the targets the rule looks at."""
    scope = resolve_scope(rule, index)
    if isinstance(scope, list):
        return frozenset()
    return frozenset(_common_levels(index, scope.targets))


def invalid_frameworks(
    framework: Framework | st.SearchStrategy[Framework] | None = None,
    *,
    mutations: Collection[str] = MUTATIONS,
) -> st.SearchStrategy[Invalid]:
    """Frameworks broken in exactly one way, for testing error handling.

    ``framework`` (default None: generated)
        The framework to break: an object or a strategy.
    ``mutations`` (default :data:`MUTATIONS`)
        Which breakages to choose from: a criterion naming an unknown scale
        (``broken-reference``), a criterion reusing its section's id
        (``duplicate-id``), a field of the wrong type (``wrong-type``), or a
        rule level that is not on its scope's scale (``foreign-level``; for a
        framework with no rule naming a level, a broken reference instead).
        ``Invalid.mutation`` says which was made.

    Requires hypothesis.
    """
    chosen = tuple(m for m in MUTATIONS if m in mutations)
    if not chosen:
        raise ValueError(f"mutations must be a non-empty selection of {MUTATIONS}")
    return _as_strategy(framework).flatmap(lambda fw: _invalid_frameworks(fw, chosen))


@st.composite
def _invalid_submissions(
    draw: st.DrawFn, framework: Framework, mutations: Sequence[str]
) -> Invalid:
    index = FrameworkIndex.build(framework)
    submission = draw(
        _submissions(
            framework,
            all_met=(),
            levels={},
            not_applicable=False,
            rate_sections=True,
            max_evidence=3,
            max_actions=2,
        )
    )
    data = copy.deepcopy(unstructure_toml(submission))
    mutation = draw(st.sampled_from(tuple(mutations)))
    k = draw(st.integers(0, len(submission.ratings) - 1))
    if mutation == "wrong-type":
        data["organisation"]["name"] = 3
        return Invalid(
            mutation=mutation,
            path="organisation.name",
            description="organisation name is a number",
            data=data,
        )
    return _break_entry(framework, index, data, "ratings", k, mutation)


def invalid_submissions(
    framework: Framework | st.SearchStrategy[Framework] | None = None,
    *,
    mutations: Collection[str] = MUTATIONS,
) -> st.SearchStrategy[Invalid]:
    """Submissions for ``framework`` broken in exactly one way.

    ``framework`` (default None: generated)
        An object or a strategy.
    ``mutations`` (default :data:`MUTATIONS`)
        A rating of an unknown target, a target rated twice, the
        organisation's name as a number, or a level from another scale.

    Requires hypothesis.
    """
    chosen = tuple(m for m in MUTATIONS if m in mutations)
    if not chosen:
        raise ValueError(f"mutations must be a non-empty selection of {MUTATIONS}")
    return _as_strategy(framework).flatmap(lambda fw: _invalid_submissions(fw, chosen))


@st.composite
def _invalid_reviews(
    draw: st.DrawFn, framework: Framework, submission: Submission, mutations: Sequence[str]
) -> Invalid:
    index = FrameworkIndex.build(framework)
    review = draw(_reviews(framework, submission, all_met=(), complete=True))
    data = copy.deepcopy(unstructure_toml(review))
    if not review.judgements:  # everything was marked not applicable: judge a criterion anyway
        target = next(iter(index.criteria))
        judgement = Judgement(
            target=target,
            level=_level(draw, index, target, meeting=False),
            reviewer=review.reviewers[0].id,
        )
        review = attrs.evolve(review, judgements=(judgement,))
        data = copy.deepcopy(unstructure_toml(review))
    mutation = draw(st.sampled_from(tuple(mutations)))
    k = draw(st.integers(0, len(review.judgements) - 1))
    if mutation == "wrong-type":
        data["judgements"][k]["level"] = 2
        return Invalid(
            mutation=mutation,
            path=f"judgements[{k}].level",
            description="a judgement level is a number",
            data=data,
        )
    return _break_entry(framework, index, data, "judgements", k, mutation)


_ENTRY_NOUNS = {"ratings": ("rating", "rated twice"), "judgements": ("judgement", "judged twice")}


def _break_entry(
    framework: Framework,
    index: FrameworkIndex,
    data: dict[str, Any],
    key: str,
    k: int,
    mutation: str,
) -> Invalid:
    """Break entry ``k`` of ``data[key]`` (ratings or judgements) by ``mutation``.

    One place for the mutations submissions and reviews share: a broken target,
    a duplicated entry, a level from another scale.
    """
    noun, twice = _ENTRY_NOUNS[key]
    entries = data[key]
    target = entries[k]["target"]
    if mutation == "broken-reference":
        entries[k]["target"] = "no-such-criterion"
        return Invalid(
            mutation=mutation,
            path=f"{key}[{k}].target",
            description=f"a {noun} names an unknown criterion",
            data=data,
        )
    if mutation == "duplicate-id":
        entries.append(copy.deepcopy(entries[k]))
        return Invalid(
            mutation=mutation,
            path=f"{key}[{len(entries) - 1}].target",
            description=f"{target!r} is {twice}",
            data=data,
        )
    scale = index.targets[target].scale
    assert scale is not None
    foreign = _foreign_level(framework, scale.level_ids())
    entries[k]["level"] = foreign
    return Invalid(
        mutation=mutation,
        path=f"{key}[{k}].level",
        description=f"{noun} level {foreign!r} is not on scale {scale.id!r}",
        data=data,
    )


def invalid_reviews(
    framework: Framework,
    submission: Submission,
    *,
    mutations: Collection[str] = MUTATIONS,
) -> st.SearchStrategy[Invalid]:
    """Reviews of ``submission`` broken in exactly one way.

    ``framework``, ``submission``
        The framework and the submission the review is of.
    ``mutations`` (default :data:`MUTATIONS`)
        A judgement of an unknown target, a target judged twice by one
        reviewer, a level given as a number, or a level from another scale.

    Requires hypothesis.
    """
    chosen = tuple(m for m in MUTATIONS if m in mutations)
    if not chosen:
        raise ValueError(f"mutations must be a non-empty selection of {MUTATIONS}")
    return _invalid_reviews(framework, submission, chosen)
