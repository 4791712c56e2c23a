"""The example plugin's own tests, as a third-party plugin would write them."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from pathlib import Path

import pytest

import qmframe

REPO_FILE = Path(__file__).resolve().parents[3] / "frameworks" / "example-charter.toml"
EXAMPLE = files("qmframe_example") / "examples" / "riverside"


@pytest.fixture(scope="module")
def registry() -> qmframe.Registry:
    return qmframe.Registry()


def test_framework_file_validates_with_only_a_provenance_notice(registry: qmframe.Registry) -> None:
    framework, problems = qmframe.inspect_framework(REPO_FILE, registry=registry)
    assert framework is not None
    assert [(p.severity, p.message) for p in problems] == [
        ("notice", "8 illustrative of 8 sections and criteria: not the owner's official text")
    ]


def test_riverside_is_awarded_with_one_highlight(registry: qmframe.Registry) -> None:
    framework = qmframe.load_framework("example-charter", registry=registry)
    submission = qmframe.load_submission(EXAMPLE / "submission.toml", framework, registry=registry)
    review = qmframe.load_review(EXAMPLE / "review.toml", framework, submission, registry=registry)
    decision = qmframe.assess(framework, submission, review, registry=registry)
    assert decision.status == "charter-awarded"
    assert decision.as_of == dt.date(2026, 3, 2)
    assert decision.valid_until == dt.date(2028, 3, 1)
    assert [(h.target, h.level) for h in decision.highlights] == [("recruit", "strong")]
    assert [c.target for c in decision.disagreements] == ["support-2"]
    assert [o.rule for o in decision.explanation] == [r.id for r in framework.decision.rules]


def test_an_action_without_owner_is_refused(registry: qmframe.Registry, tmp_path: Path) -> None:
    framework = qmframe.load_framework("example-charter", registry=registry)
    text = (EXAMPLE / "submission.toml").read_text()
    path = tmp_path / "submission.toml"
    path.write_text(text.replace('owner = "Volunteer coordinator"\n', ""))
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_submission(path, framework, registry=registry)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: actions[0].owner: the charter asks every action to name an owner"
    ]
