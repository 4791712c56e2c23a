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
import sys
import types
from collections.abc import Mapping
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeVar, overload

import attrs
import tomli_w

from qmframe._convert import structure, unstructure_json, unstructure_toml
from qmframe.decision import JSON_FORMAT_VERSION, Decision, award_id
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
_DERIVED: Mapping[type, tuple[str, ...]] = {Decision: ("award", "disagreements")}


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
    except ValueError:  # os.stat refuses a name with a NUL character
        raise refuse("cannot read the file: its name holds a NUL character") from None
    if len(data) > limit:
        raise refuse(too_large)
    return data


def _byte_place(data: bytes, offset: int) -> str:
    """Where byte ``offset`` is: "(byte 7, at line 2, column 3)", the column counted in bytes."""
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"(byte {offset}, at line {line}, column {column})"


def _read_text(source: Source) -> str:
    """A file's text; an unreadable or non-UTF-8 file raises a located ValidationError."""
    label = file_label(source)
    data = read_bytes(source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [
                Problem(
                    f"not UTF-8 text {_byte_place(data, exc.start)}",
                    file=label,
                    code="malformed-file",
                )
            ]
        ) from None


#: How deep arrays and tables may nest before "nested too deeply" names the place.
_DEEP = 100


def _too_deep(text: str) -> str:
    """Where arrays or tables in ``text`` first nest more than :data:`_DEEP` levels deep.

    The parsers recurse once per level and give up with no position, so the
    text is scanned here, skipping strings and comments: "(at line 1, column
    105)", or "" if the nesting is too deep for the parser only.
    """
    depth, line, start, i, quote = 0, 1, 0, 0, ""
    while i < len(text):
        char = text[i]
        if char == "\n":
            line, start = line + 1, i + 1
        elif quote:
            if char == "\\" and quote[0] == '"':
                i += 1
            elif text.startswith(quote, i):
                i, quote = i + len(quote) - 1, ""
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, i) else char
            i += len(quote) - 1
        elif char == "#":
            while i + 1 < len(text) and text[i + 1] != "\n":
                i += 1
        elif char in "[{":
            depth += 1
            if depth > _DEEP:
                return f" (more than {_DEEP} levels deep at line {line}, column {i - start + 1})"
        elif char in "]}":
            depth -= 1
        i += 1
    return ""


def _parse(text: str, format: Format, label: str) -> dict[str, Any]:
    """The table that TOML or JSON text holds; malformed text raises a located ValidationError."""
    if format == "toml":
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
                        "malformed TOML: arrays or tables nested too deeply" + _too_deep(text),
                        file=label,
                        code="malformed-file",
                    )
                ]
            ) from None
        return parsed
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
                    "malformed JSON: arrays or objects nested too deeply" + _too_deep(text),
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


#: The top-level key that says what a file is, and the value each kind of file gives it.
DOCUMENT_KEY = "document"
_DOCUMENT_NAMES: Mapping[type, str] = {
    Framework: "framework",
    OutcomeSet: "outcome-set",
    Submission: "submission",
    Review: "review",
}


def _take_document_key(data: dict[str, Any], cls: type, label: str) -> list[Problem]:
    """Take the optional ``document`` key out of ``data``: a problem unless it names ``cls``."""
    if DOCUMENT_KEY not in data or cls not in _DOCUMENT_NAMES:
        return []
    declared, expected = data.pop(DOCUMENT_KEY), _DOCUMENT_NAMES[cls]
    if declared == expected:
        return []
    return [
        Problem(
            f"document is {declared!r}, but this is read as a {expected} (document = {expected!r})",
            DOCUMENT_KEY,
            label,
            code="wrong-value",
        )
    ]


def read_document(source: Source, cls: type[T], *, data: dict[str, Any] | None = None) -> T:
    """Parse and structure one file as ``cls``, raising every structural problem at once.

    The optional top-level ``document`` key names the kind of file; when it is
    given it must name ``cls`` (``document = "review"``), and it is not part of
    the value. ``data`` is the file's table when the caller has parsed it
    already, so that no file is parsed twice.
    """
    label = file_label(source)
    if data is None:
        data = read_toml(source)
    problems = _take_document_key(data, cls, label)
    result = structure(data, cls, file=label)
    if isinstance(result, list) or problems:
        raise ValidationError(problems + (result if isinstance(result, list) else []))
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


def read_framework(source: Source, *, data: dict[str, Any] | None = None) -> Framework:
    """A structurally valid framework from a file (references are checked by validation).

    ``data``: the file's table, when it is parsed already (see :func:`read_document`).
    """
    framework = read_document(source, Framework, data=data)
    framework, problems = _resolve_outcome_files(framework, source)
    if problems:
        raise ValidationError(problems)
    return framework


def read_submission(source: Source, *, data: dict[str, Any] | None = None) -> Submission:
    return read_document(source, Submission, data=data)


def read_review(source: Source, *, data: dict[str, Any] | None = None) -> Review:
    return read_document(source, Review, data=data)


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
    --format json`` writes: its ``format_version`` and ``award`` id, the
    decision's fields and its derived ``disagreements``. :func:`loads` reads
    either back to an equal value, but for one thing JSON cannot say: a rule
    parameter holding a TOML date or time is written as ISO text, and read
    back as that text.
    """
    if format == "toml":
        return tomli_w.dumps(unstructure_toml(value))
    if format != "json":
        raise ValueError(f"format must be 'toml' or 'json', not {format!r}")
    data = unstructure_json(value)
    if isinstance(value, Decision):
        data = {"format_version": JSON_FORMAT_VERSION, "award": award_id(value), **data}
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
    ``award`` id and ``disagreements``) are ignored, and a decision's
    ``format_version`` is checked: a version newer than this qmframe reads
    is refused, located at ``format_version``. The check is the file readers' own: the
    structure and types, not references between parts, and an outcome set
    that names a ``file`` is kept as it is written (:func:`read_framework`
    reads that file).
    """
    cls = KINDS.get(kind) if isinstance(kind, str) else kind
    if cls is None or cls not in KINDS.values():
        known = ", ".join([*KINDS, *(c.__name__ for c in KINDS.values())])
        raise ValueError(f"loads reads one of {known}, not {kind!r}")
    data = _parse(text, format, file)
    problems = _take_document_key(data, cls, file)
    if problems:
        raise ValidationError(problems)
    if format == "json":
        for key in _DERIVED.get(cls, ()):
            data.pop(key, None)
        if cls is Decision:
            _check_format_version(data, file)
    result = structure(data, cls, file=file, format=format)
    if isinstance(result, list):
        raise ValidationError(result)
    return result


def _check_format_version(data: dict[str, Any], file: str) -> None:
    """Take a decision's ``format_version`` out of ``data``; refuse one this qmframe cannot read.

    A decision written before format versions were numbered has none, and is
    read as version 1.
    """
    version = data.pop("format_version", JSON_FORMAT_VERSION)
    if type(version) is not int:
        problem = Problem(
            f"format_version must be a whole number, not {version!r}",
            "format_version",
            file,
            code="wrong-type",
        )
        raise ValidationError([problem])
    if not 1 <= version <= JSON_FORMAT_VERSION:
        problem = Problem(
            f"format_version {version} is not one this qmframe reads (it reads 1 to "
            f"{JSON_FORMAT_VERSION}); a newer qmframe wrote it: upgrade qmframe to read it",
            "format_version",
            file,
            code="unknown-version",
        )
        raise ValidationError([problem])


def write_text(path: str | os.PathLike[str], text: str, *, private: bool = False) -> None:
    """Write ``text`` to ``path`` safely: see :func:`qmframe.output.write_output`."""
    write_output(path, text, private=private)


def write_toml(path: str | os.PathLike[str], value: object) -> None:
    """Write a model value as TOML, atomically."""
    write_text(path, dumps(value))
