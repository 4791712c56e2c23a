"""Writing outputs: only over regular files, with the right mode, atomically, clean errors.

Each test here reproduces a way ``-o`` once replaced what was at the path or ended in
"internal error": a symbolic link, a FIFO, a device node, a new file's mode, an
overwritten file's mode, a missing or read-only folder and a full disk. Permission and
full-disk cases inject the operating system's error (CI runs as root, for whom read-only
files are writable), and one drops privileges in a child process for a real refusal.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import qmframe
from qmframe import api
from qmframe.cli import main
from qmframe.files import write_text

POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and special files")


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "_default", qmframe.Registry())


def write_output(path: str | os.PathLike[str], data: str | bytes, *, private: bool = False) -> None:
    from qmframe.output import write_output as write  # imported here, so each test can fail

    write(path, data, private=private)


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# -- what may be at the path ------------------------------------------------------------------


@POSIX
def test_a_symbolic_link_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    link = tmp_path / "report.txt"
    link.symlink_to(precious)
    with pytest.raises(qmframe.ValidationError, match="symbolic link") as caught:
        write_text(link, "report\n")
    assert caught.value.problems[0].file == str(link)
    assert link.is_symlink()
    assert precious.read_text() == "keep me\n"
    assert leftovers(tmp_path) == []


@POSIX
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(qmframe.ValidationError, match="FIFO"):
        write_output(fifo, "report\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(qmframe.ValidationError, match="a folder"):
        write_output(tmp_path / "out", "report\n")
    assert (tmp_path / "out").is_dir()


def test_a_device_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The operating system's answer for a character device such as /dev/full, on any user.
    target = tmp_path / "full"
    real_lstat = os.lstat

    def lstat(path: str | os.PathLike[str], **kwargs: object) -> os.stat_result:
        if os.fspath(path) == os.fspath(target):
            return os.stat_result((stat.S_IFCHR | 0o666, 0, 0, 1, 0, 0, 0, 0, 0, 0))
        return real_lstat(path)

    monkeypatch.setattr(os, "lstat", lstat)
    with pytest.raises(qmframe.ValidationError, match="character device"):
        write_output(target, "report\n")
    assert not target.exists()


@POSIX
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod needs root")
def test_a_real_device_node_stays_a_device(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The reproducer: `assess ... -o /dev/full` as root turned /dev/full into a text file.
    # A copy of /dev/full's node (major 1, minor 7) inside tmp_path is as real, and harmless.
    node = tmp_path / "full"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    code = main(["schema", "framework", "-o", str(node)])
    _, err = capsys.readouterr()
    assert code == 2, err
    assert f"{node}: refusing to write: the path is a character device" in err
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_a_dash_means_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    write_output("-", "to the terminal\n")
    write_output("-", b"bytes too\n")
    assert capsys.readouterr().out == "to the terminal\nbytes too\n"


# -- modes ---------------------------------------------------------------------------------


@POSIX
@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path: Path, mask: int, expected: int) -> None:
    target = tmp_path / f"new-{mask:o}.txt"
    with umask(mask):
        write_text(target, "report\n")
    assert mode(target) == expected


@POSIX
def test_an_overwritten_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "public.csv"
    target.write_text("old\n")
    target.chmod(0o664)
    with umask(0o077):  # the umask would say 0600: the old file's mode wins
        write_text(target, "new\n")
    assert (target.read_text(), mode(target)) == ("new\n", 0o664)


@POSIX
def test_a_private_file_is_0600_whatever_was_there(tmp_path: Path) -> None:
    target = tmp_path / "signing-key.pem"
    target.write_text("old\n")
    target.chmod(0o664)
    with umask(0o000):
        write_output(target, "secret\n", private=True)
        write_output(tmp_path / "new-key.pem", "secret\n", private=True)
    assert mode(target) == 0o600
    assert mode(tmp_path / "new-key.pem") == 0o600


# -- errors: clean, located, and the old file intact -------------------------------------------


def test_a_missing_folder_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-folder" / "schema.json"
    code = main(["schema", "framework", "-o", str(target)])
    _, err = capsys.readouterr()
    assert code == 2, err
    assert f"{target}: cannot write here: the folder" in err
    assert "does not exist; nothing was written" in err
    assert "internal error" not in err


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        ("write", errno.ENOSPC, "no space left on the disk"),
        ("write", errno.EDQUOT, "the disk quota is used up"),
        ("fsync", errno.EIO, "an input/output error on the disk"),
        ("replace", errno.EROFS, "the file system is read-only"),
        ("replace", errno.EACCES, "permission denied"),
    ],
)
def test_system_errors_keep_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str, error: int, words: str
) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old report\n")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(os, call, fail)
    with pytest.raises(qmframe.ValidationError) as caught:
        write_text(target, "new report\n")
    monkeypatch.undo()
    assert str(caught.value) == f"{target}: cannot write here: {words}; the file is unchanged"
    assert target.read_text() == "old report\n"
    assert leftovers(tmp_path) == []


def test_a_read_only_folder_is_a_clean_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    code = main(["schema", "framework", "-o", str(tmp_path / "schema.json")])
    _, err = capsys.readouterr()
    assert code == 2, err
    assert "cannot write here: permission denied; nothing was written" in err


@POSIX
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to drop")
def test_a_read_only_folder_refuses_an_unprivileged_user() -> None:
    # A real refusal by the operating system: a child process gives up root, then writes.
    base = Path(tempfile.mkdtemp(prefix="qmframe-ro-"))
    try:
        base.chmod(0o755)
        folder = base / "ro"
        folder.mkdir(mode=0o555)
        folder.chmod(0o555)
        target = folder / "report.txt"
        target.write_text("old\n")
        target.chmod(0o666)  # the file is writable; the folder is not
        read, written = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            os.close(read)
            message = b"wrote it"
            try:
                os.setgid(65534)
                os.setuid(65534)
                write_text(target, "new\n")
            except qmframe.ValidationError as exc:
                message = str(exc).encode()
            except BaseException as exc:
                message = f"{type(exc).__name__}: {exc}".encode()
            os.write(written, message)
            os._exit(0)
        os.close(written)
        with os.fdopen(read, "rb") as pipe:
            message = pipe.read().decode()
        os.waitpid(child, 0)
        assert message == f"{target}: cannot write here: permission denied; the file is unchanged"
        assert target.read_text() == "old\n"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_text_that_is_not_utf8_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(qmframe.ValidationError, match="cannot write U\\+D800 as UTF-8"):
        write_text(tmp_path / "x.txt", "lone \ud800 surrogate")
    assert list(tmp_path.iterdir()) == []


# -- every command writes through it ----------------------------------------------------------


@POSIX
@pytest.mark.parametrize(
    "argv",
    [
        lambda mini, out: ["assess", str(mini["framework"]), str(mini["submission"]), "-o", out],
        lambda mini, out: ["template", str(mini["framework"]), "-o", out],
        lambda mini, out: ["schema", "submission", "-o", out],
        lambda mini, out: ["demo", "--html", out],
    ],
    ids=["assess", "template", "schema", "demo"],
)
def test_commands_refuse_a_link(
    mini: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: Callable[[dict[str, Path], str], list[str]],
) -> None:
    precious = tmp_path / "precious"
    precious.write_text("keep\n")
    link = tmp_path / "out"
    link.symlink_to(precious)
    code = main(argv(mini, str(link)))
    _, err = capsys.readouterr()
    assert code == 2, err
    assert "symbolic link" in err
    assert precious.read_text() == "keep\n"


@POSIX
def test_assess_writes_a_new_report_readable_as_the_umask_says(
    mini: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old\n")
    target.chmod(0o664)
    code = main(["assess", str(mini["framework"]), str(mini["submission"]), "-o", str(target)])
    capsys.readouterr()
    assert code == 0
    assert mode(target) == 0o664  # the reproducer: it became 0600
    assert target.read_text().startswith("Mini framework")


@POSIX
def test_the_public_sqlite_export_refuses_a_link_and_keeps_modes(tmp_path: Path) -> None:
    from qmframe.awards.register import write_public_sqlite

    rows = [{"organisation.name": "Alpha"}]
    link = tmp_path / "link.sqlite"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(qmframe.ValidationError, match="symbolic link"):
        write_public_sqlite(rows, ["organisation.name"], link)
    assert not (tmp_path / "elsewhere").exists()
    target = tmp_path / "public.sqlite"
    target.write_bytes(b"")
    target.chmod(0o644)
    with umask(0o077):
        write_public_sqlite(rows, ["organisation.name"], target)
    assert mode(target) == 0o644
    assert target.read_bytes().startswith(b"SQLite format 3")
