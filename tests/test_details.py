"""Declared submission details: the framework's declaration, a submission's values, the
template, the framework's JSON Schema and the testing kit all agree."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import core_fixtures
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import qmframe
from qmframe.cli import main
from qmframe.details import value_problem
from qmframe.framework import SubmissionDetail
from qmframe.schema import submission_schema
from qmframe.template import render_template
from qmframe.testing.strategies import _declared_details, detail_values, frameworks, submissions
from qmframe.validation import check_framework, check_submission

DETAILS = """
[[submission_details]]
key = "definition"
type = "choice"
required = true
help = "Which definition the numbers use."
choices = { national = "the nation's own", institutional = "ours, worded in definition_text" }

[[submission_details]]
key = "definition_text"
required_if = { key = "definition", equals = "institutional" }
help = "Our definition, written out."

[[submission_details]]
key = "enrolled"
type = "number"

[[submission_details]]
key = "since"
type = "date"

[[submission_details]]
key = "offer"
type = "url"
"""

FRAMEWORK = core_fixtures.FRAMEWORK + DETAILS


@pytest.fixture
def framework(write: Callable[[str, str], Path]) -> qmframe.Framework:
    return qmframe.load_framework(write("mini.toml", FRAMEWORK))


def _submission(details: str) -> str:
    return core_fixtures.SUBMISSION + "\n[details]\n" + details


def _problems(
    framework: qmframe.Framework, write: Callable[[str, str], Path], details: str
) -> list[str]:
    submission = qmframe.files.read_submission(write("s.toml", _submission(details)))
    index = qmframe.FrameworkIndex.build(framework)
    return [f"{p.path}: {p.code}: {p.message}" for p in check_submission(submission, index)]


# -- a submission's values ---------------------------------------------------------------------


def test_a_valid_set_of_details_has_no_problem(
    framework: qmframe.Framework, write: Callable[[str, str], Path]
) -> None:
    details = (
        'definition = "institutional"\ndefinition_text = "Looked after at any time."\n'
        'enrolled = "1,200"\nsince = "2011-03-21"\noffer = "https://example.org/care"\n'
    )
    assert _problems(framework, write, details) == []


def test_numbers_and_dates_may_be_written_as_toml_values_and_are_kept_as_text(
    framework: qmframe.Framework, write: Callable[[str, str], Path]
) -> None:
    path = write(
        "s.toml", _submission('definition = "national"\nenrolled = 23\nsince = 2011-03-21\n')
    )
    submission = qmframe.load_submission(path, framework)
    assert submission.details == {"definition": "national", "enrolled": "23", "since": "2011-03-21"}
    # Written back, they are text, and they load the same.
    again = qmframe.load_submission(write("again.toml", qmframe.dumps(submission)), framework)
    assert again.details == submission.details


def test_a_boolean_or_a_table_is_still_refused_where_it_stands(
    framework: qmframe.Framework, write: Callable[[str, str], Path]
) -> None:
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.files.read_submission(
            write("s.toml", _submission("enrolled = true\nsince = [1]\n"))
        )
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("details['enrolled']", "wrong-type"),
        ("details['since']", "wrong-type"),
    ]


def test_every_problem_is_located_at_its_detail_with_a_code(
    framework: qmframe.Framework, write: Callable[[str, str], Path]
) -> None:
    details = (
        'definition = "mine"\nenrolled = "many"\nsince = "2011-02-30"\n'
        'offer = "www.example.org"\nregion = "north"\n'
    )
    assert _problems(framework, write, details) == [
        "details.definition: unknown-choice: unknown choice 'mine' (expected one of: national, "
        "institutional)",
        "details.enrolled: wrong-value: expected a number (such as 23 or 4.5), got 'many'",
        "details.since: wrong-value: expected a date (YYYY-MM-DD), got '2011-02-30'",
        "details.offer: wrong-value: expected an http or https address, got 'www.example.org'",
        "details.region: unknown-key: unknown detail 'region' (this framework asks for: "
        "definition, definition_text, enrolled, since, offer)",
    ]


def test_required_and_conditionally_required_details(
    framework: qmframe.Framework, write: Callable[[str, str], Path]
) -> None:
    assert _problems(framework, write, 'enrolled = "3"\n') == [
        "details.definition: missing-value: required, and missing: Which definition the numbers "
        "use (one of: national, institutional)"
    ]
    # Only spaces is not an answer.
    assert _problems(framework, write, 'definition = "institutional"\ndefinition_text = " "\n') == [
        "details.definition_text: missing-value: required when definition is 'institutional', "
        "and missing: Our definition, written out"
    ]
    assert _problems(framework, write, 'definition = "national"\n') == []


def test_the_assessment_refuses_a_submission_without_a_required_detail(
    framework: qmframe.Framework, write: Callable[[str, str], Path]
) -> None:
    path = write("s.toml", core_fixtures.SUBMISSION)
    with pytest.raises(qmframe.ValidationError, match=r"details\.definition: required"):
        qmframe.load_submission(path, framework)


def test_a_framework_that_declares_nothing_accepts_any_details(
    write: Callable[[str, str], Path],
) -> None:
    framework = qmframe.load_framework(write("mini.toml", core_fixtures.FRAMEWORK))
    path = write("s.toml", _submission('anything = "goes"\n'))
    assert qmframe.load_submission(path, framework).details == {"anything": "goes"}


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("number", ["0", "-4.5", "1,200", " 23 "], ["1e3", "1,20", "nan", "", "4."]),
        ("date", ["2024-02-29"], ["2023-02-29", "20240229", "2024-2-9"]),
        (
            "url",
            ["https://a.org", "http://a.org/x?y=1"],
            ["ftp://a.org", "https://", "a.org", "https://a b"],
        ),
    ],
)
def test_what_each_type_accepts(kind: str, good: list[str], bad: list[str]) -> None:
    detail = SubmissionDetail(key="x", type=kind)
    assert [value_problem(detail, v) for v in good] == [""] * len(good)
    assert all(value_problem(detail, v) for v in bad)


# -- the declaration ---------------------------------------------------------------------------


def test_mistakes_in_the_declaration_are_located(write: Callable[[str, str], Path]) -> None:
    bad = (
        core_fixtures.FRAMEWORK
        + """
[[submission_details]]
key = "a"
type = "colour"

[[submission_details]]
key = "b"
type = "choice"

[[submission_details]]
key = "c"
choices = { x = "X" }
required = true
required_if = { key = "b", equals = "y" }

[[submission_details]]
key = "d"
required_if = { key = "nope", equals = "y" }

[[submission_details]]
key = "a"
"""
    )
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_framework(write("bad.toml", bad))
    found = [(p.path, p.code) for p in caught.value.problems if p.severity == "error"]
    assert found == [
        ("submission_details[4].id", "duplicate-id"),
        ("submission_details[0].type", "unknown-choice"),
        ("submission_details[1].choices", "missing-value"),
        ("submission_details[2].choices", "inconsistent"),
        ("submission_details[2].required_if", "inconsistent"),
        ("submission_details[2].required_if.equals", "unknown-reference"),
        ("submission_details[3].required_if.key", "unknown-reference"),
    ]


def test_a_condition_must_name_a_real_choice(write: Callable[[str, str], Path]) -> None:
    text = FRAMEWORK.replace('equals = "institutional"', 'equals = "instutional"')
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_framework(write("bad.toml", text))
    [problem] = caught.value.problems
    assert problem.path == "submission_details[1].required_if.equals"
    assert "has no choice 'instutional'" in problem.message


# -- the template ------------------------------------------------------------------------------


def _fill_organisation(text: str) -> str:
    filled = text.replace('name = ""', 'name = "Nine"').replace('kind = ""', 'kind = "college"', 1)
    return filled.replace('context = ""', 'context = "north"')


def test_the_template_lists_every_declared_detail_with_its_help(
    framework: qmframe.Framework,
) -> None:
    text = render_template(framework, organisation="org-9")
    for detail in framework.submission_details:
        assert f"{detail.key} = " in text
        if detail.help:
            assert f"# {detail.help}" in text
    assert "#   institutional: ours, worded in definition_text" in text
    assert "# Required when definition is 'institutional'; text." in text
    data = tomllib.loads(text)
    assert data["details"] == {"definition": ""}  # only the required one, to fill in


def test_the_template_validates_once_the_organisation_and_required_details_are_filled(
    framework: qmframe.Framework, write: Callable[[str, str], Path]
) -> None:
    text = _fill_organisation(render_template(framework, organisation="org-9"))
    # As written, with the organisation filled, the only problems are the required details
    # still to fill: nothing the template wrote is of the wrong type or undeclared.
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_submission(write("t.toml", text), framework)
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("details.definition", "missing-value")
    ]
    filled = text.replace('definition = ""', 'definition = "national"')
    assert qmframe.load_submission(write("t.toml", filled), framework).organisation.name == "Nine"


@pytest.mark.parametrize(
    "framework_id", ["example-charter", "nnecl-quality-mark", "buttle-quality-mark"]
)
def test_each_shipped_template_validates_once_filled(
    framework_id: str, write: Callable[[str, str], Path]
) -> None:
    framework = qmframe.load_framework(framework_id)
    text = render_template(framework, organisation="org-9")
    text = text.replace('name = ""', 'name = "Nine"')
    text = text.replace('kind = ""', f'kind = "{framework.organisation_kinds[0]}"', 1)
    text = text.replace('context = ""', f'context = "{framework.contexts[0].id}"')
    answers = {
        "text": "Our answer.",
        "choice": None,
        "number": "12",
        "date": "2024-01-31",
        "url": "https://example.org/",
    }
    for detail in framework.submission_details:
        if detail.required:
            value = answers[detail.type] or next(iter(detail.choices))
            text = text.replace(f'\n{detail.key} = ""', f'\n{detail.key} = "{value}"')
    submission = qmframe.load_submission(write("t.toml", text), framework)
    assert submission.organisation.id == "org-9"


# -- the framework's JSON Schema ----------------------------------------------------------------

jsonschema = pytest.importorskip("jsonschema")


def _schema_errors(framework: qmframe.Framework, data: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        submission_schema(framework), format_checker=jsonschema.FormatChecker()
    )

    def as_json(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: as_json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [as_json(v) for v in value]
        return value.isoformat() if isinstance(value, dt.date) else value

    return sorted(f"{e.json_path}: {e.validator}" for e in validator.iter_errors(as_json(data)))


def test_the_framework_schema_is_valid_json_schema(framework: qmframe.Framework) -> None:
    jsonschema.Draft202012Validator.check_schema(submission_schema(framework))


def test_the_framework_schema_checks_the_declared_details(framework: qmframe.Framework) -> None:
    base = tomllib.loads(core_fixtures.SUBMISSION)
    ok = {
        **base,
        "details": {"definition": "national", "enrolled": 23, "since": dt.date(2020, 1, 2)},
    }
    assert _schema_errors(framework, ok) == []
    assert _schema_errors(framework, base) == ["$: required"]
    wrong = {
        **base,
        "details": {"definition": "mine", "enrolled": "many", "offer": "a.org", "x": "y"},
    }
    assert _schema_errors(framework, wrong) == [
        "$.details.definition: enum",
        "$.details.enrolled: anyOf",
        "$.details.offer: pattern",
        "$.details: additionalProperties",
    ]
    unworded = {**base, "details": {"definition": "institutional"}}
    assert _schema_errors(framework, unworded) == ["$.details: required"]
    worded = {**base, "details": {"definition": "institutional", "definition_text": "Ours."}}
    assert _schema_errors(framework, worded) == []


def test_the_framework_schema_names_its_framework_kinds_and_contexts(
    framework: qmframe.Framework,
) -> None:
    base = tomllib.loads(core_fixtures.SUBMISSION)
    base["details"] = {"definition": "national"}
    other = {**base, "framework": "other", "organisation": {**base["organisation"], "kind": "zoo"}}
    assert _schema_errors(framework, other) == ["$.framework: const", "$.organisation.kind: enum"]


def test_every_shipped_example_matches_its_frameworks_schema() -> None:
    registry = qmframe.default_registry()
    checked = 0
    for entry in registry.examples.values():
        example: qmframe.Example = entry.value
        framework = registry.framework(example.framework)
        data = tomllib.loads(example.submission.read_text(encoding="utf-8"))
        assert _schema_errors(framework, data) == [], example.name
        checked += 1
    assert checked >= 7


def test_the_schema_command_makes_one_for_a_framework(
    write: Callable[[str, str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write("mini.toml", FRAMEWORK)
    target = tmp_path / "s.json"
    assert main(["schema", "submission", "--framework", str(source), "-o", str(target)]) == 0
    assert "for submission files of mini" in capsys.readouterr().out
    schema = json.loads(target.read_text())
    assert list(schema["properties"]["details"]["properties"]) == [
        "definition",
        "definition_text",
        "enrolled",
        "since",
        "offer",
    ]
    assert main(["schema", "review", "--framework", str(source)]) == 2
    assert "use it with `schema submission`" in capsys.readouterr().err


# -- the testing kit ---------------------------------------------------------------------------


@settings(max_examples=30)
@given(st.data())
def test_generated_submissions_give_valid_declared_details(data: st.DataObject) -> None:
    framework = data.draw(frameworks())
    submission = data.draw(submissions(framework))
    index = qmframe.FrameworkIndex.build(framework)
    assert [p for p in check_submission(submission, index) if p.path.startswith("details")] == []
    if framework.submission_details:
        declared = {d.key for d in framework.submission_details}
        assert set(submission.details) <= declared
        assert {d.key for d in framework.submission_details if d.required} <= set(
            submission.details
        )


@settings(max_examples=30)
@given(frameworks())
def test_generated_frameworks_declare_valid_details(framework: qmframe.Framework) -> None:
    assert [p for p in check_framework(framework) if p.severity == "error"] == []


@pytest.mark.parametrize("kind", ["text", "choice", "date", "number", "url", "conditional"])
def test_generated_frameworks_declare_details_of_every_kind(kind: str) -> None:
    def has(declared: tuple[SubmissionDetail, ...]) -> bool:
        if kind == "conditional":
            return any(d.required_if for d in declared)
        return any(d.type == kind for d in declared)

    # The part of frameworks() that declares the details, searched on its own (cheap).
    # A conditional detail needs an earlier choice to depend on: give the search room.
    assert has(find(_declared_details(), has, settings=settings(database=None, max_examples=5000)))


def test_detail_values_follow_conditions(framework: qmframe.Framework) -> None:
    worded: list[bool] = []

    @settings(max_examples=40)
    @given(detail_values(framework))
    def collect(values: dict[str, str]) -> None:
        assert values["definition"] in ("national", "institutional")
        if values["definition"] == "institutional":
            assert values["definition_text"].strip()
            worded.append(True)

    collect()
    assert worded

    @settings(max_examples=5)
    @given(detail_values(attrs.evolve(framework, submission_details=())))
    def nothing_declared(values: dict[str, str]) -> None:
        assert values == {}

    nothing_declared()
