"""A register of decisions and awards, kept in one SQLite file.

Organisations that run a quality mark publish who holds it, and need to
know whose award runs out or whose mid-point review falls due. The register
keeps every decision (the whole explained decision, as JSON) and every
lifecycle event in a SQLite database made with the standard library's
:mod:`sqlite3`: one file, created on first use, readable by any SQLite tool
(and by Datasette, for a browsable register with a JSON API; the view
``decision_summaries`` shows the decisions without their JSON, and
:mod:`qmframe.awards.datasette` describes every table for it).

Every change is one transaction: a decision and the events it causes are
written together or not at all, so a crash mid-write leaves the register as
it was. :meth:`Register.add_decisions` records many decisions in one
transaction. Writers take the file's write lock at the start of their
transaction (``BEGIN IMMEDIATE``), wait for each other (a busy timeout) and
try again a bounded number of times; the journal stays SQLite's default
rollback journal, not WAL, which needs shared memory that network file
systems, where registers often live, do not give. A register that cannot be
used (read-only, damaged, full, from a newer qmframe, or with rows that are
not what qmframe wrote) is a :class:`RegisterError` or a located
:class:`~qmframe.errors.ValidationError`, and nothing is written.

Reads are answered in SQL from columns and tables filled when a decision
is recorded (each decision's decided levels, unmet targets and highlights;
each organisation's first and latest decision; each event's end and the term
it belongs to), so ``holders``, ``due``,
``public_rows`` and :meth:`Register.sector_view` never rebuild decisions
from their JSON. The schema version is SQLite's ``PRAGMA user_version``;
opening an older file applies the missing :data:`MIGRATIONS` in order, in
the same transaction as the version bump, and a file from a newer qmframe is
refused rather than guessed at.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import itertools
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import groupby
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

import attrs

from qmframe._convert import structure, unstructure_json
from qmframe.awards.lifecycle import (
    PUBLIC_FIELDS,
    AwardHistory,
    Event,
    event_for_decision,
    is_current,
    record,
    term_on,
)
from qmframe.awards.returns import RecordedReturn, check_figures, due_dates, recurring_event
from qmframe.awards.sector import NOT_JUDGED, SectorView, assemble_view
from qmframe.awards.status_list import candidate_indexes
from qmframe.decision import Decision, award_id
from qmframe.errors import Problem, QmframeError, ValidationError
from qmframe.escaping import csv_cell, json_text
from qmframe.framework import Framework, Lifecycle, RecurringEvent
from qmframe.frozen import EMPTY, frozen_str_map
from qmframe.limits import MAX_DAYS, check_date
from qmframe.output import check_target, write_output
from qmframe.vocabulary import GRANTING, HOLDING

__all__ = [
    "MIGRATIONS",
    "Added",
    "Addition",
    "DecisionSummary",
    "Due",
    "ExportHeading",
    "Holding",
    "RecordedDecision",
    "Register",
    "RegisterError",
    "award_id",
    "public_csv",
    "public_json",
    "write_public_sqlite",
]

P = ParamSpec("P")
T = TypeVar("T")

#: A schema change: SQL statements, or a function run on the open transaction.
Migration = str | Callable[[sqlite3.Connection], None]

# Version 3: the tables and columns reads are answered from (filled by _index_rows,
# _NOTE_ORGANISATION and _insert_event); the migration fills them for the rows already
# in the file.
_SQL_READS = """
    ALTER TABLE events ADD COLUMN ends_on TEXT;
    ALTER TABLE events ADD COLUMN term_id INTEGER REFERENCES events (id);
    CREATE INDEX events_open ON events (framework, ends_on);
    CREATE TABLE decided_levels (
        decision_id INTEGER NOT NULL REFERENCES decisions (id),
        target TEXT NOT NULL,
        level TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (decision_id, target)
    ) WITHOUT ROWID;
    CREATE TABLE unmet (
        decision_id INTEGER NOT NULL REFERENCES decisions (id),
        position INTEGER NOT NULL,
        target TEXT NOT NULL,
        title TEXT NOT NULL,
        rule TEXT NOT NULL,
        PRIMARY KEY (decision_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE highlights (
        decision_id INTEGER NOT NULL REFERENCES decisions (id),
        position INTEGER NOT NULL,
        target TEXT NOT NULL,
        title TEXT NOT NULL,
        level TEXT NOT NULL,
        rule TEXT NOT NULL,
        PRIMARY KEY (decision_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE organisations (
        framework TEXT NOT NULL,
        organisation TEXT NOT NULL,
        first_id INTEGER NOT NULL REFERENCES decisions (id),
        first_as_of TEXT NOT NULL,
        latest_id INTEGER NOT NULL REFERENCES decisions (id),
        latest_as_of TEXT NOT NULL,
        PRIMARY KEY (framework, organisation)
    ) WITHOUT ROWID
"""

# Each organisation's first and latest decision (by date, then as recorded): ids only
# grow, so a new decision is the latest unless it is dated before the latest.
_NOTE_ORGANISATION = """
    INSERT INTO organisations VALUES (:framework, :organisation, :id, :as_of, :id, :as_of)
    ON CONFLICT (framework, organisation) DO UPDATE SET
        first_id = CASE WHEN excluded.first_as_of < first_as_of
                   THEN excluded.first_id ELSE first_id END,
        first_as_of = min(first_as_of, excluded.first_as_of),
        latest_id = CASE WHEN excluded.latest_as_of >= latest_as_of
                    THEN excluded.latest_id ELSE latest_id END,
        latest_as_of = max(latest_as_of, excluded.latest_as_of)
"""


def _answer_in_sql(db: sqlite3.Connection) -> None:
    """Migration 3: the columns and tables reads use, filled from the stored JSON and events."""
    for statement in _statements(_SQL_READS):
        db.execute(statement)
    problems = []
    for row, award, document in db.execute("SELECT id, award, document FROM decisions"):
        try:
            data = json.loads(document)
            levels, unmet, highlights = _document_index_rows(row, data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            problems.append(
                _bad_row(row, award, "document", f"not a decision qmframe wrote ({exc})")
            )
            continue
        _insert_index_rows(db, levels, unmet, highlights)
    if problems:
        raise ValidationError(problems)
    db.executemany(
        _NOTE_ORGANISATION,
        (
            {"framework": f, "organisation": o, "id": i, "as_of": a}
            for i, f, o, a in db.execute(
                "SELECT id, framework, organisation, as_of FROM decisions ORDER BY id"
            ).fetchall()
        ),
    )
    updates = []
    last: tuple[str, str] = ("", "")
    previous: list[Any] = []
    for row, framework, organisation, state, on in db.execute(
        "SELECT id, framework, organisation, state, on_date FROM events"
        " ORDER BY framework, organisation, on_date, id"
    ):
        if (framework, organisation) != last:
            last, previous = (framework, organisation), []
        term = row if state in GRANTING else (previous[2] if previous else None)
        if previous:
            previous[1] = on  # the organisation's next event ends the one before
        previous = [row, None, term]  # [id, ends_on, term_id], filled in as we go
        updates.append(previous)
    db.executemany("UPDATE events SET ends_on = ?2, term_id = ?3 WHERE id = ?1", updates)


# Version 5: columns for what readers used to take from the JSON, and a view of the
# decisions without it (for Datasette and other SQL readers; see awards/datasette.py).
_SUMMARY_VIEW = """
    ALTER TABLE decisions ADD COLUMN award_level TEXT NOT NULL DEFAULT '';
    ALTER TABLE decisions ADD COLUMN indicated_status TEXT NOT NULL DEFAULT '';
    CREATE VIEW decision_summaries AS
        SELECT id, award, framework, version, organisation, organisation_name, status,
               award_level, passed, basis, indicated_status, as_of, valid_from, valid_until,
               midpoint_due, previous_award, details, recorded_at
        FROM decisions
"""


def _summary_view(db: sqlite3.Connection) -> None:
    """Migration 5: award_level and indicated_status filled from the stored JSON; the view."""
    for statement in _statements(_SUMMARY_VIEW):
        db.execute(statement)
    problems, updates = [], []
    for row, award, document in db.execute("SELECT id, award, document FROM decisions"):
        try:
            data = json.loads(document)
            level, indicated = (data.get(key, "") for key in ("award_level", "indicated_status"))
            if not isinstance(level, str) or not isinstance(indicated, str):
                raise TypeError("award_level and indicated_status must be text")
        except (ValueError, TypeError, AttributeError) as exc:
            problems.append(
                _bad_row(row, award, "document", f"not a decision qmframe wrote ({exc})")
            )
            continue
        if level or indicated:
            updates.append((level, indicated, row))
    if problems:
        raise ValidationError(problems)
    db.executemany(
        "UPDATE decisions SET award_level = ?, indicated_status = ? WHERE id = ?", updates
    )


#: Schema changes, oldest first; entry *n* brings a file from version *n* to *n + 1*.
MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        award TEXT NOT NULL UNIQUE,
        framework TEXT NOT NULL,
        version TEXT NOT NULL,
        organisation TEXT NOT NULL,
        organisation_name TEXT NOT NULL,
        status TEXT NOT NULL,
        passed INTEGER NOT NULL,
        basis TEXT NOT NULL,
        as_of TEXT NOT NULL,
        valid_from TEXT,
        valid_until TEXT,
        midpoint_due TEXT,
        previous_award TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '{}',
        document TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX decisions_by_organisation ON decisions (framework, organisation, as_of);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        framework TEXT NOT NULL,
        organisation TEXT NOT NULL,
        state TEXT NOT NULL,
        on_date TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        version TEXT NOT NULL DEFAULT '',
        valid_until TEXT,
        midpoint_due TEXT,
        decision_id INTEGER REFERENCES decisions (id)
    );
    CREATE INDEX events_by_organisation ON events (framework, organisation, on_date, id);
    """,
    # Each award's place in the framework's status lists: assigned once, never reused.
    """
    CREATE TABLE status_indexes (
        award TEXT PRIMARY KEY REFERENCES decisions (award),
        framework TEXT NOT NULL,
        list_index INTEGER NOT NULL,
        assigned_at TEXT NOT NULL,
        UNIQUE (framework, list_index)
    );
    """,
    # Returns of the framework's recurring events (an annual statistical return), one
    # row per due date answered, and their figures, one row each (for SQL readers).
    """
    CREATE TABLE returns (
        id INTEGER PRIMARY KEY,
        framework TEXT NOT NULL,
        organisation TEXT NOT NULL,
        event TEXT NOT NULL,
        due_on TEXT NOT NULL,
        on_date TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL,
        UNIQUE (framework, organisation, event, due_on)
    );
    CREATE TABLE return_figures (
        return_id INTEGER NOT NULL REFERENCES returns (id),
        figure TEXT NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (return_id, figure)
    );
    """,
    # Reads answered in SQL: each event's end and term, each decision's levels,
    # unmet targets and highlights.
    _answer_in_sql,
    # Each decision's award level and indicated status as columns, and the view
    # decision_summaries: the decisions without their JSON.
    _summary_view,
]

#: How long a writer waits for another to finish, in seconds, before trying again.
BUSY_TIMEOUT = 10.0
#: How many times a locked register is tried before giving up.
ATTEMPTS = 3


class RegisterError(QmframeError):
    """The register file cannot be used: missing, not a register, from a newer qmframe,
    read-only, damaged, full or busy. The message names the file and what to do."""


@attrs.frozen(kw_only=True)
class RecordedDecision:
    """A decision as the register keeps it, with what came with it."""

    id: int
    award: str
    decision: Decision
    previous_award: str = ""
    details: Mapping[str, str] = attrs.field(default=EMPTY, converter=frozen_str_map)


@attrs.frozen(kw_only=True)
class DecisionSummary:
    """What the register's columns say about a recorded decision (no JSON read)."""

    id: int
    award: str
    framework: str
    organisation: str
    organisation_name: str
    status: str
    basis: str
    passed: bool
    as_of: dt.date
    previous_award: str = ""
    award_level: str = ""
    indicated_status: str = ""


@attrs.frozen(kw_only=True)
class Addition:
    """One decision for :meth:`Register.add_decisions`, with what comes with it.

    ``source`` names where the decision came from (a file), for messages.
    """

    decision: Decision
    previous_award: str = ""
    details: Mapping[str, str] = attrs.field(factory=dict)
    reason: str = ""
    source: str = ""


@attrs.frozen(kw_only=True)
class Added:
    """What :meth:`Register.add_decisions` recorded for one decision.

    ``events`` are the events it added, in order: none (a failed renewal),
    one, or ``submitted`` and then the decision's own event when the
    decision implied a submission nobody recorded.
    """

    id: int
    award: str
    status: str
    events: tuple[Event, ...] = ()

    @property
    def event(self) -> Event | None:
        """The decision's own event (the last one), or None."""
        return self.events[-1] if self.events else None


@attrs.frozen(kw_only=True)
class Holding:
    """An organisation holding a current award on a day, and the term it holds."""

    organisation: str
    organisation_name: str
    state: str
    version: str
    since: dt.date
    valid_until: dt.date | None
    midpoint_due: dt.date | None


@attrs.frozen(kw_only=True)
class Due:
    """Something falling due for a current award: its ``expiry``, its ``mid-point`` review,
    or a return of a recurring event (``event`` is then the event's id, ``what`` its title).
    """

    organisation: str
    organisation_name: str
    what: str
    on: dt.date
    overdue: bool = False
    event: str = ""


class _BadRow(Exception):
    """A value in the file is not what qmframe writes (turned into a located Problem)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


def _bad_row(row: int, award: str, column: str, message: str) -> Problem:
    return Problem(
        f"{message} (award {award!r}); fix or remove the row with an SQLite tool",
        f"decisions[{row}].{column}",
        code="bad-register-row",
    )


def _day(text: str | None, where: str = "") -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise _BadRow(where, f"expected a date (YYYY-MM-DD), got {text!r}") from None


def _must_day(text: str, where: str) -> dt.date:
    day = _day(text, where)
    if day is None:
        raise _BadRow(where, "expected a date (YYYY-MM-DD), got nothing")
    return day


def _text(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _strings(item: Mapping[str, Any], *keys: str) -> tuple[str, ...]:
    values = tuple(item[key] for key in keys)
    if not all(isinstance(value, str) for value in values):
        raise TypeError(f"expected text in {', '.join(keys)}")
    return values


_Rows = list[tuple[Any, ...]]


def _index_rows(
    row: int,
    levels: Iterable[Sequence[str]],
    unmet: Iterable[Sequence[str]],
    highlights: Iterable[Sequence[str]],
) -> tuple[_Rows, _Rows, _Rows]:
    """The decided_levels, unmet and highlights rows of one decision.

    ``levels`` are (target, level, source), ``unmet`` (target, title, rule),
    ``highlights`` (target, title, level, rule). Levels are kept one per
    target, as :func:`~qmframe.awards.sector.levels_of` reads them: the last
    settled level of the target, or an empty level when none was settled (an
    unresolved or not-applicable target).
    """
    settled: dict[str, tuple[Any, ...]] = {}
    for target, level, source in levels:
        if level or target not in settled or not settled[target][2]:
            settled[target] = (row, target, level, source)
    return (
        list(settled.values()),
        [(row, i, *item) for i, item in enumerate(unmet)],
        [(row, i, *item) for i, item in enumerate(highlights)],
    )


def _decision_index_rows(row: int, decision: Decision) -> tuple[_Rows, _Rows, _Rows]:
    return _index_rows(
        row,
        ((d.target, d.level, d.source) for d in decision.levels),
        ((u.target, u.title, u.rule) for u in decision.unmet),
        ((h.target, h.title, h.level, h.rule) for h in decision.highlights),
    )


def _document_index_rows(row: int, data: Mapping[str, Any]) -> tuple[_Rows, _Rows, _Rows]:
    """The same rows from a stored JSON document (TypeError or KeyError if it is not one)."""

    def each(key: str, *fields: str) -> list[tuple[str, ...]]:
        return [_strings(item, *fields) for item in data.get(key) or ()]

    return _index_rows(
        row,
        each("levels", "target", "level", "source"),
        each("unmet", "target", "title", "rule"),
        each("highlights", "target", "title", "level", "rule"),
    )


def _insert_index_rows(
    db: sqlite3.Connection, levels: _Rows, unmet: _Rows, highlights: _Rows
) -> None:
    if levels:
        db.executemany("INSERT INTO decided_levels VALUES (?, ?, ?, ?)", levels)
    if unmet:
        db.executemany("INSERT INTO unmet VALUES (?, ?, ?, ?, ?)", unmet)
    if highlights:
        db.executemany("INSERT INTO highlights VALUES (?, ?, ?, ?, ?, ?)", highlights)


def _sql_words(words: Iterable[str]) -> str:
    """Fixed vocabulary words as an SQL list (they are qmframe's own: letters and hyphens)."""
    listed = sorted(words)
    assert all(word.replace("-", "").isalpha() for word in listed)
    return ", ".join(f"'{word}'" for word in listed)


# Who holds a current award on :day: the organisation's event in force that day (the
# last on or before it, whose successor, if any, is later) is a holding state, and the
# term it belongs to has not run out. One row per holder. The events still open, or
# ended after :day, are two ranges of events_open.
_HOLDERS = f"""
    SELECT e.organisation, e.state, t.version, t.on_date, t.valid_until, t.midpoint_due,
           t.decision_id, t.id,
           coalesce((SELECT d.organisation_name FROM decisions d
                     WHERE d.framework = e.framework AND d.organisation = e.organisation
                     ORDER BY d.as_of DESC, d.id DESC LIMIT 1), '') AS organisation_name
    FROM (SELECT id FROM events WHERE framework = :framework AND ends_on IS NULL
          UNION ALL
          SELECT id FROM events WHERE framework = :framework AND ends_on > :day) AS open
    JOIN events e ON e.id = open.id
    JOIN events t ON t.id = e.term_id
    WHERE e.on_date <= :day AND e.state IN ({_sql_words(HOLDING)})
      AND (t.valid_until IS NULL OR t.valid_until >= :day)
"""


# Each organisation of :framework with its latest decision that is not an indication
# (latest_id, NULL when it has only indications), by date and then as recorded, as the
# organisations table orders its own latest; first_as_of and first_id as that table has them.
_LATEST = """latest AS (
    SELECT o.organisation, o.first_as_of, o.first_id, (
        SELECT d.id FROM decisions d
        WHERE d.framework = o.framework AND d.organisation = o.organisation
          AND d.basis <> 'indication'
        ORDER BY d.as_of DESC, d.id DESC LIMIT 1) AS latest_id
    FROM organisations o WHERE o.framework = :framework
)"""


def _connect(target: str, *, uri: bool, timeout: float) -> sqlite3.Connection:
    """Open the SQLite file (one place, so tests can put a fault between qmframe and it)."""
    return sqlite3.connect(target, uri=uri, timeout=timeout, isolation_level=None)


def _busy(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", None) or ""
    text = str(exc).lower()
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text


def _explain(exc: sqlite3.Error, *, writing: bool) -> str:
    """What a SQLite error means for someone using the register, in qmframe's words."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    text = str(exc).lower()
    kept = "; nothing was written" if writing else ""
    if _busy(exc):
        return (
            f"the register is busy: another program kept it locked for over "
            f"{BUSY_TIMEOUT * ATTEMPTS:g} seconds{kept}; try again"
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return (
            f"the register is read-only here (check the file's and its folder's permissions){kept}"
        )
    if name.startswith("SQLITE_FULL") or "is full" in text:
        return f"the disk is full (or the file reached its size limit){kept}; free some space"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or any(
        word in text for word in ("malformed", "not a database", "corrupt")
    ):
        return f"the file is damaged or is not a register ({exc}); restore it from a backup"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return "cannot open the file (does its folder exist, and may you write there?)"
    if name.startswith("SQLITE_IOERR") or "i/o error" in text:
        return f"the disk reported an error ({exc}){kept}"
    return f"not a usable register ({exc}){kept}"


def _reading(
    method: Callable[Concatenate[Register, P], T],
) -> Callable[Concatenate[Register, P], T]:
    """A read: SQLite's errors and malformed rows become clean errors; a busy file is retried."""

    @functools.wraps(method)
    def read(self: Register, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._read(lambda: method(self, *args, **kwargs))

    return read


class Register:
    """One register file. Use as a context manager, or call :meth:`close`.

    ``create=False`` refuses a path where no file exists yet, so a mistyped
    path in a read-only command is an error, not a new empty register.
    ``read_only=True`` opens the file for reading only (writes are refused
    with a RegisterError); a file that needs upgrading cannot be opened so.
    ``timeout`` is how long, in seconds, to wait for another writer.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        read_only: bool = False,
        timeout: float = BUSY_TIMEOUT,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if (not create or read_only) and not self.path.exists():
            raise RegisterError(f"{self.path}: no register here (add a decision to create one)")
        if read_only:
            target, uri = self.path.resolve().as_uri() + "?mode=ro", True
        else:
            target, uri = str(self.path), False
        try:
            self._db = _connect(target, uri=uri, timeout=timeout)
        except sqlite3.Error as exc:
            raise RegisterError(f"{self.path}: {_explain(exc, writing=False)}") from None
        try:
            self._read(lambda: self._db.execute("PRAGMA foreign_keys = ON"))
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    # -- opening ---------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        row = self._read(lambda: self._db.execute("PRAGMA user_version").fetchone())
        return int(row[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise RegisterError(
                f"{self.path}: register schema version {version} is newer than this qmframe "
                f"understands ({len(MIGRATIONS)}); upgrade qmframe"
            )
        if version == len(MIGRATIONS):
            return
        if self.read_only:
            raise RegisterError(
                f"{self.path}: the register needs upgrading from schema version {version} to "
                f"{len(MIGRATIONS)}; open it once with write access"
            )

        def upgrade() -> None:
            # Read again under the write lock: another process may have upgraded it meanwhile.
            now = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            for number in range(now, len(MIGRATIONS)):
                migration = MIGRATIONS[number]
                if callable(migration):
                    migration(self._db)
                else:
                    for statement in _statements(migration):
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number + 1}")

        try:
            self._write(upgrade)
        except ValidationError as exc:
            raise ValidationError(p.located(str(self.path)) for p in exc.problems) from None

    # -- transactions and faults -----------------------------------------------------------

    def _fail(self, exc: sqlite3.Error, *, writing: bool) -> RegisterError:
        return RegisterError(f"{self.path}: {_explain(exc, writing=writing)}")

    def _read(self, body: Callable[[], T]) -> T:
        """Run a read, retrying a busy file; faults and malformed rows become clean errors."""
        for attempt in range(ATTEMPTS):
            try:
                return body()
            except sqlite3.Error as exc:
                if attempt + 1 < ATTEMPTS and _busy(exc):
                    _pause(attempt)
                    continue
                raise self._fail(exc, writing=False) from None
            except _BadRow as exc:
                raise ValidationError(
                    [Problem(exc.message, exc.where, str(self.path), code="bad-register-row")]
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _write(self, body: Callable[[], T]) -> T:
        """Run ``body`` in one immediate transaction: all of it is committed, or none.

        The write lock is taken first (``BEGIN IMMEDIATE``), waiting up to the
        busy timeout and trying again a bounded number of times. Any error rolls
        back what ``body`` wrote (unless SQLite already did, as it may on a full
        disk: the real error is raised, never "no transaction is active").
        """
        try:
            self._retry(lambda: self._db.execute("BEGIN IMMEDIATE"))
            try:
                result = body()
                self._retry(lambda: self._db.execute("COMMIT"))
            except BaseException:
                self._rollback()
                raise
        except sqlite3.Error as exc:
            raise self._fail(exc, writing=True) from None
        except _BadRow as exc:
            raise ValidationError(
                [Problem(exc.message, exc.where, str(self.path), code="bad-register-row")]
            ) from None
        return result

    def _retry(self, step: Callable[[], object]) -> None:
        for attempt in range(ATTEMPTS):
            try:
                step()
                return
            except sqlite3.OperationalError as exc:
                if attempt + 1 < ATTEMPTS and _busy(exc):
                    _pause(attempt)
                    continue
                raise

    def _rollback(self) -> None:
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def add_decision(
        self,
        decision: Decision,
        lifecycle: Lifecycle | None = None,
        *,
        previous_award: str = "",
        details: Mapping[str, str] | None = None,
        reason: str = "",
    ) -> tuple[RecordedDecision, Event | None]:
        """Record a decision and the lifecycle event it causes, in one transaction.

        The event (award, renewal or not-awarded; see
        :func:`~qmframe.awards.lifecycle.event_for_decision`) is checked against
        ``lifecycle`` first: a refused move raises ValidationError and nothing
        is written. A decision after ``expression-of-interest`` or
        ``in-preparation`` implies the submission: ``submitted`` is recorded
        first, the same day. An indication (a decision without the reviewers
        the framework requires) is never an award: it records at most that a
        submission was received. ``details`` are the submission's figures,
        kept for the sector view.
        """
        addition = Addition(
            decision=decision,
            previous_award=previous_award,
            details=dict(details or {}),
            reason=reason,
        )
        (added,) = self.add_decisions([addition], lifecycle)
        recorded = RecordedDecision(
            id=added.id,
            award=added.award,
            decision=decision,
            previous_award=previous_award,
            details=dict(details or {}),
        )
        return recorded, added.event

    def add_decisions(
        self, decisions: Iterable[Decision | Addition], lifecycle: Lifecycle | None = None
    ) -> list[Added]:
        """Record many decisions, with their events, in one transaction: all or none.

        Each is checked as :meth:`add_decision` checks one, in order, so a later
        decision of an organisation follows the events of an earlier one. Every
        problem found is reported at once (ValidationError) and then nothing
        is written. ``decisions`` is read once, as it comes (a generator reading
        files one by one keeps memory flat).
        """
        problems: list[Problem] = []

        def body() -> list[Added]:
            out = []
            for item in decisions:
                addition = item if isinstance(item, Addition) else Addition(decision=item)
                try:
                    out.append(self._add_one(addition, lifecycle))
                except ValidationError as exc:
                    problems.extend(_from_source(p, addition.source) for p in exc.problems)
            if problems:
                raise ValidationError(problems)
            return out

        return self._write(body)

    def _add_one(self, addition: Addition, lifecycle: Lifecycle | None) -> Added:
        decision = addition.decision
        if decision.is_indication and (
            decision.passed or decision.valid_from or decision.valid_until or decision.midpoint_due
        ):
            raise ValidationError(
                [
                    Problem(
                        "an indication (a decision without the reviewers the framework "
                        "requires) is no award: it cannot be passed or carry validity dates",
                        "basis",
                        code="not-allowed",
                    )
                ]
            )
        data = unstructure_json(decision)
        document = json.dumps(data, ensure_ascii=False, check_circular=False)
        award = self._award_for(decision, document)
        history = self._history(decision.framework, decision.organisation, named=False)
        events = _events_for(history, decision, lifecycle, addition.reason)
        row = self._insert_decision(
            decision, award, addition.previous_award, dict(addition.details), document
        )
        _insert_index_rows(self._db, *_decision_index_rows(row, decision))
        self._db.execute(
            _NOTE_ORGANISATION,
            {
                "framework": decision.framework,
                "organisation": decision.organisation,
                "id": row,
                "as_of": decision.as_of.isoformat(),
            },
        )
        for event in events:
            self._insert_event(decision.framework, decision.organisation, event, row)
        return Added(id=row, award=award, status=decision.status, events=tuple(events))

    def _award_for(self, decision: Decision, document: str) -> str:
        """The decision's award id: :func:`award_id`, or with ``/2``, ``/3`` ... when that day
        already has a decision of the organisation. The same decision twice is refused."""
        base = award_id(decision)
        taken = set()
        for award, stored in self._db.execute(
            "SELECT award, document FROM decisions"
            " WHERE framework = ? AND organisation = ? AND as_of = ?",
            (decision.framework, decision.organisation, decision.as_of.isoformat()),
        ):
            if stored == document:
                raise ValidationError(
                    [
                        Problem(
                            f"a decision for {base} is already recorded (as {award})",
                            file=str(self.path),
                            code="duplicate-id",
                        )
                    ]
                )
            taken.add(award)
        if base not in taken:
            return base
        number = 2
        while f"{base}/{number}" in taken:
            number += 1
        return f"{base}/{number}"

    def add_event(
        self, framework: str, organisation: str, event: Event, lifecycle: Lifecycle | None = None
    ) -> AwardHistory:
        """Record one lifecycle event (an expression of interest, a suspension, a withdrawal, a
        mid-point review ...). Refused moves raise ValidationError and nothing is written."""

        def body() -> AwardHistory:
            history = record(self._history(framework, organisation), event, lifecycle)
            self._insert_event(framework, organisation, event, None)
            return history

        return self._write(body)

    def _insert_decision(
        self,
        decision: Decision,
        award: str,
        previous_award: str,
        details: dict[str, str],
        document: str,
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO decisions (award, framework, version, organisation, organisation_name,"
            " status, passed, basis, as_of, valid_from, valid_until, midpoint_due,"
            " previous_award, details, document, recorded_at, award_level, indicated_status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                award,
                decision.framework,
                decision.version,
                decision.organisation,
                decision.organisation_name,
                decision.status,
                int(decision.passed),  # never an indication: refused above
                decision.basis,
                decision.as_of.isoformat(),
                _text(decision.valid_from),
                _text(decision.valid_until),
                _text(decision.midpoint_due),
                previous_award,
                json.dumps(details, sort_keys=True, ensure_ascii=False),
                document,
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                decision.award_level,
                decision.indicated_status,
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _insert_event(
        self, framework: str, organisation: str, event: Event, decision_row: int | None
    ) -> None:
        """Append an event: it ends the organisation's open event and belongs to its term."""
        db = self._db
        previous = db.execute(
            "SELECT id, term_id FROM events WHERE framework = ? AND organisation = ?"
            " AND ends_on IS NULL ORDER BY on_date DESC, id DESC LIMIT 1",
            (framework, organisation),
        ).fetchone()
        on = event.on.isoformat()
        if previous is not None:
            db.execute("UPDATE events SET ends_on = ? WHERE id = ?", (on, previous[0]))
        cursor = db.execute(
            "INSERT INTO events (framework, organisation, state, on_date, reason, version,"
            " valid_until, midpoint_due, decision_id, term_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                framework,
                organisation,
                event.state,
                on,
                event.reason,
                event.version,
                _text(event.valid_until),
                _text(event.midpoint_due),
                decision_row,
                previous[1] if previous is not None else None,
            ),
        )
        if event.state in GRANTING:
            db.execute("UPDATE events SET term_id = id WHERE id = ?", (cursor.lastrowid,))

    # -- reading ---------------------------------------------------------------------------

    def _history(self, framework: str, organisation: str, *, named: bool = True) -> AwardHistory:
        rows = self._db.execute(
            "SELECT id, state, on_date, reason, version, valid_until, midpoint_due FROM events"
            " WHERE framework = ? AND organisation = ? ORDER BY on_date, id",
            (framework, organisation),
        ).fetchall()
        name = None
        if named:
            name = self._db.execute(
                "SELECT organisation_name FROM decisions WHERE framework = ? AND organisation = ?"
                " ORDER BY as_of DESC, id DESC LIMIT 1",
                (framework, organisation),
            ).fetchone()
        return AwardHistory(
            organisation=organisation,
            framework=framework,
            organisation_name=name[0] if name else "",
            events=tuple(_event(row) for row in rows),
        )

    def status_index(self, award: str) -> int:
        """The award's place in its framework's status lists, assigned on first request.

        Derived from the award id (see
        :func:`~qmframe.awards.status_list.candidate_indexes`), stored, and
        never reused: the first candidate no other award of the framework
        holds is kept for good, in one transaction.
        """

        def body() -> int:
            db = self._db
            found = db.execute(
                "SELECT list_index FROM status_indexes WHERE award = ?", (award,)
            ).fetchone()
            if found:
                return int(found[0])
            row = db.execute("SELECT framework FROM decisions WHERE award = ?", (award,)).fetchone()
            if row is None:
                raise ValidationError(
                    [
                        Problem(
                            f"no decision {award!r} is recorded",
                            file=str(self.path),
                            code="unknown-reference",
                        )
                    ]
                )
            framework = row[0]
            for index in candidate_indexes(award):
                taken = db.execute(
                    "SELECT 1 FROM status_indexes WHERE framework = ? AND list_index = ?",
                    (framework, index),
                ).fetchone()
                if not taken:
                    db.execute(
                        "INSERT INTO status_indexes (award, framework, list_index, assigned_at)"
                        " VALUES (?, ?, ?, ?)",
                        (award, framework, index, dt.datetime.now(dt.UTC).isoformat()),
                    )
                    return index
            raise AssertionError("unreachable: candidate_indexes never ends")  # pragma: no cover

        return self._write(body)

    @_reading
    def status_indexes(self, framework: str) -> dict[str, int]:
        """Every award of ``framework`` that has a status list index, with it."""
        rows = self._db.execute(
            "SELECT award, list_index FROM status_indexes WHERE framework = ? ORDER BY list_index",
            (framework,),
        ).fetchall()
        return {award: int(index) for award, index in rows}

    @_reading
    def has_award(self, award: str) -> bool:
        """Whether a decision with this award id (see :func:`award_id`) is recorded."""
        found = self._db.execute("SELECT 1 FROM decisions WHERE award = ?", (award,)).fetchone()
        return found is not None

    @_reading
    def history(self, framework: str, organisation: str) -> AwardHistory:
        """One organisation's award history under one framework."""
        return self._history(framework, organisation)

    @_reading
    def organisations(self, framework: str) -> list[str]:
        """Every organisation with a decision or an event under ``framework``, sorted."""
        rows = self._db.execute(
            "SELECT organisation FROM decisions WHERE framework = ?"
            " UNION SELECT organisation FROM events WHERE framework = ? ORDER BY 1",
            (framework, framework),
        ).fetchall()
        return [row[0] for row in rows]

    @_reading
    def frameworks(self) -> list[str]:
        rows = self._db.execute(
            "SELECT framework FROM decisions UNION SELECT framework FROM events ORDER BY 1"
        ).fetchall()
        return [row[0] for row in rows]

    @_reading
    def histories(self, framework: str) -> list[AwardHistory]:
        """Every organisation's history under ``framework``, by organisation id."""
        names = dict(
            self._db.execute(
                "SELECT organisation, organisation_name FROM decisions WHERE framework = ?"
                " ORDER BY as_of, id",
                (framework,),
            ).fetchall()
        )
        events: dict[str, list[Event]] = {org: [] for org in self.organisations(framework)}
        for row in self._db.execute(
            "SELECT id, state, on_date, reason, version, valid_until, midpoint_due, organisation"
            " FROM events WHERE framework = ? ORDER BY organisation, on_date, id",
            (framework,),
        ):
            events[row[7]].append(_event(row))
        return [
            AwardHistory(
                organisation=org,
                framework=framework,
                organisation_name=names.get(org, ""),
                events=tuple(found),
            )
            for org, found in events.items()
        ]

    @_reading
    def decisions(self, framework: str = "", organisation: str = "") -> list[RecordedDecision]:
        """Recorded decisions, oldest first, optionally of one framework and organisation.

        Each is rebuilt from its JSON document; :meth:`summaries` reads the
        columns only, and is much quicker.
        """
        where, params = _where(framework, organisation)
        out = []
        for row, award, previous, details, document in self._db.execute(
            "SELECT id, award, previous_award, details, document FROM decisions"
            + where
            + " ORDER BY as_of, id",
            params,
        ):
            try:
                data = json.loads(document)
            except ValueError as exc:
                raise ValidationError(
                    [_bad_row(row, award, "document", f"not JSON ({exc})").located(str(self.path))]
                ) from None
            decision = structure(data, Decision, file=f"{self.path}#{award}")
            if isinstance(decision, list):
                raise ValidationError(decision)
            out.append(
                RecordedDecision(
                    id=row,
                    award=award,
                    decision=decision,
                    previous_award=previous,
                    details=self._details(row, award, details),
                )
            )
        return out

    def _details(self, row: int, award: str, text: str) -> dict[str, str]:
        try:
            details = json.loads(text)
        except ValueError as exc:
            raise ValidationError(
                [_bad_row(row, award, "details", f"not JSON ({exc})").located(str(self.path))]
            ) from None
        if not isinstance(details, dict):
            raise ValidationError(
                [_bad_row(row, award, "details", "expected a JSON object").located(str(self.path))]
            )
        return {str(key): str(value) for key, value in details.items()}

    @_reading
    def summaries(self, framework: str = "", organisation: str = "") -> list[DecisionSummary]:
        """Recorded decisions as the register's columns show them, oldest first."""
        where, params = _where(framework, organisation)
        out = []
        for row in self._db.execute(
            "SELECT id, award, framework, organisation, organisation_name, status, basis, passed,"
            " as_of, previous_award, award_level, indicated_status FROM decisions"
            + where
            + " ORDER BY as_of, id",
            params,
        ):
            out.append(
                DecisionSummary(
                    id=row[0],
                    award=row[1],
                    framework=row[2],
                    organisation=row[3],
                    organisation_name=row[4],
                    status=row[5],
                    basis=row[6],
                    passed=bool(row[7]),
                    as_of=_must_day(row[8], f"decisions[{row[0]}].as_of"),
                    previous_award=row[9],
                    award_level=row[10],
                    indicated_status=row[11],
                )
            )
        return out

    @_reading
    def holders(self, framework: str, day: dt.date) -> list[Holding]:
        """Who holds a current award of ``framework`` on ``day``, by organisation id."""
        rows = self._db.execute(
            _HOLDERS + " ORDER BY e.organisation",
            {"framework": framework, "day": day.isoformat()},
        )
        return [_holding(row) for row in rows]

    @_reading
    def due(
        self,
        framework: str,
        day: dt.date,
        within_days: int,
        *,
        recurring: Sequence[RecurringEvent] = (),
    ) -> list[Due]:
        """Current awards whose expiry or mid-point review falls within ``within_days`` of ``day``.

        A mid-point review that is past due and not yet recorded is listed
        too, marked overdue: it does not stop being due by being late. So is
        each return of the ``recurring`` events (the framework's
        ``lifecycle.recurring``) due during the current term and not yet
        recorded (see :meth:`add_return`).
        """
        problems = check_date(day, "on")
        if not 0 <= within_days <= MAX_DAYS:
            problems.append(
                Problem(
                    f"expected 0 to {MAX_DAYS:,} days, got {within_days}",
                    "within",
                    code="out-of-range",
                )
            )
        if problems:
            raise ValidationError(problems)
        horizon = _later(day, within_days)
        query = f"""
            WITH holders AS ({_HOLDERS})
            SELECT h.*, EXISTS (
                SELECT 1 FROM events m
                WHERE m.framework = :framework AND m.organisation = h.organisation
                  AND m.state = 'mid-point-reviewed' AND m.on_date >= h.on_date
                  AND m.on_date <= :day) AS reviewed
            FROM holders h
            {
            ""
            if recurring
            else "WHERE h.valid_until BETWEEN :day AND :horizon OR h.midpoint_due <= :horizon"
        }
        """
        out = []
        for row in self._db.execute(
            query,
            {"framework": framework, "day": day.isoformat(), "horizon": horizon.isoformat()},
        ):
            holding = _holding(row)
            name = holding.organisation_name
            until, midpoint = holding.valid_until, holding.midpoint_due
            if until is not None and day <= until <= horizon:
                out.append(
                    Due(
                        organisation=holding.organisation,
                        organisation_name=name,
                        what="expiry",
                        on=until,
                    )
                )
            if midpoint is not None and midpoint <= horizon and not row[-1]:
                out.append(
                    Due(
                        organisation=holding.organisation,
                        organisation_name=name,
                        what="mid-point review",
                        on=midpoint,
                        overdue=midpoint < day,
                    )
                )
            for event in recurring:
                answered = self._answered(framework, holding.organisation, event.id)
                out += [
                    Due(
                        organisation=holding.organisation,
                        organisation_name=name,
                        what=event.title or event.id,
                        on=when,
                        overdue=when < day,
                        event=event.id,
                    )
                    for when in due_dates(event, holding.since, until, through=horizon)
                    if when not in answered
                ]
        return sorted(out, key=lambda d: (d.on, d.organisation, d.what))

    # -- returns of recurring events -------------------------------------------------------

    def add_return(
        self,
        framework: Framework,
        organisation: str,
        event_id: str,
        figures: dict[str, float],
        *,
        on: dt.date,
        due: dt.date | None = None,
        note: str = "",
    ) -> RecordedReturn:
        """Record one return of a recurring event, with its figures, in one transaction.

        The figures are checked against the event's declaration
        (:func:`~qmframe.awards.returns.check_figures`). The organisation must
        hold a current award on ``on``; the return answers ``due``, one of the
        event's due dates in that award's term, by default the earliest not
        yet answered (a return may come early). Anything refused raises
        ValidationError and nothing is written.
        """
        event = recurring_event(framework, event_id)
        where = f"{framework.id}/{organisation}"

        def refuse(message: str, path: str, code: str) -> ValidationError:
            return ValidationError([Problem(message, path, str(self.path), code=code)])

        problems = check_figures(event, figures)
        if problems:
            raise ValidationError(problems)

        def body() -> tuple[int, dt.date]:
            nonlocal due
            db = self._db
            history = self._history(framework.id, organisation)
            term = term_on(history, on)
            if term is None or not is_current(history, on):
                raise refuse(
                    f"{where} holds no current award on {on}, so no {event.id} is due",
                    "on",
                    "not-allowed",
                )
            answered = self._answered(framework.id, organisation, event.id)
            if due is None:
                # Answered dates are finite, so an endless term still has a first open one.
                due = next(
                    (d for d in due_dates(event, term.on, term.valid_until) if d not in answered),
                    None,
                )
                if due is None:
                    raise refuse(
                        f"every {event.id} due during {where}'s award from {term.on} is "
                        "already recorded",
                        "due",
                        "duplicate-id",
                    )
            elif due in answered:
                raise refuse(
                    f"the {event.id} due on {due} is already recorded for {where}",
                    "due",
                    "duplicate-id",
                )
            elif due not in set(due_dates(event, term.on, term.valid_until, through=due)):
                first = itertools.islice(due_dates(event, term.on, term.valid_until), 6)
                dates = [str(d) for d in first]
                raise refuse(
                    f"no {event.id} falls due on {due} during {where}'s award from {term.on}"
                    f" (due: {', '.join(dates) or 'never'})",
                    "due",
                    "not-allowed",
                )
            cursor = db.execute(
                "INSERT INTO returns (framework, organisation, event, due_on, on_date, note,"
                " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    framework.id,
                    organisation,
                    event.id,
                    due.isoformat(),
                    on.isoformat(),
                    note,
                    dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                ),
            )
            assert cursor.lastrowid is not None
            row = cursor.lastrowid
            db.executemany(
                "INSERT INTO return_figures (return_id, figure, value) VALUES (?, ?, ?)",
                [(row, figure, value) for figure, value in figures.items()],
            )
            return row, due

        row, due = self._write(body)
        return RecordedReturn(
            id=row,
            framework=framework.id,
            organisation=organisation,
            event=event.id,
            due=due,
            on=on,
            figures=dict(figures),
            note=note,
        )

    def _answered(self, framework: str, organisation: str, event: str) -> set[dt.date]:
        rows = self._db.execute(
            "SELECT due_on FROM returns WHERE framework = ? AND organisation = ? AND event = ?",
            (framework, organisation, event),
        ).fetchall()
        return {dt.date.fromisoformat(row[0]) for row in rows}

    def returns(
        self, framework: str, organisation: str = "", event: str = ""
    ) -> list[RecordedReturn]:
        """Recorded returns of ``framework`` by due date, maybe of one organisation or event."""
        query = (
            "SELECT id, organisation, event, due_on, on_date, note FROM returns WHERE framework = ?"
        )
        params = [framework]
        if organisation:
            query += " AND organisation = ?"
            params.append(organisation)
        if event:
            query += " AND event = ?"
            params.append(event)
        rows = self._db.execute(query + " ORDER BY due_on, organisation, id", params).fetchall()
        figures: dict[int, dict[str, float]] = {row[0]: {} for row in rows}
        for return_id, figure, value in self._db.execute(
            "SELECT return_id, figure, value FROM return_figures"
            " JOIN returns ON returns.id = return_id WHERE framework = ?"
            " ORDER BY return_id, return_figures.rowid",
            (framework,),
        ):
            if return_id in figures:
                figures[return_id][figure] = float(value)
        return [
            RecordedReturn(
                id=row,
                framework=framework,
                organisation=org,
                event=event_id,
                due=dt.date.fromisoformat(due),
                on=dt.date.fromisoformat(on),
                figures=figures[row],
                note=note,
            )
            for row, org, event_id, due, on, note in rows
        ]

    @_reading
    def public_rows(self, framework: Framework, day: dt.date) -> list[dict[str, Any]]:
        """The public register on ``day``: current holders, with only the framework's public fields.

        Raises ValidationError when the framework marks nothing as public.
        """
        if not framework.public_fields:
            raise ValidationError(
                [
                    Problem(
                        f"framework {framework.id!r} marks no fields public",
                        "public_fields",
                        code="missing-value",
                    )
                ]
            )
        # The decision that granted the term: the event's own, else (an award recorded as an
        # event by hand) a passing decision of that day. An indication never passes.
        query = f"""
            WITH holders AS ({_HOLDERS}),
            granted AS (
                SELECT h.*, coalesce(h.decision_id, (
                    SELECT d.id FROM decisions d
                    WHERE d.framework = :framework AND d.organisation = h.organisation
                      AND d.as_of = h.on_date AND d.passed = 1
                    ORDER BY d.id DESC LIMIT 1)) AS granted_by
                FROM holders h
            )
            SELECT g.*, d.id, d.status, d.valid_from, x.title, x.level
            FROM granted g
            LEFT JOIN decisions d ON d.id = g.granted_by AND d.passed = 1
            LEFT JOIN highlights x ON x.decision_id = d.id
            ORDER BY g.organisation, x.position
        """
        rows = []
        found = self._db.execute(query, {"framework": framework.id, "day": day.isoformat()})
        for _, group in groupby(found, key=lambda row: row[0]):
            lines = list(group)
            first = lines[0]
            holding = _holding(first)
            granted = first[10] is not None
            since = holding.since.isoformat()
            where = f"decisions[{first[9]}].valid_from"
            full: dict[str, Any] = {
                "organisation.id": holding.organisation,
                "organisation.name": holding.organisation_name,
                "framework": framework.id,
                "version": holding.version,
                "status": first[11] if granted else "",
                "state": holding.state,
                "as_of": since,
                "valid_from": (_text(_day(first[12], where)) or since) if granted else since,
                "valid_until": _text(holding.valid_until) or "",
                "midpoint_due": _text(holding.midpoint_due) or "",
                "highlights": [
                    f"{line[13]} ({line[14]})" for line in lines if line[13] is not None
                ],
            }
            rows.append({field: full[field] for field in framework.public_fields})
        return rows

    @_reading
    def sector_view(
        self,
        framework: Framework,
        *,
        figures: Sequence[str] = (),
        anonymise: bool = False,
        public: bool = False,
    ) -> SectorView:
        """The sector view of every decision recorded under ``framework``, counted in SQL.

        The same :class:`~qmframe.awards.sector.SectorView` that
        :func:`~qmframe.awards.sector.sector_view` makes of the decisions,
        their details and the recorded returns, without building any
        decision. ``public`` anonymises and rounds totals of people by the
        framework's ``[disclosure]`` rule.
        """
        anonymise = anonymise or public
        params: dict[str, Any] = {"framework": framework.id}
        db = self._db
        organisations, passed, only_indications = db.execute(
            f"WITH {_LATEST} SELECT count(l.latest_id), coalesce(sum(d.passed), 0),"
            " count(*) - count(l.latest_id) FROM latest l"
            " LEFT JOIN decisions d ON d.id = l.latest_id",
            params,
        ).fetchone()
        decisions, indications, latest = db.execute(
            "SELECT coalesce(sum(basis <> 'indication'), 0),"
            " coalesce(sum(basis = 'indication'), 0), max(as_of)"
            " FROM decisions WHERE framework = :framework",
            params,
        ).fetchone()
        sections = [section.id for section in framework.sections]
        counts: dict[str, dict[str, int]] = {section: {} for section in sections}
        if sections:
            marks = ", ".join(f":s{i}" for i in range(len(sections)))
            params.update({f"s{i}": section for i, section in enumerate(sections)})
            for target, level, count in db.execute(
                f"WITH {_LATEST} SELECT l.target, l.level, count(*) FROM latest o"
                " JOIN decided_levels l ON l.decision_id = o.latest_id"
                f" WHERE l.target IN ({marks}) AND l.level <> ''"
                " GROUP BY l.target, l.level",
                params,
            ):
                counts[target][level] = count
        for levels in counts.values():
            judged = sum(levels.values())
            if judged < organisations:
                levels[NOT_JUDGED] = organisations - judged
        # Each unmet target counted once per organisation; its title as the first
        # organisation (by first decision) to have it unmet gives it.
        unmet = db.execute(
            f"""
            WITH {_LATEST},
            keyed AS (
                SELECT o.latest_id AS id, o.first_as_of, o.first_id, u.position, u.title,
                       CASE WHEN u.target <> '' THEN u.target ELSE u.rule END AS key
                FROM latest o JOIN unmet u ON u.decision_id = o.latest_id
            )
            SELECT key, first_title, count(DISTINCT id) FROM (
                SELECT key, id, first_value(title) OVER (
                    PARTITION BY key ORDER BY first_as_of, first_id, position) AS first_title
                FROM keyed)
            GROUP BY key""",
            {"framework": framework.id},
        ).fetchall()
        aliases: dict[str, str] = {}
        if anonymise:
            aliases = {
                organisation: f"Organisation {rank}"
                for organisation, rank in db.execute(
                    "SELECT organisation, row_number() OVER (ORDER BY first_as_of, first_id)"
                    " FROM organisations WHERE framework = ?",
                    (framework.id,),
                )
            }

        def who(organisation: str, name: str) -> str:
            return aliases[organisation] if anonymise else (name or organisation)

        practice = [
            (target, title, level, _must_day(on, f"decisions[{row}].as_of"), who(org, name))
            for row, org, name, on, target, title, level in db.execute(
                "SELECT d.id, d.organisation, d.organisation_name, d.as_of, h.target, h.title,"
                " h.level FROM decisions d JOIN highlights h ON h.decision_id = d.id"
                " WHERE d.framework = ? AND d.basis <> 'indication'"
                " ORDER BY d.as_of, d.id, h.position",
                (framework.id,),
            )
        ]
        reported = []
        if figures:
            for row, award, org, name, on, text in db.execute(
                "SELECT id, award, organisation, organisation_name, as_of, details FROM decisions"
                " WHERE framework = ? AND details <> '{}' AND basis <> 'indication'"
                " ORDER BY as_of, id",
                (framework.id,),
            ):
                details = self._details(row, award, text)
                when = _must_day(on, f"decisions[{row}].as_of")
                reported += [
                    (when, who(org, name), figure, details[figure])
                    for figure in figures
                    if figure in details
                ]
        return assemble_view(
            framework,
            organisations=organisations,
            decisions=decisions,
            passed=passed,
            indications=indications,
            only_indications=only_indications,
            latest=_day(latest, "decisions.as_of"),
            section_counts=counts,
            unmet=[(key, title, count) for key, title, count in unmet],
            practice=practice,
            reported=reported,
            anonymised=anonymise,
            returns=self.returns(framework.id),
            public=public,
        )


def _from_source(problem: Problem, source: str) -> Problem:
    """A problem of one decision of a bulk add, located in the file it came from."""
    if not source:
        return problem
    message = f"{problem.file}: {problem.message}" if problem.file else problem.message
    return attrs.evolve(problem, file=source, message=message)


def _events_for(
    history: AwardHistory, decision: Decision, lifecycle: Lifecycle | None, reason: str
) -> list[Event]:
    """The events a decision adds, checked against the lifecycle (ValidationError if refused).

    A move refused from an application state (such as ``in-preparation`` to
    ``awarded``) goes through ``submitted`` where the lifecycle allows it:
    a reviewed decision implies the submission. An indication adds
    ``submitted`` only where that move is allowed, and nothing otherwise.
    """
    event = event_for_decision(history, decision, reason)
    if event is None:
        return []
    try:
        record(history, event, lifecycle)
    except ValidationError as refused:
        if decision.is_indication:
            return []
        implied = Event(
            state="submitted", on=decision.as_of, reason="submission implied by the decision"
        )
        try:
            record(record(history, implied, lifecycle), event, lifecycle)
        except ValidationError:
            raise refused from None
        return [implied, event]
    return [event]


def _event(row: Sequence[Any]) -> Event:
    where = f"events[{row[0]}]"
    return Event(
        state=row[1],
        on=_must_day(row[2], f"{where}.on_date"),
        reason=row[3],
        version=row[4],
        valid_until=_day(row[5], f"{where}.valid_until"),
        midpoint_due=_day(row[6], f"{where}.midpoint_due"),
    )


def _holding(row: Sequence[Any]) -> Holding:
    """A :class:`Holding` from the first columns of a :data:`_HOLDERS` row."""
    where = f"events[{row[7]}]"
    return Holding(
        organisation=row[0],
        organisation_name=row[8],
        state=row[1],
        version=row[2],
        since=_must_day(row[3], f"{where}.on_date"),
        valid_until=_day(row[4], f"{where}.valid_until"),
        midpoint_due=_day(row[5], f"{where}.midpoint_due"),
    )


def _where(framework: str, organisation: str) -> tuple[str, list[str]]:
    where, params = [], []
    if framework:
        where.append("framework = ?")
        params.append(framework)
    if organisation:
        where.append("organisation = ?")
        params.append(organisation)
    return (" WHERE " + " AND ".join(where) if where else ""), params


def _later(day: dt.date, days: int) -> dt.date:
    """``days`` after ``day``, or the last date there is."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def _pause(attempt: int) -> None:
    """A short, growing, jittered wait before trying a busy register again."""
    time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))


def _statements(script: str) -> list[str]:
    """A migration script split into statements (executescript would commit on its own)."""
    return [part.strip() for part in script.split(";") if part.strip()]


# -- public exports ------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ExportHeading:
    """What a public export is: the framework's id, title and version, and the day it is for.

    ``version`` is the framework's current version; each holder's own
    ``version`` field says which version its award was made under.
    """

    framework: str
    title: str
    version: str
    as_of: dt.date

    @classmethod
    def of(cls, framework: Framework, day: dt.date) -> ExportHeading:
        return cls(
            framework=framework.id, title=framework.title, version=framework.version, as_of=day
        )

    def columns(self) -> dict[str, str]:
        """The heading as CSV columns (and the public SQLite file's ``register_export`` row)."""
        return {
            "register.framework": self.framework,
            "register.framework_title": self.title,
            "register.framework_version": self.version,
            "register.as_of": self.as_of.isoformat(),
        }


def public_json(rows: Sequence[dict[str, Any]], heading: ExportHeading) -> str:
    """The public register as a JSON object: the framework, the day, and the holders.

    ``{"framework": {"id", "title", "version"}, "as_of": DAY, "holders": [...]}``;
    invisible characters as ``\\u`` escapes (see json_text).
    """
    document = {
        "framework": {"id": heading.framework, "title": heading.title, "version": heading.version},
        "as_of": heading.as_of.isoformat(),
        "holders": list(rows),
    }
    return json_text(document) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


def public_csv(
    rows: Sequence[dict[str, Any]],
    fields: Sequence[str],
    *,
    bom: bool = False,
    heading: ExportHeading | None = None,
) -> str:
    """CSV with one column per public field (lists joined with '; '), safe for spreadsheets.

    Every cell is quoted and escaped by :func:`qmframe.escaping.csv_cell`: a
    name starting ``=``, ``+``, ``-`` or ``@`` reads as text, not as a formula.
    With ``bom``, the text starts with a UTF-8 byte-order mark, which some
    spreadsheet programs need to read accented letters right. With
    ``heading``, four more columns follow the public fields, the same in
    every row: ``register.framework``, ``register.framework_title``,
    ``register.framework_version`` and ``register.as_of`` (a CSV file has no
    other place that every reader keeps).
    """
    extra = heading.columns() if heading is not None else {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow([csv_cell(field) for field in (*fields, *extra)])
    for row in rows:
        cells = [_cell(row[field]) for field in fields] + list(extra.values())
        writer.writerow([csv_cell(cell) for cell in cells])
    return ("\ufeff" if bom else "") + out.getvalue()


def write_public_sqlite(
    rows: Sequence[dict[str, Any]],
    fields: Sequence[str],
    path: str | os.PathLike[str],
    *,
    heading: ExportHeading | None = None,
) -> None:
    """A separate SQLite file holding only the public register (table ``public_register``).

    With ``heading``, the table ``register_export`` holds one row naming the
    framework, its title and version, the day the register is for and the
    number of holders. Built in memory and written by
    :func:`qmframe.output.write_output`, so a reader never sees half of it
    and only a regular file is replaced. Open it with ``datasette`` for a
    public, browsable register with a JSON API.
    """
    unknown = [field for field in fields if field not in PUBLIC_FIELDS]
    if unknown:
        raise ValidationError(
            [Problem(f"not a public field: {', '.join(unknown)}", code="unknown-reference")]
        )
    check_target(path)  # refuse a link or a special file before building anything
    db = sqlite3.connect(":memory:")
    with contextlib.closing(db):
        columns = ", ".join(f'"{field}" TEXT' for field in fields)
        db.execute(f"CREATE TABLE public_register ({columns})")
        marks = ", ".join("?" for _ in fields)
        db.executemany(
            f"INSERT INTO public_register VALUES ({marks})",
            [[_cell(row[field]) for field in fields] for row in rows],
        )
        if heading is not None:
            db.execute(
                "CREATE TABLE register_export (framework TEXT, framework_title TEXT,"
                " framework_version TEXT, as_of TEXT, holders INTEGER)"
            )
            db.execute(
                "INSERT INTO register_export VALUES (?, ?, ?, ?, ?)",
                (*heading.columns().values(), len(rows)),
            )
        db.commit()
        data = db.serialize()
    write_output(path, data)
