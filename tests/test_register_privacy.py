"""What the register publishes never carries the panel's private words.

A decision now carries the reviewers (names, roles, organisations), each reviewer's
rationale and the review's notes, so the assessor's report can show them; the full
register stores that JSON for the scheme's staff. Everything meant to leave the scheme
(the public export in each format, the public sector view, a badge, Datasette's
metadata) must hold none of it. The control at the top shows the words are in the
register, so their absence below is not an accident of the example.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qmframe import api
from qmframe.cli import main

EXAMPLE = Path(__file__).parent.parent / "plugins/example/src/qmframe_example/examples/riverside"
ISSUER = "https://charter.example.org/issuer.json"


def _private_words() -> list[str]:
    """Every reviewer's name and every rationale and note in the example's review."""
    charter = api.load_framework("example-charter")
    submission = api.load_submission(EXAMPLE / "submission.toml", charter)
    review = api.load_review(EXAMPLE / "review.toml", charter, submission)
    words = [reviewer.name for reviewer in review.reviewers]
    words += [j.rationale for j in review.judgements if j.rationale]
    words += [review.notes] if review.notes else []
    assert len(words) >= 3, "the example should have reviewers and rationales to hide"
    return words


def _run(*argv: str) -> None:
    assert main(list(argv)) == 0


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "register.sqlite"
    _run("register", "add", "example-charter", str(EXAMPLE / "submission.toml"),
         "--review", str(EXAMPLE / "review.toml"), "--db", str(path))  # fmt: skip
    capsys.readouterr()
    return path


def test_the_full_register_holds_the_panels_words(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        stored = "\n".join(row[0] for row in connection.execute("SELECT document FROM decisions"))
    for words in _private_words():
        assert words in stored


def test_nothing_published_holds_the_panels_words(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    on = ["--db", str(db), "--on", "2026-04-01"]
    out = {name: tmp_path / name for name in
           ("public.json", "public.csv", "public.sqlite", "sector.json", "badge.json",
            "metadata.json")}  # fmt: skip
    _run("register", "export", "example-charter", *on, "-o", str(out["public.json"]))
    _run("register", "export", "example-charter", *on, "--format", "csv",
         "-o", str(out["public.csv"]))  # fmt: skip
    _run("register", "export", "example-charter", *on, "--format", "sqlite",
         "-o", str(out["public.sqlite"]))  # fmt: skip
    _run("register", "sector", "example-charter", "--db", str(db), "--public", "--format",
         "json", "-o", str(out["sector.json"]))  # fmt: skip
    _run("register", "badge", "example-charter", "riverside-community-trust", *on,
         "--issuer-id", ISSUER, "--issuer-name", "Charter Office",
         "-o", str(out["badge.json"]))  # fmt: skip
    _run("register", "metadata", "--db", str(db), "-o", str(out["metadata.json"]))
    printed = capsys.readouterr()
    with sqlite3.connect(out["public.sqlite"]) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
        public_db = "\n".join(
            repr(row) for table in tables for row in connection.execute(f'SELECT * FROM "{table}"')
        )
    published = {name: path.read_text(encoding="utf-8", errors="replace")
                 for name, path in out.items() if name != "public.sqlite"}  # fmt: skip
    published["public.sqlite"] = public_db
    published["printed"] = printed.out + printed.err
    assert "Riverside" in published["public.json"]  # the export is not empty
    for name, text in published.items():
        for words in _private_words():
            assert words not in text, f"{name} holds {words!r}"
