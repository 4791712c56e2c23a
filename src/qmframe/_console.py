"""Small helpers the command-line modules share: printing lines, colour, reading dates.

Colour is used only when the stream is a terminal and ``NO_COLOR`` is unset
(https://no-color.org): a file, a pipe or a CI log gets plain text.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import Any, TextIO

import click

__all__ = [
    "DATE",
    "ClosedPipe",
    "OrderedGroup",
    "colour",
    "complete_dir",
    "complete_example",
    "complete_file",
    "complete_framework",
    "err",
    "out",
    "parse_date",
]


def colour(stream: TextIO) -> bool:
    """Whether to colour what goes to ``stream``: a terminal, and ``NO_COLOR`` unset or empty."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _write(stream: TextIO, text: str, style: dict[str, Any]) -> None:
    from qmframe.escaping import terminal

    # The last guard for a terminal: control and bidi characters from any file are shown,
    # not obeyed. Lines and tabs are the command's own; fields escape their line breaks.
    text = terminal(text, multiline=True)
    end = "" if text.endswith("\n") else "\n"
    if style and colour(stream):
        text = click.style(text.removesuffix("\n"), **style) + "\n"
        end = ""
    stream.write(text + end)


def out(text: str, **style: Any) -> None:
    """Print to stdout, ending with exactly one newline; ``style`` (``click.style``'s
    keywords) applies only on a terminal without ``NO_COLOR``."""
    _write(sys.stdout, text, style)


def err(text: str, **style: Any) -> None:
    """Print to stderr, ending with exactly one newline; styled as :func:`out`."""
    _write(sys.stderr, text, style)


def parse_date(text: str) -> dt.date:
    """A YYYY-MM-DD date within the dates qmframe handles, or :class:`ValueError` saying why."""
    from qmframe.limits import date_problem

    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date as YYYY-MM-DD, got {text!r}") from None
    problem = date_problem(day)
    if problem:
        raise ValueError(problem)
    return day


class _Date(click.ParamType):  # type: ignore[type-arg, unused-ignore]  # generic in newer click
    """A click parameter type for YYYY-MM-DD dates."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


#: The ``type=`` of every date option.
DATE = _Date()


class ClosedPipe(Exception):
    """Standard output's reader went away (``qmframe demo | head``).

    Raised in place of :class:`BrokenPipeError`, which click would turn into
    ``sys.exit(1)``; :func:`qmframe.cli.main` ends quietly with exit code 141.
    """


class OrderedGroup(click.Group):
    """A command group that lists its commands in the order they were added, not sorted."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise ClosedPipe from exc


# -- shell completion (see docs/cli.md) ----------------------------------------------------
# Called only while the shell asks for completions, so loading the plugins here costs
# nothing at start-up. A completion must never print a traceback into the shell: a
# failing plugin falls back to completing file names.


def complete_file(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Let the shell complete a file name."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def complete_dir(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Let the shell complete a folder name."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="dir")]


def complete_framework(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Installed framework ids starting with ``incomplete``, else a file name."""
    from click.shell_completion import CompletionItem

    try:
        from qmframe import api

        ids = sorted(api.default_registry().frameworks())
    except Exception:  # a broken plugin: still complete files
        ids = []
    found: list[Any] = [CompletionItem(i) for i in ids if i.startswith(incomplete)]
    return found or [CompletionItem(incomplete, type="file")]


def complete_example(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Installed example names starting with ``incomplete``."""
    from click.shell_completion import CompletionItem

    try:
        from qmframe import api

        names = list(api.default_registry().examples)
    except Exception:  # a broken plugin: nothing to offer
        names = []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]
