"""The one way qmframe writes a file: safely, or not at all.

Every command that writes (``-o FILE``, the demo's HTML page, exports,
badges) goes through :func:`write_output`, and so does
:func:`qmframe.files.write_text`; output written piece by piece (``qmframe
batch -o``) goes through :class:`StreamedOutput`, which keeps the same
promises. They are:

* ``-`` means standard output;
* only a regular file (or nothing) is replaced: a symbolic link, a folder, a
  FIFO, a device or a socket at the path is refused with a
  :class:`~qmframe.errors.ValidationError` naming the path, and left alone;
* a new file gets the mode the umask gives (``0666`` less the umask), an
  overwritten one keeps its mode (and, where the system allows, its owner);
  ``private=True`` makes it ``0600`` whatever was there;
* the bytes go to a temporary file in the same folder, are flushed to the
  disk (``fsync``) and then renamed over the target, so a reader sees the
  old file or the new one, never half of one;
* a missing or read-only folder, a full disk and every other error of the
  operating system end as a located ValidationError, with the old file intact.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from pathlib import Path

from qmframe.errors import Problem, ValidationError

__all__ = ["STDOUT", "StreamedOutput", "check_target", "describe_kind", "write_output"]

#: The path that means standard output.
STDOUT = "-"

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def describe_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words: "a FIFO (named pipe)", "a folder", ..."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return next((name for test, name in _KINDS if test(mode)), "a file that is not a regular file")


def check_target(path: str | os.PathLike[str]) -> os.stat_result | None:
    """What is at ``path`` now: a regular file's status, or None if nothing is there.

    Raises :class:`~qmframe.errors.ValidationError` if anything else is
    there (a symbolic link, even to a regular file, is refused: the real path
    is the one to give). Used by :func:`write_output` and by writers that
    build their file some other way.
    """
    label = os.fspath(path)
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        message = f"cannot write here: {_reason(exc)}"
        raise ValidationError([Problem(message, file=label, code="unwritable-file")]) from None
    if not stat.S_ISREG(status.st_mode):
        raise ValidationError(
            [
                Problem(
                    f"refusing to write: the path is {describe_kind(status.st_mode)}; qmframe only "
                    "replaces regular files (give another path, or - for standard output)",
                    file=label,
                    code="unwritable-file",
                )
            ]
        )
    return status


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # the portable way: set and restore at once
    os.umask(mask)
    return mask


_REASONS = {
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is too large for the file system",
    errno.EIO: "an input/output error on the disk",
}


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno or 0) or exc.strerror or str(exc)


def _failed(exc: OSError, label: str, existed: bool, folder: Path | None = None) -> ValidationError:
    reason = _reason(exc)
    if folder is not None and exc.errno in (errno.ENOENT, errno.ENOTDIR):
        reason = f"the folder {os.fspath(folder)!r} does not exist"
    kept = "the file is unchanged" if existed else "nothing was written"
    message = f"cannot write here: {reason}; {kept}"
    return ValidationError([Problem(message, file=label, code="unwritable-file")])


def _to_stdout(data: str | bytes) -> None:
    if isinstance(data, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(data)
        sys.stdout.flush()


def write_output(path: str | os.PathLike[str], data: str | bytes, *, private: bool = False) -> None:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` safely; ``-`` is standard output.

    :param path: the file to write, or ``-`` for standard output.
    :param data: the whole content.
    :param private: make the file readable by its owner only (``0600``), as
        for a signing key; otherwise the umask or the old file decides.
    :raises ValidationError: the path is not a regular file, or the system
        refused the write; the message names the path and the reason.
    """
    label = os.fspath(path)
    if label == STDOUT:
        _to_stdout(data)
        return
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            message = f"cannot write U+{ord(exc.object[exc.start]):04X} as UTF-8 text"
            raise ValidationError([Problem(message, file=label, code="wrong-value")]) from None
    import tempfile  # only writers need it; keeps ``import qmframe`` light

    target = Path(path)
    old = check_target(target)
    folder = target.parent
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise _failed(exc, label, old is not None, folder) from None
    try:
        if private:
            mode = 0o600
        elif old is not None:
            mode = stat.S_IMODE(old.st_mode)
        else:
            mode = 0o666 & ~_umask()
        os.fchmod(handle, mode)
        if old is not None:
            mine = os.fstat(handle)
            if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
                with contextlib.suppress(OSError):  # keep the owner where the system lets us
                    os.fchown(handle, old.st_uid, old.st_gid)
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
        os.fsync(handle)
        os.close(handle)
        handle = -1
        check_target(target)  # again, just before the rename: it may have changed meanwhile
        os.replace(temporary, target)
    except BaseException as exc:
        if handle >= 0:
            os.close(handle)
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _failed(exc, label, old is not None) from None
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Flush the rename to the disk too, where the system supports it."""
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename itself has happened
    finally:
        os.close(handle)


class StreamedOutput:
    """A file written piece by piece with :func:`write_output`'s promises; ``-`` is stdout.

    For output too large to hold at once (``qmframe batch -o``): the text goes
    to a temporary file in the target's folder, and :meth:`commit` flushes it
    to the disk and renames it over the target, so a reader sees the old file
    or the whole new one. Only a regular file (or nothing) is replaced; the
    new file gets the mode the umask gives, an overwritten one keeps its mode.
    :meth:`close` without :meth:`commit` removes the temporary file and leaves
    the target as it was. Errors are located ValidationErrors.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.label = os.fspath(path)
        self.temporary = ""
        if self.label == STDOUT:
            return
        import tempfile

        self.target = Path(path)
        self.old = check_target(self.target)
        try:
            handle, self.temporary = tempfile.mkstemp(
                dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".tmp"
            )
        except OSError as exc:
            raise _failed(exc, self.label, self.old is not None, self.target.parent) from None
        mode = stat.S_IMODE(self.old.st_mode) if self.old is not None else 0o666 & ~_umask()
        os.fchmod(handle, mode)
        self.stream = open(handle, "w", encoding="utf-8", newline="\n")  # noqa: SIM115

    def write(self, text: str) -> None:
        if self.label == STDOUT:
            sys.stdout.write(text)
            return
        try:
            self.stream.write(text)
        except OSError as exc:
            self.close()
            raise _failed(exc, self.label, self.old is not None) from None

    def commit(self) -> None:
        """Put the complete file in place (or flush standard output)."""
        if self.label == STDOUT:
            sys.stdout.flush()
            return
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            check_target(self.target)  # again, just before the rename
            os.replace(self.temporary, self.target)
        except OSError as exc:
            self.close()
            raise _failed(exc, self.label, self.old is not None) from None
        except BaseException:
            self.close()
            raise
        self.temporary = ""
        _sync_folder(self.target.parent)

    def close(self) -> None:
        """Drop the temporary file of an output not committed; the target is left alone."""
        if self.temporary:
            with contextlib.suppress(OSError):
                self.stream.close()
            Path(self.temporary).unlink(missing_ok=True)
            self.temporary = ""
