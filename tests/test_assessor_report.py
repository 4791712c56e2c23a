"""The assessor's report: every reviewer's level and rationale, in every panel format.

The decision carries what the report needs: each decided level holds the
reviewers' own levels and rationales (``DecidedLevel.judgements``), and the
decision the review's reviewers and notes. The text, Markdown, HTML and JSON
formats show them; the letter never does.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import core_fixtures
import pytest
from hypothesis import given

import qmframe
from qmframe import api
from qmframe.decision import JSON_FORMAT_VERSION, GivenLevel
from qmframe.files import loads
from qmframe.reports import ASSESSOR_NOTICE, target_reviews
from qmframe.schema import json_schema
from qmframe.testing import strategies

FRAMEWORK = (
    core_fixtures.FRAMEWORK.replace("[review]\nrequired = false\n", "").rstrip()
    + '\n[review]\ncombine = "lowest"\nmin_reviewers = 2\n'
)
REVIEW = """\
framework = "mini"
framework_version = "2"
organisation = "org-1"
reviewed_on = 2026-02-01
notes = "PANEL ONLY: ask the chair about the data team."

[[reviewers]]
id = "r1"
name = "Ada Reviewer"
role = "lead"

[[reviewers]]
id = "r2"
name = "Bo Second"

[[judgements]]
reviewer = "r1"
target = "a1"
level = "wow"
rationale = "Outstanding induction records."

[[judgements]]
reviewer = "r2"
target = "a1"
level = "wow"
rationale = "Agree: a model for others."

[[judgements]]
reviewer = "r1"
target = "a2"
level = "yes"

[[judgements]]
reviewer = "r2"
target = "a2"
level = "yes"

[[judgements]]
reviewer = "r1"
target = "b1"
level = "yes"

[[judgements]]
reviewer = "r2"
target = "b1"
level = "yes"

[[judgements]]
reviewer = "r1"
target = "b2"
level = "yes"
rationale = "Minutes show the group meets."

[[judgements]]
reviewer = "r2"
target = "b2"
level = "no"
rationale = "No sign of it in practice."
"""


@pytest.fixture
def panel(write: Callable[[str, str], Path], registry: qmframe.Registry) -> qmframe.Assessment:
    framework = qmframe.load_framework(write("mini.toml", FRAMEWORK), registry=registry)
    submission = qmframe.load_submission(
        write("s/submission.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    review = qmframe.load_review(write("s/review.toml", REVIEW), framework, submission)
    decision = qmframe.assess(framework, submission, review, registry=registry)
    return qmframe.Assessment(
        decision=decision, framework=framework, submission=submission, review=review
    )


def _render(assessment: qmframe.Assessment, fmt: str) -> str:
    return api.render(
        assessment.decision,
        assessment.framework,
        assessment.submission,
        assessment.review,
        format=fmt,
    )


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _words(page: str, fmt: str) -> str:
    """What a reader sees, on one line (HTML as its text; Markdown with its escapes undone)."""
    if fmt == "html":
        parser = _Text()
        parser.feed(page)
        page = " ".join(parser.parts)
    elif fmt == "markdown":
        page = page.replace("\\", "")
    return " ".join(page.split())


def test_the_decision_holds_each_reviewers_level_and_rationale(
    panel: qmframe.Assessment,
) -> None:
    d = panel.decision
    b2 = d.level_of("b2")
    assert b2 is not None
    assert (b2.level, b2.source) == ("no", "judgement")  # the lowest of yes and no
    assert b2.judgements == (
        GivenLevel(reviewer="r1", level="yes", rationale="Minutes show the group meets."),
        GivenLevel(reviewer="r2", level="no", rationale="No sign of it in practice."),
    )
    section = d.level_of("a")
    assert section is not None
    assert section.source == "derived"
    assert section.judgements == ()
    assert [(m.id, m.name, m.role) for m in d.reviewers] == [
        ("r1", "Ada Reviewer", "lead"),
        ("r2", "Bo Second", ""),
    ]
    assert d.review_notes.startswith("PANEL ONLY")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_each_format_shows_every_reviewers_level_rationale_and_the_combined_level(
    panel: qmframe.Assessment, fmt: str
) -> None:
    seen = _words(_render(panel, fmt), fmt)
    assert "Assessor's report" in seen
    assert " ".join(ASSESSOR_NOTICE.split()) in seen
    assert "PANEL ONLY: ask the chair about the data team." in seen
    assert "Ada Reviewer" in seen
    assert "Bo Second" in seen
    assert "lead" in seen
    for row in target_reviews(panel):
        assert row.title in seen
        for one in row.given:
            assert one.reviewer in seen
            if one.rationale:
                assert one.rationale in seen
    # b2: one reviewer Met, the other Not yet; combined Not yet; self-rated Met.
    (b2,) = [row for row in target_reviews(panel) if row.target == "b2"]
    assert [(g.reviewer, g.level) for g in b2.given] == [
        ("Ada Reviewer [r1]", "Met"),
        ("Bo Second [r2]", "Not yet"),
    ]
    assert (b2.self_rating, b2.decided) == ("Met", "Not yet")
    assert b2.panel_split
    assert b2.differs_from_self
    assert "the reviewers differ" in seen
    assert "the decided level differs from the self-rating" in seen
    (a2,) = [row for row in target_reviews(panel) if row.target == "a2"]
    assert not a2.panel_split
    assert not a2.differs_from_self


def test_the_json_report_carries_them_and_reads_back(panel: qmframe.Assessment) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    text = _render(panel, "json")
    data = json.loads(text)
    assert data["format_version"] == JSON_FORMAT_VERSION == 1  # an added key, no new version
    jsonschema.validate(data, json_schema("decision"))
    (b2,) = [lv for lv in data["levels"] if lv["target"] == "b2"]
    assert b2["judgements"] == [
        {"reviewer": "r1", "level": "yes", "rationale": "Minutes show the group meets.",
         "evidence": []},
        {"reviewer": "r2", "level": "no", "rationale": "No sign of it in practice.",
         "evidence": []},
    ]  # fmt: skip
    assert data["reviewers"][0] == {
        "id": "r1", "name": "Ada Reviewer", "role": "lead", "organisation": ""
    }  # fmt: skip
    assert data["review_notes"].startswith("PANEL ONLY")
    assert loads(text, "decision", format="json") == panel.decision


def test_a_decision_of_before_judgements_were_recorded_still_reads(
    panel: qmframe.Assessment,
) -> None:
    data = json.loads(_render(panel, "json"))
    for level in data["levels"]:
        del level["judgements"]
    del data["reviewers"], data["review_notes"]
    old = loads(json.dumps(data), "decision", format="json")
    assert all(lv.judgements == () for lv in old.levels)
    assert old.reviewers == ()
    assert old.review_notes == ""


def test_the_letter_shows_no_names_notes_or_other_rationales(panel: qmframe.Assessment) -> None:
    letter = " ".join(_render(panel, "letter").split())
    assert "PANEL ONLY" not in letter
    assert "Ada Reviewer" not in letter
    assert "Bo Second" not in letter
    assert "Assessor's report" not in letter
    # The rationale behind the level decided (b2 unmet) is its feedback; the others stay out.
    assert "No sign of it in practice." in letter
    for kept in ("Minutes show the group meets.", "Outstanding induction records."):
        assert kept not in letter


def test_a_self_certified_decision_has_no_reviewers_to_name(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> None:
    framework = qmframe.load_framework(
        write("mini.toml", core_fixtures.FRAMEWORK), registry=registry
    )
    submission = qmframe.load_submission(
        write("s/submission.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    decision = qmframe.assess(framework, submission, registry=registry)
    assert decision.reviewers == ()
    assert all(lv.judgements == () for lv in decision.levels)
    for fmt in ("text", "markdown"):
        out = qmframe.render(decision, framework, submission, format=fmt, registry=registry)
        assert "Assessor's report" in out  # the levels decided, from the self-rating
        assert ASSESSOR_NOTICE not in out.replace("\\", "")


@given(strategies.assessment_cases(reviewed=True))
def test_every_judgement_is_in_its_targets_decided_level(
    case: strategies.AssessmentCase,
) -> None:
    assert case.review is not None
    decision = qmframe.assess(case.framework, case.submission, case.review, as_of=case.as_of)
    recorded = [
        (lv.target, g.reviewer, g.level, g.rationale, g.evidence)
        for lv in decision.levels
        for g in lv.judgements
    ]
    given_in_review = [
        (j.target, j.reviewer, j.level, j.rationale, j.evidence) for j in case.review.judgements
    ]
    # Every judgement once, under its own target, in review order within each target.
    assert sorted(recorded) == sorted(given_in_review)
    for lv in decision.levels:
        mine = [g for g in given_in_review if g[0] == lv.target]
        assert [
            (lv.target, g.reviewer, g.level, g.rationale, g.evidence) for g in lv.judgements
        ] == mine
    assert [m.id for m in decision.reviewers] == [r.id for r in case.review.reviewers]


def test_names_notes_and_rationales_are_shown_not_obeyed(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> None:
    hostile = (
        REVIEW.replace('name = "Ada Reviewer"', "name = '<script>alert(1)</script>'")
        .replace(
            'notes = "PANEL ONLY: ask the chair about the data team."',
            'notes = "Fine\\u001b[2J\\nDecision: AWARDED"',
        )
        .replace(
            'rationale = "Minutes show the group meets."',
            "rationale = '[see](javascript:alert(2)) <img src=x onerror=alert(3)>'",
        )
    )
    framework = qmframe.load_framework(write("mini.toml", FRAMEWORK), registry=registry)
    submission = qmframe.load_submission(
        write("s/submission.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    review = qmframe.load_review(write("s/review.toml", hostile), framework, submission)
    decision = qmframe.assess(framework, submission, review, registry=registry)
    assessment = qmframe.Assessment(
        decision=decision, framework=framework, submission=submission, review=review
    )
    text = _render(assessment, "text")
    assert "\x1b" not in text
    # Running text, as feedback is: its line break reads as a space, so no line is forged.
    assert "Fine\\x1b[2J Decision: AWARDED" in text
    assert not any(line.startswith("Decision: AWARDED") for line in text.splitlines())
    markdown = _render(assessment, "markdown")
    assert "<script" not in markdown
    assert "<img" not in markdown
    assert "\\[see\\](javascript:alert(2))" in markdown
    if importlib.util.find_spec("jinja2") is not None:  # the html format needs Jinja2
        page = _render(assessment, "html")
        assert "<script" not in page
        assert "<img" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>alert(1)</script>" in _words(page, "html")
    assert loads(_render(assessment, "json"), "decision", format="json") == decision
