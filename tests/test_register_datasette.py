"""The register in Datasette: metadata true to the schema, canned queries that answer right.

The metadata (``qmframe.awards.datasette``) must describe every table, view and
column of a register of the current schema and nothing that is not there; every
canned query must run in SQLite and answer what the register's own reads answer
for the same day. Then a register is served by Datasette's in-process test client
and its JSON API read back: the canned queries' rows, the facets and the
descriptions. Datasette is in the test extra; without it those tests are skipped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from qmframe.awards.datasette import QUERIES, TABLES, Named, datasette_metadata
from qmframe.awards.lifecycle import Event
from qmframe.awards.register import Register
from qmframe.cli import main
from qmframe.decision import Decision
from qmframe.framework import Framework

PUBLIC = ("organisation.id", "status", "valid_until")
FRAMEWORK = Framework(id="fw", version="1", title="Test mark", public_fields=PUBLIC)
START = dt.date(2026, 1, 5)
NO_DATASETTE = "Datasette is not installed (it is in the test extra: pip install -e '.[test]')"


def _decision(
    org: str,
    as_of: dt.date,
    *,
    passed: bool = True,
    days: int = 730,
    level: str = "",
    indication: bool = False,
) -> Decision:
    granted = passed and not indication
    return Decision(
        framework="fw",
        version="1",
        organisation=org,
        organisation_name=org.title(),
        status="indication" if indication else "mark-awarded" if passed else "not-yet",
        passed=granted,
        basis="indication" if indication else "review",
        indicated_status="mark-awarded" if indication else "",
        as_of=as_of,
        valid_from=as_of if granted else None,
        valid_until=as_of + dt.timedelta(days=days - 1) if granted else None,
        midpoint_due=as_of + dt.timedelta(days=days // 2) if granted else None,
        award_level=level if granted else "",
    )


def _build(path: Path) -> None:
    """Awards at two levels, a failure, an indication (one reviewed later, one not), two
    decisions of one day, a suspension, a mid-point review recorded and an award that ends."""
    with Register(path) as register:
        register.add_decision(_decision("alpha", START, level="gold"))
        register.add_decision(_decision("beta", START, level="silver", days=200))
        register.add_decision(_decision("gamma", START, passed=False))
        register.add_decision(_decision("gamma", START, level="silver"))  # same day: /2
        register.add_decision(_decision("delta", START + dt.timedelta(days=10), indication=True))
        register.add_decision(_decision("delta", START + dt.timedelta(days=40), level="gold"))
        register.add_decision(_decision("eps", START + dt.timedelta(days=50), indication=True))
        register.add_decision(_decision("zeta", START, level="gold"))
        register.add_event(
            "fw", "zeta", Event(state="suspended", on=START + dt.timedelta(days=60), reason="x")
        )
        register.add_event(
            "fw",
            "alpha",
            Event(state="mid-point-reviewed", on=START + dt.timedelta(days=300), reason="ok"),
        )


@pytest.fixture
def built(tmp_path: Path) -> Path:
    path = tmp_path / "register.sqlite"
    _build(path)
    return path


def _query(path: Path, name: str, **params: str) -> list[dict[str, Any]]:
    query = QUERIES[name]
    given = {param: params.get(param, "") for param in query.params}
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in db.execute(query.sql, given)]
    finally:
        db.close()


# -- the metadata is true to the schema ------------------------------------------------------


def test_every_table_view_and_column_is_described_and_nothing_else(tmp_path: Path) -> None:
    Register(tmp_path / "fresh.sqlite").close()
    db = sqlite3.connect(tmp_path / "fresh.sqlite")
    schema = {
        name: [row[1] for row in db.execute(f"PRAGMA table_info({name})")]
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            " AND name NOT LIKE 'sqlite_%'"
        )
    }
    db.close()
    assert "decision_summaries" in schema
    assert {name: sorted(table.columns) for name, table in TABLES.items()} == {
        name: sorted(columns) for name, columns in schema.items()
    }
    for name, table in TABLES.items():
        assert table.description, name
        assert all(text.strip() for text in table.columns.values()), name
        for column in (table.label_column, *table.facets, table.sort_desc):
            assert not column or column in schema[name], (name, column)


def test_the_view_leaves_the_json_out_and_the_decisions_table_is_hidden() -> None:
    assert "document" in TABLES["decisions"].columns
    assert "document" not in TABLES["decision_summaries"].columns
    meta = datasette_metadata("register", [Named("fw", "Test mark", "1")])
    tables = meta["databases"]["register"]["tables"]
    assert tables["decisions"]["hidden"] is True
    assert "hidden" not in tables["decision_summaries"]
    assert tables["decisions"]["label_column"] == "award"
    assert meta["title"] == "Register: Test mark"
    assert "Test mark: fw, version 1" in meta["description"]
    assert set(meta["databases"]["register"]["queries"]) == set(QUERIES)


def test_every_canned_query_runs_in_sqlite(built: Path) -> None:
    for name, query in QUERIES.items():
        assert query.title, name
        assert query.description, name
        used = {p for p in ("day", "days", "organisation") if f":{p}" in query.sql}
        assert set(query.params) == used, name
        _query(built, name)  # every parameter left blank, as a first visit to the page does
        given = _query(built, name, day="2026-06-01", days="60", organisation="alpha")
        assert given, f"{name} found nothing in a register built to have an answer"


# -- the canned queries answer what the register answers --------------------------------------

DAYS = [START + dt.timedelta(days=n) for n in (0, 45, 70, 150, 199, 200, 365, 500, 800)]


def test_current_holders_are_the_registers_holders(built: Path) -> None:
    with Register(built) as register:
        for day in DAYS:
            rows = _query(built, "current_holders", day=day.isoformat())
            expected = register.holders("fw", day)
            assert [
                (r["organisation"], r["state"], r["since"], r["valid_until"]) for r in rows
            ] == [(h.organisation, h.state, str(h.since), str(h.valid_until)) for h in expected], (
                day
            )
            public = register.public_rows(FRAMEWORK, day)
            assert [r["status"] for r in rows] == [p["status"] for p in public]
    day = str(START + dt.timedelta(days=70))
    levels = {
        r["organisation"]: r["award_level"] for r in _query(built, "current_holders", day=day)
    }
    # gamma's award is its second decision of the day (the first failed); zeta is suspended.
    assert levels == {"alpha": "gold", "beta": "silver", "delta": "gold", "gamma": "silver"}


def _quarter_end(day: dt.date) -> dt.date:
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    after = dt.date(first.year + (first.month + 3 > 12), (first.month + 2) % 12 + 1, 1)
    return after - dt.timedelta(days=1)


def test_due_this_quarter_is_what_register_due_lists_to_the_quarters_end(built: Path) -> None:
    assert _quarter_end(dt.date(2026, 11, 3)) == dt.date(2026, 12, 31)
    assert _quarter_end(dt.date(2026, 2, 3)) == dt.date(2026, 3, 31)
    seen = 0
    with Register(built) as register:
        for day in [*DAYS, *(START + dt.timedelta(days=n) for n in range(0, 800, 23))]:
            within = (_quarter_end(day) - day).days
            expected = register.due("fw", day, within)
            rows = _query(built, "due_this_quarter", day=day.isoformat())
            got = [(r["organisation"], r["what"], r["due_on"], bool(r["overdue"])) for r in rows]
            assert got == [(d.organisation, d.what, str(d.on), d.overdue) for d in expected], day
            seen += len(rows)
    assert seen > 5


def test_expiring_soon_lists_expiries_within_the_days_given(built: Path) -> None:
    day = START + dt.timedelta(days=150)
    rows = _query(built, "expiring_soon", day=day.isoformat(), days="60")
    assert [(r["organisation"], r["valid_until"], r["days_left"]) for r in rows] == [
        ("beta", str(START + dt.timedelta(days=199)), 49)
    ]
    with Register(built) as register:
        for offset in (0, 100, 500, 700):
            on = START + dt.timedelta(days=offset)
            expected = [d for d in register.due("fw", on, 90) if d.what == "expiry"]
            got = _query(built, "expiring_soon", day=on.isoformat())  # days: 90 by default
            assert [(r["organisation"], r["valid_until"]) for r in got] == [
                (d.organisation, str(d.on)) for d in expected
            ]


def test_awards_by_level_counts_the_current_holders(built: Path) -> None:
    rows = _query(built, "awards_by_level", day=str(START + dt.timedelta(days=70)))
    assert [(r["award_level"], r["status"], r["holders"]) for r in rows] == [
        ("gold", "mark-awarded", 2),
        ("silver", "mark-awarded", 2),
    ]
    later = _query(built, "awards_by_level", day=str(START + dt.timedelta(days=250)))
    assert [(r["award_level"], r["holders"]) for r in later] == [("gold", 2), ("silver", 1)]


def test_organisation_history_and_indications_awaiting_review(built: Path) -> None:
    rows = _query(built, "organisation_history", organisation="delta")
    assert [(r["on_date"], r["kind"], r["what"]) for r in rows] == [
        (str(START + dt.timedelta(days=10)), "decision", "indication"),
        (str(START + dt.timedelta(days=10)), "event", "submitted"),
        (str(START + dt.timedelta(days=40)), "decision", "mark-awarded"),
        (str(START + dt.timedelta(days=40)), "event", "awarded"),
    ]
    assert rows[2]["award_level"] == "gold"
    waiting = _query(built, "indications_awaiting_review")
    # delta's indication was followed by a reviewed decision; eps's was not.
    assert [(r["organisation"], r["indicated_status"]) for r in waiting] == [
        ("eps", "mark-awarded")
    ]


# -- the command -----------------------------------------------------------------------------


def test_register_metadata_writes_the_file_datasette_reads(
    built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "metadata.json"
    code = main(["register", "metadata", "--db", str(built), "-o", str(target)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"wrote {target}" in out
    written = json.loads(target.read_text(encoding="utf-8"))
    # 'fw' is not an installed framework: named by its id alone.
    assert written == datasette_metadata("register", [Named("fw")])
    assert main(["register", "metadata", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no register here" in capsys.readouterr().err


def test_register_metadata_names_an_installed_framework(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Path(__file__).parent.parent / "plugins/example/src/qmframe_example/examples"
    db = str(tmp_path / "charter.sqlite")
    riverside = folder / "riverside"
    assert main(["register", "add", "example-charter", str(riverside / "submission.toml"),
                 "--review", str(riverside / "review.toml"), "--db", db]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["register", "metadata", "--db", db]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["title"] == "Register: Volunteer Centre Charter (example)"
    assert "example-charter, version" in meta["description"]
    assert list(meta["databases"]) == ["charter"]


# -- served by Datasette ----------------------------------------------------------------------


async def _get(path: Path, *urls: str) -> list[Any]:
    from datasette.app import Datasette

    meta = datasette_metadata(path.stem, [Named("fw", "Test mark", "1")])
    ds = Datasette([str(path)], metadata=meta)
    answers = []
    for url in urls:
        response = await ds.client.get(url)
        assert response.status_code == 200, (url, response.text[:500])
        answers.append(response.json() if ".json" in url else response.text)
    return answers


def test_datasette_serves_the_canned_queries(built: Path) -> None:
    pytest.importorskip("datasette.app", reason=NO_DATASETTE)
    day = str(START + dt.timedelta(days=70))
    holders, due, levels, history = asyncio.run(
        _get(
            built,
            f"/register/current_holders.json?_shape=array&day={day}",
            f"/register/due_this_quarter.json?_shape=array&day={day}",
            f"/register/awards_by_level.json?_shape=array&day={day}",
            "/register/organisation_history.json?_shape=array&organisation=delta",
        )
    )
    assert holders == _query(built, "current_holders", day=day)
    assert [h["organisation"] for h in holders] == ["alpha", "beta", "delta", "gamma"]
    assert due == _query(built, "due_this_quarter", day=day)
    assert [(r["award_level"], r["holders"]) for r in levels] == [("gold", 2), ("silver", 2)]
    assert [r["kind"] for r in history] == ["decision", "event", "decision", "event"]


def test_datasette_shows_facets_descriptions_labels_and_hides_the_json(built: Path) -> None:
    pytest.importorskip("datasette.app", reason=NO_DATASETTE)
    summaries, database, metadata, events, page = asyncio.run(
        _get(
            built,
            "/register/decision_summaries.json?_shape=objects",
            "/register.json",
            "/-/metadata.json",
            "/register/events.json?_shape=array&_labels=on&_sort=id",
            "/register/events",
        )
    )
    facets = summaries["facet_results"]
    assert set(facets) == set(TABLES["decision_summaries"].facets)
    basis = {item["value"]: item["count"] for item in facets["basis"]["results"]}
    assert basis == {"review": 6, "indication": 2}
    assert "document" not in summaries["columns"]
    assert summaries["rows"][0]["as_of"] == str(START + dt.timedelta(days=50))  # newest first
    hidden = {table["name"]: table["hidden"] for table in database["tables"]}
    assert hidden["decisions"] is True
    assert not hidden["events"]
    assert [view["name"] for view in database["views"]] == ["decision_summaries"]
    tables = metadata["databases"]["register"]["tables"]
    assert tables["events"]["columns"]["ends_on"] == TABLES["events"].columns["ends_on"]
    # The label column: a decision is shown by its award id where a table links to it.
    assert events[0]["decision_id"]["label"] == "fw/alpha/2026-01-05"
    assert events[0]["term_id"]["label"] == "awarded"
    # Column descriptions are on the table's page.
    assert TABLES["events"].columns["term_id"] in page
