"""The JSON of a decision: its format version, award id, schema, and reading it back."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

import qmframe
from qmframe import api
from qmframe.awards import register
from qmframe.cli import main
from qmframe.decision import JSON_FORMAT_VERSION, Decision, award_id
from qmframe.errors import ValidationError
from qmframe.files import dumps, loads
from qmframe.schema import json_schema

jsonschema = pytest.importorskip("jsonschema")


def example_decisions() -> list[tuple[str, Decision, str]]:
    """Every installed example's decision and its JSON report."""
    registry = qmframe.Registry()
    found = []
    for name, registered in registry.examples.items():
        example = registered.value
        framework = registry.framework(example.framework)
        submission = api.load_submission(example.submission, framework, registry=registry)
        review = (
            api.load_review(example.review, framework, submission, registry=registry)
            if example.review is not None
            else None
        )
        as_of = dt.date.fromisoformat(example.as_of) if example.as_of else None
        decision = api.assess(framework, submission, review, as_of=as_of, registry=registry)
        text = api.render(decision, framework, submission, review, format="json", registry=registry)
        found.append((name, decision, text))
    return found


EXAMPLES = example_decisions()


def test_there_are_examples_with_and_without_validity() -> None:
    assert len(EXAMPLES) >= 3
    assert {d.valid_until is None for _, d, _ in EXAMPLES} == {True, False}


@pytest.mark.parametrize(("name", "decision", "text"), EXAMPLES, ids=[n for n, _, _ in EXAMPLES])
def test_every_example_decision_validates_and_reads_back(
    name: str, decision: Decision, text: str
) -> None:
    data = json.loads(text)
    assert data["format_version"] == JSON_FORMAT_VERSION == 1
    assert data["award"] == award_id(decision)
    assert data["award"] == f"{decision.framework}/{decision.organisation}/{decision.as_of}"
    validator = jsonschema.Draft202012Validator(
        json_schema("decision"), format_checker=jsonschema.FormatChecker()
    )
    assert [e.message for e in validator.iter_errors(data)] == []
    assert loads(text, "decision", format="json") == decision
    assert dumps(decision, format="json") == text


def test_the_schema_refuses_what_the_reader_refuses() -> None:
    _, _, text = EXAMPLES[0]
    validator = jsonschema.Draft202012Validator(json_schema("decision"))
    for change in ({"format_version": 2}, {"passed": "yes"}, {"surprise": 1}):
        data = {**json.loads(text), **change}
        assert list(validator.iter_errors(data)), change
        with pytest.raises(ValidationError):
            loads(json.dumps(data), "decision", format="json")


def test_a_future_format_version_is_refused_with_a_located_error() -> None:
    _, _, text = EXAMPLES[0]
    data: dict[str, Any] = {**json.loads(text), "format_version": JSON_FORMAT_VERSION + 1}
    with pytest.raises(ValidationError) as caught:
        loads(json.dumps(data), "decision", format="json", file="d.json")
    (problem,) = caught.value.problems
    where = (problem.file, problem.path, problem.code)
    assert where == ("d.json", "format_version", "unknown-version")
    assert "newer qmframe" in problem.message
    for bad in ("1", 1.0, True, 0):
        data["format_version"] = bad
        with pytest.raises(ValidationError) as caught:
            loads(json.dumps(data), "decision", format="json")
        assert caught.value.problems[0].path == "format_version"


def test_an_unversioned_decision_reads_as_version_one_and_award_is_ignored() -> None:
    _, decision, text = EXAMPLES[0]
    data = json.loads(text)
    del data["format_version"]
    data["award"] = "anything/else/2000-01-01"
    assert loads(json.dumps(data), "decision", format="json") == decision


def test_the_register_uses_the_same_award_id() -> None:
    assert register.award_id is award_id


def test_cli_prints_the_decision_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "decision"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json_schema("decision")
    assert printed["properties"]["format_version"]["maximum"] == JSON_FORMAT_VERSION
