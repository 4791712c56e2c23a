"""Escaping as a property of each output format.

Organisation names, titles, rationales, feedback and every other string
from a file are untrusted: a name may carry terminal escape sequences, a
Unicode bidi override, a Markdown link to ``javascript:``, ``<script>`` or
a spreadsheet formula. Each output format escapes what is special to it,
here, in one place, so a report shows such text as text:

* :func:`terminal` (plain text, the letter, the sector view, command
  output): C0 and C1 control characters (escape sequences start with one),
  Unicode format characters (bidi controls such as U+202E, zero-width and
  invisible characters) and line and paragraph separators become visible
  escapes such as ``\\x1b``, ``\\n`` and ``\\u202e``. A single-line field
  shows a newline as ``\\n``, so it cannot forge a line.
* :func:`markdown` and :func:`markdown_code`: the above, then HTML's ``&``,
  ``<`` and ``>`` as entities (:func:`html.escape`) and Markdown's inline
  punctuation backslash-escaped, so no raw HTML, link or emphasis can form.
* :func:`csv_cell`: the above, then a cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return gets a leading ``'``, as OWASP's
  guidance on CSV injection describes, so a spreadsheet shows it as text.
* :func:`json_text`: JSON from :func:`json.dumps`, with every character that
  is not printable written as a ``\\uXXXX`` escape; the data is unchanged.

The HTML report escapes with Jinja2's autoescaping and shows control
characters visibly with :func:`terminal`.

A backslash in the input is left as it is, so ``\\x1b`` typed as four
characters reads the same as an escaped ESC: the point is that nothing in
the text is *acted on*. The zero-width joiner and non-joiner (U+200D,
U+200C) are kept, because emoji and several scripts need them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = ["csv_cell", "json_text", "markdown", "markdown_code", "terminal"]

#: Shown by name rather than by number.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Not printable to Python, but harmless and needed: spaces other than ASCII's,
#: private-use and unassigned code points, and the joiners.
_HARMLESS_CATEGORIES = frozenset({"Zs", "Co", "Cn"})
_JOINERS = frozenset({"\u200c", "\u200d"})


def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _visible_char(char: str) -> str:
    if char.isprintable() or char in _JOINERS or unicodedata.category(char) in _HARMLESS_CATEGORIES:
        return char
    return _escape(char)


def terminal(text: str, *, multiline: bool = False) -> str:
    """``text`` with control, format and separator characters shown as escapes.

    :param multiline: keep newlines and tabs (for a whole report, whose lines
        are the report's own); otherwise a newline shows as ``\\n``.
    """
    if text.isprintable():  # the common case, checked at C speed
        return text
    if multiline:
        return "\n".join(
            line if line.isprintable() else _keep_tabs(line) for line in text.split("\n")
        )
    return "".join(map(_visible_char, text))


def _keep_tabs(line: str) -> str:
    return "\t".join("".join(map(_visible_char, part)) for part in line.split("\t"))


#: Markdown's inline punctuation; with ``&``, ``<`` and ``>`` made entities and
#: newlines escaped, nothing else can start a link, an image, emphasis, code or HTML.
_MARKDOWN = re.compile(r"([\\`*_\[\]|~!])")


def markdown(text: str) -> str:
    """``text`` as one line of Markdown that renders as exactly that text."""
    import html  # only Markdown output needs it

    return _MARKDOWN.sub(r"\\\1", html.escape(terminal(text), quote=False))


def markdown_code(text: str) -> str:
    """``text`` as a Markdown code span (an id, a rule kind): shown literally, one line.

    The fence is one backtick longer than any run of backticks inside, as
    CommonMark requires; code spans show HTML as text.
    """
    text = terminal(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """One CSV cell's text, safe to open in a spreadsheet.

    Control characters show as escapes; a cell that would start a formula
    starts with ``'`` instead, which spreadsheets read as "this is text".
    Quote every cell when writing (``csv.QUOTE_ALL``), as OWASP advises.
    """
    text = terminal(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the Basic Multilingual Plane: a surrogate pair, as JSON spells it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON text: readable UTF-8, but no control or invisible character raw.

    :func:`json.dumps` escapes C0 controls already; C1 controls, bidi and
    other format characters, separators and lone surrogates are escaped
    here too. Parsing the text gives back exactly ``value``.
    """
    import json  # only JSON output needs it; command start-up stays light

    text = json.dumps(value, indent=indent, ensure_ascii=False)
    if text.isascii():
        return text
    return "\n".join(
        line
        if line.isprintable()
        else "".join(c if c.isprintable() else _json_escape(c) for c in line)
        for line in text.split("\n")
    )
