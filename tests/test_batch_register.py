"""Batch results into the register: as they come (`batch --db`) or later (`register add
--decision FILE.jsonl`), recorded as `register add` records each case from its files."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import core_fixtures
import pytest

from qmframe import batch
from qmframe.awards.commands import batch_addition
from qmframe.cli import main

Write = Callable[[str, str], Path]

PASSING = core_fixtures.REVIEW.replace(
    'target = "b2"\nlevel = "no"', 'target = "b2"\nlevel = "yes"'
)
#: The submission of a renewal with a declared detail: both are recorded beside the decision.
RENEWAL = core_fixtures.SUBMISSION.replace(
    'framework = "mini"\n',
    'framework = "mini"\nprevious_award = "mini/org-2/2024-01-01"\n',
    1,
).replace('"org-1"', '"org-2"')


@pytest.fixture
def cases(write: Write) -> Path:
    """Three organisations' cases (awarded, not yet, a renewal) and one with bad input."""
    write("mini.toml", core_fixtures.FRAMEWORK)
    write("cases/a/submission.toml", core_fixtures.SUBMISSION)
    write("cases/a/review.toml", PASSING)
    write("cases/b/submission.toml", core_fixtures.SUBMISSION.replace('"org-1"', '"org-3"'))
    write("cases/b/review.toml", core_fixtures.REVIEW.replace('"org-1"', '"org-3"'))
    write("cases/c/submission.toml", RENEWAL)
    write("cases/c/review.toml", PASSING.replace('"org-1"', '"org-2"'))
    write("cases/d/submission.toml", "framework = [\n")
    return write("cases/.keep", "").parent


def _rows(db: Path) -> list[tuple[object, ...]]:
    """What the register holds, without the ids and times that differ between runs."""
    with sqlite3.connect(db) as connection:
        decisions = connection.execute(
            "SELECT award, organisation, status, passed, valid_until, previous_award, details,"
            " document FROM decisions ORDER BY award"
        ).fetchall()
        events = connection.execute(
            "SELECT organisation, state, on_date, reason FROM events ORDER BY organisation, id"
        ).fetchall()
    return [*decisions, *events]


def _by_hand(cases: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each decidable case recorded by `register add` from its files, in name order."""
    for name in ("a", "b", "c"):
        folder = cases / name
        argv = ["register", "add", str(cases.parent / "mini.toml"),
                str(folder / "submission.toml"), "--review", str(folder / "review.toml"),
                "--db", str(db)]  # fmt: skip
        assert main(argv) == 0
    capsys.readouterr()


def test_batch_db_records_what_register_add_records(
    cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    framework = str(cases.parent / "mini.toml")
    by_batch, by_hand = tmp_path / "batch.sqlite", tmp_path / "hand.sqlite"
    code = main(["batch", framework, str(cases), "--db", str(by_batch), "--jobs", "1"])
    out, err = capsys.readouterr()
    assert code == 2  # case d is bad input; the others are recorded all the same
    assert out == ""  # with --db and no -o, no JSON Lines
    assert "4 cases: 3 decided" in err
    assert f"; 3 recorded in {by_batch}" in err
    _by_hand(cases, by_hand, capsys)
    assert _rows(by_batch) == _rows(by_hand)
    renewal = next(row for row in _rows(by_batch) if row[1] == "org-2")
    assert renewal[5] == "mini/org-2/2024-01-01"


def test_batch_db_reports_a_refused_decision_and_keeps_the_others(
    cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    framework = str(cases.parent / "mini.toml")
    db, by_hand = tmp_path / "register.sqlite", tmp_path / "hand.sqlite"
    folder = cases / "b"  # b is recorded already, so the register refuses it from the batch
    argv = ["register", "add", framework, str(folder / "submission.toml"),
            "--review", str(folder / "review.toml"), "--db", str(db)]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    lines = tmp_path / "o.jsonl"
    code = main(["batch", framework, str(cases), "--db", str(db), "-o", str(lines)])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert "; 2 recorded in" in out
    assert ", 1 refused by the register" in out
    assert err.count("not recorded: ") == 1
    assert "not recorded: b: " in err
    assert "already recorded" in err
    _by_hand(cases, by_hand, capsys)  # a, b, c: the same rows, b's from its own add
    assert _rows(db) == _rows(by_hand)
    assert len(lines.read_text().splitlines()) == 4


def test_register_add_reads_batch_lines_and_names_the_undecided(
    cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    framework = str(cases.parent / "mini.toml")
    lines, later, by_hand = tmp_path / "o.jsonl", tmp_path / "l.sqlite", tmp_path / "h.sqlite"
    assert main(["batch", framework, str(cases), "-o", str(lines)]) == 2
    capsys.readouterr()
    assert main(["register", "add", framework, "--decision", str(lines), "--db", str(later)]) == 0
    out, err = capsys.readouterr()
    assert "3 decisions recorded" in out
    assert f"{lines}:4: skipped: case 'd' was not decided (invalid)" in err
    _by_hand(cases, by_hand, capsys)
    assert _rows(later) == _rows(by_hand)


def test_a_decided_line_carries_what_the_register_keeps_beside_the_decision(
    cases: Path,
) -> None:
    case = next(c for c in batch.find_cases(cases) if c.label == "c")
    outcome = batch.Assess(str(cases.parent / "mini.toml"))(case)
    data = json.loads(batch.json_line(outcome).text)
    assert data["previous_award"] == "mini/org-2/2024-01-01"
    addition = batch_addition(data, "here")
    assert addition is not None
    assert outcome.decision is not None
    assert addition.decision == outcome.decision
    assert (addition.previous_award, dict(addition.details)) == ("mini/org-2/2024-01-01", {})
    assert batch_addition({**data, "result": "invalid"}, "here") is None


def test_a_batch_never_mixes_two_versions_of_its_framework_file(cases: Path) -> None:
    framework = cases.parent / "mini.toml"
    step = batch.AssessJson(framework, batch.framework_stamp(framework))
    results = []
    for line in batch.run(step, batch.find_cases(cases), jobs=1):
        results.append((line.label, line.result))
        if line.label == "a":  # the framework file is edited while the batch runs
            text = framework.read_text(encoding="utf-8")
            framework.write_text(text.replace('version = "2"', 'version = "3"'), "utf-8")
    assert results[0] == ("a", "decided")
    assert results[1:] == [("b", "invalid"), ("c", "invalid"), ("d", "invalid")]
    (problem,) = json.loads(line.text)["problems"]
    assert problem["code"] == "framework-changed"
    assert problem["file"] == str(framework)
    assert "changed while the batch ran" in problem["message"]
    framework.write_text(text, "utf-8")  # back as it was, but written again since the start
    first = next(batch.find_cases(cases))
    assert step(first).result == "invalid"
    unchecked = batch.AssessJson(framework)  # without a stamp, each process reads it afresh
    assert unchecked(first).result == "decided"


@pytest.mark.parametrize("name", ["", ".", "..", "a/review.toml"])
def test_review_name_must_be_a_file_name(
    cases: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    framework = str(cases.parent / "mini.toml")
    assert main(["batch", framework, str(cases), "--review-name", name]) == 2
    out, err = capsys.readouterr()
    assert "expected a file name such as review.toml" in err
    assert out == ""


def test_a_rescore_never_mixes_two_versions_of_a_framework_file(cases: Path) -> None:
    from qmframe.awards.versions import RescoreFiles

    framework = str(cases.parent / "mini.toml")
    first = next(batch.find_cases(cases))
    stamp = batch.framework_stamp(framework)
    assert RescoreFiles(framework, framework, (stamp, stamp))(first).old_status == "awarded"
    changed = RescoreFiles(framework, framework, (stamp, (0, 0)))(first)
    assert [p.code for p in changed.problems] == ["framework-changed"]
    assert not changed.old_status
