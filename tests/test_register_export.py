"""The public export and the public sector view say which framework and date they are for.

JSON carries it as top-level fields; CSV, which has no place outside its rows that
every reader keeps, as four columns after the public fields, the same in every row;
the public SQLite file as a one-row table ``register_export``. The sector view names
the framework's title and version and the date of the latest decision or return it
counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from pathlib import Path

import attrs
import pytest

from qmframe import api
from qmframe.awards.register import Register
from qmframe.cli import main

EXAMPLES = Path(__file__).parent.parent / "plugins/example/src/qmframe_example/examples"
HEADING = ["register.framework", "register.framework_title", "register.framework_version",
           "register.as_of"]  # fmt: skip


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Riverside's award from the command line, and a second holder (the same decision for
    another organisation, a week later) from Python."""
    path = str(tmp_path / "register.sqlite")
    folder = EXAMPLES / "riverside"
    argv = ["register", "add", "example-charter", str(folder / "submission.toml"),
            "--review", str(folder / "review.toml"), "--db", path]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    charter = api.load_framework("example-charter")
    submission = api.load_submission(folder / "submission.toml", charter)
    review = api.load_review(folder / "review.toml", charter, submission)
    decision = api.assess(charter, submission, review)
    week = dt.timedelta(days=7)
    other = attrs.evolve(
        decision,
        organisation="hill-trust",
        organisation_name="Hill Trust",
        as_of=decision.as_of + week,
        valid_from=decision.valid_from + week if decision.valid_from else None,
    )
    with Register(path) as register:
        register.add_decision(other, charter.lifecycle)
    return path


def _export(capsys: pytest.CaptureFixture[str], db: str, *extra: str) -> str:
    argv = ["register", "export", "example-charter", "--on", "2027-01-01", *extra, "--db", db]
    assert main(argv) == 0
    return capsys.readouterr().out


def test_the_json_export_names_the_framework_its_version_and_the_day(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    charter = api.load_framework("example-charter")
    data = json.loads(_export(capsys, db))
    assert data["framework"] == {
        "id": "example-charter",
        "title": charter.title,
        "version": charter.version,
    }
    assert data["as_of"] == "2027-01-01"
    names = [h["organisation.name"] for h in data["holders"]]
    assert names == ["Hill Trust", "Riverside Community Trust"]
    assert list(data) == ["framework", "as_of", "holders"]
    # Another day is another export, and says so.
    argv = ["register", "export", "example-charter", "--on", "2029-01-01", "--db", db]
    assert main(argv) == 0
    later = json.loads(capsys.readouterr().out)
    assert (later["as_of"], later["holders"]) == ("2029-01-01", [])  # the award has ended


def test_the_csv_export_ends_every_row_with_the_framework_and_the_day(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    charter = api.load_framework("example-charter")
    rows = list(csv.reader(io.StringIO(_export(capsys, db, "--format", "csv"))))
    fields = list(charter.public_fields)
    assert rows[0] == [*fields, *HEADING]
    assert len(rows) == 3
    expected = ["example-charter", charter.title, charter.version, "2027-01-01"]
    assert [row[len(fields) :] for row in rows[1:]] == [expected, expected]
    assert [row[0] for row in rows[1:]] == ["Hill Trust", "Riverside Community Trust"]


def test_the_public_sqlite_file_names_the_framework_and_the_day(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    charter = api.load_framework("example-charter")
    target = tmp_path / "public.sqlite"
    out = _export(capsys, db, "--format", "sqlite", "-o", str(target))
    assert "register_export names the framework and the day" in out
    raw = sqlite3.connect(target)
    try:
        about = raw.execute("SELECT * FROM register_export").fetchall()
        holders = raw.execute("SELECT count(*) FROM public_register").fetchone()[0]
    finally:
        raw.close()
    assert about == [("example-charter", charter.title, charter.version, "2027-01-01", holders)]
    assert holders == 2


def test_the_public_sector_view_names_the_framework_and_its_date(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    charter = api.load_framework("example-charter")
    target = tmp_path / "sector.json"
    argv = ["register", "sector", "example-charter", "--public", "--format", "json",
            "-o", str(target), "--db", db]  # fmt: skip
    assert main(argv) == 0
    view = json.loads(target.read_text(encoding="utf-8"))
    assert (view["framework"], view["framework_title"], view["framework_version"]) == (
        "example-charter",
        charter.title,
        charter.version,
    )
    assert view["as_of"] == "2026-03-09"  # the latest decision counted
    argv = ["register", "return", "example-charter", "riverside-community-trust",
            "volunteer-census", "--figure", "volunteers=64", "--figure", "new_volunteers=12",
            "--figure", "hours=10", "--on", "2027-03-01", "--db", db]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["register", "sector", "example-charter", "--public", "--db", db]) == 0
    text = capsys.readouterr().out
    first = text.splitlines()[0]
    assert first.startswith(
        f"Sector view: {charter.title} (example-charter, version {charter.version}), "
        "up to 2027-03-01:"
    )
