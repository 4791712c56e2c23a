"""Reading and writing qmframe's TOML files, and the text of every value (TOML or JSON).

Reading never shows a traceback for bad input: malformed TOML (with line and
column), wrong keys and types, and broken references all come back as one
:class:`~qmframe.errors.ValidationError` naming the file. :func:`loads` reads
text the same way, and :func:`dumps` writes what it reads. Only regular files
are read, up to :data:`~qmframe.limits.MAX_INPUT_BYTES`. Writing goes through
:func:`qmframe.output.write_output`: atomic, and only over a regular file.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from collections.abc import Mapping
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeVar, overload

import attrs
import tomli_w

from qmframe._convert import structure, unstructure_json, unstructure_toml
from qmframe.decision import Decision
from qmframe.errors import Problem, ValidationError
from qmframe.framework import Framework, OutcomeSet
from qmframe.limits import MAX_INPUT_BYTES
from qmframe.output import describe_kind, write_output
from qmframe.submission import Review, Submission

__all__ = [
    "KINDS",
    "Document",
    "Format",
    "Source",
    "dumps",
    "file_label",
    "loads",
    "read_bytes",
    "read_decision",
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
#: The two text forms of a value.
Format = Literal["toml", "json"]
#: What :func:`loads` can read.
Document = Framework | OutcomeSet | Submission | Review | Decision
#: The kinds of value :func:`loads` reads, by name.
KINDS: Mapping[str, type[Document]] = {
    "framework": Framework,
    "outcome-set": OutcomeSet,
    "submission": Submission,
    "review": Review,
    "decision": Decision,
}
#: Keys the JSON of a value carries beside its own fields, worked out from them.
_DERIVED: Mapping[type, tuple[str, ...]] = {Decision: ("disagreements",)}


def file_label(source: Source) -> str:
    """How a file is named in messages: the path as given, or a resource's name."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return str(source)


def _folder(source: Source) -> Path | None:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).parent
    return None


def read_bytes(source: Source, limit: int | None = None) -> bytes:
    """The bytes of an input file: only a regular file, of at most ``limit`` bytes.

    ``limit`` defaults to :data:`~qmframe.limits.MAX_INPUT_BYTES`. A FIFO, a
    device or a folder is refused before it is opened (and it is opened
    without blocking, in case it changed meanwhile), so no input path can
    hang qmframe; a larger file is refused before it is read.
    """
    label = file_label(source)
    limit = MAX_INPUT_BYTES if limit is None else limit

    def refuse(message: str) -> ValidationError:
        return ValidationError([Problem(message, file=label, code="unreadable-file")])

    too_large = f"the file is larger than the {limit:,} bytes qmframe reads"
    try:
        if not isinstance(source, (str, os.PathLike)):
            data = source.read_bytes()  # a plugin's packaged resource
        else:
            mode = os.stat(source).st_mode
            if not stat.S_ISREG(mode):
                raise refuse(f"cannot read {describe_kind(mode)}: only regular files are read")
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
            with os.fdopen(os.open(source, flags), "rb") as stream:
                status = os.fstat(stream.fileno())
                if not stat.S_ISREG(status.st_mode):
                    mode = status.st_mode
                    raise refuse(f"cannot read {describe_kind(mode)}: only regular files are read")
                if status.st_size > limit:
                    raise refuse(too_large)
                data = stream.read(limit + 1)
    except OSError as exc:
        raise refuse(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise refuse(too_large)
    return data


def _read_text(source: Source) -> str:
    """A file's text; an unreadable or non-UTF-8 file raises a located ValidationError."""
    label = file_label(source)
    data = read_bytes(source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [Problem(f"not UTF-8 text (byte {exc.start})", file=label, code="malformed-file")]
        ) from None


def _parse(text: str, format: Format, label: str) -> dict[str, Any]:
    """The table that TOML or JSON text holds; malformed text raises a located ValidationError."""
    if format == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(
                [Problem(f"malformed TOML: {exc}", file=label, code="malformed-file")]
            ) from None
        except RecursionError:  # tomllib recurses per nested array or inline table
            raise ValidationError(
                [
                    Problem(
                        "malformed TOML: arrays or tables nested too deeply",
                        file=label,
                        code="malformed-file",
                    )
                ]
            ) from None
    if format != "json":
        raise ValueError(f"format must be 'toml' or 'json', not {format!r}")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError(
            [Problem(f"malformed JSON: {exc}", file=label, code="malformed-file")]
        ) from None
    except RecursionError:
        raise ValidationError(
            [
                Problem(
                    "malformed JSON: arrays or objects nested too deeply",
                    file=label,
                    code="malformed-file",
                )
            ]
        ) from None
    if not isinstance(data, dict):
        raise ValidationError([Problem("expected a JSON object", file=label, code="wrong-value")])
    return data


def read_toml(source: Source) -> dict[str, Any]:
    """Parse a TOML file; a malformed or unreadable file raises a located ValidationError."""
    return _parse(_read_text(source), "toml", file_label(source))


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


def read_decision(source: Source) -> Decision:
    """A decision from a file: JSON (``assess --format json``) if its name ends in ``.json``,
    TOML (:func:`dumps`) otherwise."""
    label = file_label(source)
    format: Format = "json" if label.endswith(".json") else "toml"
    return loads(_read_text(source), Decision, format=format, file=label)


def dumps(value: object, *, format: Format = "toml") -> str:
    """The text of a framework, outcome set, submission, review or decision, as TOML or JSON.

    TOML leaves out every key that has its default value, as the files do.
    JSON gives every key, and for a decision it is what ``qmframe assess
    --format json`` writes: the decision's fields and its derived
    ``disagreements``. :func:`loads` reads either back to an equal value,
    but for one thing JSON cannot say: a rule parameter holding a TOML date
    or time is written as ISO text, and read back as that text.
    """
    if format == "toml":
        return tomli_w.dumps(unstructure_toml(value))
    if format != "json":
        raise ValueError(f"format must be 'toml' or 'json', not {format!r}")
    data = unstructure_json(value)
    if isinstance(value, Decision):
        data["disagreements"] = unstructure_json(value.disagreements)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@overload
def loads(text: str, kind: type[T], *, format: Format = ..., file: str = ...) -> T: ...
@overload
def loads(text: str, kind: str, *, format: Format = ..., file: str = ...) -> Document: ...
def loads(text: str, kind: type[Any] | str, *, format: Format = "toml", file: str = "") -> Any:
    """Read a value back from the text :func:`dumps` gives (TOML, or JSON with ``format="json"``).

    ``kind`` is the class (:class:`~qmframe.Framework`, :class:`~qmframe.OutcomeSet`,
    :class:`~qmframe.Submission`, :class:`~qmframe.Review` or
    :class:`~qmframe.Decision`) or its name in :data:`KINDS` (``"framework"``,
    ``"outcome-set"``, ``"submission"``, ``"review"``, ``"decision"``). Bad
    text raises :class:`~qmframe.ValidationError` with every problem located
    as the file readers locate them; ``file`` names the text in those
    problems. In JSON, keys worked out from the value (a decision's
    ``disagreements``) are ignored. The check is the file readers' own: the
    structure and types, not references between parts, and an outcome set
    that names a ``file`` is kept as it is written (:func:`read_framework`
    reads that file).
    """
    cls = KINDS.get(kind) if isinstance(kind, str) else kind
    if cls is None or cls not in KINDS.values():
        known = ", ".join([*KINDS, *(c.__name__ for c in KINDS.values())])
        raise ValueError(f"loads reads one of {known}, not {kind!r}")
    data = _parse(text, format, file)
    if format == "json":
        for key in _DERIVED.get(cls, ()):
            data.pop(key, None)
    result = structure(data, cls, file=file, format=format)
    if isinstance(result, list):
        raise ValidationError(result)
    return result


def write_text(path: str | os.PathLike[str], text: str, *, private: bool = False) -> None:
    """Write ``text`` to ``path`` safely: see :func:`qmframe.output.write_output`."""
    write_output(path, text, private=private)


def write_toml(path: str | os.PathLike[str], value: object) -> None:
    """Write a model value as TOML, atomically."""
    write_text(path, dumps(value))
