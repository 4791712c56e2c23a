"""Bounds at the boundary: dates, periods, ids, numbers, file kinds and sizes.

Each test reproduces an input that once crashed (exit 1, "This is a bug"), hung, read
without end or passed without a word; now each is a located problem and exit code 2.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import core_fixtures
import pytest

import qmframe
from qmframe import api
from qmframe.cli import main

POSIX = pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "_default", qmframe.Registry())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the command; it must end with exit 2 and no internal error. Returns stderr."""
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert "internal error" not in err
    assert "Traceback" not in err
    return err


# -- dates near the end of time -----------------------------------------------------------------


def test_as_of_at_the_end_of_time(
    mini: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(
        capsys, "assess", str(mini["framework"]), str(mini["submission"]), "--as-of", "9999-12-31"
    )
    assert "9999-12-31 is outside the dates qmframe handles (1900-01-01 to 2200-12-31)" in err


def test_an_award_that_would_end_after_the_last_date(
    mini: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # 36 months from 2200-01-01 ends in 2202: refused before any date arithmetic.
    err = refused(
        capsys, "assess", str(mini["framework"]), str(mini["submission"]), "--as-of", "2200-01-01"
    )
    assert "as_of: an award decided on 2200-01-01 would run past 2200-12-31" in err


@pytest.mark.parametrize(
    ("document", "old", "new", "path"),
    [
        ("submission", "submitted_on = 2026-01-15", "submitted_on = 9999-12-31", "submitted_on"),
        ("submission", "due = 2027-01-01", "due = 9999-12-31", "actions[0].due"),
        ("submission", "submitted_on = 2026-01-15", "submitted_on = 1066-10-14", "submitted_on"),
        ("review", "reviewed_on = 2026-02-01", "reviewed_on = 9999-12-31", "reviewed_on"),
    ],
)
def test_dates_in_files_at_the_end_of_time(
    mini: dict[str, Path],
    write: Callable[[str, str], Path],
    capsys: pytest.CaptureFixture[str],
    document: str,
    old: str,
    new: str,
    path: str,
) -> None:
    source = core_fixtures.SUBMISSION if document == "submission" else core_fixtures.REVIEW
    assert old in source
    edited = write(f"sub/edited-{document}.toml", source.replace(old, new))
    files = {"submission": mini["submission"], "review": mini["review"], document: edited}
    argv = ["assess", str(mini["framework"]), str(files["submission"])]
    err = refused(capsys, *argv, "--review", str(files["review"]))
    day = new.rpartition(" ")[2]
    assert f"{edited}: {path}: expected a date from 1900-01-01 to 2200-12-31, got {day}" in err


@pytest.mark.parametrize("months", [100_000, 2**63 - 1, 1201])
def test_validity_of_a_huge_number_of_months(
    write: Callable[[str, str], Path],
    mini: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    months: int,
) -> None:
    framework = write(
        "big.toml", core_fixtures.FRAMEWORK.replace("months = 36", f"months = {months}")
    )
    message = f"{framework}: validity.months: at most 1200 months (100 years)"
    assert message in refused(capsys, "validate", str(framework))  # it used to say "ok"
    assert message in refused(capsys, "assess", str(framework), str(mini["submission"]))


def test_the_longest_award_from_the_last_usable_day_still_works(
    write: Callable[[str, str], Path], mini: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    text = core_fixtures.FRAMEWORK.replace("months = 36", "months = 1200")
    framework = write("long.toml", text.replace("midpoint_months = 18", "midpoint_months = 600"))
    code, out, err = run(
        capsys, "assess", str(framework), str(mini["submission"]), "--as-of", "2100-12-31"
    )
    assert code == 0, err
    assert "2100-12-31 to 2200-12-30" in out


def test_api_refuses_a_far_decision_date(mini: dict[str, Path]) -> None:
    framework = qmframe.load_framework(mini["framework"])
    submission = qmframe.load_submission(mini["submission"], framework)
    import datetime as dt

    with pytest.raises(qmframe.ValidationError, match="as_of: 9999-12-31 is outside"):
        qmframe.assess(framework, submission, as_of=dt.date(9999, 12, 31))


@pytest.mark.parametrize(
    ("as_of", "got"),
    [
        ("2026-03-02", "a string ('2026-03-02')"),
        ("datetime", "a date and time (2026-03-02T10:00:00)"),
        (20260302, "an integer (20260302)"),
    ],
)
def test_a_decision_date_that_is_not_a_date_is_a_located_problem(
    mini: dict[str, Path], as_of: object, got: str
) -> None:
    """Through the API and a batch case alike: the path names as_of, never a TypeError."""
    import datetime as dt

    from qmframe import batch

    value = dt.datetime(2026, 3, 2, 10, 0) if as_of == "datetime" else as_of
    framework = qmframe.load_framework(mini["framework"])
    submission = qmframe.load_submission(mini["submission"], framework)
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.assess(framework, submission, as_of=value)  # type: ignore[arg-type]
    [problem] = caught.value.problems
    assert (problem.path, problem.code) == ("as_of", "wrong-type")
    assert problem.message == f"expected a date (datetime.date), got {got}"
    case = batch.Case(label="c", submission=str(mini["submission"]), as_of=value)  # type: ignore[arg-type]
    outcome = batch.assess_case(qmframe.Registry().assessor(framework), case)
    assert (outcome.result, [p.path for p in outcome.problems]) == ("invalid", ["as_of"])


@pytest.fixture
def register_db(mini: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    db = str(tmp_path / "register.sqlite")
    argv = ["register", "add", str(mini["framework"]), str(mini["submission"]), "--db", db]
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    return db


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--on", "9999-12-31"], "'--on': 9999-12-31 is outside the dates qmframe handles"),
        (["--within", "100000000"], "within: expected 0 to 36,525 days, got 100000000"),
        (["--within", "-5"], "within: expected 0 to 36,525 days, got -5"),
    ],
)
def test_register_due_at_far_dates(
    mini: dict[str, Path],
    register_db: str,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    err = refused(capsys, "register", "due", str(mini["framework"]), *argv, "--db", register_db)
    assert message in err


# -- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize("org_id", ["../../etc/passwd", "org-1\\n", "org\\u001b[2J", "a/b", ""])
def test_organisation_id_must_be_safe(
    mini: dict[str, Path],
    write: Callable[[str, str], Path],
    capsys: pytest.CaptureFixture[str],
    org_id: str,
) -> None:
    text = core_fixtures.SUBMISSION.replace('id = "org-1"', f'id = "{org_id}"')
    path = write("sub/hostile.toml", text)
    err = refused(capsys, "validate", "--framework", str(mini["framework"]), str(path))
    assert f"{path}: organisation.id: " in err


def test_review_organisation_must_be_a_safe_id(
    mini: dict[str, Path], write: Callable[[str, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    text = core_fixtures.REVIEW.replace('organisation = "org-1"', 'organisation = "org-1\\n"')
    path = write("sub/r.toml", text)
    err = refused(capsys, "validate", "--framework", str(mini["framework"]), str(path))
    assert f"{path}: organisation: organisation id 'org-1\\n' must start with a letter" in err


def test_an_id_may_not_end_in_a_newline(
    write: Callable[[str, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # "$" in a regular expression matches before a final newline; ids use \\Z.
    path = write("f.toml", core_fixtures.FRAMEWORK.replace('id = "a1"', 'id = "a1\\n"'))
    err = refused(capsys, "validate", str(path))
    assert f"{path}: sections[0].criteria[0].id: section or criterion id 'a1\\n'" in err


# -- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan"])
def test_nan_and_infinite_weights_and_points_are_refused(
    write: Callable[[str, str], Path], capsys: pytest.CaptureFixture[str], value: str
) -> None:
    text = core_fixtures.FRAMEWORK.replace("weight = 2.0", f"weight = {value}")
    text = text.replace("meets = true, points = 1 }", f"meets = true, points = {value} }}")
    path = write("f.toml", text)
    err = refused(capsys, "validate", str(path))
    assert f"{path}: sections[0].criteria[0].weight: expected a finite number" in err
    assert f"{path}: scales[0].levels[1].points: expected a finite number" in err


@pytest.mark.parametrize(("key", "value"), [("threshold", "nan"), ("min_fraction", "nan")])
def test_nan_thresholds_are_refused(
    write: Callable[[str, str], Path], capsys: pytest.CaptureFixture[str], key: str, value: str
) -> None:
    rule = f'\n[[decision.rules]]\nid = "score"\nkind = "weighted-score"\n{key} = {value}\n'
    path = write("f.toml", core_fixtures.FRAMEWORK.replace("\n[validity]", rule + "\n[validity]"))
    err = refused(capsys, "validate", str(path))
    assert f"{path}: decision.rules[3].{key}: expected a finite number, got nan" in err


def test_a_threshold_too_large_for_a_float_is_refused(
    write: Callable[[str, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    big = 10**400
    rule = f'\n[[decision.rules]]\nid = "score"\nkind = "weighted-score"\nthreshold = {big}\n'
    path = write("f.toml", core_fixtures.FRAMEWORK.replace("\n[validity]", rule + "\n[validity]"))
    err = refused(capsys, "validate", str(path))
    assert f"{path}: decision.rules[3].threshold: expected a finite number" in err


# -- a judgement the decision would ignore ------------------------------------------------------


def test_a_judgement_of_a_criterion_that_does_not_apply_is_not_dropped_silently(
    mini: dict[str, Path], write: Callable[[str, str], Path], registry: qmframe.Registry
) -> None:
    # b1 applies only in the north; the review judges it for a southern organisation.
    south = core_fixtures.SUBMISSION.replace('context = "north"', 'context = "south"')
    south = south.replace('target = "b1"\nlevel = "yes"', 'target = "b1"')
    path = write("sub/south.toml", south)
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.read_submission(path)
    review = qmframe.read_review(mini["review"])
    problems = registry.assessor(framework).check(
        submission, review, review_file=str(mini["review"])
    )
    assert [str(p) for p in problems if p.code == "not-allowed"] == [
        f"{mini['review']}: judgements[2].target: warning: 'b1' does not apply to this "
        "organisation (context 'south', kind 'college'; it applies only to contexts north), so "
        "this judgement does not count: remove it, or correct the organisation in the submission"
    ]
    # A warning: the decision is still made, without the judgement.
    decision = qmframe.assess(framework, submission, review, registry=registry)
    assert "b1=not applicable" in decision.explanation[0].saw


# -- only regular files are read, and only so much -----------------------------------------------


@POSIX
def test_a_fifo_as_input_does_not_block() -> None:
    # In a child process with a time limit: a FIFO used to block `validate` forever.
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    fifo = folder / f"qmframe-fifo-{os.getpid()}"
    os.mkfifo(fifo)
    try:
        code = "import sys; from qmframe.cli import main; sys.exit(main(sys.argv[1:]))"
        result = subprocess.run(
            [sys.executable, "-c", code, "validate", str(fifo)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        fifo.unlink()
    assert result.returncode == 2, result.stderr
    assert f"{fifo}: cannot read a FIFO (named pipe): only regular files are read" in result.stderr


@POSIX
def test_a_fifo_is_refused_in_process(tmp_path: Path) -> None:
    fifo = tmp_path / "framework.toml"
    os.mkfifo(fifo)
    stop = threading.Event()

    def writer() -> None:  # unblocks a reader that opened the FIFO, so a failure cannot hang
        while not stop.is_set():
            try:
                handle = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.05)
                continue
            os.write(handle, b'id = "x"\n')
            os.close(handle)
            return

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        with pytest.raises(qmframe.ValidationError, match="only regular files are read"):
            qmframe.files.read_toml(fifo)
    finally:
        stop.set()
        thread.join(5)


def test_a_folder_as_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(capsys, "validate", str(tmp_path))
    assert f"{tmp_path}: cannot read a folder: only regular files are read" in err


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    write: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write("f.toml", core_fixtures.FRAMEWORK)
    monkeypatch.setattr(qmframe.files, "MAX_INPUT_BYTES", 100)
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.files.read_toml(path)
    assert str(caught.value) == f"{path}: the file is larger than the 100 bytes qmframe reads"


def test_the_size_limit_admits_a_framework_of_a_million_criteria() -> None:
    from qmframe.limits import MAX_INPUT_BYTES

    # The same shape as the benchmark's frameworks: an id, a title and a line of guidance each.
    sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))
    try:
        from run import framework_toml
    finally:
        sys.path.pop(0)
    per_section = len(framework_toml(1, 1000).encode()) - len(framework_toml(0, 0).encode())
    size = per_section * 1000 * 1.05  # ids and titles grow a digit or two in later sections
    assert 2 * size < MAX_INPUT_BYTES, (size, MAX_INPUT_BYTES)


def test_a_decision_file_is_read_with_the_same_care(
    tmp_path: Path, mini: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(
        capsys,
        "register",
        "add",
        str(mini["framework"]),
        "--decision",
        str(tmp_path),
        "--db",
        str(tmp_path / "r.sqlite"),
    )
    assert "only regular files are read" in err


# -- evidence is hashed in chunks, up to a limit --------------------------------------------------


def _submission_with_evidence(
    write: Callable[[str, str], Path], content: bytes, digest: str
) -> Path:
    path = write("ev/submission.toml", core_fixtures.SUBMISSION.replace(
        'type = "doc"', f'type = "doc"\nreference = "big.bin"\nsha256 = "{digest}"'
    ))  # fmt: skip
    (path.parent / "big.bin").write_bytes(content)
    return path


def test_evidence_is_hashed_without_reading_it_whole(
    mini: dict[str, Path], write: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    content = os.urandom(3 * 1024 * 1024 + 5)
    path = _submission_with_evidence(write, content, hashlib.sha256(content).hexdigest())
    framework = qmframe.load_framework(mini["framework"])

    def whole(self: Path) -> bytes:
        raise AssertionError("evidence read whole into memory")

    monkeypatch.setattr(Path, "read_bytes", whole)
    submission = qmframe.load_submission(path, framework)  # the sha256 matches: no problem
    assert submission.evidence[0].reference == "big.bin"


def test_evidence_over_the_limit_is_a_located_problem(
    mini: dict[str, Path], write: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    content = b"x" * 5000
    path = _submission_with_evidence(write, content, hashlib.sha256(content).hexdigest())
    framework = qmframe.load_framework(mini["framework"])
    monkeypatch.setattr(qmframe.validation, "MAX_EVIDENCE_BYTES", 4096)
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_submission(path, framework)
    assert str(caught.value) == (
        f"{path}: evidence[0].reference: file 'big.bin' is larger than the 4,096 bytes whose "
        "sha256 qmframe checks"
    )
