"""``qmframe register ...``: add, event, list, history, due, export, sector and badge."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import core_fixtures
import pytest

from qmframe.awards.register import Register
from qmframe.cli import main

PASSING_REVIEW = core_fixtures.REVIEW.replace(
    'target = "b2"\nlevel = "no"', 'target = "b2"\nlevel = "yes"'
)
PUBLIC = 'public_fields = ["organisation.name", "status", "valid_until", "highlights"]\n'


@pytest.fixture
def files(write: Callable[[str, str], Path], tmp_path: Path) -> dict[str, str]:
    framework = core_fixtures.FRAMEWORK.replace(
        'title = "Mini framework"\n', 'title = "Mini framework"\n' + PUBLIC
    )
    assert PUBLIC in framework
    return {
        "framework": str(write("mini.toml", framework)),
        "submission": str(write("org/submission.toml", core_fixtures.SUBMISSION)),
        "resubmission": str(
            write(
                "org2/submission.toml",
                core_fixtures.SUBMISSION.replace(
                    "submitted_on = 2026-01-15",
                    'submitted_on = 2029-01-02\nprevious_award = "mini/org-1/2025-01-01"',
                ),
            )
        ),
        "review": str(write("org/review.toml", PASSING_REVIEW)),
        "failing": str(write("org/failing.toml", core_fixtures.REVIEW)),
        "db": str(tmp_path / "register.sqlite"),
    }


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_register_from_the_command_line(
    files: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fw, db = files["framework"], files["db"]
    code, out, _ = _run(
        capsys, "register", "add", fw, files["submission"], "--review", files["review"], "--db", db
    )
    assert code == 0
    assert "mini/org-1/2026-02-01: awarded recorded (now awarded)" in out

    code, out, _ = _run(capsys, "register", "list", fw, "--on", "2027-01-01", "--db", db)
    assert code == 0
    assert "1 holding mini on 2027-01-01" in out
    with Register(db) as register:
        assert register.has_award("mini/org-1/2026-02-01")
        assert not register.has_award("mini/org-1/2026-02-02")
    assert "Org One (org-1): awarded, version 2, since 2026-02-01, until 2029-01-31" in out

    code, out, _ = _run(
        capsys, "register", "due", fw, "--on", "2027-07-01", "--within", "31", "--db", db
    )
    assert code == 0
    assert "2027-08-01  mid-point review: Org One" in out

    code, out, _ = _run(capsys, "register", "export", fw, "--on", "2027-01-01", "--db", db)
    assert json.loads(out)["holders"] == [
        {
            "organisation.name": "Org One",
            "status": "awarded",
            "valid_until": "2029-01-31",
            "highlights": ["Area A (wow)"],
        }
    ]
    code, out, _ = _run(
        capsys, "register", "export", fw, "--on", "2027-01-01", "--format", "csv", "--db", db
    )
    assert [row[:4] for row in csv.reader(io.StringIO(out))] == [
        ["organisation.name", "status", "valid_until", "highlights"],
        ["Org One", "awarded", "2029-01-31", "Area A (wow)"],
    ]
    public = tmp_path / "public.sqlite"
    code, out, _ = _run(
        capsys, "register", "export", fw, "--on", "2027-01-01", "--format", "sqlite",
        "-o", str(public), "--db", db,
    )  # fmt: skip
    assert code == 0
    rows = sqlite3.connect(public).execute("SELECT * FROM public_register").fetchall()
    assert rows == [("Org One", "awarded", "2029-01-31", "Area A (wow)")]

    code, out, _ = _run(
        capsys, "register", "badge", fw, "org-1", "--issuer-id", "https://mini.example.org",
        "--on", "2027-01-01", "--db", db,
    )  # fmt: skip
    assert code == 0
    badge = json.loads(out)
    assert badge["validUntil"] == "2029-01-31T23:59:59Z"
    assert badge["credentialSubject"]["achievement"]["name"] == "Mini framework"

    code, out, _ = _run(capsys, "register", "sector", fw, "--format", "json", "--db", db)
    assert json.loads(out)["organisations"] == 1

    code, out, _ = _run(
        capsys, "register", "event", fw, "org-1", "suspended", "--on", "2027-03-01",
        "--reason", "complaint under investigation", "--db", db,
    )  # fmt: skip
    assert code == 0
    code, out, _ = _run(capsys, "register", "list", fw, "--on", "2027-03-01", "--db", db)
    assert "0 holding" in out
    code, out, _ = _run(capsys, "register", "history", fw, "org-1", "--db", db)
    assert "2027-03-01  suspended: complaint under investigation" in out

    # A suspended award cannot be renewed until it is reinstated.
    code, out, err = _run(capsys, "register", "add", fw, files["resubmission"], "--db", db)
    assert code == 2
    assert "cannot go from 'suspended' to 'renewed'" in err
    # The re-submission names an award the register lacks: recorded, with a warning.
    assert "previous_award 'mini/org-1/2025-01-01' is not in this register" in err
    code, out, _ = _run(
        capsys, "register", "event", fw, "org-1", "reinstated", "--on", "2027-04-01",
        "--reason", "complaint not upheld", "--db", db,
    )  # fmt: skip
    assert code == 0
    code, out, _ = _run(capsys, "register", "add", fw, files["resubmission"], "--db", db)
    assert code == 0
    assert "now renewed" in out


def test_refusals_and_mistakes_exit_2_and_write_nothing(
    files: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fw, db = files["framework"], files["db"]
    code, _, err = _run(capsys, "register", "list", fw, "--db", str(tmp_path / "typo.sqlite"))
    assert code == 2
    assert "no register here" in err
    assert not (tmp_path / "typo.sqlite").exists()
    code, _, err = _run(
        capsys, "register", "event", fw, "org-1", "reinstated", "--on", "2026-01-01",
        "--reason", "x", "--db", db,
    )  # fmt: skip
    assert code == 2
    _run(
        capsys, "register", "add", fw, files["submission"], "--review", files["review"], "--db", db
    )
    code, _, err = _run(
        capsys, "register", "event", fw, "org-1", "mid-point-reviewed", "--on", "2030-01-01",
        "--reason", "late", "--db", db,
    )  # fmt: skip
    assert code == 2
    assert "cannot go from 'expired' to 'mid-point-reviewed'" in err
    code, _, err = _run(capsys, "register", "add", fw, "--db", db)
    assert code == 2
    assert "give a SUBMISSION" in err
    raw = sqlite3.connect(db)
    assert raw.execute("SELECT count(*) FROM events").fetchone() == (1,)
    raw.close()


def test_recording_a_decision_file(
    files: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fw, db = files["framework"], files["db"]
    code, out, _ = _run(
        capsys, "assess", fw, files["submission"], "--review", files["failing"], "--format", "json"
    )
    assert code == 0
    decision_file = tmp_path / "decision.json"
    decision_file.write_text(out, encoding="utf-8")
    code, out, _ = _run(capsys, "register", "add", fw, "--decision", str(decision_file), "--db", db)
    assert code == 0
    assert "not-yet recorded (now not-awarded)" in out

    from qmframe import dumps
    from qmframe.awards.commands import read_decision

    decision = read_decision(decision_file)
    toml_file = tmp_path / "decision.toml"
    toml_file.write_text(dumps(decision), encoding="utf-8")
    assert read_decision(toml_file) == decision
    code, _, err = _run(capsys, "register", "add", fw, "--decision", str(toml_file), "--db", db)
    assert code == 2
    assert "already recorded" in err


def test_the_register_file_defaults_to_the_environment(
    files: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fw = files["framework"]
    monkeypatch.delenv("QMFRAME_REGISTER", raising=False)
    code, _, err = _run(capsys, "register", "list", fw)
    assert code == 2
    assert "name the register file with --db (or $QMFRAME_REGISTER)" in err
    monkeypatch.setenv("QMFRAME_REGISTER", files["db"])
    code, out, _ = _run(
        capsys, "register", "add", fw, files["submission"], "--review", files["review"]
    )
    assert code == 0, out
    assert Path(files["db"]).exists()
    code, out, _ = _run(capsys, "register", "list", fw, "--on", "2027-01-01")
    assert "1 holding mini on 2027-01-01" in out
    # --db still wins over the environment.
    other = str(Path(files["db"]).with_name("other.sqlite"))
    code, _, err = _run(capsys, "register", "list", fw, "--db", other)
    assert code == 2
    assert "no register here" in err


def test_a_record_that_starts_with_an_expression_of_interest(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = Path(files["framework"]).read_text(encoding="utf-8")
    assert "[review]\nrequired = false\n" in text
    reviewed = Path(files["framework"]).with_name("reviewed.toml")
    reviewed.write_text(text.replace("required = false", "required = true"), encoding="utf-8")
    fw, db = str(reviewed), files["db"]
    assert not Path(db).exists()
    code, out, err = _run(
        capsys, "register", "event", fw, "org-1", "expression-of-interest", "--on", "2025-11-01",
        "--reason", "enquiry at the open day", "--db", db,
    )  # fmt: skip
    assert code == 0, err
    assert Path(db).exists()  # the first event of a history may start the register
    # Without its review the decision is only an indication: a submission received.
    code, out, _ = _run(capsys, "register", "add", fw, files["submission"], "--db", db)
    assert code == 0
    assert "mini/org-1/2026-01-15: indication recorded (now submitted)" in out
    code, out, _ = _run(capsys, "register", "list", fw, "--on", "2026-03-01", "--db", db)
    assert "0 holding" in out
    code, _, err = _run(
        capsys, "register", "badge", fw, "org-1", "--issuer-id", "https://mini.example.org",
        "--on", "2026-03-01", "--db", db,
    )  # fmt: skip
    assert code == 2
    assert "has no award" in err
    # The reviewed decision: an award, the same day as the review.
    code, out, _ = _run(
        capsys, "register", "add", fw, files["submission"], "--review", files["review"], "--db", db
    )
    assert code == 0
    assert "mini/org-1/2026-02-01: awarded recorded (now awarded)" in out
    code, out, _ = _run(capsys, "register", "history", fw, "org-1", "--format", "json", "--db", db)
    data = json.loads(out)
    assert [e["state"] for e in data["history"]["events"]] == [
        "expression-of-interest",
        "submitted",
        "awarded",
    ]
    assert [d["status"] for d in data["decisions"]] == ["indication", "awarded"]


def test_a_reviewed_decision_after_in_preparation_from_the_command_line(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fw, db = files["framework"], files["db"]
    code, _, err = _run(
        capsys, "register", "event", fw, "org-1", "in-preparation", "--on", "2026-01-02",
        "--reason", "writing the self-assessment", "--db", db,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = _run(
        capsys, "register", "add", fw, files["submission"], "--review", files["review"], "--db", db
    )
    assert code == 0, err
    code, out, _ = _run(capsys, "register", "history", fw, "org-1", "--db", db)
    assert "2026-02-01  submitted: submission implied by the decision" in out
