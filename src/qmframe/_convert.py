"""The one place that knows how qmframe's values look in files.

Two converters share one configuration: ``toml`` reads what :mod:`tomllib`
gives and writes what :mod:`tomli_w` accepts (defaults left out, so written
files stay short and TOML's missing null is never needed); ``json`` writes
plain JSON values for reports and APIs. Classes carry no ``to_dict`` methods.

Leaf types are strict on purpose: cattrs would otherwise turn ``12`` into
``"12"`` or ``"false"`` into ``True``, and a volunteer's typo would pass
silently. Every structuring problem ends as a located :class:`Problem`.
"""

from __future__ import annotations

import datetime as dt
import math
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
import cattrs.cols
from cattrs.errors import ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn
from cattrs.preconf.json import make_converter as make_json_converter
from cattrs.preconf.tomllib import make_converter as make_toml_converter

from qmframe.errors import Problem, describe_value
from qmframe.framework import Rule
from qmframe.frozen import thaw
from qmframe.limits import EARLIEST_DATE, LATEST_DATE
from qmframe.submission import Submission

__all__ = ["json_converter", "structure", "toml_converter", "unstructure_json", "unstructure_toml"]

T = TypeVar("T")


class _WrongType(ValueError):
    """A leaf value of the wrong TOML type; the message is shown as it is."""


def _expected(type_: Any) -> str:
    """What a value of ``type_`` looks like in a file: "a table", "a list", "a string"."""
    origin = typing.get_origin(type_) or type_
    if origin in (typing.Union, types.UnionType):
        kinds = [_expected(arg) for arg in typing.get_args(type_) if arg is not type(None)]
        return " or ".join(dict.fromkeys(kinds))
    if attrs.has(origin) or (isinstance(origin, type) and issubclass(origin, Mapping)):
        return "a table"
    if isinstance(origin, type) and issubclass(origin, (tuple, list, set, frozenset)):
        return "a list"
    names = {
        str: "a string",
        bool: "true or false",
        int: "an integer",
        float: "a number",
        dt.date: "a date (YYYY-MM-DD)",
    }
    return names.get(origin, "a value of another kind")


def _strict_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _WrongType(f"expected a string, got {describe_value(value)}")
    return value


def _strict_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise _WrongType(f"expected true or false, got {describe_value(value)}")
    return value


def _strict_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _WrongType(f"expected an integer, got {describe_value(value)}")
    return value


def _strict_float(value: object, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _WrongType(f"expected a number, got {describe_value(value)}")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        number = math.inf
    if not math.isfinite(number):  # TOML's nan and inf would poison every sum and comparison
        raise _WrongType(f"expected a finite number, got {describe_value(value)}")
    return number


def _iso_date(value: object) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _strict_date(value: object, _: type) -> dt.date:
    if isinstance(value, dt.datetime):
        raise _WrongType(f"expected a date (YYYY-MM-DD), got a date and time ({value})")
    day = value if isinstance(value, dt.date) else _iso_date(value)
    if day is None:
        raise _WrongType(f"expected a date (YYYY-MM-DD), got {describe_value(value)}")
    if not EARLIEST_DATE <= day <= LATEST_DATE:  # date arithmetic must not overflow later
        raise _WrongType(f"expected a date from {EARLIEST_DATE} to {LATEST_DATE}, got {day}")
    return day


def _is_list_type(type_: Any) -> bool:
    args = typing.get_args(type_)
    return typing.get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis


def _list_hook(type_: Any, converter: cattrs.Converter) -> Callable[[Any, type], Any]:
    """A ``tuple[X, ...]`` from a list only: a string is not read as a list of characters."""
    base = cattrs.cols.homogenous_tuple_structure_factory(type_, converter)

    def structure_list(value: Any, cls: type) -> Any:
        if not isinstance(value, (list, tuple)):
            raise _WrongType(f"expected a list, got {describe_value(value)}")
        return base(value, cls)

    return structure_list


_RULE_KEYS = tuple(a.name for a in attrs.fields(Rule) if a.name != "params")


def _structure_rule(value: object, _: type) -> Rule:
    if not isinstance(value, Mapping):
        raise _WrongType(f"expected a table, got {describe_value(value)}")
    common = {key: value[key] for key in _RULE_KEYS if key in value}
    params = {key: item for key, item in value.items() if key not in _RULE_KEYS}
    if "params" in params:
        raise _WrongType("a rule's own keys sit beside 'kind', not in a 'params' table")
    errors = [f"required key '{key}' missing" for key in ("id", "kind") if key not in common]
    errors += [
        f"{key}: expected a string, got {describe_value(item)}"
        for key, item in common.items()
        if not isinstance(item, str)
    ]
    if errors:
        raise _WrongType("; ".join(errors))
    return Rule(**common, params=params)


def _unstructure_rule(rule: Rule, converter: cattrs.Converter) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rule.id, "kind": rule.kind}
    defaults = Rule(id="", kind="")
    for key in _RULE_KEYS[2:]:
        if getattr(rule, key) != getattr(defaults, key):
            out[key] = getattr(rule, key)
    # The frozen params (FrozenMap, tuples) back to the tables and arrays files hold.
    out.update(converter.unstructure(thaw(rule.params)))
    return out


def _detail_text(value: object) -> object:
    """A ``[details]`` value written as a TOML number or date, as its text ("23", "2011-03-21").

    Details are text (see :mod:`qmframe.details`); anything else is left for
    the string hook to refuse with its located message.
    """
    if isinstance(value, (bool, dt.datetime)):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        import decimal  # only a detail given as a TOML float needs it

        return format(decimal.Decimal(repr(value)), "f")  # 1e20 as digits, never "1e+20"
    return value


def _submission_hook(converter: cattrs.Converter) -> Callable[[Any, type], Submission]:
    base = make_dict_structure_fn(Submission, converter)

    def structure_submission(value: Any, cls: type) -> Submission:
        if isinstance(value, Mapping) and isinstance(value.get("details"), Mapping):
            text = {key: _detail_text(item) for key, item in value["details"].items()}
            value = {**value, "details": text}
        return base(value, cls)

    return structure_submission


def _configure(converter: cattrs.Converter, *, omit_defaults: bool) -> cattrs.Converter:
    # Leaf hooks first: class hooks generated later capture them.
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(bool, _strict_bool)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(float, _strict_float)
    converter.register_structure_hook(dt.date, _strict_date)
    converter.register_structure_hook(Rule, _structure_rule)
    converter.register_structure_hook_factory(_is_list_type, _list_hook)
    converter.register_unstructure_hook(Rule, lambda rule: _unstructure_rule(rule, converter))
    # Generated on first use (a hook factory), as cattrs does for every other class: a
    # process that reads no submission, or none as JSON, never writes that code.
    converter.register_structure_hook_factory(
        lambda cl: cl is Submission, lambda _: _submission_hook(converter)
    )
    if omit_defaults:
        converter.register_unstructure_hook_factory(
            lambda cl: attrs.has(cl) and cl is not Rule,
            lambda cl: make_dict_unstructure_fn(cl, converter, _cattrs_omit_if_default=True),
        )
    return converter


toml_converter: cattrs.Converter = _configure(
    make_toml_converter(forbid_extra_keys=True), omit_defaults=True
)
json_converter: cattrs.Converter = _configure(
    make_json_converter(forbid_extra_keys=True), omit_defaults=False
)
# JSON has no dates or times: a rule parameter holding a TOML time is written as ISO text,
# as dates and date-times already are by the JSON preset.
json_converter.register_unstructure_hook(dt.time, dt.time.isoformat)

# The same configuration without cattrs' detailed validation, for reading only. Its generated
# code is half the size (no error collecting around every field), so it is written in half
# the time and runs a little faster; it accepts exactly what the detailed converter accepts,
# since the hooks are the same. Input it refuses is read again by the detailed converter,
# which collects every problem with its place: bad input costs two passes, good input one.
_quick_toml: cattrs.Converter = _configure(
    make_toml_converter(forbid_extra_keys=True, detailed_validation=False), omit_defaults=True
)
_quick_json: cattrs.Converter = _configure(
    make_json_converter(forbid_extra_keys=True, detailed_validation=False), omit_defaults=False
)
_CONVERTERS = (toml_converter, json_converter, _quick_toml, _quick_json)


def _format_exception(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, _WrongType):
        return str(exc)
    if isinstance(exc, ForbiddenExtraKeysError):
        keys = ", ".join(repr(k) for k in sorted(exc.extra_fields))
        return f"unknown key{'s' if len(exc.extra_fields) > 1 else ''} {keys}"
    if isinstance(exc, KeyError):
        return "required key missing"
    # Anything else is a value of the wrong shape that a generated hook tripped over
    # ("'list' object has no attribute 'keys'"): say what was expected, never Python's text.
    return f"expected {_expected(type_)}" if type_ is not None else "a value of the wrong kind"


def _code_of(message: str) -> str:
    """The problem code for a structuring message: a key too many, one missing, or a wrong type."""
    if message.startswith("unknown key"):
        return "unknown-key"
    if "missing" in message:
        return "missing-key"
    if message.startswith(("expected a date from", "expected a finite number")):
        return "out-of-range"  # the right type, beyond the bounds (qmframe.limits)
    return "wrong-type"


def structure(
    data: Any, cls: type[T], *, file: str = "", format: str = "toml"
) -> T | list[Problem]:
    """Build ``cls`` from parsed TOML (or JSON), or return every located problem."""
    quick, converter = (
        (_quick_json, json_converter) if format == "json" else (_quick_toml, toml_converter)
    )
    try:
        return quick.structure(data, cls)
    except Exception:  # read again below, to find every problem and its place
        pass
    try:
        return converter.structure(data, cls)
    except Exception as exc:  # cattrs groups every field error in one exception
        lines = cattrs.transform_error(exc, path="$", format_exception=_format_exception)
        problems = []
        for line in lines:
            message, _, path = line.rpartition(" @ ")
            path = path.removeprefix("$").removeprefix(".")
            problems.append(Problem(message, path=path, file=file, code=_code_of(message)))
        return problems


def unstructure_toml(value: object) -> dict[str, Any]:
    """The TOML-ready table for a model value."""
    result: dict[str, Any] = toml_converter.unstructure(value)
    return result


def unstructure_json(value: object) -> Any:
    """Plain JSON values for a model value."""
    return json_converter.unstructure(value)


def register_hook(hook: Callable[[cattrs.Converter], None]) -> None:
    """Let a plugin adjust every converter (kept for plugin-supplied types)."""
    for converter in _CONVERTERS:
        hook(converter)
