"""Recurring events during an award: when returns fall due, what they report, how it is published.

A framework declares what every holder does again and again while an award
lasts (``[[lifecycle.recurring]]``, see
:class:`~qmframe.framework.RecurringEvent`), such as an annual statistical
return, with the figures each return reports. This module holds the pure
parts: the due dates of a term, the checks of a return's figures against the
declaration, and the disclosure rule that rounds and suppresses figures
about people before they are published. The register keeps the returns
(:meth:`~qmframe.awards.register.Register.add_return`); the sector view
totals them (:func:`~qmframe.awards.sector.sector_view`).

The default disclosure rule is HESA's standard rounding methodology, as
HESA, the UK's higher education statistics agency, publishes it
(https://www.hesa.ac.uk/support/data-intelligence?data_streams=21&year=637&field=All):
all numbers of people are rounded to the nearest multiple of 5, any number
lower than 2.5 is rounded to 0, halves are always rounded upwards (2.5 to
5), percentages based on fewer than 22.5 individuals are suppressed, totals
are rounded after they are calculated, and suppressed values are shown as
``..``. Financial and other non-count figures are not rounded.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping, Sequence

import attrs

from qmframe.engine import add_months
from qmframe.errors import Problem, ValidationError
from qmframe.framework import Disclosure, Framework, RecurringEvent
from qmframe.frozen import EMPTY, frozen_number_map

__all__ = [
    "SUPPRESSED",
    "RecordedReturn",
    "ReturnFile",
    "check_figures",
    "due_dates",
    "figure_pairs",
    "publish_count",
    "publish_percentage",
    "read_figures",
    "recurring_event",
]

#: How a suppressed value is shown (HESA's mark for one).
SUPPRESSED = ".."

_WHOLE = re.compile(r"^[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?$")


@attrs.frozen(kw_only=True)
class ReturnFile:
    """A return written as a file, for ``qmframe register return ... --file FILE``.

    ``figures`` maps each figure id to its value; ``on`` is the day it was
    sent and ``due`` the due date it answers (by default, the earliest one
    not yet answered).
    """

    figures: Mapping[str, float] = attrs.field(default=EMPTY, converter=frozen_number_map)
    on: dt.date | None = None
    due: dt.date | None = None
    note: str = ""


@attrs.frozen(kw_only=True)
class RecordedReturn:
    """One return as the register keeps it: which event, which due date, the figures."""

    id: int
    framework: str
    organisation: str
    event: str
    due: dt.date
    on: dt.date
    figures: Mapping[str, float] = attrs.field(default=EMPTY, converter=frozen_number_map)
    note: str = ""


def recurring_event(framework: Framework, event_id: str) -> RecurringEvent:
    """The framework's recurring event ``event_id``; ValidationError naming the declared ones."""
    for event in framework.lifecycle.recurring:
        if event.id == event_id:
            return event
    declared = ", ".join(e.id for e in framework.lifecycle.recurring) or "none"
    raise ValidationError(
        [
            Problem(
                f"unknown recurring event {event_id!r} of {framework.id!r} (declared: {declared})",
                "event",
                code="unknown-reference",
            )
        ]
    )


def due_dates(
    event: RecurringEvent,
    start: dt.date,
    until: dt.date | None,
    *,
    through: dt.date | None = None,
) -> Iterator[dt.date]:
    """The days ``event`` falls due during a term that began on ``start``, in order.

    The first is ``first_due_months`` after ``start`` (by default
    ``every_months``), then one every ``every_months``, while the term lasts
    (up to ``until``, its last valid day) and up to ``through`` when given. A
    term with no end and no ``through`` gives an endless series.
    """
    if event.every_months < 1:
        return
    months = event.first_due_months or event.every_months
    while True:
        # Always counted from the start, so 31 January + 1 month + 1 month is 31 March.
        day = add_months(start, months)
        if (until is not None and day > until) or (through is not None and day > through):
            return
        yield day
        months += event.every_months


def figure_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """``--figure ID=VALUE`` options as a table of text; ValidationError for a malformed one."""
    out: dict[str, str] = {}
    problems = []
    for pair in pairs:
        key, equals, value = pair.partition("=")
        key = key.strip()
        if not equals or not key:
            problems.append(
                Problem(f"expected ID=VALUE, got {pair!r}", "figures", code="wrong-value")
            )
        elif key in out:
            problems.append(
                Problem(f"{key!r} is given twice", f"figures.{key}", code="duplicate-id")
            )
        else:
            out[key] = value.strip()
    if problems:
        raise ValidationError(problems)
    return out


def read_figures(
    event: RecurringEvent, given: Mapping[str, str | float], *, file: str = ""
) -> dict[str, float]:
    """A return's figures as numbers, checked against ``event``; ValidationError lists all problems.

    Values may be text (from the command line) or numbers (from a file). See
    :func:`check_figures` for what is checked.
    """
    types = {figure.id: figure.type for figure in event.figures}
    values: dict[str, float] = {}
    problems = []
    for key, raw in given.items():
        path = f"figures.{key}"
        if key not in types:
            problems.append(
                Problem(
                    f"unknown figure {key!r} of {event.id!r} (declared: {', '.join(types)})",
                    path,
                    file,
                    code="unknown-key",
                )
            )
            continue
        value = _number(raw, whole=types[key] == "count")
        if value is None:
            wanted = "a whole number, 0 or more" if types[key] == "count" else "a number"
            problems.append(
                Problem(f"expected {wanted}, got {raw!r}", path, file, code="wrong-value")
            )
            continue
        values[key] = value
    failed = {p.path for p in problems}
    problems += [p.located(file=file) for p in check_figures(event, values) if p.path not in failed]
    if problems:
        raise ValidationError(problems)
    return values


def _number(raw: str | float, *, whole: bool) -> float | None:
    if isinstance(raw, str):
        text = raw.strip()
        if not (_WHOLE if whole else _DECIMAL).match(text):
            return None
        return float(text)
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        return None
    if whole and (raw < 0 or not float(raw).is_integer()):
        return None
    return float(raw)


def check_figures(event: RecurringEvent, figures: Mapping[str, float]) -> list[Problem]:
    """Every problem with a return's figures: unknown, missing, of the wrong kind, or out of bounds.

    A ``count`` is a whole number, 0 or more; every ``required`` figure is
    reported; a figure with ``at_most`` is no more than that figure (when both
    are reported).
    """
    declared = {figure.id: figure for figure in event.figures}
    problems = [
        Problem(
            f"unknown figure {key!r} of {event.id!r} (declared: {', '.join(declared)})",
            f"figures.{key}",
            code="unknown-key",
        )
        for key in figures
        if key not in declared
    ]
    for figure in event.figures:
        path = f"figures.{figure.id}"
        given = figures.get(figure.id)
        if given is None:
            if figure.required:
                problems.append(
                    Problem(f"required, and missing: {figure.label}", path, code="missing-value")
                )
            continue
        value = float(given)
        if not math.isfinite(value) or (
            figure.type == "count" and (value < 0 or not value.is_integer())
        ):
            wanted = "a whole number, 0 or more" if figure.type == "count" else "a finite number"
            problems.append(Problem(f"expected {wanted}, got {value:g}", path, code="wrong-value"))
            continue
        bound = figures.get(figure.at_most) if figure.at_most else None
        if bound is not None and value > float(bound):
            problems.append(
                Problem(
                    f"{figure.id} ({value:g}) is more than {figure.at_most} ({bound:g})",
                    path,
                    code="out-of-range",
                )
            )
    return problems


# -- publishing figures about people -----------------------------------------------------


def _round_half_up(value: float, step: int) -> float:
    return math.floor(value / step + 0.5) * step


def publish_count(total: float, rule: Disclosure) -> str:
    """A total of people as it may be published: rounded, or :data:`SUPPRESSED`.

    Rounded to the nearest multiple of ``rule.round_to``, halves upwards (so
    with the default of 5, a total below 2.5 is 0 and 2.5 is 5); a total above
    0 and below ``rule.suppress_below`` is suppressed instead.
    """
    if 0 < total < rule.suppress_below:
        return SUPPRESSED
    return f"{_round_half_up(total, max(rule.round_to, 1)):g}"


def publish_percentage(part: float, base: float, rule: Disclosure | None) -> str:
    """``part`` as a whole percentage of ``base``; '' without a base.

    With a ``rule`` (a public view), a percentage of fewer than
    ``rule.min_percentage_base`` people is :data:`SUPPRESSED`. Percentages are
    worked out from the exact figures, then rounded to a whole percent (halves
    upwards), so a published percentage does not give away a small exact count.
    """
    if base <= 0:
        return ""
    if rule is not None and base < rule.min_percentage_base:
        return SUPPRESSED
    return f"{_round_half_up(100 * part / base, 1):g}%"
