"""The SQLite register: transactions, crashes, migrations, queries and the public export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import qmframe
from qmframe.awards import register as register_module
from qmframe.awards.lifecycle import Event
from qmframe.awards.register import (
    MIGRATIONS,
    Register,
    RegisterError,
    award_id,
    public_csv,
    public_json,
    write_public_sqlite,
)
from qmframe.decision import Decision, Highlight
from qmframe.framework import Framework, Lifecycle

PUBLIC = ("organisation.name", "status", "valid_from", "valid_until", "highlights")
FRAMEWORK = Framework(id="fw", version="1", title="Test mark", public_fields=PUBLIC)


def _decision(
    org: str,
    as_of: dt.date,
    *,
    passed: bool = True,
    days: int = 1000,
    midpoint: int | None = 500,
    version: str = "1",
) -> Decision:
    return Decision(
        framework="fw",
        version=version,
        organisation=org,
        organisation_name=org.title(),
        status="mark-awarded" if passed else "not-yet",
        passed=passed,
        basis="review",
        as_of=as_of,
        valid_from=as_of if passed else None,
        valid_until=as_of + dt.timedelta(days=days - 1) if passed else None,
        midpoint_due=as_of + dt.timedelta(days=midpoint) if passed and midpoint else None,
        highlights=(Highlight(target="s1", title="Section one", level="wow", rule="shine"),)
        if passed
        else (),
    )


def _counts(path: Path) -> tuple[int, int]:
    db = sqlite3.connect(path)
    try:
        return (
            db.execute("SELECT count(*) FROM decisions").fetchone()[0],
            db.execute("SELECT count(*) FROM events").fetchone()[0],
        )
    finally:
        db.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "register.sqlite"


def test_created_on_first_use_with_the_schema_version(db: Path) -> None:
    assert not db.exists()
    with Register(db) as register:
        assert register.schema_version == len(MIGRATIONS)
    assert db.exists()
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    raw.close()


def test_a_missing_file_is_not_created_by_a_read(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match="no register here"):
        Register(tmp_path / "typo.sqlite", create=False)
    assert not (tmp_path / "typo.sqlite").exists()


def test_a_file_that_is_not_a_register_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(RegisterError, match="not a usable register"):
        Register(junk)


def test_a_register_from_a_newer_qmframe_is_refused(db: Path) -> None:
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(RegisterError, match="newer than this qmframe"):
        Register(db)


def test_migrations_upgrade_an_older_file_and_keep_its_data(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Register(db) as register:
        register.add_decision(_decision("alpha", dt.date(2026, 1, 1)))
    extra = "ALTER TABLE decisions ADD COLUMN note TEXT NOT NULL DEFAULT ''"
    monkeypatch.setattr(register_module, "MIGRATIONS", [*MIGRATIONS, extra])
    with Register(db) as register:
        assert register.schema_version == len(MIGRATIONS) + 1
        assert [r.award for r in register.decisions()] == ["fw/alpha/2026-01-01"]
    raw = sqlite3.connect(db)
    assert raw.execute("SELECT note FROM decisions").fetchone() == ("",)
    raw.close()


def test_a_failing_migration_leaves_the_file_at_its_old_version(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Register(db).close()
    broken = "CREATE TABLE fine (x); CREATE TABLE decisions (x)"  # the second one fails
    monkeypatch.setattr(register_module, "MIGRATIONS", [*MIGRATIONS, broken])
    with pytest.raises(RegisterError):
        Register(db)
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert raw.execute("SELECT name FROM sqlite_master WHERE name = 'fine'").fetchone() is None
    raw.close()


def test_a_decision_and_its_event_round_trip(db: Path) -> None:
    decision = _decision("alpha", dt.date(2026, 3, 2))
    with Register(db) as register:
        recorded, event = register.add_decision(
            decision, previous_award="fw/alpha/2023-03-02", details={"recruitment": "12"}
        )
        assert event is not None
        assert event.state == "awarded"
        (stored,) = register.decisions("fw", "alpha")
        assert stored.decision == decision
        assert stored.award == award_id(decision) == recorded.award
        assert stored.previous_award == "fw/alpha/2023-03-02"
        assert stored.details == {"recruitment": "12"}
        history = register.history("fw", "alpha")
        assert history.events == (event,)
        assert history.organisation_name == "Alpha"


def test_a_duplicate_decision_is_refused_and_nothing_changes(db: Path) -> None:
    decision = _decision("alpha", dt.date(2026, 3, 2))
    with Register(db) as register:
        register.add_decision(decision)
        with pytest.raises(qmframe.ValidationError, match="already recorded"):
            register.add_decision(decision)
    assert _counts(db) == (1, 1)


def test_a_refused_move_writes_nothing(db: Path) -> None:
    with Register(db) as register:
        register.add_decision(_decision("alpha", dt.date(2026, 3, 2), days=30))
        late = Event(state="mid-point-reviewed", on=dt.date(2026, 6, 1), reason="late")
        with pytest.raises(qmframe.ValidationError, match="cannot go from 'expired'"):
            register.add_event("fw", "alpha", late)
        strict = Lifecycle(start=("submitted",))
        with pytest.raises(qmframe.ValidationError, match="cannot begin"):
            register.add_decision(_decision("beta", dt.date(2026, 3, 2)), strict)
    assert _counts(db) == (1, 1)


def test_a_failure_in_the_middle_of_a_write_leaves_the_register_as_it_was(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Register(db) as register:
        register.add_decision(_decision("alpha", dt.date(2026, 1, 1)))
    before = db.read_bytes()

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk gone")

    # The decision row is inserted, then writing its event fails.
    monkeypatch.setattr(Register, "_insert_event", boom)
    with Register(db) as register, pytest.raises(OSError, match="disk gone"):
        register.add_decision(_decision("beta", dt.date(2026, 2, 1)))
    monkeypatch.undo()
    assert _counts(db) == (1, 1)
    with Register(db) as register:
        assert [r.decision.organisation for r in register.decisions()] == ["alpha"]
        register.add_decision(_decision("beta", dt.date(2026, 2, 1)))  # still writable
    assert _counts(db) == (2, 2)
    assert before != db.read_bytes()


CRASH = textwrap.dedent(
    """\
    import datetime as dt, os, sys
    sys.path.insert(0, {tests!r})
    from test_register import _decision
    from qmframe.awards.register import Register

    def die(*args, **kwargs):
        os._exit(17)  # the process dies at once: no rollback, no cleanup, no flush

    register = Register({db!r})
    register._insert_event = die
    register.add_decision(_decision("beta", dt.date(2026, 2, 1)))
    """
)


def test_a_process_killed_mid_transaction_loses_nothing_and_half_writes_nothing(
    db: Path,
) -> None:
    with Register(db) as register:
        register.add_decision(_decision("alpha", dt.date(2026, 1, 1)))
    script = CRASH.format(tests=str(Path(__file__).parent), db=str(db))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 17, done.stderr.decode()
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    raw.close()
    assert _counts(db) == (1, 1)
    with Register(db) as register:
        assert [r.decision.organisation for r in register.decisions()] == ["alpha"]


# -- queries --------------------------------------------------------------------------------

START = dt.date(2026, 3, 2)


@pytest.fixture
def filled(db: Path) -> Path:
    with Register(db) as register:
        register.add_decision(_decision("alpha", START))  # valid to START + 999 days
        register.add_decision(_decision("beta", START + dt.timedelta(days=10), days=100))
        register.add_decision(_decision("gamma", START, passed=False))
        register.add_decision(_decision("delta", START))
        register.add_event(
            "fw", "delta", Event(state="withdrawn", on=START + dt.timedelta(days=50), reason="x")
        )
    return db


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-1, []),
        (0, ["alpha", "delta"]),
        (10, ["alpha", "beta", "delta"]),
        (50, ["alpha", "beta"]),
        (109, ["alpha", "beta"]),  # beta's last day: START + 10 + 99
        (110, ["alpha"]),
        (999, ["alpha"]),
        (1000, []),
    ],
)
def test_who_holds_an_award_on_a_day(filled: Path, offset: int, expected: list[str]) -> None:
    with Register(filled, create=False) as register:
        holders = register.holders("fw", START + dt.timedelta(days=offset))
    assert [h.organisation for h in holders] == expected


def test_due_within_n_days_includes_the_boundary_day(filled: Path) -> None:
    with Register(filled) as register:
        day = START + dt.timedelta(days=20)  # beta ends on START + 109: 89 days later
        assert [d.organisation for d in register.due("fw", day, 89)] == ["beta"]
        assert register.due("fw", day, 88) == []
        due = register.due("fw", day, 89)[0]
        assert (due.what, due.on) == ("expiry", START + dt.timedelta(days=109))


def test_mid_point_reviews_fall_due_and_stay_due_until_recorded(filled: Path) -> None:
    midpoint = START + dt.timedelta(days=500)
    with Register(filled) as register:
        soon = register.due("fw", midpoint - dt.timedelta(days=5), 5)
        assert [(d.organisation, d.what, d.overdue) for d in soon] == [
            ("alpha", "mid-point review", False)
        ]
        late = register.due("fw", midpoint + dt.timedelta(days=30), 0)
        assert [(d.organisation, d.overdue) for d in late] == [("alpha", True)]
        register.add_event(
            "fw",
            "alpha",
            Event(state="mid-point-reviewed", on=midpoint + dt.timedelta(days=31), reason="ok"),
        )
        assert register.due("fw", midpoint + dt.timedelta(days=32), 0) == []
        # The review does not end the award.
        assert [h.organisation for h in register.holders("fw", midpoint + dt.timedelta(days=40))]


def test_history_of_one_organisation(filled: Path) -> None:
    with Register(filled) as register:
        history = register.history("fw", "delta")
        assert [e.state for e in history.events] == ["awarded", "withdrawn"]
        assert register.history("fw", "gamma").events[0].state == "not-awarded"
        assert register.organisations("fw") == ["alpha", "beta", "delta", "gamma"]


def test_a_renewal_records_the_new_version_and_term(db: Path) -> None:
    with Register(db) as register:
        register.add_decision(_decision("alpha", START, days=365))
        _, event = register.add_decision(
            _decision("alpha", START + dt.timedelta(days=350), days=365, version="2")
        )
        assert event is not None
        assert (event.state, event.version) == ("renewed", "2")
        (holding,) = register.holders("fw", START + dt.timedelta(days=400))
        assert holding.version == "2"
        # A failed renewal adds no event: the current award runs to its end.
        _, none = register.add_decision(
            _decision("alpha", START + dt.timedelta(days=600), passed=False)
        )
        assert none is None
        assert len(register.history("fw", "alpha").events) == 2
        assert len(register.decisions("fw", "alpha")) == 3


# -- the public register ----------------------------------------------------------------------


def test_the_public_export_holds_only_public_fields_of_current_holders(filled: Path) -> None:
    day = START + dt.timedelta(days=60)
    with Register(filled) as register:
        rows = register.public_rows(FRAMEWORK, day)
    assert [sorted(row) for row in rows] == [sorted(PUBLIC)] * 2
    assert [row["organisation.name"] for row in rows] == ["Alpha", "Beta"]  # delta withdrew
    assert rows[0]["highlights"] == ["Section one (wow)"]
    data = json.loads(public_json(rows))
    assert data == rows
    text = public_csv(rows, PUBLIC)
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == list(PUBLIC)
    assert table[1][4] == "Section one (wow)"
    assert "alpha" not in text  # the organisation id is not public here


def test_fewer_public_fields_mean_less_is_exported(filled: Path) -> None:
    narrow = Framework(id="fw", version="1", title="t", public_fields=("organisation.name",))
    with Register(filled) as register:
        rows = register.public_rows(narrow, START)
        assert rows == [{"organisation.name": "Alpha"}, {"organisation.name": "Delta"}]
        with pytest.raises(qmframe.ValidationError, match="marks no fields public"):
            register.public_rows(Framework(id="fw", version="1", title="t"), START)


def test_the_public_sqlite_file(filled: Path, tmp_path: Path) -> None:
    with Register(filled) as register:
        rows = register.public_rows(FRAMEWORK, START)
    target = tmp_path / "public.sqlite"
    write_public_sqlite(rows, PUBLIC, target)
    db = sqlite3.connect(target)
    columns = [row[1] for row in db.execute("PRAGMA table_info(public_register)")]
    names = [r[0] for r in db.execute('SELECT "organisation.name" FROM public_register')]
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    db.close()
    assert columns == list(PUBLIC)
    assert names == ["Alpha", "Delta"]
    assert tables == ["public_register"]
    with pytest.raises(qmframe.ValidationError, match="not a public field"):
        write_public_sqlite(rows, ["document"], tmp_path / "x.sqlite")
