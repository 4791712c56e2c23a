"""The JSON Schema export: valid JSON Schema, accepts real files, rejects what the loader rejects.

Checked with the ``jsonschema`` package (test-only dependency): the point of
the schema is that editors' validators accept it, so it is tested with a real
implementation rather than one written here.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
import typing
from pathlib import Path
from typing import Any

import attrs
import core_fixtures
import pytest
import tomli_w

import qmframe
from qmframe.cli import main
from qmframe.schema import DOCUMENTS, FIELD_DOCS, framework_schema, json_schema

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent


def as_json(value: Any) -> Any:
    """TOML data as a JSON Schema validator sees it: dates become YYYY-MM-DD strings."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def errors(document: str, data: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        json_schema(document), format_checker=jsonschema.FormatChecker()
    )
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(as_json(data))]


def toml_text(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_schema_is_valid_json_schema(document: str) -> None:
    schema = json_schema(document)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    json.dumps(schema)  # plain JSON values only


def _kind(data: dict[str, Any]) -> str:
    if isinstance(data.get("organisation"), dict):
        return "submission"
    if "judgements" in data or "reviewers" in data:
        return "review"
    if "outcomes" in data and "version" not in data:
        return "outcome-set"
    return "framework"


def test_every_framework_file_in_the_repository_is_valid() -> None:
    files = sorted((ROOT / "frameworks").glob("*.toml"))
    assert any(f.name == "example-charter.toml" for f in files)
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert errors(_kind(data), data) == [], path.name


def test_every_installed_example_is_valid() -> None:
    registry = qmframe.Registry()
    assert registry.examples
    for name, registered in registry.examples.items():
        example = registered.value
        for document, source in (("submission", example.submission), ("review", example.review)):
            if source is None:
                continue
            data = tomllib.loads(source.read_text(encoding="utf-8"))
            assert errors(document, data) == [], f"{name}: {document}"


def test_core_fixtures_are_valid() -> None:
    assert errors("framework", toml_text(core_fixtures.FRAMEWORK)) == []
    assert errors("submission", toml_text(core_fixtures.SUBMISSION)) == []
    assert errors("review", toml_text(core_fixtures.REVIEW)) == []


def test_unknown_keys_are_rejected_where_the_loader_rejects_them() -> None:
    framework = toml_text(core_fixtures.FRAMEWORK)
    framework["titel"] = "typo"
    framework["sections"][0]["criteria"][1]["gudiance"] = "typo"
    found = errors("framework", framework)
    assert any(e.startswith("$:") and "'titel'" in e for e in found), found
    assert any(e.startswith("$.sections[0].criteria[1]") and "'gudiance'" in e for e in found)

    submission = toml_text(core_fixtures.SUBMISSION)
    submission["organisation"]["nmae"] = "typo"
    assert any("'nmae'" in e for e in errors("submission", submission))


def test_rules_take_their_kinds_keys_but_not_a_params_table() -> None:
    framework = toml_text(core_fixtures.FRAMEWORK)
    rule = framework["decision"]["rules"][0]
    assert "level" in rule  # a kind's own key beside the common ones: accepted
    assert errors("framework", framework) == []
    rule["params"] = {"level": "yes"}
    assert errors("framework", framework) != []
    del rule["params"], rule["kind"]
    assert any("'kind' is a required property" in e for e in errors("framework", framework))


def test_wrong_types_and_values_are_rejected() -> None:
    submission = toml_text(core_fixtures.SUBMISSION)
    submission["submitted_on"] = "15 January 2026"
    submission["ratings"][0]["not_applicable"] = "yes"
    submission["actions"][0]["status"] = "someday"
    found = errors("submission", submission)
    assert any(e.startswith("$.submitted_on") for e in found), found
    assert any(e.startswith("$.ratings[0].not_applicable") for e in found), found
    assert any(e.startswith("$.actions[0].status") for e in found), found


def test_schema_keys_are_exactly_the_model_fields() -> None:
    """Every attribute of every class a file holds is a key, and nothing else is."""
    for document, cls in DOCUMENTS.items():
        schema = json_schema(document)
        classes = {cls.__name__: schema, **schema["$defs"]}
        for name, definition in classes.items():
            model = next(c for c in _model_classes(cls) if c.__name__ == name)
            fields = {f.name for f in attrs.fields(model)} - (
                {"params"} if name == "Rule" else set()
            )
            if name == "Decision":  # its JSON carries these beside the fields
                fields |= {"format_version", "award", "disagreements"}
            elif model is cls:  # a file may say what it is
                fields |= {"document"}
            assert set(definition["properties"]) == fields, name
            required = {f.name for f in attrs.fields(model) if f.default is attrs.NOTHING}
            assert set(definition["required"]) == required, name


def _model_classes(cls: type) -> set[type]:
    """An attrs class and every attrs class its fields hold, however deep."""
    found: set[type] = set()
    todo = [cls]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        for hint in typing.get_type_hints(current).values():
            stack = [hint]
            while stack:
                tp = stack.pop()
                if isinstance(tp, type) and attrs.has(tp):
                    todo.append(tp)
                stack += typing.get_args(tp)
    return found


def test_every_key_has_a_description() -> None:
    """FIELD_DOCS feeds editors' hover text and the file format page: no key may lack one."""
    missing = [
        f"{model.__name__}.{field.name}"
        for cls in DOCUMENTS.values()
        for model in _model_classes(cls)
        for field in attrs.fields(model)
        if not FIELD_DOCS.get(model.__name__, {}).get(field.name)
    ]
    assert missing == []


def test_cli_schema_writes_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "submission.schema.json"
    assert main(["schema", "submission", "-o", str(target)]) == 0
    assert str(target) in capsys.readouterr().out
    assert json.loads(target.read_text(encoding="utf-8")) == json_schema("submission")

    assert main(["schema", "review"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "qmframe review file"


# -- the framework schema with the installed rule kinds -----------------------------------


def kind_errors(data: dict[str, Any], registry: qmframe.Registry | None = None) -> list[str]:
    registry = registry or qmframe.Registry()
    schema = framework_schema(registry.rule_kinds)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(as_json(data))]


def test_framework_schema_with_rule_kinds_is_valid_json_schema() -> None:
    schema = framework_schema(qmframe.Registry().rule_kinds)
    jsonschema.Draft202012Validator.check_schema(schema)
    json.dumps(schema)


def test_every_framework_file_is_valid_with_the_installed_rule_kinds() -> None:
    registry = qmframe.Registry()
    files = sorted((ROOT / "frameworks").glob("*.toml"))
    checked = 0
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if _kind(data) == "framework":
            assert kind_errors(data, registry) == [], path.name
            checked += 1
    assert checked >= 4
    assert kind_errors(toml_text(core_fixtures.FRAMEWORK), registry) == []


def test_a_rule_takes_its_kinds_keys_and_no_other(tmp_path: Path) -> None:
    """What the loader refuses in a rule, the schema refuses, at the same rule."""
    framework = toml_text(core_fixtures.FRAMEWORK)
    rule = framework["decision"]["rules"][0]
    assert rule["kind"] == "minimum-level"
    rule["levle"] = "meets"  # a typo of the kind's own key
    found = kind_errors(framework)
    assert any(e.startswith("$.decision.rules[0]") and "'levle'" in e for e in found), found
    path = tmp_path / "framework.toml"
    path.write_text(tomli_w.dumps(framework), encoding="utf-8")
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_framework(path)
    assert any(p.path.startswith("decision.rules[0]") for p in caught.value.problems)

    del rule["levle"]
    rule["level"] = 3  # the kind's key, of the wrong type
    assert any(e.startswith("$.decision.rules[0].level") for e in kind_errors(framework))
    rule["level"] = "meets"
    rule["kind"] = "minimum-levle"  # a kind no plugin registers
    assert any(e.startswith("$.decision.rules[0].kind") for e in kind_errors(framework))


def test_a_kinds_required_key_is_required() -> None:
    registry = qmframe.Registry()
    required = [
        (name, key.name)
        for name, kind in sorted(registry.rule_kinds.items())
        for key in kind.keys or ()
        if key.required
    ]
    assert required, "no installed kind has a required key to test with"
    name, key = required[0]
    rule = framework_schema(registry.rule_kinds)["$defs"]["Rule"]
    branch = next(b for b in rule["allOf"] if b["if"]["properties"]["kind"]["const"] == name)
    assert key in branch["then"]["required"]


def test_a_kind_that_checks_its_own_keys_leaves_its_rules_open() -> None:
    class Open(qmframe.RuleKind):
        name = "open-kind"

    schema = framework_schema({"open-kind": Open()})
    rule = schema["$defs"]["Rule"]
    assert rule["properties"]["kind"]["enum"] == ["open-kind"]
    assert "allOf" not in rule  # no declared keys: anything beside the common keys


def test_cli_framework_schema_knows_the_installed_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "framework"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == framework_schema(qmframe.Registry().rule_kinds)
    assert "minimum-level" in printed["$defs"]["Rule"]["properties"]["kind"]["enum"]


def test_every_built_in_kind_has_its_keys_in_the_schema() -> None:
    """The format page says every built-in kind declares its keys: each has a branch."""
    built_in = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False)).rule_kinds
    rule = framework_schema(built_in)["$defs"]["Rule"]
    branches = {b["if"]["properties"]["kind"]["const"] for b in rule["allOf"]}
    assert branches == set(built_in)
