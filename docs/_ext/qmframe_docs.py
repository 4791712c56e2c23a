"""Reference text for the docs, written from qmframe's own code as Markdown, by cog.

The pages under ``docs/`` hold what these functions return between cog's
markers, so the text is committed and reads the same on a code host, in an
editor and in the Sphinx site; ``python -m cogapp -r docs/*.md`` writes it
again and the test suite checks that it matches the code. This module needs
only qmframe (no Sphinx): the tests run it without the docs extra.

* :func:`keys_table` — one part of a file: each key with its type, default and
  meaning (from :data:`qmframe.schema.FIELD_DOCS`), from the model class itself.
* :func:`rule_kinds` — every built-in rule kind and its own keys (``RuleKind.keys``).
* :func:`api` — functions, classes and modules: signature and docstring, the
  docstring's reST (roles, literals, field lists) turned into Markdown.
* :func:`include` — a whole example file, as a fenced block.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import re
import textwrap
import tomllib
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

import qmframe
from qmframe.schema import DOCUMENTS, FIELD_DOCS

# -- Markdown pieces ---------------------------------------------------------------------------


def code(text: str) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds (CommonMark's rule).

    A line break in ``text`` is kept: inside a code span it reads as a space.
    """
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(text: str) -> str:
    """``text`` made safe inside a table cell: one line, and ``|`` escaped as ``\\|``."""
    return " ".join(text.split()).replace("|", "\\|")


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A Markdown (GitHub-flavoured) table; cells are Markdown text, escaped here."""
    head = [cell(h) for h in header]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in rows:
        cells = [cell(c) for c in row]
        assert len(cells) == len(head), (head, cells)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _block(text: str) -> str:
    """Generated text as cog writes it: a blank line either side."""
    return "\n" + text.strip("\n") + "\n\n"


# -- the keys of a file ------------------------------------------------------------------------

_CLASSES: dict[str, type] = {}


def _classes() -> dict[str, type]:
    """Every attrs class a qmframe file holds, by name."""
    if not _CLASSES:
        todo = list(DOCUMENTS.values())
        while todo:
            cls = todo.pop()
            if cls.__name__ in _CLASSES:
                continue
            _CLASSES[cls.__name__] = cls
            for hint in typing.get_type_hints(cls).values():
                stack = [hint]
                while stack:
                    tp = stack.pop()
                    if isinstance(tp, type) and attrs.has(tp):
                        todo.append(tp)
                    stack += typing.get_args(tp)
    return _CLASSES


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


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value) if isinstance(value, float) else str(value)


def _default(field: attrs.Attribute) -> str:  # type: ignore[type-arg]
    """A field's default as the table shows it (Markdown)."""
    if field.default is attrs.NOTHING:
        return "**required**"
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        default = default.factory()  # type: ignore[attr-defined]
    if attrs.has(type(default)):
        # A default that sets some of its keys (not applicable's "a reason") says which.
        changed = [
            f"{a.name} = {_toml_value(value)}"
            for a in attrs.fields(type(default))
            if (value := getattr(default, a.name)) != a.default
        ]
        return code("{ " + ", ".join(changed) + " }") if changed else "its keys' defaults"
    if default in ((), {}, ""):
        return "empty"
    if default is None:
        return "none"
    return code(_toml_value(default))


def keys_table(name: str) -> str:
    """The table of keys of the file class ``name``: key, type, default, meaning."""
    cls = _classes().get(name)
    if cls is None:
        raise LookupError(f"keys_table: no file class named {name!r}")
    hints = typing.get_type_hints(cls)
    docs = FIELD_DOCS.get(name, {})
    rows = []
    for field in attrs.fields(cls):
        if name == "Rule" and field.name == "params":
            continue
        text = docs.get(field.name)
        if not text:
            raise LookupError(f"keys_table: {name}.{field.name} has no FIELD_DOCS entry")
        rows.append([code(field.name), type_name(hints[field.name]), _default(field), text])
    return _block(table(["key", "type", "default", "meaning"], rows))


# -- the rule kinds ----------------------------------------------------------------------------


def _words_or_value(default: str) -> str:
    """A rule key's default: a TOML value as code, words as they are."""
    try:
        tomllib.loads(f"value = {default}")
    except tomllib.TOMLDecodeError:
        return default
    return code(default)


def rule_kinds(heading: str = "####") -> str:
    """Every built-in rule kind: what it holds when, then a section per kind with its keys."""
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    kinds = sorted(registry.rule_kinds.items())
    parts = [table(["kind", "holds when"], [[code(name), kind.summary] for name, kind in kinds])]
    for name, kind in kinds:
        parts.append(f"{heading} {code(name)}\n")
        if kind.keys is None:
            parts.append("Its keys are not declared (it checks them itself).\n")
        elif not kind.keys:
            parts.append("It takes no keys of its own.\n")
        else:
            rows = [
                [
                    code(key.name),
                    key.type,
                    "**required**" if key.required else _words_or_value(key.default),
                    key.meaning,
                ]
                for key in kind.keys
            ]
            parts.append(table(["key", "type", "default", "meaning"], rows))
    return _block("\n".join(parts))


# -- reST docstrings as Markdown ---------------------------------------------------------------

_INLINE = re.compile(
    r"``(?P<literal>[^`]+?)``"
    r"|:(?P<role>[\w:.-]+):`(?P<target>[^`]+)`"
    r"|`(?P<link>[^`<]+?)\s*<(?P<url>[^>`]+)>`__?"
    r"|`(?P<interpreted>[^`]+)`"
)
_CALLABLE_ROLES = frozenset({"func", "meth", "py:func", "py:meth"})


def _role(role: str, target: str) -> str:
    title = re.fullmatch(r"(.+?)\s*<(.+)>", target, flags=re.S)
    if title:
        text = title[1]
    else:
        text = target.lstrip("!")
        if text.startswith("~"):
            text = text[1:].rsplit(".", 1)[-1]
        if role in _CALLABLE_ROLES and not text.endswith(")"):
            text += "()"
    return code(" ".join(text.split()))


def inline(text: str) -> str:
    """reST inline markup as Markdown: literals and roles as code spans, links as links."""

    def one(match: re.Match[str]) -> str:
        if match["literal"] is not None:
            return code(match["literal"])
        if match["role"] is not None:
            return _role(match["role"], match["target"])
        if match["link"] is not None:
            return f"[{match['link']}]({match['url']})"
        return code(match["interpreted"])

    return _INLINE.sub(one, text)


_FIELD = re.compile(
    r":(?P<kind>param|parameter|arg|key|returns?|raises?|yields?)(?P<arg>[^:]*):\s?"
)


def _fields(lines: list[str], types_of: Mapping[str, str]) -> list[str]:
    """A reST field list (``:param x: ...``, ``:returns: ...``) as Markdown lists."""
    items: list[tuple[str, str, list[str]]] = []
    for line in lines:
        match = _FIELD.match(line)
        if match:
            items.append((match["kind"], match["arg"].strip(), [line[match.end() :]]))
        elif items:
            items[-1][2].append(line.strip())
    out: list[str] = []
    params = [
        (arg, text) for kind, arg, text in items if kind in ("param", "parameter", "arg", "key")
    ]
    if params:
        out += ["**Parameters:**", ""]
        for arg, text in params:
            name = arg.split()[-1]
            typed = f" ({code(types_of[name])})" if name in types_of else ""
            said = inline(" ".join(text).strip())
            out.append(f"- {code(name)}{typed}" + (f": {said}" if said else ""))
        out.append("")
    for kind, heading in (("return", "Returns"), ("raise", "Raises"), ("yield", "Yields")):
        for found, arg, text in items:
            if found.startswith(kind):
                what = f"{code(arg)}: " if arg else ""
                out += [f"**{heading}:** {what}" + inline(" ".join(text).strip()), ""]
    return out


def _paragraphs(lines: list[str]) -> Iterator[list[str]]:
    """Split lines into blocks at blank lines."""
    block: list[str] = []
    for line in lines:
        if not line.strip():
            if block:
                yield block
            block = []
        else:
            block.append(line)
    if block:
        yield block


def docstring(
    doc: str | None, types_of: Mapping[str, str] | None = None, *, list_types: bool = False
) -> str:
    """A reST docstring (as ``inspect.cleandoc`` leaves it) as Markdown.

    ``types_of`` gives the parameters' types for its ``:param:`` fields;
    ``list_types`` lists them after the text when it has no such fields.
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    if list_types and types_of and not any(_FIELD.match(line) for line in lines):
        lines += ["", *(f":param {name}:" for name in types_of)]
    if not lines:
        return ""
    out: list[str] = []
    literal_next = False
    blocks = list(_paragraphs(lines))
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        if literal_next:
            # The indented block after '::' (it may hold blank lines: take every block
            # indented at least as far).
            body = [*block]
            while i < len(blocks) and blocks[i][0].startswith(" "):
                body += ["", *blocks[i]]
                i += 1
            text = textwrap.dedent("\n".join(body))
            lang = "pycon" if text.startswith(">>>") else "text"
            out += [f"```{lang}", text, "```", ""]
            literal_next = False
            continue
        if _FIELD.match(block[0]):
            out += _fields(block, types_of or {})
            continue
        if block[0].startswith(">>>"):
            out += ["```pycon", *block, "```", ""]
            continue
        last = block[-1]
        if last.rstrip().endswith("::"):
            literal_next = True
            stripped = last.rstrip()[:-2].rstrip()
            block = [*block[:-1], stripped + ":"] if stripped else block[:-1]
        out += _prose(block)
        out.append("")
    return "\n".join(out).strip() + "\n"


def _prose(block: list[str]) -> list[str]:
    """Paragraphs, bullet and numbered lists, and definition lists (a term, indented text).

    Inline markup is converted over a whole paragraph or item, so a literal or a
    role that runs onto the next line is still one.
    """
    items: list[tuple[str, list[str]]] = []  # (kind: "", a list marker, or "def"), lines
    for line in block:
        marker = re.match(r"([*+-]|\d+\.)\s+", line)
        if marker:
            items.append(("- " if marker[1] in "*+-" else f"{marker[1]} ", [line[marker.end() :]]))
        elif line.startswith(" ") and items and items[-1][0]:
            items[-1][1].append(line.strip())  # a list item or definition goes on
        elif line.startswith(" ") and items:
            term = items[-1][1].pop()  # a term, then its indented definition
            if not items[-1][1]:
                items.pop()
            items.append(("def", [term, line.strip()]))
        elif items and not items[-1][0]:
            items[-1][1].append(line)
        else:
            items.append(("", [line]))
    out: list[str] = []
    for kind, lines in items:
        if kind == "def":
            out.append(f"- {inline(lines[0].strip())}: " + inline(" ".join(lines[1:])))
        elif kind:
            out.append(kind + inline(" ".join(lines)))
        else:
            out += inline("\n".join(line.strip() for line in lines)).splitlines()
    return out


# -- signatures --------------------------------------------------------------------------------


def _annotation(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return ""
    if isinstance(value, str):
        return value
    return inspect.formatannotation(value)


def _default_repr(value: Any, factory: Any = None) -> str:
    if factory is not None:
        if factory.takes_self:
            return "…"
        value = factory.factory()
    if isinstance(value, types.FunctionType | type):
        return value.__qualname__
    shown = repr(value)
    return "…" if len(shown) > 40 or " at 0x" in shown else shown


def _parameters(obj: Any) -> list[tuple[str, str]]:
    """Each parameter as written (``name: type = default``), with its type alone."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    factories: dict[str, Any] = {}
    if inspect.isclass(obj) and attrs.has(obj):
        for field in attrs.fields(obj):
            if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                factories[field.alias or field.name] = field.default
    parts: list[tuple[str, str]] = []
    seen_keyword_only = False
    for position, param in enumerate(signature.parameters.values()):
        if position == 0 and param.name in ("self", "cls"):
            continue  # a method's own, as it was read from the class
        kind = param.kind
        if kind is param.KEYWORD_ONLY and not seen_keyword_only:
            parts.append(("*", ""))
        if kind in (param.KEYWORD_ONLY, param.VAR_POSITIONAL):
            seen_keyword_only = True
        prefix = {param.VAR_POSITIONAL: "*", param.VAR_KEYWORD: "**"}.get(kind, "")
        text = prefix + param.name
        annotation = _annotation(param.annotation)
        if annotation:
            text += f": {annotation}"
        if param.default is not param.empty or param.name in factories:
            value = _default_repr(param.default, factories.get(param.name))
            text += f" = {value}" if annotation else f"={value}"
        parts.append((text, annotation))
    positional_only = [p.kind is p.POSITIONAL_ONLY for p in signature.parameters.values()]
    if any(positional_only):
        first = next(iter(signature.parameters), "")
        parts.insert(sum(positional_only) - (first in ("self", "cls")), ("/", ""))
    return parts


def _returns(obj: Any) -> str:
    try:
        annotation = inspect.signature(obj).return_annotation
    except (TypeError, ValueError):
        return ""
    if inspect.isclass(obj):
        return ""
    text = _annotation(annotation)
    return f" -> {text}" if text else ""


def signature(name: str, obj: Any) -> tuple[str, bool]:
    """``name(params) -> returns`` as a Markdown code span, and whether types were left out.

    A signature too long for one line drops the parameters' types (the
    parameter list below it gives them, as autodoc's "description" style does).
    """
    params = _parameters(obj)
    returns = _returns(obj)
    whole = f"{name}({', '.join(p for p, _ in params)}){returns}"
    if len(whole) <= 96 or not any(kind for _, kind in params):
        return code(whole) + "\n", False
    bare = [_untyped(p) for p, _ in params]
    return code(f"{name}({', '.join(bare)}){returns}") + "\n", True


def _untyped(param: str) -> str:
    name, _, rest = param.partition(":")
    _, equals, default = rest.partition(" = ")
    return f"{name}={default}" if equals else name


def _types_of(obj: Any) -> dict[str, str]:
    try:
        parameters = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: _annotation(p.annotation) for p in parameters if _annotation(p.annotation)}


# -- objects -----------------------------------------------------------------------------------


def resolve(path: str) -> Any:
    """The object named by a dotted path: a module, then attributes of it."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            obj = getattr(obj, part)
        return obj
    raise LookupError(path)


def _comment_doc(module: types.ModuleType, name: str) -> str:
    """The ``#:`` comment above a module-level assignment (Sphinx's way to document data)."""
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return ""
    match = re.search(rf"((?:^#:.*\n)+)^{re.escape(name)}\b\s*[:=]", source, flags=re.M)
    if not match:
        return ""
    return "\n".join(line[2:].strip() for line in match[1].splitlines())


def _own_members(cls: type, names: Iterable[str] | None) -> Iterator[tuple[str, Any]]:
    """Documented members defined in the class itself, in source order; or those named."""
    chosen = list(names) if names is not None else [n for n in vars(cls) if not n.startswith("_")]
    for name in chosen:
        if name not in vars(cls):
            raise LookupError(f"{cls.__qualname__} defines no {name!r}")
        raw = vars(cls)[name]
        member = raw.__func__ if isinstance(raw, classmethod | staticmethod) else raw
        if (isinstance(member, property) or inspect.isfunction(member)) and (
            member.__doc__ or names is not None
        ):
            yield name, member


def _heading(level: int, text: str) -> str:
    return f"{'#' * level} {code(text)}\n"


def _described(name: str, obj: Any, doc: str | None) -> list[str]:
    """The signature, then the docstring (and the parameters' types the signature lacks)."""
    line, untyped = signature(name, obj)
    return [line, docstring(doc, _types_of(obj), list_types=untyped)]


def _function(path: str, obj: Any, level: int) -> str:
    return "\n".join([_heading(level, path), *_described(path, obj, obj.__doc__)])


def _class(path: str, cls: type, level: int, members: Iterable[str] | None) -> str:
    parts = [_heading(level, f"class {path}")]
    doc = cls.__doc__ if "__doc__" in vars(cls) else None
    if "__init__" in vars(cls) and not getattr(cls, "_is_protocol", False):
        # Its own constructor (attrs writes one), not object's or a protocol's.
        parts += _described(cls.__name__, cls, doc)
    else:
        parts.append(docstring(doc))
    for name, member in _own_members(cls, members):
        if isinstance(member, property):
            returned = _annotation(inspect.signature(member.fget).return_annotation)
            kind = f" ({code(returned)})" if returned else ""
            shown = f"{cls.__name__}.{name}"
            parts += [_heading(level + 1, shown), f"A property{kind}.\n", docstring(member.__doc__)]
        else:
            parts.append(_function(f"{cls.__name__}.{name}", member, level + 1))
    return "\n".join(p for p in parts if p)


def _data_doc(path: str, obj: Any) -> str:
    """Data's ``#:`` comment, else the docstring of its class when that is not a builtin."""
    module_name, _, name = path.rpartition(".")
    doc = _comment_doc(importlib.import_module(module_name), name)
    if not doc and type(obj).__module__ != "builtins":
        doc = inspect.getdoc(obj) or ""
    return doc


def _data(path: str, obj: Any, level: int) -> str:
    return "\n".join([_heading(level, path), docstring(_data_doc(path, obj))])


def _object(path: str, level: int, members: Iterable[str] | None = None) -> str:
    obj = resolve(path)
    if inspect.ismodule(obj):
        return _module(path, obj, level, members)
    if inspect.isclass(obj):
        return _class(path, obj, level, members)
    if callable(obj) and inspect.isroutine(obj):
        return _function(path, obj, level)
    return _data(path, obj, level)


def _module(path: str, module: types.ModuleType, level: int, members: Iterable[str] | None) -> str:
    """The module's docstring under its name, then the members named (else its ``__all__``).

    Of its ``__all__``, data without a ``#:`` comment is left out, as autodoc does.
    """
    parts = [_heading(level, f"module {path}"), docstring(module.__doc__)]
    names = list(members) if members is not None else list(getattr(module, "__all__", ()))
    for name in names:
        obj = getattr(module, name)
        documented = inspect.ismodule(obj) or inspect.isclass(obj) or inspect.isroutine(obj)
        if members is None and not documented and not _data_doc(f"{path}.{name}", obj):
            continue
        parts.append(_object(f"{path}.{name}", level + 1))
    return "\n".join(p for p in parts if p)


def api(*paths: str, level: int = 3, members: Iterable[str] | None = None) -> str:
    """The reference of each object named: its heading, signature and docstring.

    A class also gets its documented methods and properties (``members`` names
    them, in order, instead); a module gets its docstring and its ``__all__``
    (or ``members``).
    """
    text = "\n".join(_object(path, level, members) for path in paths)
    return _block(re.sub(r"\n{3,}", "\n\n", text))


DOCS = Path(__file__).resolve().parent.parent


def include(path: str, language: str, start_after: str = "", end_before: str = "") -> str:
    """A file (``path`` relative to docs/) as a fenced block, so a code host shows it too.

    ``start_after`` and ``end_before`` pick a part of it as Sphinx's literalinclude
    does: the lines after the first line holding ``start_after``, up to the first line
    after it holding ``end_before``. A marker the file does not hold is an error, so a
    page cannot quietly show the wrong part once the file changes.
    """
    text = (DOCS / path).read_text(encoding="utf-8")
    lines = text.splitlines()
    if start_after:
        starts = [i for i, line in enumerate(lines) if start_after in line]
        if not starts:
            raise ValueError(f"{path} holds no line with {start_after!r}")
        lines = lines[starts[0] + 1 :]
    if end_before:
        ends = [i for i, line in enumerate(lines) if end_before in line]
        if not ends:
            raise ValueError(f"{path} holds no line with {end_before!r} after the start")
        lines = lines[: ends[0]]
    if start_after or end_before:
        text = "\n".join(lines)
    longest = max((len(run) for run in re.findall(r"^`{3,}", text, flags=re.M)), default=2)
    fence = "`" * (longest + 1)
    return _block(f"{fence}{language}\n{text.rstrip()}\n{fence}")


def hook(name: str) -> str:
    """A hook's typed signature and docstring, for the hooks page (under its own heading)."""
    from qmframe import hookspecs

    spec = getattr(hookspecs, name)
    return _block("\n".join(_described(name, spec, spec.__doc__)))


__all__ = [
    "api",
    "cell",
    "code",
    "docstring",
    "hook",
    "include",
    "inline",
    "keys_table",
    "rule_kinds",
    "table",
    "type_name",
]
