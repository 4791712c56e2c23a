"""qmframe.loads reads back exactly what qmframe.dumps writes, for every kind, in TOML and JSON.

Round trips run over the strategies' frameworks, submissions, reviews and
the decisions the engine makes of them. Bad text is a ValidationError with
the same located problems the file readers give.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import attrs
import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

import qmframe
from qmframe.files import KINDS, read_decision
from qmframe.frozen import is_array
from qmframe.testing import strategies as qs

REGISTRY = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
FORMATS = ("toml", "json")
AS_OF = dt.date(2026, 3, 1)


def assert_round_trips(value: Any) -> None:
    for fmt in FORMATS:
        text = qmframe.dumps(value, format=fmt)
        again = qmframe.loads(text, type(value), format=fmt)
        assert again == value, f"{type(value).__name__} in {fmt}:\n{text}"
        assert hash(again) == hash(value)
        # The kind may be named instead of given as a class.
        name = next(name for name, cls in KINDS.items() if cls is type(value))
        assert qmframe.loads(text, name, format=fmt) == value


# -- round trips -------------------------------------------------------------------------------


@given(qs.frameworks(), st.data())
def test_frameworks_submissions_and_reviews_round_trip(
    framework: qmframe.Framework, data: st.DataObject
) -> None:
    submission = data.draw(qs.submissions(framework))
    review = data.draw(qs.reviews(framework, submission))
    for value in (framework, submission, review, *framework.outcome_sets):
        assert_round_trips(value)


@given(qs.assessment_cases())
def test_decisions_the_engine_makes_round_trip(case: qs.AssessmentCase) -> None:
    decision = REGISTRY.assessor(case.framework).assess(
        case.submission, case.review, as_of=case.as_of
    )
    assert_round_trips(decision)


def test_a_panels_split_round_trips(mini: dict[str, Path]) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=REGISTRY)
    submission = qmframe.load_submission(mini["submission"], framework, registry=REGISTRY)
    review = qmframe.load_review(mini["review"], framework, submission, registry=REGISTRY)
    second = qmframe.Reviewer(id="second", name="Second Reviewer")
    judgements = tuple(
        qmframe.Judgement(target=j.target, level="no", reviewer="second") for j in review.judgements
    )
    panel = qmframe.Review(
        framework=review.framework,
        framework_version=review.framework_version,
        organisation=review.organisation,
        reviewers=(*review.reviewers, second),
        # With two reviewers, each judgement names its reviewer (the checks ask it).
        judgements=(*(attrs.evolve(j, reviewer="r1") for j in review.judgements), *judgements),
    )
    decision = qmframe.assess(framework, submission, panel, as_of=AS_OF, registry=REGISTRY)
    assert decision.panel_disagreements  # the case this test is for
    assert_round_trips(decision)


def test_every_installed_framework_round_trips() -> None:
    registry = qmframe.Registry()
    frameworks = [registry.framework(ref) for ref in registry.frameworks()]
    assert len(frameworks) >= 3
    arrays = [
        rule.id
        for f in frameworks
        for rule in f.decision.rules
        if any(is_array(value) for value in rule.params.values())
    ]
    assert arrays, "no installed framework has a rule with an array parameter"
    for framework in frameworks:
        assert_round_trips(framework)


# -- the JSON of a decision is what `assess --format json` writes ---------------------------------


def test_json_of_a_decision_is_the_json_report(mini: dict[str, Path], tmp_path: Path) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=REGISTRY)
    submission = qmframe.load_submission(mini["submission"], framework, registry=REGISTRY)
    review = qmframe.load_review(mini["review"], framework, submission, registry=REGISTRY)
    decision = qmframe.assess(framework, submission, review, as_of=AS_OF, registry=REGISTRY)
    text = qmframe.dumps(decision, format="json")
    assert text == qmframe.render(
        decision, framework, submission, review, format="json", registry=REGISTRY
    )
    assert json.loads(text)["disagreements"] == [
        c for c in json.loads(text)["comparisons"] if not c["agrees"]
    ]
    report = tmp_path / "decision.json"
    command = [sys.executable, "-m", "qmframe", "assess", str(mini["framework"])]
    command += [str(mini["submission"]), "--review", str(mini["review"])]
    command += ["--as-of", AS_OF.isoformat(), "--format", "json", "-o", str(report)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert qmframe.loads(report.read_text(encoding="utf-8"), "decision", format="json") == decision
    assert read_decision(report) == decision
    toml_file = tmp_path / "decision.toml"
    qmframe.write_toml(toml_file, decision)
    assert read_decision(toml_file) == decision


def test_derived_keys_are_ignored_but_unknown_keys_are_not(mini: dict[str, Path]) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=REGISTRY)
    submission = qmframe.load_submission(mini["submission"], framework, registry=REGISTRY)
    decision = qmframe.assess(framework, submission, as_of=AS_OF, registry=REGISTRY)
    data = json.loads(qmframe.dumps(decision, format="json"))
    data["disagreements"] = "anything: it is worked out again from the comparisons"
    assert qmframe.loads(json.dumps(data), qmframe.Decision, format="json") == decision
    data["colour"] = "blue"
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.loads(json.dumps(data), qmframe.Decision, format="json", file="d.json")
    assert [(p.message, p.file) for p in caught.value.problems] == [
        ("unknown key 'colour'", "d.json")
    ]
    # TOML never carries the derived key, so there it is an unknown key like any other.
    toml_data = tomllib.loads(qmframe.dumps(decision))
    toml_data["disagreements"] = []
    with pytest.raises(qmframe.ValidationError, match="unknown key 'disagreements'"):
        qmframe.loads(tomli_w.dumps(toml_data), qmframe.Decision)


def test_json_writes_plain_arrays_and_tables() -> None:
    rule = qmframe.Rule(
        id="r", kind="k", params={"scope": {"section": ("a", "b")}, "evidence_types": ("x",)}
    )
    framework = qmframe.Framework(
        id="f", version="1", title="F", decision=qmframe.DecisionPolicy(rules=(rule,))
    )
    written = json.loads(qmframe.dumps(framework, format="json"))["decision"]["rules"][0]
    assert written["scope"] == {"section": ["a", "b"]}
    assert written["evidence_types"] == ["x"]
    assert "params" not in written
    assert_round_trips(framework)


def test_json_has_no_dates_so_a_dated_rule_parameter_comes_back_as_text() -> None:
    when = {"day": dt.date(2026, 1, 2), "hour": dt.time(9, 30), "at": dt.datetime(2026, 1, 2, 9)}
    rule = qmframe.Rule(id="r", kind="k", params=when)
    framework = qmframe.Framework(
        id="f", version="1", title="F", decision=qmframe.DecisionPolicy(rules=(rule,))
    )
    assert qmframe.loads(qmframe.dumps(framework), "framework") == framework  # TOML has dates
    back = qmframe.loads(qmframe.dumps(framework, format="json"), "framework", format="json")
    assert back.decision.rules[0].params == {
        "day": "2026-01-02",
        "hour": "09:30:00",
        "at": "2026-01-02T09:00:00",
    }


# -- bad text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "text", "message"),
    [
        ("toml", 'id = "x"\ntitle = ', "malformed TOML: "),
        ("toml", "a = " + "[" * 2000 + "]" * 2000, "malformed TOML: "),
        ("json", '{"id": "x",', "malformed JSON: "),
        ("json", "[1, 2]", "expected a JSON object"),
        ("json", "[" * 100_000 + "]" * 100_000, "malformed JSON: "),
    ],
)
def test_malformed_text_is_a_located_validation_error(fmt: str, text: str, message: str) -> None:
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.loads(text, qmframe.Submission, format=fmt, file="in.txt")
    (problem,) = caught.value.problems
    assert problem.message.startswith(message)
    assert problem.file == "in.txt"


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_keys_and_types_are_located(fmt: str) -> None:
    data = {
        "id": "x",
        "version": "1",
        "title": 7,
        "titel": "typo",
        "sections": [{"id": "s", "title": "S", "criteria": [{"id": "c", "title": True}]}],
    }
    text = tomli_w.dumps(data) if fmt == "toml" else json.dumps(data)
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.loads(text, "framework", format=fmt)
    found = {(p.path, p.message) for p in caught.value.problems}
    assert found == {
        ("", "unknown key 'titel'"),
        ("title", "expected a string, got an integer (7)"),
        ("sections[0].criteria[0].title", "expected a string, got true/false (true)"),
    }


@given(qs.invalid_frameworks(mutations=("wrong-type",)))
def test_loads_finds_what_the_file_reader_finds(invalid: qs.Invalid) -> None:
    text = tomli_w.dumps(invalid.data)
    try:
        qmframe.loads(text, qmframe.Framework, file="broken.toml")
    except qmframe.ValidationError as error:
        from_text = error.problems
    else:
        pytest.fail("loads accepted a broken framework")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "broken.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(qmframe.ValidationError) as caught:
            qmframe.read_framework(path)
    from_file = caught.value.problems
    assert [(p.path, p.message) for p in from_text] == [(p.path, p.message) for p in from_file]
    assert {p.file for p in from_text} == {"broken.toml"}
    assert {p.file for p in from_file} == {str(path)}
    assert invalid.path in {p.path for p in from_text}


def test_unknown_kinds_and_formats_are_refused() -> None:
    with pytest.raises(ValueError, match="loads reads one of framework"):
        qmframe.loads("", "register")
    with pytest.raises(ValueError, match="loads reads one of"):
        qmframe.loads("", dict)
    with pytest.raises(ValueError, match="format must be 'toml' or 'json'"):
        qmframe.loads("{}", qmframe.Review, format="yaml")
    with pytest.raises(ValueError, match="format must be 'toml' or 'json'"):
        qmframe.dumps(qmframe.Framework(id="f", version="1", title="F"), format="yaml")
