"""The feedback letter: what the applicant is told, and what they must never be told."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import attrs
import core_fixtures
import pytest

import qmframe
from qmframe.default_plugins.letter_report import LetterReport

REVIEW = (
    core_fixtures.REVIEW.replace(
        "reviewed_on = 2026-02-01\n",
        'reviewed_on = 2026-02-01\nnotes = "PANEL ONLY: the chair doubts their data team."\n',
    )
    + """
[[requests]]
id = "q1"
request = "Send the minutes of the B-two working group"
target = "b2"
due = 2026-03-15
"""
)


@pytest.fixture
def letter_case(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> tuple[qmframe.Assessment, str]:
    framework = qmframe.load_framework(
        write("mini.toml", core_fixtures.FRAMEWORK), registry=registry
    )
    submission = qmframe.load_submission(
        write("s/submission.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    review = qmframe.load_review(
        write("s/review.toml", REVIEW), framework, submission, registry=registry
    )
    decision = qmframe.assess(framework, submission, review, registry=registry)
    assessment = qmframe.Assessment(
        decision=decision, framework=framework, submission=submission, review=review
    )
    return assessment, LetterReport().render(assessment)


def test_letter_says_what_was_found_what_is_asked_and_by_when(
    letter_case: tuple[qmframe.Assessment, str],
) -> None:
    assessment, letter = letter_case
    d = assessment.decision
    flat = " ".join(letter.split())
    assert not d.passed
    assert flat.startswith("1 February 2026 Dear Org One,")
    assert "The decision is: not yet." in flat
    for unmet in d.unmet:
        assert f"{unmet.title or unmet.target or unmet.rule}: {unmet.feedback}" in flat
    # The request, what it is about, and its date in words.
    assert "Send the minutes of the B-two working group (about B two)." in flat
    assert "Please reply by 15 March 2026." in flat
    # Their own action plan, with the date they gave.
    assert "Do more (by 1 January 2027, Head)." in flat
    # Where the assessors differ from the self-rating.
    assert "B two: you said Met; we found Not yet." in flat  # the scale's labels, not ids
    assert "send an updated submission" in flat
    assert all(len(line) <= 78 for line in letter.splitlines())


def test_letter_leaves_out_reviewers_notes_and_names(
    letter_case: tuple[qmframe.Assessment, str],
) -> None:
    assessment, letter = letter_case
    review = assessment.review
    assert review is not None
    assert review.notes
    assert "PANEL ONLY" not in letter
    for reviewer in review.reviewers:
        assert reviewer.name not in letter
    # Rationales reach the letter only as the feedback of something unmet.
    feedback = " ".join(u.feedback for u in assessment.decision.unmet)
    kept_back = [j.rationale for j in review.judgements if j.rationale not in feedback]
    assert "Outstanding." in kept_back
    for rationale in kept_back:
        assert rationale not in letter


def test_passing_letter_gives_the_award_period_and_midpoint(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> None:
    framework = qmframe.load_framework(
        write("mini.toml", core_fixtures.FRAMEWORK), registry=registry
    )
    submission = qmframe.load_submission(
        write("s/submission.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    passing = core_fixtures.REVIEW.replace('level = "no"', 'level = "yes"')
    review = qmframe.load_review(write("s/review.toml", passing), framework, submission)
    decision = qmframe.assess(framework, submission, review, as_of=dt.date(2026, 2, 1))
    assert decision.passed
    letter = qmframe.render(
        decision, framework, submission, review, format="letter", registry=registry
    )
    flat = " ".join(letter.split())
    assert "We are pleased to tell you that the decision is: awarded." in flat
    assert "The award runs from 1 February 2026 to 31 January 2029." in flat
    assert "mid-point review around 1 August 2027" in flat
    assert "What we ask of you" not in letter


def test_self_assessment_letter_says_it_is_only_an_indication(
    letter_case: tuple[qmframe.Assessment, str], registry: qmframe.Registry
) -> None:
    assessment, _ = letter_case
    framework = attrs.evolve(
        assessment.framework, review=attrs.evolve(assessment.framework.review, required=True)
    )
    decision = qmframe.assess(
        framework, assessment.submission, as_of=dt.date(2026, 2, 1), registry=registry
    )
    letter = " ".join(
        qmframe.render(
            decision, framework, assessment.submission, format="letter", registry=registry
        ).split()
    )
    assert "This is not an award. It is an early indication" in letter
    assert "rules would conclude: awarded" in letter
    assert "pleased" not in letter
