"""Errors qmframe raises for bad input, and the located problems they carry.

Everything a person can get wrong in a file ends as one :class:`ValidationError`
that lists *every* problem found, each naming the file and the place inside it,
so a volunteer fixing a framework file sees the whole list at once instead of
one traceback per attempt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import attrs

from qmframe.vocabulary import SEVERITIES

__all__ = [
    "ConflictOfInterestError",
    "PluginError",
    "Problem",
    "QmframeError",
    "ValidationError",
    "describe_value",
    "raise_errors",
]


@attrs.frozen
class Problem:
    """One thing wrong (or worth knowing) about an input, and where it is.

    ``path`` is the place inside the file in the dotted form people read in
    the TOML itself (``sections[2].criteria[5].scale``); empty means the whole
    file. ``severity`` is ``"error"`` (the input cannot be used), ``"warning"``
    (usable, but probably not what was meant) or ``"notice"`` (information);
    any other word is refused when the problem is made. ``code`` is a stable,
    machine-readable name for the kind of problem (``unknown-reference``,
    ``conflict-of-interest``), so tools and tests need not match the sentence,
    which may be reworded.
    """

    message: str
    path: str = ""
    file: str = ""
    severity: str = attrs.field(default="error", validator=attrs.validators.in_(SEVERITIES))
    code: str = attrs.field(default="invalid", kw_only=True)

    def located(self, file: str = "", prefix: str = "") -> Problem:
        """The same problem with a file name and a path prefix filled in."""
        path = self.path
        if prefix:
            path = f"{prefix}.{path}" if path and not path.startswith("[") else prefix + path
        return attrs.evolve(self, file=self.file or file, path=path)

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.path) if part)
        label = "" if self.severity == "error" else f"{self.severity}: "
        return f"{where}: {label}{self.message}" if where else f"{label}{self.message}"


class QmframeError(Exception):
    """Base class of every error qmframe raises on purpose."""


class ValidationError(QmframeError):
    """An input has problems; ``problems`` lists all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class ConflictOfInterestError(ValidationError):
    """A reviewer declared an interest in the organisation they were asked to judge."""


def raise_errors(problems: Iterable[Problem]) -> None:
    """Raise the errors among ``problems`` (warnings and notices pass), all at once.

    A conflict of interest among them makes it a :class:`ConflictOfInterestError`,
    so a caller can tell "replace a reviewer" from "fix the file".
    """
    errors = [p for p in problems if p.severity == "error"]
    if any(p.code == "conflict-of-interest" for p in errors):
        raise ConflictOfInterestError(errors)
    if errors:
        raise ValidationError(errors)


class PluginError(QmframeError):
    """A plugin failed or misbehaved; the message names the plugin and the hook.

    ``plugin`` is the plugin's label (``"dist-name version"`` for an installed
    distribution), ``hook`` the hook it failed in (empty when it failed to
    load), and ``message`` what went wrong, with the exception when one was
    raised (the exception itself is the ``__cause__``).
    """

    def __init__(self, plugin: str, hook: str, message: str) -> None:
        self.plugin = plugin
        self.hook = hook
        self.message = message
        where = f"failed in hook {hook}" if hook else "could not be loaded"
        super().__init__(f"plugin {plugin!r} {where}: {message}")


def describe_value(value: object) -> str:
    """A TOML value as a file's author would name it: "an integer (12)", "a table".

    Messages say what they got in these words, never as a Python ``repr`` (a
    ``datetime.date(2026, 1, 1)`` means nothing to someone editing a TOML file).
    """
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, dt.datetime):
        return f"a date and time ({value.isoformat()})"
    if isinstance(value, dt.date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, dt.time):
        return f"a time ({value.isoformat()})"
    names = {str: "a string", int: "an integer", float: "a number"}
    name = names.get(type(value))
    return f"{name} ({value!r})" if name else "a value of another kind"
