"""The bounds qmframe puts on what it reads, each a documented promise.

Inputs come from people and other tools, sometimes hostile ones. Every
bound here is checked where the input arrives (the file readers, the
converter, validation, the API and the command line), so a value outside
it ends as a located :class:`~qmframe.errors.Problem` rather than a crash
deep in date arithmetic or a process that reads without end. The figures are
documented in ``docs/framework-format.md``; change them there too.
"""

from __future__ import annotations

import datetime as dt

from qmframe.errors import Problem, describe_value

__all__ = [
    "EARLIEST_DATE",
    "LATEST_DATE",
    "MAX_DAYS",
    "MAX_EVIDENCE_BYTES",
    "MAX_INPUT_BYTES",
    "MAX_JOBS",
    "MAX_VALIDITY_MONTHS",
    "check_date",
    "date_problem",
    "decision_date_problems",
]

#: The earliest date qmframe reads or computes.
EARLIEST_DATE = dt.date(1900, 1, 1)
#: The latest date qmframe reads or computes: an award that would run past it is refused.
LATEST_DATE = dt.date(2200, 12, 31)
#: The longest award (``validity.months`` and ``validity.midpoint_months``): 100 years.
MAX_VALIDITY_MONTHS = 1200
#: The longest span in days a command looks ahead (``register due --within``): 100 years.
MAX_DAYS = 36_525
#: The largest TOML or JSON file qmframe reads: 256 MiB. A framework of 1,000,000
#: criteria, each with an id, a title and a line of guidance, is 113 MB.
MAX_INPUT_BYTES = 256 * 1024 * 1024
#: The largest evidence file whose sha256 qmframe checks: 4 GiB, read in chunks.
MAX_EVIDENCE_BYTES = 4 * 1024 * 1024 * 1024
#: The most processes a batch runs at once (``qmframe batch --jobs``, ``qmframe.batch.run``):
#: more than the cores only waits, and every process is a copy of qmframe in memory.
MAX_JOBS = 256


def date_problem(day: dt.date) -> str:
    """Why ``day`` is out of bounds, or "" when it is within them."""
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return ""
    return f"{day} is outside the dates qmframe handles ({EARLIEST_DATE} to {LATEST_DATE})"


def check_date(day: dt.date | None, path: str, file: str = "") -> list[Problem]:
    """A located problem if ``day`` is outside :data:`EARLIEST_DATE`..:data:`LATEST_DATE`."""
    if day is None:
        return []
    message = date_problem(day)
    return [Problem(message, path, file, code="out-of-range")] if message else []


def decision_date_problems(as_of: dt.date, months: int) -> list[Problem]:
    """What is wrong with a decision date (path ``as_of``), for an award of ``months``.

    The date must be within :data:`EARLIEST_DATE`..:data:`LATEST_DATE`, and an
    award made on it (its validity or mid-point, the longer) must not run past
    :data:`LATEST_DATE`. :meth:`qmframe.engine.Assessor.assess` checks it, so
    every path to a decision does. A value that is not a :class:`datetime.date`
    (a string, or a date and time) is a problem too, not an error deep inside.
    """
    if isinstance(as_of, dt.datetime) or not isinstance(as_of, dt.date):
        return [
            Problem(
                f"expected a date (datetime.date), got {describe_value(as_of)}",
                "as_of",
                code="wrong-type",
            )
        ]
    problems = check_date(as_of, "as_of")
    last_month = as_of.year * 12 + as_of.month - 1 + months
    if not problems and (months > MAX_VALIDITY_MONTHS or last_month // 12 > LATEST_DATE.year):
        problems.append(
            Problem(
                f"an award decided on {as_of} would run past {LATEST_DATE}, the latest date "
                "qmframe handles",
                "as_of",
                code="out-of-range",
            )
        )
    return problems
