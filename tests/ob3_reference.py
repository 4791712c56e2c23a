"""The real Open Badges 3.0 checks, run on local copies of the reference files.

``tests/data/openbadges-3.0/`` holds 1EdTech's AchievementCredential JSON Schema and
the VC 2.0, OB 3.0.3 and OB 3.0 extensions JSON-LD contexts, unchanged (origins and
licences in its README). :func:`schema_errors` runs a real JSON Schema validator;
:func:`jsonld_problems` expands a document with pyld, whose document loader serves
only those files (any other URL is an error, so nothing is fetched), and reports
every term the contexts do not define.

pyld (3.x) has no "safe mode" switch, so :func:`jsonld_problems` does what jsonld.js's
safe mode does, and a little more: a property the contexts do not define is dropped
by expansion, and pyld reports it through ``on_property_dropped``; a ``@type`` or
``@id`` that is not an absolute IRI is resolved against a base that cannot occur in a
real document, and then found in the expanded output.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data" / "openbadges-3.0"
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "extensions.json",
}
# Relative IRIs are resolved against this, so they stand out in the expanded output.
_BASE = "https://relative.invalid/"
_ABSOLUTE = re.compile(r"^(https?://[^/\s]+(/\S*)?|urn:[a-z0-9][a-z0-9-]*:\S+|did:[a-z0-9]+:\S+)$")
# The OB 3.0.3 context itself gives awardedDate the datatype "xsd:dateTime" without
# defining an "xsd" prefix: a flaw of that context, reported by this check anywhere else.
_OB_CONTEXT_DATATYPES = {"xsd:dateTime"}


@cache
def schema() -> dict[str, Any]:
    value: dict[str, Any] = json.loads(
        (DATA / "achievementcredential.schema.json").read_text(encoding="utf-8")
    )
    return value


def schema_errors(document: Any, definition: str = "") -> list[str]:
    """Where ``document`` breaks the 1EdTech schema (or its ``$defs/definition``)."""
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")
    # jsonschema checks "date-time" only with rfc3339-validator installed; without it,
    # a date with no time would pass unnoticed.
    pytest.importorskip("rfc3339_validator", reason="rfc3339-validator is in the test extra")
    root = schema()
    if definition:
        root = {**root, "$ref": f"#/$defs/{definition}"}
        root.pop("properties", None)
        root.pop("required", None)
    validator = jsonschema.Draft201909Validator(
        root, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    )
    return sorted(
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(document)
    )


def load_document(url: str, options: Any = None) -> dict[str, Any]:
    """pyld's document loader: the local copies, and nothing else."""
    if url not in CONTEXT_FILES:
        raise LookupError(f"no local copy of {url} (the tests never fetch)")
    document = json.loads((DATA / CONTEXT_FILES[url]).read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _walk(node: Any, where: str, problems: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, where, problems)
        return
    if not isinstance(node, dict):
        return
    is_value = "@value" in node
    for key, value in node.items():
        if key == "@type":
            for kind in value if isinstance(value, list) else [value]:
                if is_value and (kind == "@json" or kind in _OB_CONTEXT_DATATYPES):
                    continue
                if not _ABSOLUTE.match(kind) or kind.startswith(_BASE):
                    problems.append(f"{where}: @type {kind!r} is not defined")
        elif key == "@id":
            if not _ABSOLUTE.match(value) or value.startswith(_BASE):
                problems.append(f"{where}: @id {value!r} is not an absolute IRI")
        elif not key.startswith("@"):
            if not _ABSOLUTE.match(key) or key.startswith(_BASE):
                problems.append(f"{where}: property {key!r} is not defined")
            if not (isinstance(value, list) and value and "@value" in value[0]):
                _walk(value, f"{where}/{key.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}", problems)
        elif key not in ("@value", "@language", "@direction"):
            _walk(value, where, problems)


def jsonld_problems(document: Any) -> list[str]:
    """Every undefined term in ``document`` after JSON-LD expansion (empty when clean)."""
    jsonld = pytest.importorskip("pyld.jsonld", reason="pyld is in the test extra")
    dropped: list[str] = []
    expanded = jsonld.expand(
        copy.deepcopy(document),
        {"documentLoader": load_document, "base": _BASE},
        on_property_dropped=lambda name: dropped.append(str(name)),
    )
    problems = [f"property {name!r} is not defined (dropped)" for name in dropped]
    _walk(expanded, "", problems)
    return problems
