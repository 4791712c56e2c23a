"""Declared submission details: what each type of detail accepts, and when one is required.

A framework declares the facts it needs from every submission
(``[[submission_details]]``, see :class:`~qmframe.framework.SubmissionDetail`);
a submission gives them in its ``[details]`` table. Values are kept as text:
a ``number`` or ``date`` may be written as a TOML number or date, and is kept
as the same text (``23``, ``2011-03-21``). The rules here are used by
validation, the JSON Schema, the template and the testing kit alike, so all
four accept the same values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from qmframe.framework import Framework, SubmissionDetail

__all__ = [
    "DATE_PATTERN",
    "NUMBER_PATTERN",
    "URL_PATTERN",
    "declared",
    "given",
    "is_required",
    "number_of",
    "value_problem",
]

#: A number as a detail accepts it: digits, optional thousands commas, an optional
#: sign and decimal part (``23``, ``-4.5``, ``1,200``).
NUMBER_PATTERN = r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$"
#: A date: YYYY-MM-DD (and a real day, which the pattern alone cannot say).
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: An http or https address with a host (what the JSON Schema can say of it).
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+([/?#]\S*)?$"

_NUMBER = re.compile(NUMBER_PATTERN)
_DATE = re.compile(DATE_PATTERN)


def declared(framework: Framework) -> dict[str, SubmissionDetail]:
    """The framework's declared details by key, in file order."""
    return {detail.key: detail for detail in framework.submission_details}


def given(value: str | None) -> bool:
    """Whether a detail is given: present and not only spaces."""
    return value is not None and bool(value.strip())


def is_required(detail: SubmissionDetail, values: Mapping[str, str]) -> bool:
    """Whether ``detail`` must be given, with these other details given."""
    if detail.required:
        return True
    condition = detail.required_if
    return condition is not None and values.get(condition.key, "").strip() == condition.equals


def number_of(text: str) -> float:
    """The value of a text :func:`value_problem` accepts as a number."""
    return float(text.strip().replace(",", ""))


def value_problem(detail: SubmissionDetail, text: str) -> str:
    """Why ``text`` is not a value of ``detail``'s type ('' when it is).

    Only a given value is checked (see :func:`given`); whether a detail may be
    left out is :func:`is_required`'s question.
    """
    value = text.strip()
    if detail.type == "choice":
        if value in detail.choices:
            return ""
        return f"unknown choice {value!r} (expected one of: {', '.join(detail.choices)})"
    if detail.type == "number":
        return (
            "" if _NUMBER.match(value) else f"expected a number (such as 23 or 4.5), got {text!r}"
        )
    if detail.type == "date":
        if _DATE.match(value):
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                return ""
        return f"expected a date (YYYY-MM-DD), got {text!r}"
    if detail.type == "url":
        return "" if _is_web_address(value) else f"expected an http or https address, got {text!r}"
    return ""


def _is_web_address(text: str) -> bool:
    if not text or any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:  # a malformed host, such as an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
