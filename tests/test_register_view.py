"""Migration 5: the decisions' award level as a column, and the view without the JSON.

A register written before it (schema version 4, and older) is upgraded on opening:
``award_level`` and ``indicated_status`` are filled from each decision's stored
JSON, and ``decision_summaries`` shows the same rows as a fresh register's.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import attrs
import pytest
from test_register import _old_register

import qmframe
from qmframe.awards import register as register_module
from qmframe.awards.register import MIGRATIONS, Register
from qmframe.decision import Decision

START = dt.date(2026, 3, 2)


def _decision(org: str, days: int, level: str = "", *, indication: bool = False) -> Decision:
    as_of = START + dt.timedelta(days=days)
    granted = not indication
    return Decision(
        framework="fw",
        version="1",
        organisation=org,
        organisation_name=org.title(),
        status="indication" if indication else "mark-awarded",
        passed=granted,
        basis="indication" if indication else "review",
        as_of=as_of,
        valid_from=as_of if granted else None,
        valid_until=as_of + dt.timedelta(days=700) if granted else None,
        award_level=level,
        indicated_status="mark-awarded" if indication else "",
    )


DECISIONS = [
    _decision("alpha", 0, "gold"),
    _decision("beta", 0, indication=True),
    _decision("beta", 20, "silver"),
    _decision("gamma", 5),
]


def _rows(path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(
            "SELECT * FROM decision_summaries ORDER BY id"  # recorded_at differs: left out below
        ).fetchall()
    finally:
        db.close()


def _version_4(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A register as qmframe wrote it at schema version 4 (written at 2, upgraded to 4)."""
    _old_register(path, list(DECISIONS))
    with monkeypatch.context() as patched:
        patched.setattr(register_module, "MIGRATIONS", MIGRATIONS[:4])
        with Register(path) as old:
            assert old.schema_version == 4
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(decisions)")]
    assert "award_level" not in columns


def test_a_fresh_register_has_the_view_without_the_json(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite"
    with Register(path) as register:
        register.add_decisions(DECISIONS)
        assert register.schema_version == len(MIGRATIONS) == 5
        summaries = register.summaries("fw")
    db = sqlite3.connect(path)
    columns = [row[1] for row in db.execute("PRAGMA table_info(decision_summaries)")]
    db.close()
    assert "document" not in columns
    assert {"award", "award_level", "status", "basis", "indicated_status"} <= set(columns)
    rows = _rows(path)
    level = columns.index("award_level")
    assert [row[level] for row in rows] == ["gold", "", "silver", ""]
    # summaries() are by date: gamma (day 5) before beta's award (day 20).
    assert [s.award_level for s in summaries] == ["gold", "", "", "silver"]
    assert [s.indicated_status for s in summaries] == ["", "mark-awarded", "", ""]


def test_a_version_4_register_is_upgraded_to_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, fresh = tmp_path / "old.sqlite", tmp_path / "fresh.sqlite"
    _version_4(old, monkeypatch)
    with Register(old) as migrated, Register(fresh) as new:
        new.add_decisions(DECISIONS)
        assert migrated.schema_version == len(MIGRATIONS)
        assert [attrs.evolve(s, id=0) for s in migrated.summaries()] == [
            attrs.evolve(s, id=0) for s in new.summaries()
        ]
        # Recording goes on from the upgraded file, with the new columns filled.
        migrated.add_decision(_decision("delta", 40, "bronze"))
        assert migrated.summaries(organisation="delta")[0].award_level == "bronze"
    # Every column but recorded_at (the old rows carry a fixed one) agrees.
    assert [row[:-1] for row in _rows(old)][:4] == [row[:-1] for row in _rows(fresh)]


def test_a_version_2_register_goes_through_every_migration(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite"
    _old_register(old, list(DECISIONS))
    with Register(old) as migrated:
        assert migrated.schema_version == 5
        assert [s.award_level for s in migrated.summaries()] == ["gold", "", "", "silver"]


def test_a_document_that_is_not_a_decision_stops_the_upgrade_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "old.sqlite"
    _version_4(old, monkeypatch)
    raw = sqlite3.connect(old)
    raw.execute("UPDATE decisions SET document = '[1, 2]' WHERE id = 3")
    raw.commit()
    raw.close()
    before = old.read_bytes()
    with pytest.raises(qmframe.ValidationError) as caught:
        Register(old)
    (problem,) = caught.value.problems
    assert (problem.file, problem.path, problem.code) == (
        str(old),
        "decisions[3].document",
        "bad-register-row",
    )
    assert "fw/beta/2026-03-22" in problem.message
    assert old.read_bytes() == before
