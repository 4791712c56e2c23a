"""Ordinal aggregation on scale levels: minimum, lower median and best fit.

Plain cases on the boundaries (odd and even counts, ties, unsorted input),
then the two places a framework meets them: a section's ``aggregate`` and a
panel's ``combine = "median"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import core_fixtures
import pytest

import qmframe
from qmframe.scales import AGGREGATES, aggregate, best_fit, lower_median, minimum


def test_minimum_is_the_lowest_rank() -> None:
    assert minimum([2, 0, 1]) == 0
    assert minimum([3]) == 3


@pytest.mark.parametrize(
    ("ranks", "median"),
    [
        ([4], 4),
        ([2, 0, 1], 1),  # odd: the middle one, after sorting
        ([0, 2], 0),  # even: the lower of the two middle ranks, not the upper
        ([3, 0, 2, 1], 1),
        ([2, 2, 0, 0], 0),
        ([0, 1, 1, 2, 2, 2], 1),
    ],
)
def test_lower_median(ranks: list[int], median: int) -> None:
    assert lower_median(ranks) == median


@pytest.mark.parametrize(
    ("ranks", "fit"),
    [
        ([1], 1),
        ([0, 2, 2], 2),  # the most frequent, not the lowest
        ([2, 0, 2, 0], 0),  # a tie goes to the lower rank
        ([3, 3, 1, 1, 2], 1),
        ([2, 1], 1),
    ],
)
def test_best_fit(ranks: list[int], fit: int) -> None:
    assert best_fit(ranks) == fit


def test_aggregate_dispatches_by_name() -> None:
    ranks = [2, 0, 2, 1]  # minimum 0, lower median 1, best fit 2
    assert [aggregate(name, ranks) for name in ("minimum", "median", "best-fit")] == [0, 1, 2]
    assert sorted(AGGREGATES) == ["best-fit", "median", "minimum"]


AS_OF = dt.date(2026, 3, 1)


def _assess(
    write: Callable[[str, str], Path],
    registry: qmframe.Registry,
    framework_text: str,
    review: str | None = None,
    submission_text: str = core_fixtures.SUBMISSION,
) -> qmframe.Decision:
    framework = qmframe.load_framework(write("f.toml", framework_text), registry=registry)
    submission = qmframe.load_submission(
        write("s/s.toml", submission_text), framework, registry=registry
    )
    loaded = None
    if review is not None:
        loaded = qmframe.load_review(
            write("s/r.toml", review), framework, submission, registry=registry
        )
    return qmframe.assess(framework, submission, loaded, as_of=AS_OF, registry=registry)


def test_a_section_median_of_two_criteria_is_the_lower(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> None:
    # Section a aggregates a1 (wow) and a2 (yes, then no); "all-met" asks every criterion
    # for 'yes', so keep the rule to sections.
    text = core_fixtures.FRAMEWORK.replace('aggregate = "minimum"', 'aggregate = "median"')
    text = text.replace(
        'kind = "minimum-level"\nlevel = "yes"',
        'kind = "minimum-level"\nlevel = "wow"\nscope = { of = "sections", section = "a" }',
    )
    decision = _assess(write, registry, text)
    # The median of wow and yes is yes, so the section is below wow.
    assert decision.explanation[0].saw == "1 applicable sections in a: a=yes"
    assert not decision.passed


def test_a_panel_median_of_two_reviewers_is_the_lower(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> None:
    text = core_fixtures.FRAMEWORK.replace(
        "[review]\nrequired = false\n", '[review]\ncombine = "median"\nmin_reviewers = 2\n'
    )
    review = core_fixtures.REVIEW.replace(
        '[[reviewers]]\nid = "r1"\nname = "Rev One"\n',
        '[[reviewers]]\nid = "r1"\nname = "Rev One"\n'
        '\n[[reviewers]]\nid = "r2"\nname = "Rev Two"\n',
    ).replace("[[judgements]]\n", '[[judgements]]\nreviewer = "r1"\n')
    # r2 agrees with r1 except on b2, where r1 says no and r2 yes.
    for target, level in (("a1", "wow"), ("a2", "wow"), ("b1", "yes"), ("b2", "yes")):
        review += f'\n[[judgements]]\nreviewer = "r2"\ntarget = "{target}"\nlevel = "{level}"\n'
    decision = _assess(write, registry, text, review)
    [split] = decision.panel_disagreements
    assert (split.target, dict(split.levels), split.decided) == (
        "b2",
        {"r1": "no", "r2": "yes"},
        "no",
    )
    assert not decision.passed
