"""What many decisions of one framework say about the sector as a whole.

Scheme owners want to learn from everyone they assess, not only judge each
in turn: how many organisations reach each level in each section, which
criteria are most often unmet, what practice reviewers highlighted (a
repository of effective practice: area, organisation, what, when), and,
where a framework collects them, figures over time such as recruitment,
attrition and completion, and the totals of the returns holders send during
their award (an annual statistical return). Everything here is computed from
decisions, the figures submitted with them and the recorded returns; nothing
is stored.

A *public* view is one fit to publish: it names no organisation, and it
rounds and suppresses every total of people by the framework's
``[disclosure]`` rule (HESA's standard rounding methodology by default; see
:mod:`qmframe.awards.returns`), keeping no exact total.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from qmframe.awards.returns import (
    SUPPRESSED,
    RecordedReturn,
    publish_count,
    publish_percentage,
)
from qmframe.decision import Decision
from qmframe.escaping import terminal
from qmframe.framework import Framework
from qmframe.frozen import FrozenMap

__all__ = [
    "CohortFigure",
    "Practice",
    "ReturnTotal",
    "SectionLevels",
    "SectorView",
    "UnmetCount",
    "assemble_view",
    "levels_of",
    "render_text",
    "sector_view",
]

#: How a section with no level in a decision is counted.
NOT_JUDGED = "not judged"


def _frozen_counts(value: Mapping[str, int]) -> FrozenMap[str, int]:
    return FrozenMap(value)


@attrs.frozen(kw_only=True)
class SectionLevels:
    """How many organisations reached each level of one section (lowest level first)."""

    section: str
    title: str
    counts: Mapping[str, int] = attrs.field(converter=_frozen_counts)


@attrs.frozen(kw_only=True)
class UnmetCount:
    """A criterion (or section, or whole rule) and how many organisations did not meet it."""

    target: str
    title: str
    count: int


@attrs.frozen(kw_only=True)
class Practice:
    """One piece of highlighted practice: where, who, what, when."""

    area: str
    organisation: str
    target: str
    title: str
    level: str
    on: dt.date


@attrs.frozen(kw_only=True)
class CohortFigure:
    """One figure (for example recruitment) summed over the organisations reporting it in a year."""

    year: int
    figure: str
    total: float
    organisations: int


@attrs.frozen(kw_only=True)
class ReturnTotal:
    """One figure of a recurring event's returns, totalled over the organisations in a year.

    ``year`` is the year of the due date the returns answer; each
    organisation counts once a year, with its latest return. ``shown`` is the
    total as the view shows it: exact, or in a public view rounded (or
    ``..``, suppressed) when the figure is a count, and then ``total`` is
    None. For a figure with ``at_most``, ``of`` names that figure and
    ``percent`` gives this one as a share of it, over the organisations that
    reported both.
    """

    event: str
    figure: str
    label: str
    year: int
    organisations: int
    shown: str
    total: float | None = None
    of: str = ""
    percent: str = ""


@attrs.frozen(kw_only=True)
class SectorView:
    """The sector as many decisions show it.

    Levels and unmet counts use each organisation's latest decision, so
    every organisation counts once; the practice repository and cohort
    figures use every decision, since each is a moment in time.

    Indications (decisions made without the reviewers the framework
    requires: no award) are counted apart, in ``indications``, and left out
    of everything else, so that figures about awards are not diluted: an
    organisation's latest decision is its latest that is not an indication,
    ``organisations`` counts those with one, and ``only_indications`` those
    with indications and nothing else yet.

    ``framework_title`` and ``framework_version`` name the framework as the
    view was made with it, and ``as_of`` is the date of the latest decision
    or return counted (None when there is none): what the view is up to.
    """

    framework: str
    organisations: int
    decisions: int
    passed: int
    indications: int = 0
    only_indications: int = 0
    framework_title: str = ""
    framework_version: str = ""
    as_of: dt.date | None = None
    levels: tuple[SectionLevels, ...] = ()
    unmet: tuple[UnmetCount, ...] = ()
    practice: tuple[Practice, ...] = ()
    cohorts: tuple[CohortFigure, ...] = ()
    returns: tuple[ReturnTotal, ...] = ()
    anonymised: bool = False
    public: bool = False
    notes: tuple[str, ...] = ()


def levels_of(decision: Decision, framework: Framework) -> dict[str, str]:
    """The level the decision settled for each target: its own :attr:`Decision.levels`.

    Nothing is derived here: a section the engine left unresolved (a split
    panel on one of its criteria) has no level in the sector view either.
    ``framework`` is kept for callers that pass it.
    """
    return {decided.target: decided.level for decided in decision.levels if decided.level}


def _number(text: str) -> float | None:
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        return None


def sector_view(
    framework: Framework,
    decisions: Sequence[Decision],
    *,
    details: Sequence[Mapping[str, str]] | None = None,
    figures: Sequence[str] = (),
    anonymise: bool = False,
    returns: Sequence[RecordedReturn] = (),
    public: bool = False,
) -> SectorView:
    """The sector view of ``decisions`` (all of ``framework``; others are left out).

    ``details`` are the figures each submission reported, in the same order
    as ``decisions``; ``figures`` names which of them to total by year.
    ``returns`` are the recorded returns of the framework's recurring events,
    totalled by year (see :class:`ReturnTotal`). With ``anonymise``,
    organisations are named "Organisation 1", "2", ... in order of first
    decision. ``public`` anonymises too, and publishes totals of people only
    as the framework's ``[disclosure]`` rule allows: submitted figures are
    treated as counts of people. A register answers the same question from
    its own tables, without building the decisions: see
    :meth:`qmframe.awards.register.Register.sector_view`.
    """
    anonymise = anonymise or public
    notes: list[str] = []
    everything = [
        (d, (details[i] if details is not None else {}))
        for i, d in enumerate(decisions)
        if d.framework == framework.id
    ]
    if len(everything) < len(decisions):
        notes.append(f"{len(decisions) - len(everything)} decisions of other frameworks left out")
    everything.sort(key=lambda pair: pair[0].as_of)
    # Aliases follow each organisation's first decision of any kind, as in a register.
    aliases: dict[str, str] = {}
    for decision, _ in everything:
        aliases.setdefault(decision.organisation, f"Organisation {len(aliases) + 1}")
    pairs = [(d, reported) for d, reported in everything if not d.is_indication]
    indications = len(everything) - len(pairs)

    def name(decision: Decision) -> str:
        if anonymise:
            return aliases[decision.organisation]
        return decision.organisation_name or decision.organisation

    assessed: dict[str, Decision] = {}
    for decision, _ in pairs:
        assessed[decision.organisation] = decision
    latest = {org: assessed[org] for org in aliases if org in assessed}
    section_counts: dict[str, Counter[str]] = {s.id: Counter() for s in framework.sections}
    unmet: Counter[str] = Counter()
    unmet_titles: dict[str, str] = {}
    for decision in latest.values():
        levels = levels_of(decision, framework)
        for section in framework.sections:
            section_counts[section.id][levels.get(section.id, NOT_JUDGED)] += 1
        for target in {u.target or u.rule for u in decision.unmet}:
            unmet[target] += 1
        for item in decision.unmet:
            unmet_titles.setdefault(item.target or item.rule, item.title)
    return assemble_view(
        framework,
        organisations=len(latest),
        decisions=len(pairs),
        passed=sum(1 for d in latest.values() if d.passed),
        indications=indications,
        only_indications=len(aliases) - len(latest),
        latest=everything[-1][0].as_of if everything else None,
        section_counts=section_counts,
        unmet=[(target, unmet_titles.get(target, ""), n) for target, n in unmet.items()],
        practice=[
            (h.target, h.title, h.level, decision.as_of, name(decision))
            for decision, _ in pairs
            for h in decision.highlights
        ],
        reported=[
            (decision.as_of, name(decision), figure, reported[figure])
            for decision, reported in pairs
            for figure in figures
            if figure in reported
        ],
        anonymised=anonymise,
        notes=notes,
        returns=returns,
        public=public,
    )


def assemble_view(
    framework: Framework,
    *,
    organisations: int,
    decisions: int,
    passed: int,
    section_counts: Mapping[str, Mapping[str, int]],
    indications: int = 0,
    only_indications: int = 0,
    latest: dt.date | None = None,
    unmet: Iterable[tuple[str, str, int]],
    practice: Iterable[tuple[str, str, str, dt.date, str]],
    reported: Iterable[tuple[dt.date, str, str, str]],
    anonymised: bool = False,
    notes: Sequence[str] = (),
    returns: Sequence[RecordedReturn] = (),
    public: bool = False,
) -> SectorView:
    """A :class:`SectorView` from counts already made (by :func:`sector_view` or a register).

    ``section_counts`` gives, for each section id, how many organisations'
    latest decisions settled each level (:data:`NOT_JUDGED` for none);
    ``unmet`` is (target, title, organisations) for each unmet target;
    ``practice`` is (target, title, level, date, organisation) for every
    highlight, oldest decision first; ``reported`` is (date, organisation,
    figure, value) for every figure a submission reported, in the same order;
    ``returns`` and ``public`` are as for :func:`sector_view`; ``latest`` is
    the date of the latest decision (of any kind) counted. Every count but
    ``indications`` and ``only_indications`` leaves indications out (see
    :class:`SectorView`).
    """
    notes = list(notes)
    level_rows = []
    for section in framework.sections:
        scale = framework.scale(section.scale)
        order = [level.id for level in scale.levels] if scale else []
        counts = section_counts.get(section.id, {})
        ordered = {level: counts.get(level, 0) for level in order}
        ordered.update({k: v for k, v in sorted(counts.items()) if k not in ordered})
        level_rows.append(SectionLevels(section=section.id, title=section.title, counts=ordered))
    unmet_rows = tuple(
        UnmetCount(target=target, title=title, count=count)
        for target, title, count in sorted(unmet, key=lambda row: (-row[2], row[0]))
    )
    section_of = {c.id: s for s, c in framework.iter_criteria()}
    practice_rows = []
    for target, title, level, on, who in practice:
        home = framework.section(target) or section_of.get(target)
        practice_rows.append(
            Practice(
                area=home.title if home else "",
                organisation=who,
                target=target,
                title=title,
                level=level,
                on=on,
            )
        )
    totals: dict[tuple[int, str], list[float]] = defaultdict(list)
    for on, who, figure, text in reported:
        value = _number(text)
        if value is None:
            notes.append(f"{who} {on}: {figure} is not a number ({text!r})")
            continue
        totals[(on.year, figure)].append(value)
    cohorts = []
    for (year, figure), values in sorted(totals.items()):
        total = sum(values)
        if public:
            shown = publish_count(total, framework.disclosure)
            if shown == SUPPRESSED:
                notes.append(f"{year} {figure}: too few to publish")
                continue
            total = float(shown)
        cohorts.append(
            CohortFigure(year=year, figure=figure, total=total, organisations=len(values))
        )
    return_totals, return_notes = _return_totals(framework, returns, public=public)
    notes += return_notes
    dates = [day for day in (latest,) if day is not None]
    dates += [r.on for r in returns if r.framework == framework.id]
    return SectorView(
        framework=framework.id,
        framework_title=framework.title,
        framework_version=framework.version,
        as_of=max(dates, default=None),
        organisations=organisations,
        decisions=decisions,
        passed=passed,
        indications=indications,
        only_indications=only_indications,
        levels=tuple(level_rows),
        unmet=unmet_rows,
        practice=tuple(practice_rows),
        cohorts=tuple(cohorts),
        returns=return_totals,
        anonymised=anonymised,
        public=public,
        notes=tuple(notes),
    )


def _return_totals(
    framework: Framework, returns: Sequence[RecordedReturn], *, public: bool
) -> tuple[tuple[ReturnTotal, ...], list[str]]:
    """Each recurring event's figures totalled by year, each organisation once a year."""
    rule = framework.disclosure
    notes = []
    events = {event.id: event for event in framework.lifecycle.recurring}
    latest: dict[tuple[str, int, str], RecordedReturn] = {}
    for recorded in sorted(returns, key=lambda r: (r.due, r.on, r.id)):
        if recorded.framework != framework.id:
            continue
        if recorded.event not in events:
            notes.append(
                f"a return of {recorded.event!r}, which {framework.id} no longer declares, left out"
            )
            continue
        latest[(recorded.event, recorded.due.year, recorded.organisation)] = recorded
    by_year: dict[tuple[str, int], list[RecordedReturn]] = defaultdict(list)
    for (event_id, year, _), recorded in latest.items():
        by_year[(event_id, year)].append(recorded)
    rows = []
    for event_id, event in events.items():
        for year in sorted(y for e, y in by_year if e == event_id):
            group = by_year[(event_id, year)]
            for figure in event.figures:
                reported = [r.figures[figure.id] for r in group if figure.id in r.figures]
                if not reported:
                    continue
                total = sum(reported)
                percent = ""
                if figure.at_most:
                    pairs = [
                        (r.figures[figure.id], r.figures[figure.at_most])
                        for r in group
                        if figure.id in r.figures and figure.at_most in r.figures
                    ]
                    percent = publish_percentage(
                        sum(p for p, _ in pairs),
                        sum(b for _, b in pairs),
                        rule if public and figure.type == "count" else None,
                    )
                hidden = public and figure.type == "count"
                rows.append(
                    ReturnTotal(
                        event=event_id,
                        figure=figure.id,
                        label=figure.label,
                        year=year,
                        organisations=len(reported),
                        shown=publish_count(total, rule) if hidden else f"{total:g}",
                        total=None if hidden else total,
                        of=figure.at_most,
                        percent=percent,
                    )
                )
    return tuple(rows), notes


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    # Cells escaped before the widths are measured, so the columns line up as shown.
    cells = [[terminal(str(c)) for c in header], *[[terminal(str(c)) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def render_text(view: SectorView) -> str:
    """The sector view as plain-text tables, every name and title escaped for a terminal."""
    named = view.framework
    if view.framework_title:
        named = f"{view.framework_title} ({view.framework}, version {view.framework_version})"
    up_to = f", up to {view.as_of}" if view.as_of else ""
    out = [
        f"Sector view: {named}{up_to}: {view.organisations} organisations, "
        f"{view.decisions} decisions, {view.passed} currently passing"
        + (" (public)" if view.public else " (anonymised)" if view.anonymised else ""),
    ]
    if view.indications:
        waiting = (
            f", {view.only_indications} organisations with nothing reviewed yet"
            if view.only_indications
            else ""
        )
        out.append(
            f"Also {view.indications} indications (no award: reviewers missing), "
            f"not counted above{waiting}"
        )
    out += ["", "Levels reached, by section (latest decision of each organisation):"]
    for row in view.levels:
        counts = ", ".join(f"{level} {n}" for level, n in row.counts.items())
        out.append(f"  {row.title} ({row.section}): {counts}")
    out += ["", "Most often unmet:"]
    if view.unmet:
        out += [
            "  " + line
            for line in _table(
                ("COUNT", "TARGET", "TITLE"), [(u.count, u.target, u.title) for u in view.unmet]
            )
        ]
    else:
        out.append("  nothing unmet")
    out += ["", "Repository of effective practice:"]
    if view.practice:
        out += [
            "  " + line
            for line in _table(
                ("WHEN", "AREA", "ORGANISATION", "WHAT", "LEVEL"),
                [(p.on, p.area, p.organisation, p.title, p.level) for p in view.practice],
            )
        ]
    else:
        out.append("  no practice highlighted yet")
    if view.cohorts:
        out += ["", "Cohort figures by year:"]
        out += [
            "  " + line
            for line in _table(
                ("YEAR", "FIGURE", "TOTAL", "ORGANISATIONS"),
                [(c.year, c.figure, f"{c.total:g}", c.organisations) for c in view.cohorts],
            )
        ]
    if view.returns:
        rounded = " (people rounded and suppressed for publication)" if view.public else ""
        out += ["", f"Returns by year{rounded}:"]
        out += [
            "  " + line
            for line in _table(
                ("YEAR", "EVENT", "FIGURE", "TOTAL", "PERCENT", "ORGANISATIONS"),
                [
                    (
                        r.year,
                        r.event,
                        r.figure,
                        r.shown,
                        f"{r.percent} of {r.of}" if r.percent else "",
                        r.organisations,
                    )
                    for r in view.returns
                ],
            )
        ]
    if view.notes:
        out += ["", "Notes:", *(f"  {note}" for note in view.notes)]
    return "\n".join(map(terminal, out)) + "\n"
