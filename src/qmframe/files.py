"""Reading and writing qmframe's TOML files.

Reading never shows a traceback for bad input: malformed TOML (with line and
column), wrong keys and types, and broken references all come back as one
:class:`~qmframe.errors.ValidationError` naming the file. Writing is atomic:
the text goes to a temporary file in the same folder, which then replaces
the target, so a crash never leaves half a file.
"""

from __future__ import annotations

import os
import sys
import types
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import attrs
import tomli_w

from qmframe._convert import structure, unstructure_toml
from qmframe.errors import Problem, ValidationError
from qmframe.framework import Framework, OutcomeSet
from qmframe.submission import Review, Submission

__all__ = [
    "Source",
    "dumps",
    "file_label",
    "read_document",
    "read_framework",
    "read_review",
    "read_submission",
    "read_toml",
    "write_text",
    "write_toml",
]

T = TypeVar("T")
Source = str | os.PathLike[str] | Traversable


def _fast_toml() -> types.ModuleType | None:
    """tomli's compiled parser, when it is installed and reads the same TOML as ``tomllib``.

    tomli's compiled (mypyc) wheel parses 3-4x faster than the standard
    library's ``tomllib``, which is the pure-Python tomli of its day: same
    API, same error messages and locations. A pure-Python tomli gains
    nothing, and tomli 2.4 and later read TOML 1.1, which ``tomllib`` reads
    only from Python 3.15: a file must not be valid on one installation and
    malformed on another, so either is passed over for ``tomllib``.
    """
    try:
        import tomli
    except ImportError:
        return None
    if isinstance(tomli.loads, types.FunctionType):  # pure Python: no faster
        return None
    try:
        major, minor = (int(part) for part in tomli.__version__.split(".")[:2])
    except (AttributeError, ValueError):
        return None
    if ((major, minor) >= (2, 4)) != (sys.version_info >= (3, 15)):  # TOML 1.1 vs 1.0
        return None
    return tomli


def _standard_toml() -> types.ModuleType:
    import tomllib  # imported only when it is the one used

    return tomllib


#: The TOML parser :func:`read_toml` uses: tomli's compiled wheel (the ``fast`` extra), else
#: the standard library's ``tomllib``. Both raise ``TOMLDecodeError`` with the same messages.
toml_parser: types.ModuleType = _fast_toml() or _standard_toml()


def file_label(source: Source) -> str:
    """How a file is named in messages: the path as given, or a resource's name."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return str(source)


def _folder(source: Source) -> Path | None:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).parent
    return None


def read_toml(source: Source) -> dict[str, Any]:
    """Parse a TOML file; a malformed or unreadable file raises a located ValidationError."""
    label = file_label(source)
    try:
        if isinstance(source, (str, os.PathLike)):
            data = Path(source).read_bytes()
        else:
            data = source.read_bytes()
    except OSError as exc:
        raise ValidationError(
            [
                Problem(
                    f"cannot read the file: {exc.strerror or exc}",
                    file=label,
                    code="unreadable-file",
                )
            ]
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [Problem(f"not UTF-8 text (byte {exc.start})", file=label, code="malformed-file")]
        ) from None
    parser = toml_parser
    try:
        parsed: dict[str, Any] = parser.loads(text)
    except parser.TOMLDecodeError as exc:
        raise ValidationError(
            [Problem(f"malformed TOML: {exc}", file=label, code="malformed-file")]
        ) from None
    except RecursionError:  # both parsers recurse per nested array or inline table
        raise ValidationError(
            [
                Problem(
                    "malformed TOML: arrays or tables nested too deeply",
                    file=label,
                    code="malformed-file",
                )
            ]
        ) from None
    return parsed


def read_document(source: Source, cls: type[T]) -> T:
    """Parse and structure one file as ``cls``, raising every structural problem at once."""
    result = structure(read_toml(source), cls, file=file_label(source))
    if isinstance(result, list):
        raise ValidationError(result)
    return result


def _outcome_file(source: Source, name: str) -> Source | Problem:
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or not name:
        return Problem(
            f"{name!r} must be a file name beside the framework file", code="wrong-value"
        )
    if isinstance(source, (str, os.PathLike)):
        return Path(source).parent / pure
    parent: Any = source
    # A Traversable has no parent; plugins pass the folder-relative resource anyway.
    sibling = getattr(parent, "parent", None)
    if isinstance(sibling, Traversable):
        return sibling.joinpath(*pure.parts)
    return Problem(
        f"cannot find {name!r} beside a framework that is not in a folder", code="unknown-reference"
    )


def _resolve_outcome_files(framework: Framework, source: Source) -> tuple[Framework, list[Problem]]:
    """Fill outcome sets that name a ``file`` from that file."""
    label = file_label(source)
    problems: list[Problem] = []
    sets = []
    for i, outcome_set in enumerate(framework.outcome_sets):
        if not outcome_set.file:
            sets.append(outcome_set)
            continue
        path = f"outcome_sets[{i}].file"
        where = _outcome_file(source, outcome_set.file)
        if isinstance(where, Problem):
            problems.append(attrs.evolve(where, file=label, path=path))
            sets.append(outcome_set)
            continue
        try:
            loaded = read_document(where, OutcomeSet)
        except ValidationError as exc:
            problems += exc.problems
            sets.append(outcome_set)
            continue
        if loaded.id != outcome_set.id:
            problems.append(
                Problem(
                    f"the file holds outcome set {loaded.id!r}, not {outcome_set.id!r}",
                    path,
                    label,
                    code="inconsistent",
                )
            )
        if outcome_set.outcomes and outcome_set.outcomes != loaded.outcomes:
            problems.append(
                Problem(
                    "outcomes are given both here and in the file; keep one",
                    f"outcome_sets[{i}].outcomes",
                    label,
                    code="inconsistent",
                )
            )
        sets.append(
            attrs.evolve(
                loaded,
                file=outcome_set.file,
                title=outcome_set.title or loaded.title,
                source=outcome_set.source or loaded.source,
            )
        )
    return attrs.evolve(framework, outcome_sets=tuple(sets)), problems


def read_framework(source: Source) -> Framework:
    """A structurally valid framework from a file (references are checked by validation)."""
    framework = read_document(source, Framework)
    framework, problems = _resolve_outcome_files(framework, source)
    if problems:
        raise ValidationError(problems)
    return framework


def read_submission(source: Source) -> Submission:
    return read_document(source, Submission)


def read_review(source: Source) -> Review:
    return read_document(source, Review)


def submission_folder(source: Source) -> Path | None:
    """The folder evidence paths of a submission are relative to."""
    return _folder(source)


def dumps(value: object) -> str:
    """The TOML text for a framework, outcome set, submission, review or decision."""
    return tomli_w.dumps(unstructure_toml(value))


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    import tempfile  # only writers need it; keeps ``import qmframe`` light

    target = Path(path)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_toml(path: str | os.PathLike[str], value: object) -> None:
    """Write a model value as TOML, atomically."""
    write_text(path, dumps(value))
