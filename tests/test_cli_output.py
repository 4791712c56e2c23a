"""The command's own output: ``-o -``, a closed pipe, and untrusted names in register text.

Reproducers from issue 12: ``qmframe demo | head`` ended in an error, organisation names
with escape sequences or line breaks forged lines in ``register list/history/due/sector``,
the CSV export had no byte-order mark, and a FIFO given as a decision file blocked.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import core_fixtures
import pytest

import qmframe
from qmframe import api
from qmframe.cli import main

PASSING_REVIEW = core_fixtures.REVIEW.replace(
    'target = "b2"\nlevel = "no"', 'target = "b2"\nlevel = "yes"'
)
PUBLIC = 'public_fields = ["organisation.name", "status", "valid_until", "highlights"]\n'
#: A name as a TOML basic string: clear the screen, a forged line, a bidi override, a formula.
HOSTILE_NAME = "=HYPERLINK(1)\\u001b[2J\\nFORGED: awarded\\u202e"


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "_default", qmframe.Registry())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- -o - and a closed pipe -------------------------------------------------------------------


def test_dash_writes_the_report_to_standard_output(
    mini: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["assess", str(mini["framework"]), str(mini["submission"])]
    code, plain, _ = run(capsys, *argv)
    assert code == 0
    code, dashed, err = run(capsys, *argv, "-o", "-")
    assert code == 0, err
    assert dashed == plain  # the report itself, and no "report written to -" line
    assert not (tmp_path / "-").exists()


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # `qmframe demo | head`: the reader is gone before the command writes.
    code = "import sys; from qmframe.cli import main; sys.exit(main(sys.argv[1:]))"
    child = subprocess.Popen(
        [sys.executable, "-c", code, "demo", "--no-html"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    child.stdout.close()
    with child.stderr:
        err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141, err
    assert err == ""


def test_a_closed_pipe_in_process_returns_141(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    code = main(["schema", "framework"])
    monkeypatch.undo()
    assert code == 141
    assert capsys.readouterr().err == ""


# -- untrusted names in the register's text -----------------------------------------------------


@pytest.fixture
def hostile_register(write: Callable[[str, str], Path], tmp_path: Path) -> dict[str, str]:
    framework = write(
        "mini.toml",
        core_fixtures.FRAMEWORK.replace(
            'title = "Mini framework"\n', 'title = "Mini framework"\n' + PUBLIC
        ),
    )
    submission = write(
        "org/submission.toml",
        core_fixtures.SUBMISSION.replace('name = "Org One"', f'name = "{HOSTILE_NAME}"'),
    )
    review = write("org/review.toml", PASSING_REVIEW)
    db = str(tmp_path / "register.sqlite")
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown), contextlib.redirect_stderr(shown):
        code = main(
            ["register", "add", str(framework), str(submission), "--review", str(review),
             "--db", db]
        )  # fmt: skip
    assert code == 0, shown.getvalue()
    return {"framework": str(framework), "db": db}


def inert(text: str) -> None:
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert not [line for line in text.splitlines() if line.startswith("FORGED")], text


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--on", "2027-01-01"],
        ["history", "org-1"],
        ["due", "--on", "2027-07-01", "--within", "31"],
        ["sector"],
        ["list", "--on", "2027-01-01", "--format", "json"],
        ["due", "--on", "2027-07-01", "--within", "31", "--format", "json"],
        ["export", "--on", "2027-01-01"],
    ],
    ids=lambda argv: " ".join(argv[:1] + argv[-1:]),
)
def test_register_text_shows_names_as_text(
    hostile_register: dict[str, str], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    action, *rest = argv
    words = [action, hostile_register["framework"], *rest, "--db", hostile_register["db"]]
    code, out, err = run(capsys, "register", *words)
    assert code == 0, err
    inert(out)
    if "json" in argv or action == "export":  # the data is kept exactly
        data = json.loads(out)
        (row,) = data["holders"] if action == "export" else data
        assert "=HYPERLINK(1)\x1b[2J\nFORGED: awarded\u202e" in row.values()
    else:
        assert "=HYPERLINK(1)\\x1b[2J\\nFORGED: awarded\\u202e" in out


def test_the_csv_export_is_safe_for_spreadsheets(
    hostile_register: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "register.csv"
    code, _, err = run(
        capsys, "register", "export", hostile_register["framework"], "--on", "2027-01-01",
        "--format", "csv", "--bom", "-o", str(target), "--db", hostile_register["db"],
    )  # fmt: skip
    assert code == 0, err
    data = target.read_bytes()
    assert data.startswith(b'\xef\xbb\xbf"organisation.name"')
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[1][0] == "'=HYPERLINK(1)\\x1b[2J\\nFORGED: awarded\\u202e"
    assert len(data.decode("utf-8-sig").splitlines()) == 2


def test_the_public_sqlite_export_to_standard_output_is_the_file_alone(
    hostile_register: dict[str, str], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code = main(
        ["register", "export", hostile_register["framework"], "--on", "2027-01-01",
         "--format", "sqlite", "-o", "-", "--db", hostile_register["db"]]
    )  # fmt: skip
    out = capsysbinary.readouterr().out
    assert code == 0
    assert out.startswith(b"SQLite format 3\x00")
    assert b"entries written" not in out


# -- a decision file that is a FIFO --------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")
def test_a_fifo_as_a_json_decision_does_not_block(mini: dict[str, Path], tmp_path: Path) -> None:
    fifo = tmp_path / "decision.json"
    os.mkfifo(fifo)
    code = "import sys; from qmframe.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = ["register", "add", str(mini["framework"]), "--decision", str(fifo)]
    done = subprocess.run(
        [sys.executable, "-c", code, *argv, "--db", str(tmp_path / "r.sqlite")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert f"{fifo}: cannot read a FIFO (named pipe): only regular files are read" in done.stderr


@pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")
def test_fifos_as_a_credential_an_issuer_profile_or_a_key_do_not_block(tmp_path: Path) -> None:
    credential, profile, key = (tmp_path / name for name in ("badge.jwt", "issuer.json", "k"))
    for fifo in (credential, profile, key):
        os.mkfifo(fifo)
    verify = "import sys; from qmframe.cli import main; sys.exit(main(sys.argv[1:]))"
    read_key = (
        "import sys, qmframe\n"
        "from qmframe.awards.signing import read_key\n"
        "try:\n    read_key(sys.argv[1])\nexcept qmframe.ValidationError as exc:\n"
        "    print(exc, file=sys.stderr); sys.exit(2)\n"
    )
    for code, argv, fifo in [
        (
            verify,
            ["register", "verify", str(credential), "--issuer-profile", str(profile)],
            profile,
        ),
        (read_key, [str(key)], key),
    ]:
        done = subprocess.run(
            [sys.executable, "-c", code, *argv],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert f"{fifo}: cannot read a FIFO (named pipe)" in done.stderr
