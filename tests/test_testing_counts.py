"""Every check of qmframe.testing says how many cases reached what it is about.

The counts are kept in ``invariants.COUNTS`` and printed by the pytest plugin at the end
of the run; rule liveness counts award levels apart from rules.
"""

from __future__ import annotations

import attrs
import pytest
from test_testing_award_levels import builtins, gold_case, levelled

import qmframe
from qmframe.framework import AwardLevel
from qmframe.testing import invariants
from qmframe.testing.invariants import PropertyCounts

pytest_plugins = ["pytester"]


def test_liveness_counts_award_levels_apart_from_rules() -> None:
    fw = levelled()
    report = invariants.check_liveness(fw, registry=builtins(), bases=[gold_case(fw)])
    counts = invariants.COUNTS[-1]
    assert counts.property == "liveness"
    # Five deciding rules (three of the award, one of silver, one of gold), two levels.
    assert counts.reached == len(report.rules) == 5
    assert counts.levels == (("silver", 1), ("gold", 1))
    assert counts.describe() == (
        f"liveness on kit: 5 rules live, 2 award levels live, from {report.bases} passing cases"
    )


def test_liveness_counts_a_level_that_is_not_live() -> None:
    # A level that adds no rule to the one below is dead: check_liveness fails, and the
    # counts it kept say which levels were live.
    fw = levelled()
    fw = attrs.evolve(
        fw, award_levels=(*fw.award_levels, AwardLevel(id="platinum", label="Platinum"))
    )
    with pytest.raises(invariants.InvariantError, match="award level 'platinum': dead"):
        invariants.check_liveness(fw, registry=builtins(), bases=[gold_case(fw)])
    counts = invariants.COUNTS[-1]
    assert counts.levels == (("silver", 1), ("gold", 1), ("platinum", 0))
    assert ", 2 award levels live, from " in counts.describe()


@pytest.mark.parametrize(
    ("counts", "text"),
    [
        (
            PropertyCounts(property="liveness", framework="f", examples=1, reached=1),
            "liveness on f: 1 rule live, from 1 passing cases",
        ),
        (
            PropertyCounts(
                property="liveness",
                framework="f",
                examples=3,
                reached=4,
                levels=(("gold", 1),),
                undecided=2,
            ),
            "liveness on f: 4 rules live, 1 award level live, 2 undecided, from 3 passing cases",
        ),
    ],
)
def test_liveness_counts_read_as_numbers_of_rules_and_levels(
    counts: PropertyCounts, text: str
) -> None:
    assert counts.describe() == text


def test_every_check_of_check_all_reports_its_counts() -> None:
    # One framework with award levels and a recurring event: every check applies.
    fw = levelled()
    census = qmframe.framework.RecurringEvent(
        id="census",
        title="Census",
        every_months=12,
        figures=(qmframe.framework.Figure(id="people", label="People", required=True),),
    )
    fw = attrs.evolve(
        fw,
        validity=qmframe.framework.Validity(months=24),
        lifecycle=attrs.evolve(fw.lifecycle, recurring=(census,)),
    )
    before = len(invariants.COUNTS)
    invariants.check_all(fw, registry=builtins(), max_examples=10)
    ran = invariants.COUNTS[before:]
    names = {
        "determinism": "deterministic",
        "monotonicity": "monotone",
        "not-applicable-neutrality": "not_applicable_neutral",
        "bounds": "bounded",
        "round-trip": "round_trips",
        "explanation-completeness": "explanation_complete",
        "sensitivity": "sensitive",
        "honest-reads": "reads_honest",
        "award-rate": "award-rate",
        "liveness": "liveness",
        "returns": "returns",
    }
    assert set(names) == set(invariants.PROPERTIES)
    assert [c.property for c in ran] == [names[name] for name in invariants.PROPERTIES]
    assert all(c.framework == "kit" and c.examples > 0 for c in ran)
    # Each reached what it is about, except neutrality: this framework allows nothing to
    # be marked not applicable.
    assert [c.property for c in ran if not c.reached] == ["not_applicable_neutral"]


def test_the_summary_shows_liveness_of_award_levels(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_counts="""
        from qmframe.testing import invariants

        def test_liveness():
            invariants.check_liveness("buttle-quality-mark")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*qmframe.testing: cases per property*",
            "liveness on buttle-quality-mark: 9 rules live, 1 award level live, "
            "from * passing cases",
        ]
    )
