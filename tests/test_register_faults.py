"""The register under faults and load: several writers at once, read-only, damaged, full,
busy and future-version files, and rows that are not what qmframe wrote.

Every fault ends as a clean error (RegisterError or a located ValidationError; exit
code 2 from the command line, never "This is a bug"), and nothing recorded is lost.
Faults the machine cannot be made to have on demand (a full disk; a read-only file,
when the tests run as root and every file is writable) are produced by SQLite itself
where it can (``PRAGMA max_page_count``, a ``mode=ro`` connection, a child process
without root's privileges) and otherwise injected where qmframe meets SQLite.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import core_fixtures
import pytest
import register_workers

from qmframe.awards import register as register_module
from qmframe.awards.register import Register, RegisterError
from qmframe.cli import main
from qmframe.decision import Decision, Unmet

START = dt.date(2026, 3, 2)
PASSING_REVIEW = core_fixtures.REVIEW.replace(
    'target = "b2"\nlevel = "no"', 'target = "b2"\nlevel = "yes"'
)
PUBLIC = 'public_fields = ["organisation.name", "status", "valid_until", "highlights"]\n'


def _decision(org: str, as_of: dt.date = START, *, unmet: int = 0) -> Decision:
    return Decision(
        framework="mini",
        version="2",
        organisation=org,
        organisation_name=org.title(),
        status="awarded",
        passed=True,
        basis="review",
        as_of=as_of,
        valid_from=as_of,
        valid_until=as_of + dt.timedelta(days=999),
        midpoint_due=as_of + dt.timedelta(days=500),
        unmet=tuple(
            Unmet(target=f"t{i}", title="x" * 200, rule="r", reason="y" * 200, feedback="")
            for i in range(unmet)
        ),
    )


def _counts(path: Path) -> tuple[int, int]:
    raw = sqlite3.connect(path)
    try:
        return (
            raw.execute("SELECT count(*) FROM decisions").fetchone()[0],
            raw.execute("SELECT count(*) FROM events").fetchone()[0],
        )
    finally:
        raw.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "register.sqlite"
    with Register(path) as register:
        for i in range(3):
            register.add_decision(_decision(f"org-{i}"))
    return path


# -- several writers at once ----------------------------------------------------------------


def test_several_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    # The file does not exist yet: the writers also race to create it and its schema.
    path = str(tmp_path / "shared.sqlite")
    total = register_workers.WRITERS * register_workers.ADDS
    context = multiprocessing.get_context("spawn")
    go, stop, errors = context.Event(), context.Event(), context.Queue()
    writers = [
        context.Process(target=register_workers.writer, args=(path, n, go, errors))
        for n in range(register_workers.WRITERS)
    ]
    reader = context.Process(target=register_workers.reader, args=(path, go, stop, errors))
    for process in [*writers, reader]:
        process.start()
    go.set()
    for process in writers:
        process.join(timeout=600)
    stop.set()
    reader.join(timeout=60)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert [p.exitcode for p in [*writers, reader]] == [0] * (register_workers.WRITERS + 1)
    assert _counts(Path(path)) == (
        total,
        total,
    )
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # not WAL
    raw.close()
    with Register(path) as register:
        assert len(register.holders("mini", START)) == total


def test_a_register_upgraded_by_another_process_meanwhile_is_not_upgraded_twice(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This process read the old version just before another one upgraded the file.
    seen = []
    real = Register.schema_version.fget
    assert real is not None

    def stale(self: Register) -> int:
        seen.append(real(self))
        return 0 if len(seen) == 1 else real(self)

    monkeypatch.setattr(Register, "schema_version", property(stale))
    with Register(db) as register:
        assert len(register.holders("mini", START)) == 3
    assert seen[0] == len(register_module.MIGRATIONS)
    assert _counts(db) == (3, 3)


def test_a_busy_register_is_tried_again_and_then_refused_cleanly(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    pauses = []
    monkeypatch.setattr(register_module, "_pause", pauses.append)
    with Register(db, timeout=0.05) as register:
        with pytest.raises(RegisterError, match="busy") as caught:
            register.add_decision(_decision("late"))
        assert "nothing was written" in str(caught.value)
        assert pauses == list(range(register_module.ATTEMPTS - 1))

        def release(attempt: int) -> None:  # the other program finishes while we wait
            holder.execute("COMMIT")

        monkeypatch.setattr(register_module, "_pause", release)  # still holding the lock
        register.add_decision(_decision("late"))
    holder.close()
    assert _counts(db) == (4, 4)


# -- read-only registers --------------------------------------------------------------------


def test_a_register_opened_read_only_reads_and_refuses_writes(db: Path) -> None:
    before = db.read_bytes()
    with Register(db, read_only=True) as register:
        assert len(register.holders("mini", START)) == 3
        with pytest.raises(RegisterError, match="read-only") as caught:
            register.add_decision(_decision("new"))
    assert "nothing was written" in str(caught.value)
    assert "cannot rollback" not in str(caught.value)
    assert db.read_bytes() == before


def test_a_read_only_register_that_needs_upgrading_says_so(db: Path) -> None:
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA user_version = 2")
    raw.close()
    with pytest.raises(RegisterError, match="needs upgrading from schema version 2"):
        Register(db, read_only=True)


def _read_only_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection the register opens is read-only, as on a read-only share."""
    real = register_module._connect

    def connect(target: str, *, uri: bool, timeout: float) -> sqlite3.Connection:
        if not uri:
            target, uri = Path(target).resolve().as_uri() + "?mode=ro", True
        return real(target, uri=uri, timeout=timeout)

    monkeypatch.setattr(register_module, "_connect", connect)


def test_a_read_only_register_file_without_privileges(tmp_path: Path) -> None:
    """The operating system's own refusal: a file the user may read but not write."""
    folder = Path(tempfile.mkdtemp(prefix="qmframe-ro-"))
    try:
        path = folder / "register.sqlite"
        with Register(path) as register:
            register.add_decision(_decision("org-0"))
        before = path.read_bytes()
        if os.geteuid() == 0:
            # Root may write anything: try as nobody, in a child that already has
            # everything it needs loaded (it cannot read root's Python installation).
            os.chmod(folder, 0o755)
            os.chmod(path, 0o644)
            message = _as_nobody(lambda: _try_to_add(path))
        else:
            os.chmod(path, 0o444)
            os.chmod(folder, 0o555)
            message = _try_to_add(path)
        assert "read-only" in message, message
        assert "nothing was written" in message
        assert path.read_bytes() == before
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder)


def _try_to_add(path: Path) -> str:
    try:
        with Register(path) as register:
            register.add_decision(_decision("org-1"))
    except RegisterError as exc:
        return str(exc)
    return "written"


def _as_nobody(work: Callable[[], str]) -> str:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's coverage is not collected)
        try:
            os.close(read)
            os.setgid(65534)
            os.setuid(65534)
            text = work()
        except BaseException as exc:
            text = f"{type(exc).__name__}: {exc}"
        os.write(write, text.encode("utf-8", "replace"))
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as stream:
        text = stream.read().decode("utf-8")
    os.waitpid(child, 0)
    return text


# -- full disks -----------------------------------------------------------------------------


def test_a_full_disk_loses_nothing_and_says_so(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = register_module._connect

    def full(target: str, *, uri: bool, timeout: float) -> sqlite3.Connection:
        connection = real(target, uri=uri, timeout=timeout)
        (pages,) = connection.execute("PRAGMA page_count").fetchone()
        connection.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL
        return connection

    monkeypatch.setattr(register_module, "_connect", full)
    with Register(db) as register, pytest.raises(RegisterError) as caught:
        register.add_decision(_decision("big", unmet=200))
    message = str(caught.value)
    assert "the disk is full" in message
    assert "nothing was written" in message
    assert "cannot rollback" not in message
    monkeypatch.undo()
    assert _counts(db) == (3, 3)
    with Register(db) as register:
        register.add_decision(_decision("big", unmet=200))
    assert _counts(db) == (4, 4)


class _FaultyConnection(sqlite3.Connection):
    """A connection that fails one statement the way SQLite does on a full disk."""

    fail_on = "COMMIT"

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> sqlite3.Cursor:
        if sql == self.fail_on and self.in_transaction:
            # SQLite may roll the whole transaction back by itself on SQLITE_FULL.
            super().execute("ROLLBACK")
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args, **kwargs)


@pytest.mark.parametrize("fail_on", ["COMMIT", "UPDATE events SET term_id = id WHERE id = ?"])
def test_a_full_disk_is_not_masked_by_the_rollback(
    db: Path, monkeypatch: pytest.MonkeyPatch, fail_on: str
) -> None:
    monkeypatch.setattr(_FaultyConnection, "fail_on", fail_on)

    def faulty(target: str, *, uri: bool, timeout: float) -> sqlite3.Connection:
        return sqlite3.connect(
            target, uri=uri, timeout=timeout, isolation_level=None, factory=_FaultyConnection
        )

    monkeypatch.setattr(register_module, "_connect", faulty)
    with Register(db) as register, pytest.raises(RegisterError) as caught:
        register.add_decisions([_decision("x"), _decision("y")])
    assert "the disk is full" in str(caught.value)
    assert "cannot rollback" not in str(caught.value)
    assert _counts(db) == (3, 3)


# -- through the command line ---------------------------------------------------------------


@pytest.fixture
def cli(write: Callable[[str, str], Path], tmp_path: Path) -> dict[str, str]:
    framework = core_fixtures.FRAMEWORK.replace(
        'title = "Mini framework"\n', 'title = "Mini framework"\n' + PUBLIC
    )
    db = tmp_path / "cli.sqlite"
    files = {
        "framework": str(write("mini.toml", framework)),
        "submission": str(write("org/submission.toml", core_fixtures.SUBMISSION)),
        "review": str(write("org/review.toml", PASSING_REVIEW)),
        "db": str(db),
    }
    for org in ("org-1", "org-2", "org-3"):
        text = core_fixtures.SUBMISSION.replace('id = "org-1"', f'id = "{org}"')
        review = PASSING_REVIEW.replace('organisation = "org-1"', f'organisation = "{org}"')
        sub, rev = write(f"{org}/s.toml", text), write(f"{org}/r.toml", review)
        assert main(["register", "add", files["framework"], str(sub), "--review", str(rev),
                     "--db", str(db)]) == 0  # fmt: skip
    return files


READS = [
    ["list", "{fw}", "--on", "2026-06-01"],
    ["due", "{fw}", "--on", "2026-06-01", "--within", "900"],
    ["export", "{fw}", "--on", "2026-06-01"],
    ["sector", "{fw}", "--figure", "recruitment"],
    ["history", "{fw}", "org-1"],
    ["badge", "{fw}", "org-1", "--issuer-id", "https://example.org", "--on", "2026-06-01"],
]


def _run(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], argv: list[str]
) -> tuple[int, str]:
    args = ["register", *(a.format(fw=files["framework"]) for a in argv), "--db", files["db"]]
    code = main(args)
    _, err = capsys.readouterr()
    assert "This is a bug" not in err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize("argv", READS, ids=lambda argv: argv[0])
def test_every_read_works_on_a_sound_register(
    cli: dict[str, str], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    capsys.readouterr()
    code, err = _run(capsys, cli, argv)
    assert code == 0, err


@pytest.mark.parametrize("argv", READS, ids=lambda argv: argv[0])
def test_a_truncated_register_is_a_clean_error(
    cli: dict[str, str], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    path = Path(cli["db"])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    code, err = _run(capsys, cli, argv)
    assert code == 2
    assert "damaged" in err
    assert cli["db"] in err


@pytest.mark.parametrize("argv", READS[:2], ids=lambda argv: argv[0])
def test_random_bytes_are_a_clean_error(
    cli: dict[str, str], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    Path(cli["db"]).write_bytes(os.urandom(8192))
    code, err = _run(capsys, cli, argv)
    assert code == 2
    assert "is not a register" in err


def test_a_register_from_a_newer_qmframe_is_a_clean_error(
    cli: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    raw = sqlite3.connect(cli["db"])
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    code, err = _run(capsys, cli, READS[0])
    assert code == 2
    assert "newer than this qmframe" in err


def test_adding_to_a_read_only_register_is_a_clean_error(
    cli: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _counts(Path(cli["db"]))
    _read_only_connect(monkeypatch)
    code, err = _run(
        capsys, cli, ["add", "{fw}", cli["submission"], "--review", cli["review"],
                      "--as-of", "2026-05-01"],
    )  # fmt: skip
    assert code == 2
    assert "read-only" in err
    code, _ = _run(capsys, cli, READS[0])  # reading is still fine
    assert code == 0
    monkeypatch.undo()
    assert _counts(Path(cli["db"])) == before


def _corrupt(path: str, sql: str) -> None:
    raw = sqlite3.connect(path)
    raw.execute(sql)
    raw.commit()
    raw.close()


@pytest.mark.parametrize(
    ("sql", "argv", "where"),
    [
        ("UPDATE decisions SET document = '{nope' WHERE id = 1", READS[5], "decisions[1].document"),
        ("UPDATE decisions SET details = 'nope' WHERE id = 2", READS[3], "decisions[2].details"),
        ("UPDATE decisions SET details = '[1]' WHERE id = 2", READS[3], "decisions[2].details"),
        ("UPDATE events SET on_date = 'soon' WHERE id = 1", READS[4], "events[1].on_date"),
        ("UPDATE events SET valid_until = '2026-13-45' WHERE id = 2", READS[0],
         "events[2].valid_until"),
        ("UPDATE events SET midpoint_due = 'x' WHERE id = 3", READS[0], "events[3].midpoint_due"),
        ("UPDATE decisions SET as_of = '2026-02-30' WHERE id = 1", READS[4], "decisions[1].as_of"),
        ("UPDATE decisions SET valid_from = 'then' WHERE id = 1", READS[2],
         "decisions[1].valid_from"),
    ],
)  # fmt: skip
def test_rows_that_are_not_what_qmframe_wrote_are_located(
    cli: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    sql: str,
    argv: list[str],
    where: str,
) -> None:
    _corrupt(cli["db"], sql)
    code, err = _run(capsys, cli, argv)
    assert code == 2
    assert f"{cli['db']}: {where}:" in err


def test_a_bulk_add_of_files_is_one_transaction(
    cli: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import json

    from qmframe._convert import unstructure_json

    good = tmp_path / "good.jsonl"
    good.write_text(
        "\n".join(json.dumps(unstructure_json(_decision(f"n{i}"))) for i in range(3)) + "\n\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(unstructure_json(_decision("n9"))) + "\n{oops\n", encoding="utf-8")
    before = _counts(Path(cli["db"]))
    code, err = _run(capsys, cli, ["add", "{fw}", "--decision", str(good), "--decision", str(bad)])
    assert code == 2
    assert f"{bad}:2: not JSON" in err
    assert _counts(Path(cli["db"])) == before  # the good file's decisions were not kept either
    code = main(["register", "add", cli["framework"], "--decision", str(good), "--db", cli["db"]])
    out, _ = capsys.readouterr()
    assert code == 0
    assert out.splitlines() == [
        "mini/n0/2026-03-02: awarded recorded (now awarded)",
        "mini/n1/2026-03-02: awarded recorded (now awarded)",
        "mini/n2/2026-03-02: awarded recorded (now awarded)",
        "3 decisions recorded",
    ]
    assert _counts(Path(cli["db"])) == (before[0] + 3, before[1] + 3)
