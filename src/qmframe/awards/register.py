"""A register of decisions and awards, kept in one SQLite file.

Organisations that run a quality mark publish who holds it, and need to
know whose award runs out or whose mid-point review falls due. The register
keeps every decision (the whole explained decision, as JSON) and every
lifecycle event in a SQLite database made with the standard library's
:mod:`sqlite3`: one file, created on first use, readable by any SQLite tool
(and by Datasette, as it is, for a browsable register with a JSON API).

Every change is one transaction: a decision and the event it causes are
written together or not at all, so a crash mid-write leaves the register as
it was. The schema version is SQLite's ``PRAGMA user_version``; opening an
older file applies the missing :data:`MIGRATIONS` in order, in the same
transaction as the version bump, and a file from a newer qmframe is refused
rather than guessed at.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs

from qmframe._convert import structure, unstructure_json
from qmframe.awards.lifecycle import (
    PUBLIC_FIELDS,
    AwardHistory,
    Event,
    event_for_decision,
    is_current,
    record,
    state_on,
    term_on,
)
from qmframe.awards.returns import RecordedReturn, check_figures, due_dates, recurring_event
from qmframe.awards.status_list import candidate_indexes
from qmframe.decision import Decision, award_id
from qmframe.errors import Problem, QmframeError, ValidationError
from qmframe.escaping import csv_cell, json_text
from qmframe.framework import Framework, Lifecycle, RecurringEvent
from qmframe.frozen import EMPTY, frozen_str_map
from qmframe.limits import MAX_DAYS, check_date
from qmframe.output import check_target, write_output

__all__ = [
    "MIGRATIONS",
    "Due",
    "Holding",
    "RecordedDecision",
    "Register",
    "RegisterError",
    "award_id",
    "public_csv",
    "public_json",
    "write_public_sqlite",
]

#: Schema changes, oldest first; entry *n* brings a file from version *n* to *n + 1*.
MIGRATIONS: list[str] = [
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
]


class RegisterError(QmframeError):
    """The register file cannot be used (missing, not a register, or from a newer qmframe)."""


@attrs.frozen(kw_only=True)
class RecordedDecision:
    """A decision as the register keeps it, with what came with it."""

    id: int
    award: str
    decision: Decision
    previous_award: str = ""
    details: Mapping[str, str] = attrs.field(default=EMPTY, converter=frozen_str_map)


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


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _text(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


class Register:
    """One register file. Use as a context manager, or call :meth:`close`.

    ``create=False`` refuses a path where no file exists yet, so a mistyped
    path in a read-only command is an error, not a new empty register.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise RegisterError(f"{self.path}: no register here (add a decision to create one)")
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise RegisterError(f"{self.path}: not a usable register ({exc})") from None

    # -- opening ---------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        row = self._db.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise RegisterError(
                f"{self.path}: register schema version {version} is newer than this qmframe "
                f"understands ({len(MIGRATIONS)}); upgrade qmframe"
            )
        for number in range(version, len(MIGRATIONS)):
            with self._transaction() as db:
                for statement in _statements(MIGRATIONS[number]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: commit at the end, roll back on any exception (and re-raise)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

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
        details: dict[str, str] | None = None,
        reason: str = "",
    ) -> tuple[RecordedDecision, Event | None]:
        """Record a decision and the lifecycle event it causes, in one transaction.

        The event (award, renewal or not-awarded; see
        :func:`~qmframe.awards.lifecycle.event_for_decision`) is checked against
        ``lifecycle`` first: a refused move raises ValidationError and nothing
        is written. ``details`` are the submission's figures, kept for the
        sector view.
        """
        award = award_id(decision)
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM decisions WHERE award = ?", (award,)).fetchone():
                raise ValidationError(
                    [
                        Problem(
                            f"a decision for {award} is already recorded",
                            file=str(self.path),
                            code="duplicate-id",
                        )
                    ]
                )
            history = self._history(decision.framework, decision.organisation)
            event = event_for_decision(history, decision, reason)
            if event is not None:
                record(history, event, lifecycle)
            row = self._insert_decision(decision, award, previous_award, details or {})
            if event is not None:
                self._insert_event(decision.framework, decision.organisation, event, row)
        recorded = RecordedDecision(
            id=row,
            award=award,
            decision=decision,
            previous_award=previous_award,
            details=dict(details or {}),
        )
        return recorded, event

    def add_event(
        self, framework: str, organisation: str, event: Event, lifecycle: Lifecycle | None = None
    ) -> AwardHistory:
        """Record one lifecycle event (a suspension, withdrawal, mid-point review ...).

        Refused moves raise ValidationError and nothing is written.
        """
        with self._transaction():
            history = record(self._history(framework, organisation), event, lifecycle)
            self._insert_event(framework, organisation, event, None)
        return history

    def _insert_decision(
        self, decision: Decision, award: str, previous_award: str, details: dict[str, str]
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO decisions (award, framework, version, organisation, organisation_name,"
            " status, passed, basis, as_of, valid_from, valid_until, midpoint_due,"
            " previous_award, details, document, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                award,
                decision.framework,
                decision.version,
                decision.organisation,
                decision.organisation_name,
                decision.status,
                int(decision.passed),
                decision.basis,
                decision.as_of.isoformat(),
                _text(decision.valid_from),
                _text(decision.valid_until),
                _text(decision.midpoint_due),
                previous_award,
                json.dumps(details, sort_keys=True),
                json.dumps(unstructure_json(decision), ensure_ascii=False),
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _insert_event(
        self, framework: str, organisation: str, event: Event, decision_row: int | None
    ) -> None:
        self._db.execute(
            "INSERT INTO events (framework, organisation, state, on_date, reason, version,"
            " valid_until, midpoint_due, decision_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                framework,
                organisation,
                event.state,
                event.on.isoformat(),
                event.reason,
                event.version,
                _text(event.valid_until),
                _text(event.midpoint_due),
                decision_row,
            ),
        )

    # -- reading ---------------------------------------------------------------------------

    def _history(self, framework: str, organisation: str) -> AwardHistory:
        rows = self._db.execute(
            "SELECT state, on_date, reason, version, valid_until, midpoint_due FROM events"
            " WHERE framework = ? AND organisation = ? ORDER BY on_date, id",
            (framework, organisation),
        ).fetchall()
        name = self._db.execute(
            "SELECT organisation_name FROM decisions WHERE framework = ? AND organisation = ?"
            " ORDER BY as_of DESC, id DESC LIMIT 1",
            (framework, organisation),
        ).fetchone()
        events = tuple(
            Event(
                state=state,
                on=dt.date.fromisoformat(on),
                reason=reason,
                version=version,
                valid_until=_day(until),
                midpoint_due=_day(midpoint),
            )
            for state, on, reason, version, until, midpoint in rows
        )
        return AwardHistory(
            organisation=organisation,
            framework=framework,
            organisation_name=name[0] if name else "",
            events=events,
        )

    def status_index(self, award: str) -> int:
        """The award's place in its framework's status lists, assigned on first request.

        Derived from the award id (see
        :func:`~qmframe.awards.status_list.candidate_indexes`), stored, and
        never reused: the first candidate no other award of the framework
        holds is kept for good, in one transaction.
        """
        with self._transaction() as db:
            found = db.execute(
                "SELECT list_index FROM status_indexes WHERE award = ?", (award,)
            ).fetchone()
            if found:
                return int(found[0])
            row = db.execute("SELECT framework FROM decisions WHERE award = ?", (award,)).fetchone()
            if row is None:
                raise ValidationError(
                    [Problem(f"no decision {award!r} is recorded", file=str(self.path))]
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

    def status_indexes(self, framework: str) -> dict[str, int]:
        """Every award of ``framework`` that has a status list index, with it."""
        rows = self._db.execute(
            "SELECT award, list_index FROM status_indexes WHERE framework = ? ORDER BY list_index",
            (framework,),
        ).fetchall()
        return {award: int(index) for award, index in rows}

    def has_award(self, award: str) -> bool:
        """Whether a decision with this award id (see :func:`award_id`) is recorded."""
        found = self._db.execute("SELECT 1 FROM decisions WHERE award = ?", (award,)).fetchone()
        return found is not None

    def history(self, framework: str, organisation: str) -> AwardHistory:
        """One organisation's award history under one framework."""
        return self._history(framework, organisation)

    def organisations(self, framework: str) -> list[str]:
        """Every organisation with a decision or an event under ``framework``, sorted."""
        rows = self._db.execute(
            "SELECT organisation FROM decisions WHERE framework = ?"
            " UNION SELECT organisation FROM events WHERE framework = ? ORDER BY 1",
            (framework, framework),
        ).fetchall()
        return [row[0] for row in rows]

    def frameworks(self) -> list[str]:
        rows = self._db.execute(
            "SELECT framework FROM decisions UNION SELECT framework FROM events ORDER BY 1"
        ).fetchall()
        return [row[0] for row in rows]

    def histories(self, framework: str) -> list[AwardHistory]:
        return [self._history(framework, org) for org in self.organisations(framework)]

    def decisions(self, framework: str = "", organisation: str = "") -> list[RecordedDecision]:
        """Recorded decisions, oldest first, optionally of one framework and organisation."""
        query = "SELECT id, award, previous_award, details, document FROM decisions"
        where, params = [], []
        if framework:
            where.append("framework = ?")
            params.append(framework)
        if organisation:
            where.append("organisation = ?")
            params.append(organisation)
        if where:
            query += " WHERE " + " AND ".join(where)
        out = []
        for row, award, previous, details, document in self._db.execute(
            query + " ORDER BY as_of, id", params
        ):
            decision = structure(json.loads(document), Decision, file=f"{self.path}#{award}")
            if isinstance(decision, list):
                raise ValidationError(decision)
            out.append(
                RecordedDecision(
                    id=row,
                    award=award,
                    decision=decision,
                    previous_award=previous,
                    details=json.loads(details),
                )
            )
        return out

    def holders(self, framework: str, day: dt.date) -> list[Holding]:
        """Who holds a current award of ``framework`` on ``day``, by organisation id."""
        out = []
        for history in self.histories(framework):
            term = term_on(history, day)
            if term is None or not is_current(history, day):
                continue
            out.append(
                Holding(
                    organisation=history.organisation,
                    organisation_name=history.organisation_name,
                    state=state_on(history, day) or "",
                    version=term.version,
                    since=term.on,
                    valid_until=term.valid_until,
                    midpoint_due=term.midpoint_due,
                )
            )
        return out

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
        horizon = day + dt.timedelta(days=within_days)
        out = []
        for history in self.histories(framework):
            term = term_on(history, day)
            if term is None or not is_current(history, day):
                continue
            name = history.organisation_name
            if term.valid_until is not None and day <= term.valid_until <= horizon:
                out.append(
                    Due(
                        organisation=history.organisation,
                        organisation_name=name,
                        what="expiry",
                        on=term.valid_until,
                    )
                )
            if term.midpoint_due is not None and term.midpoint_due <= horizon:
                reviewed = any(
                    e.state == "mid-point-reviewed" and term.on <= e.on <= day
                    for e in history.events
                )
                if not reviewed:
                    out.append(
                        Due(
                            organisation=history.organisation,
                            organisation_name=name,
                            what="mid-point review",
                            on=term.midpoint_due,
                            overdue=term.midpoint_due < day,
                        )
                    )
            for event in recurring:
                answered = self._answered(framework, history.organisation, event.id)
                out += [
                    Due(
                        organisation=history.organisation,
                        organisation_name=name,
                        what=event.title or event.id,
                        on=when,
                        overdue=when < day,
                        event=event.id,
                    )
                    for when in due_dates(event, term.on, term.valid_until, through=horizon)
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
        with self._transaction() as db:
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
        rows = []
        for history in self.histories(framework.id):
            term = term_on(history, day)
            if term is None or not is_current(history, day):
                continue
            granted = [
                r.decision
                for r in self.decisions(framework.id, history.organisation)
                if r.decision.passed and r.decision.as_of == term.on
            ]
            decision = granted[-1] if granted else None
            full: dict[str, Any] = {
                "organisation.id": history.organisation,
                "organisation.name": history.organisation_name,
                "framework": framework.id,
                "version": term.version,
                "status": decision.status if decision else "",
                "state": state_on(history, day) or "",
                "as_of": term.on.isoformat(),
                "valid_from": (decision.valid_from or term.on).isoformat()
                if decision
                else term.on.isoformat(),
                "valid_until": _text(term.valid_until) or "",
                "midpoint_due": _text(term.midpoint_due) or "",
                "highlights": [f"{h.title} ({h.level})" for h in decision.highlights]
                if decision
                else [],
            }
            rows.append({field: full[field] for field in framework.public_fields})
        return rows


def _statements(script: str) -> list[str]:
    """A migration script split into statements (executescript would commit on its own)."""
    return [part.strip() for part in script.split(";") if part.strip()]


# -- public exports ------------------------------------------------------------------------


def public_json(rows: Sequence[dict[str, Any]]) -> str:
    """The public register as JSON; invisible characters as ``\\u`` escapes (see json_text)."""
    return json_text(list(rows)) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


def public_csv(rows: Sequence[dict[str, Any]], fields: Sequence[str], *, bom: bool = False) -> str:
    """CSV with one column per public field (lists joined with '; '), safe for spreadsheets.

    Every cell is quoted and escaped by :func:`qmframe.escaping.csv_cell`: a
    name starting ``=``, ``+``, ``-`` or ``@`` reads as text, not as a formula.
    With ``bom``, the text starts with a UTF-8 byte-order mark, which some
    spreadsheet programs need to read accented letters right.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow([csv_cell(field) for field in fields])
    for row in rows:
        writer.writerow([csv_cell(_cell(row[field])) for field in fields])
    return ("\ufeff" if bom else "") + out.getvalue()


def write_public_sqlite(
    rows: Sequence[dict[str, Any]], fields: Sequence[str], path: str | os.PathLike[str]
) -> None:
    """A separate SQLite file holding only the public register (table ``public_register``).

    Built in memory and written by :func:`qmframe.output.write_output`, so
    a reader never sees half of it and only a regular file is replaced. Open
    it with ``datasette`` for a public, browsable register with a JSON API.
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
        db.commit()
        data = db.serialize()
    write_output(path, data)
