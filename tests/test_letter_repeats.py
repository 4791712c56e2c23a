"""The letter never repeats itself: one item per thing asked, one line per highlight.

Two rules that both find one criterion unmet gave two unmet entries whose
feedback was the same reviewer's rationale, so a letter listed the same item
twice with the same words (and lost the rules' own advice). These tests hold
a letter to one numbered item per unmet target (or rule), each rule's advice
said once, one bullet per highlighted target, and no two items alike, over
generated cases too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import attrs
import core_fixtures
from hypothesis import given
from hypothesis import strategies as st

import qmframe
from qmframe.default_plugins import letter_report
from qmframe.default_plugins.letter_report import LetterReport
from qmframe.testing import strategies

# A second rule finds b2 unmet (as "all-met" does), and a second highlight rule finds a1.
FRAMEWORK = core_fixtures.FRAMEWORK.replace(
    "[validity]",
    """[[decision.rules]]
id = "area-b"
kind = "minimum-level"
level = "yes"
scope = { section = "b" }
feedback = "Every criterion of Area B must be met."

[[decision.rules]]
id = "shine-criteria"
kind = "notable-level"
effect = "highlight"

[[decision.rules]]
id = "shine-again"
kind = "notable-level"
effect = "highlight"

[validity]""",
)


def _items(letter: str) -> list[str]:
    """The letter's numbered items and bullets, each joined onto one line."""
    items: list[str] = []
    for line in letter.splitlines():
        if re.match(r"^(\d+\. |  \* )", line):
            items.append(line.strip())
        elif items and line.startswith("   ") and line.strip():
            items[-1] += " " + line.strip()
        elif not line.strip():
            items.append("") if items and items[-1] else None
    return [item for item in items if item]


def _assessment(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> qmframe.Assessment:
    framework = qmframe.load_framework(write("mini.toml", FRAMEWORK), registry=registry)
    submission = qmframe.load_submission(
        write("s/submission.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    review = qmframe.load_review(
        write("s/review.toml", core_fixtures.REVIEW), framework, submission, registry=registry
    )
    decision = qmframe.assess(framework, submission, review, registry=registry)
    return qmframe.Assessment(
        decision=decision, framework=framework, submission=submission, review=review
    )


def test_two_rules_unmet_on_one_criterion_make_one_item(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> None:
    assessment = _assessment(write, registry)
    unmet_b2 = [u for u in assessment.decision.unmet if u.target == "b2"]
    assert len(unmet_b2) == 2  # the case is what it claims: two rules, one criterion
    letter = LetterReport().render(assessment)
    items = _items(letter)
    about_b2 = [i for i in items if i[0].isdigit() and i.split(" ", 1)[1].startswith("B two:")]
    assert len(about_b2) == 1, about_b2
    (item,) = about_b2
    # The reviewer's reason once; each rule's own advice once in the letter, not lost.
    assert item.count("No evidence of B two in practice.") == 1
    flat = " ".join(letter.split())
    assert flat.count("No evidence of B two in practice.") == 1
    assert flat.count("Every criterion of Area B must be met.") == 1
    assert flat.count("Show how you meet it.") == 1


def test_two_highlight_rules_on_one_target_make_one_bullet(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> None:
    assessment = _assessment(write, registry)
    assert [h.target for h in assessment.decision.highlights].count("a1") == 2
    items = _items(LetterReport().render(assessment))
    assert [item for item in items if item.startswith("* A one:")] == ["* A one: Exceptional."]


def _twice(framework: qmframe.Framework) -> qmframe.Framework:
    """The framework with each require and highlight rule declared a second time: every
    target one of them finds unmet (or notable) is then found by two rules."""
    again = tuple(
        attrs.evolve(rule, id=f"{rule.id}-again", feedback=f"Also: {rule.feedback or rule.id}")
        for rule in framework.decision.rules
        if rule.effect in ("require", "highlight")
    )
    rules = framework.decision.rules + again
    return attrs.evolve(framework, decision=attrs.evolve(framework.decision, rules=rules))


@given(
    strategies.assessment_cases(reviewed=True),
    st.sampled_from(("", "the same words for all")),
    st.booleans(),
)
def test_no_letter_repeats_an_item(
    case: strategies.AssessmentCase, shared: str, twice: bool
) -> None:
    review = case.review
    assert review is not None
    framework = _twice(case.framework) if twice else case.framework
    if shared:  # every reviewer gives every target the same rationale
        review = attrs.evolve(
            review,
            judgements=tuple(attrs.evolve(j, rationale=shared) for j in review.judgements),
        )
    decision = qmframe.assess(framework, case.submission, review, as_of=case.as_of)
    assessment = qmframe.Assessment(
        decision=decision, framework=framework, submission=case.submission, review=review
    )
    letter = LetterReport().render(assessment)
    items = _items(letter)
    numbered = [item.split(" ", 1)[1] for item in items if item[0].isdigit()]
    assert len(numbered) == len(set(numbered)), letter
    # At most one numbered item per unmet target (or targetless rule), then one per request.
    asked = {u.target or ("rule", u.rule) for u in decision.unmet}
    asked_again = {(r.request, r.target, r.due) for r in review.requests}
    assert len(numbered) <= len(asked) + len(asked_again), letter
    # Every unmet target is in exactly one item, and no two items say the same words.
    items, advice = letter_report._asks(framework, decision.unmet)
    assert len(items) <= len(asked)
    texts = [text for _, text in items if text]
    assert len(texts) == len(set(texts)), items
    assert len(advice) == len(set(advice))
    assert not any(a in text for a in advice for text in texts)
    named = [name for names, _ in items for name in names]
    assert len(named) == len(asked), items
    # The organisation's own action plan is theirs to repeat; everything before it is ours.
    ours = _items(letter.split("Your action plan\n", 1)[0])
    bullets = [item for item in ours if item.startswith("* ")]
    assert len(bullets) == len(set(bullets)), letter
