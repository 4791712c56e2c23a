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
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import qmframe
from qmframe._convert import unstructure_json
from qmframe.awards import register as register_module
from qmframe.awards.lifecycle import AwardHistory, Event, event_for_decision, record
from qmframe.awards.register import (
    MIGRATIONS,
    Addition,
    ExportHeading,
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
    with pytest.raises(RegisterError, match="is not a register"):
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
        strict = Lifecycle(start=("expression-of-interest",))
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
    heading = ExportHeading.of(FRAMEWORK, day)
    data = json.loads(public_json(rows, heading))
    assert data == {
        "framework": {"id": "fw", "title": "Test mark", "version": "1"},
        "as_of": str(day),
        "holders": rows,
    }
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


def test_a_mid_point_review_on_the_day_of_the_award_counts(db: Path) -> None:
    with Register(db) as register:
        register.add_decision(_decision("alpha", START))
        register.add_event(
            "fw", "alpha", Event(state="mid-point-reviewed", on=START, reason="early")
        )
        assert register.due("fw", START + dt.timedelta(days=600), 0) == []


def test_an_award_recorded_by_hand_exports_the_passing_decision_of_its_day(db: Path) -> None:
    day = START + dt.timedelta(days=5)
    with Register(db) as register:
        register.add_decision(_decision("alpha", START))
        register.add_decision(_decision("alpha", day, version="2"))  # renewed, by decision
        register.add_event("fw", "alpha", Event(state="renewed", on=day, reason="by hand"))
        register.add_decision(_decision("alpha", day, passed=False))  # changes nothing
        (row,) = register.public_rows(FRAMEWORK, day)
    assert row["status"] == "mark-awarded"
    assert row["highlights"] == ["Section one (wow)"]


# -- indications, the first steps, several decisions a day ------------------------------------


def _indication(org: str, as_of: dt.date) -> Decision:
    return Decision(
        framework="fw",
        version="1",
        organisation=org,
        organisation_name=org.title(),
        status="indication",
        passed=False,
        basis="indication",
        as_of=as_of,
        indicated_status="mark-awarded",
        basis_note="no review: the framework needs 1 reviewer",
        highlights=(Highlight(target="s1", title="Section one", level="wow", rule="shine"),),
    )


def test_an_indication_is_never_an_award(db: Path) -> None:
    with Register(db) as register:
        recorded, event = register.add_decision(_indication("alpha", START))
        assert event is not None
        assert event.state == "submitted"
        assert "not yet reviewed" in event.reason
        assert [r.award for r in register.decisions()] == [recorded.award]
        later = START + dt.timedelta(days=30)
        assert register.holders("fw", later) == []
        assert register.public_rows(FRAMEWORK, later) == []
        assert register.due("fw", later, 3650) == []
        assert register.sector_view(FRAMEWORK).passed == 0
        (summary,) = register.summaries("fw", "alpha")
        assert (summary.basis, summary.passed) == ("indication", False)


def test_an_indication_cannot_be_dressed_up_as_an_award(db: Path) -> None:
    forged = attrs.evolve(
        _indication("alpha", START), passed=True, valid_until=START + dt.timedelta(days=900)
    )
    with Register(db) as register:
        with pytest.raises(qmframe.ValidationError, match="an indication") as caught:
            register.add_decision(forged)
        assert [p.code for p in caught.value.problems] == ["not-allowed"]
        assert register.holders("fw", START) == []
    assert _counts(db) == (0, 0)


def test_an_indication_after_an_award_leaves_the_award_alone(db: Path) -> None:
    with Register(db) as register:
        register.add_decision(_decision("alpha", START))
        _, event = register.add_decision(_indication("alpha", START + dt.timedelta(days=40)))
        assert event is None
        assert [e.state for e in register.history("fw", "alpha").events] == ["awarded"]
        (holding,) = register.holders("fw", START + dt.timedelta(days=41))
        assert holding.since == START


def test_an_indication_the_lifecycle_cannot_show_is_kept_without_an_event(db: Path) -> None:
    strict = Lifecycle(start=("expression-of-interest",))
    with Register(db) as register:
        _, event = register.add_decision(_indication("alpha", START), strict)
        assert event is None
        assert register.history("fw", "alpha").events == ()
        assert len(register.decisions("fw", "alpha")) == 1


def test_a_history_can_start_with_an_expression_of_interest(db: Path) -> None:
    strict = Lifecycle(start=("expression-of-interest",))
    with Register(db) as register:
        interest = Event(state="expression-of-interest", on=START, reason="enquiry")
        register.add_event("fw", "alpha", interest, strict)
        _, event = register.add_decision(_decision("alpha", START + dt.timedelta(days=60)), strict)
        assert event is not None
        assert event.state == "awarded"
        events = register.history("fw", "alpha").events
        assert [(e.state, e.on) for e in events] == [
            ("expression-of-interest", START),
            ("submitted", START + dt.timedelta(days=60)),
            ("awarded", START + dt.timedelta(days=60)),
        ]
        assert events[1].reason == "submission implied by the decision"
        assert [h.organisation for h in register.holders("fw", START + dt.timedelta(days=61))] == [
            "alpha"
        ]


@pytest.mark.parametrize("passed", [True, False])
def test_a_reviewed_decision_after_in_preparation_implies_the_submission(
    db: Path, passed: bool
) -> None:
    with Register(db) as register:
        register.add_event("fw", "alpha", Event(state="in-preparation", on=START, reason="x"))
        _, event = register.add_decision(_decision("alpha", START, passed=passed))
        assert event is not None
        states = [e.state for e in register.history("fw", "alpha").events]
    assert states == ["in-preparation", "submitted", "awarded" if passed else "not-awarded"]


def test_a_decision_the_lifecycle_refuses_even_through_a_submission_is_refused(db: Path) -> None:
    with Register(db) as register:
        register.add_decision(_decision("alpha", START))
        register.add_event("fw", "alpha", Event(state="suspended", on=START, reason="x"))
        late = Event(state="withdrawn", on=START + dt.timedelta(days=1), reason="x")
        register.add_event("fw", "alpha", late)
        # withdrawn -> awarded is not allowed, but withdrawn -> submitted -> awarded is.
        _, event = register.add_decision(_decision("alpha", START + dt.timedelta(days=2)))
        assert event is not None
        # Before the last event: refused, and no submission is implied either.
        with pytest.raises(qmframe.ValidationError, match="before the last event"):
            register.add_decision(_decision("alpha", START, days=5))
        assert [e.state for e in register.history("fw", "alpha").events][-2:] == [
            "submitted",
            "awarded",
        ]


def test_several_decisions_on_one_day_are_kept_in_order(db: Path) -> None:
    with Register(db) as register:
        first, _ = register.add_decision(_indication("alpha", START))
        second, event = register.add_decision(_decision("alpha", START))
        third, _ = register.add_decision(_decision("alpha", START, passed=False))
        assert event is not None
        assert event.state == "awarded"
        assert [first.award, second.award, third.award] == [
            "fw/alpha/2026-03-02",
            "fw/alpha/2026-03-02/2",
            "fw/alpha/2026-03-02/3",
        ]
        assert award_id(second.decision) == "fw/alpha/2026-03-02"  # the stable base id
        stored = register.decisions("fw", "alpha")
        assert [r.award for r in stored] == [first.award, second.award, third.award]
        assert [r.decision.status for r in stored] == ["indication", "mark-awarded", "not-yet"]
        assert [e.state for e in register.history("fw", "alpha").events] == [
            "submitted",
            "awarded",
        ]
        assert register.has_award("fw/alpha/2026-03-02/2")
        # The same decision again is still refused, whichever of the day's ids it has.
        with pytest.raises(qmframe.ValidationError, match="already recorded") as caught:
            register.add_decision(_decision("alpha", START))
        assert "fw/alpha/2026-03-02/2" in str(caught.value)
    assert _counts(db) == (3, 2)


# -- many decisions at once -----------------------------------------------------------------


def test_many_decisions_in_one_transaction(db: Path) -> None:
    with Register(db) as register:
        added = register.add_decisions(
            [
                _decision("alpha", START, days=365),
                Addition(
                    decision=_decision("alpha", START + dt.timedelta(days=360), version="2"),
                    previous_award="fw/alpha/2026-03-02",
                    details={"recruitment": "7"},
                ),
                _decision("beta", START, passed=False),
                _indication("gamma", START),
            ]
        )
        assert [(a.award, a.event.state if a.event else None) for a in added] == [
            ("fw/alpha/2026-03-02", "awarded"),
            ("fw/alpha/2027-02-25", "renewed"),  # follows the award made earlier in the batch
            ("fw/beta/2026-03-02", "not-awarded"),
            ("fw/gamma/2026-03-02", "submitted"),
        ]
        renewal = register.decisions("fw", "alpha")[1]
        assert (renewal.previous_award, renewal.details) == (
            "fw/alpha/2026-03-02",
            {"recruitment": "7"},
        )
    assert _counts(db) == (4, 4)


def test_a_bulk_add_with_problems_writes_nothing_and_names_every_problem(db: Path) -> None:
    with Register(db) as register:
        register.add_decision(_decision("alpha", START))
    before = db.read_bytes()
    batch = [
        Addition(decision=_decision("beta", START), source="beta.json"),
        Addition(decision=_decision("alpha", START), source="again.json"),  # recorded already
        Addition(decision=_decision("gamma", START), source="gamma.json"),
        Addition(
            decision=_decision("beta", START - dt.timedelta(days=1)), source="early.json"
        ),  # before beta's award above
    ]
    with Register(db) as register, pytest.raises(qmframe.ValidationError) as caught:
        register.add_decisions(batch)
    problems = caught.value.problems
    assert [(p.file, p.code) for p in problems] == [
        ("again.json", "duplicate-id"),
        ("early.json", "not-allowed"),
    ]
    assert "fw/beta" in problems[1].message
    assert db.read_bytes() == before
    assert _counts(db) == (1, 1)


def test_a_bulk_add_reads_its_decisions_as_they_come(db: Path) -> None:
    taken = []

    def stream() -> Iterator[Decision]:
        for i in range(5):
            taken.append(i)
            yield _decision(f"org-{i}", START)

    with Register(db) as register:
        added = register.add_decisions(stream())
    assert taken == [0, 1, 2, 3, 4]
    assert len(added) == 5
    assert _counts(db) == (5, 5)


# -- migrating a register written before reads were answered in SQL --------------------------

# What qmframe wrote before schema version 3, statement for statement.
OLD_DECISION = (
    "INSERT INTO decisions (award, framework, version, organisation, organisation_name,"
    " status, passed, basis, as_of, valid_from, valid_until, midpoint_due, previous_award,"
    " details, document, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
OLD_EVENT = (
    "INSERT INTO events (framework, organisation, state, on_date, reason, version,"
    " valid_until, midpoint_due, decision_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _old_register(path: Path, steps: list[Decision | tuple[str, Event]]) -> None:
    """A version-2 register holding ``steps``, written the way qmframe wrote it then."""
    raw = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:2]:
        assert isinstance(script, str)
        for statement in register_module._statements(script):
            raw.execute(statement)
    raw.execute("PRAGMA user_version = 2")
    histories: dict[str, AwardHistory] = {}
    for step in steps:
        if isinstance(step, Decision):
            org, row = step.organisation, None
            history = histories.get(org, AwardHistory(organisation=org, framework="fw"))
            event = event_for_decision(history, step)
            cursor = raw.execute(
                OLD_DECISION,
                (award_id(step), "fw", step.version, org, step.organisation_name, step.status,
                 int(step.passed), step.basis, step.as_of.isoformat(),
                 register_module._text(step.valid_from), register_module._text(step.valid_until),
                 register_module._text(step.midpoint_due), "", "{}",
                 json.dumps(unstructure_json(step)), "2026-01-01T00:00:00+00:00"),
            )  # fmt: skip
            row = cursor.lastrowid
        else:
            org, event = step
            history = histories.get(org, AwardHistory(organisation=org, framework="fw"))
        if event is None:
            continue
        histories[org] = record(history, event)
        raw.execute(
            OLD_EVENT,
            ("fw", org, event.state, event.on.isoformat(), event.reason, event.version,
             register_module._text(event.valid_until), register_module._text(event.midpoint_due),
             row),
        )  # fmt: skip
    raw.close()


STEPS: list[Decision | tuple[str, Event]] = [
    _decision("alpha", START, days=400),
    _decision("beta", START, passed=False),
    _decision("beta", START + dt.timedelta(days=30)),
    ("beta", Event(state="suspended", on=START + dt.timedelta(days=50), reason="x")),
    _decision("alpha", START + dt.timedelta(days=390), version="2"),
    ("gamma", Event(state="expression-of-interest", on=START, reason="x")),
    ("beta", Event(state="reinstated", on=START + dt.timedelta(days=80), reason="x")),
]


def test_an_old_register_is_migrated_and_answers_as_a_new_one(tmp_path: Path) -> None:
    old, new = tmp_path / "old.sqlite", tmp_path / "new.sqlite"
    _old_register(old, STEPS)
    with Register(new) as register:
        for step in STEPS:
            if isinstance(step, Decision):
                register.add_decision(step)
            else:
                register.add_event("fw", step[0], step[1])
    with Register(old) as migrated, Register(new) as fresh:
        assert migrated.schema_version == len(MIGRATIONS) == 5
        for offset in (0, 30, 60, 90, 400, 800):
            day = START + dt.timedelta(days=offset)
            assert migrated.holders("fw", day) == fresh.holders("fw", day)
            assert migrated.due("fw", day, 365) == fresh.due("fw", day, 365)
            assert migrated.public_rows(FRAMEWORK, day) == fresh.public_rows(FRAMEWORK, day)
        assert migrated.holders("fw", START + dt.timedelta(days=90))  # not trivially empty
        assert migrated.sector_view(FRAMEWORK) == fresh.sector_view(FRAMEWORK)
        assert [r.award for r in migrated.decisions()] == [r.award for r in fresh.decisions()]
        # Recording goes on from the migrated state.
        _, event = migrated.add_decision(_decision("gamma", START + dt.timedelta(days=100)))
        assert event is not None
        assert event.state == "awarded"
    tables = ("decided_levels", "unmet", "highlights")
    raw = sqlite3.connect(old)
    counts = [raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables]
    raw.close()
    assert counts == [0, 0, 4]  # three passing decisions with a highlight, and gamma's


def test_a_row_that_is_not_json_stops_the_migration_and_changes_nothing(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite"
    _old_register(old, STEPS[:3])
    raw = sqlite3.connect(old)
    raw.execute("UPDATE decisions SET document = '{\"levels\": [' WHERE id = 2")
    raw.commit()
    raw.close()
    before = old.read_bytes()
    with pytest.raises(qmframe.ValidationError) as caught:
        Register(old)
    (problem,) = caught.value.problems
    assert (problem.file, problem.path, problem.code) == (
        str(old),
        "decisions[2].document",
        "bad-register-row",
    )
    assert "fw/beta/2026-03-02" in problem.message
    assert old.read_bytes() == before
