"""Sphinx directives that write documentation from qmframe's own code.

``qmframe-keys CLASS`` writes the table of keys of one part of a file (name,
type, whether it is required or its default, and the sentence from
:data:`qmframe.schema.FIELD_DOCS`), from the model class itself, so the file
format page always lists every key the loader accepts.

The command line's help is written into ``cli.md`` by cog instead, so it reads
the same on a code host (see the top of that page).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

import qmframe
from qmframe.schema import DOCUMENTS, FIELD_DOCS

_ANY_CLASS: dict[str, type] = {}


def _classes() -> dict[str, type]:
    """Every attrs class a qmframe file holds, by name."""
    if not _ANY_CLASS:
        todo = list(DOCUMENTS.values())
        while todo:
            cls = todo.pop()
            if cls.__name__ in _ANY_CLASS:
                continue
            _ANY_CLASS[cls.__name__] = cls
            for hint in typing.get_type_hints(cls).values():
                stack = [hint]
                while stack:
                    tp = stack.pop()
                    if isinstance(tp, type) and attrs.has(tp):
                        todo.append(tp)
                    stack += typing.get_args(tp)
    return _ANY_CLASS


def _plural(noun: str) -> str:
    if noun.startswith(("list of ", "table of ")):
        head, _, rest = noun.partition(" of ")
        return f"{head}s of {rest}"
    return noun + "s"


def type_name(tp: Any) -> str:
    """A field's type in the words the file format page uses."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in args if a is not type(None))
    if origin is tuple:
        return f"list of {_plural(type_name(args[0]))}"
    if origin is Mapping or origin is dict:
        return "table" if args[1] is Any else f"table of {_plural(type_name(args[1]))}"
    if isinstance(tp, type) and attrs.has(tp):
        return f"{tp.__name__} table"
    names = {str: "string", bool: "boolean", int: "integer", float: "number", dt.date: "date"}
    return names.get(tp, "value")


def _default(field: attrs.Attribute) -> nodes.Node:  # type: ignore[type-arg]
    if field.default is attrs.NOTHING:
        return nodes.strong("", "required")
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        default = default.factory()  # type: ignore[attr-defined]
    if attrs.has(type(default)):
        # A default that sets some of its keys (not applicable's "a reason") says which.
        changed = [
            f"{a.name} = " + (str(value).lower() if isinstance(value, bool) else repr(value))
            for a in attrs.fields(type(default))
            if (value := getattr(default, a.name)) != a.default
        ]
        if changed:
            return nodes.literal("", "{ " + ", ".join(changed) + " }")
        return nodes.Text("its keys' defaults")
    if default in ((), {}, ""):
        return nodes.Text("empty")
    if default is None:
        return nodes.Text("none")
    if isinstance(default, bool):
        return nodes.literal("", str(default).lower())
    return nodes.literal("", f'"{default}"' if isinstance(default, str) else str(default))


def table(header: list[str], rows: list[list[nodes.Node]], widths: list[int]) -> nodes.table:
    """A docutils table, built directly so it works in MyST and reST pages alike."""
    group = nodes.tgroup(cols=len(header))
    group += [nodes.colspec(colwidth=width) for width in widths]
    head = nodes.thead()
    head += nodes.row("", *(nodes.entry("", nodes.paragraph("", text)) for text in header))
    body = nodes.tbody()
    for cells in rows:
        body += nodes.row("", *(nodes.entry("", nodes.paragraph("", "", cell)) for cell in cells))
    group += [head, body]
    return nodes.table("", group)


class KeysDirective(SphinxDirective):
    """The table of keys of one model class."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        cls = _classes().get(name)
        if cls is None:
            raise self.error(f"qmframe-keys: no file class named {name!r}")
        hints = typing.get_type_hints(cls)
        docs = FIELD_DOCS.get(name, {})
        rows = []
        for field in attrs.fields(cls):
            if name == "Rule" and field.name == "params":
                continue
            text = docs.get(field.name)
            if not text:
                raise self.error(f"qmframe-keys: {name}.{field.name} has no FIELD_DOCS entry")
            rows.append(
                [
                    nodes.literal("", field.name),
                    nodes.Text(type_name(hints[field.name])),
                    _default(field),
                    nodes.Text(text),
                ]
            )
        return [table(["key", "type", "default", "meaning"], rows, [18, 22, 10, 50])]


class RuleKindsDirective(SphinxDirective):
    """A table of the built-in rule kinds: name, what it checks, and its own keys."""

    def run(self) -> list[nodes.Node]:
        registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
        rows: list[list[nodes.Node]] = []
        for name, kind in sorted(registry.rule_kinds.items()):
            keys = ", ".join(getattr(kind, "_keys", ())) or "none"
            rows.append([nodes.literal("", name), nodes.Text(kind.summary), nodes.Text(keys)])
        return [table(["kind", "holds when", "its own keys"], rows, [22, 50, 28])]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("qmframe-rule-kinds", RuleKindsDirective)
    app.add_directive("qmframe-keys", KeysDirective)
    return {"version": qmframe.__version__, "parallel_read_safe": True}
