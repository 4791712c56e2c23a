"""Planted bugs that the ready-made checks of qmframe.testing must catch.

Each check has a test somewhere that makes it fail on a wrong framework, rule kind or
hook: determinism, monotonicity, neutrality and bounds in test_testing_invariants.py,
honest reads in test_rule_reads.py, award rate in test_testing_award_levels.py,
liveness in each shipped plugin's kit tests, returns in test_testing_returns.py. These
are the rest: round trip, explanation completeness and sensitivity (through their
``check_*``), and the award-rate check that the checks about awards run first (and
liveness's own loud failure without a passing case).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import attrs
import kit_fixtures
import pytest
from hypothesis import Phase, settings
from test_testing_liveness import ClaimsDemands

import qmframe
from qmframe.framework import Rule
from qmframe.testing import invariants
from qmframe.testing import strategies as qs
from qmframe.testing.edits import set_level
from qmframe.testing.invariants import InvariantError

#: Find a counterexample, skip shrinking it: only the failure and its message matter.
NO_SHRINK = settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])


def _framework() -> qmframe.Framework:
    """The kit framework without its shadowed section rule."""
    fw = kit_fixtures.framework()
    return kit_fixtures.with_rules(fw, *(r for r in fw.decision.rules if r.id != "section-a-mid"))


def _decide_hook(change: Callable[[qmframe.Decision], qmframe.Decision]) -> object:
    class Hook:
        @qmframe.hookimpl
        def qmframe_decide(
            self,
            framework: qmframe.Framework,
            submission: qmframe.Submission,
            review: qmframe.Review | None,
            decision: qmframe.Decision,
        ) -> qmframe.Decision:
            return change(decision)

    return Hook()


# -- round trip --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # A list where the decision keeps a tuple: written and read back, it is a tuple.
        (lambda d: attrs.evolve(d, requests=["send the policy"]), "gave a different value"),
        # A time of day on a date: TOML writes a datetime, which is no date.
        (
            lambda d: attrs.evolve(d, as_of=dt.datetime.combine(d.as_of, dt.time(9))),
            "writing then reading a Decision gave",
        ),
    ],
    ids=["list-for-tuple", "datetime-for-date"],
)
def test_a_decision_that_does_not_survive_a_file_is_caught(
    qmframe_register: Callable[..., qmframe.Registry],
    change: Callable[[qmframe.Decision], qmframe.Decision],
    message: str,
) -> None:
    registry = qmframe_register(_decide_hook(change))
    with pytest.raises(InvariantError, match=message):
        invariants.check_round_trip(
            _framework(), registry=registry, max_examples=20, parent=NO_SHRINK
        )


# -- explanation completeness ------------------------------------------------------------------


def test_a_rule_repeated_in_the_explanation_is_caught(
    qmframe_register: Callable[..., qmframe.Registry],
) -> None:
    # A hook that drops a declared rule's outcome is refused by the engine itself (a
    # PluginError), so what is left for the property to catch is a repeat.
    registry = qmframe_register(
        _decide_hook(lambda d: attrs.evolve(d, explanation=(*d.explanation, d.explanation[0])))
    )
    with pytest.raises(
        InvariantError, match=r"declared rules appear more than once in the explanation: \['crit"
    ):
        invariants.check_explanation_complete(
            _framework(), registry=registry, max_examples=10, parent=NO_SHRINK
        )


# -- sensitivity -------------------------------------------------------------------------------


def test_check_sensitivity_catches_a_demand_the_kind_does_not_enforce(
    qmframe_register: Callable[..., qmframe.Registry],
) -> None:
    class Plugin:
        @qmframe.hookimpl
        def qmframe_register_rule_kinds(self, register: Callable[[qmframe.RuleKind], None]) -> None:
            register(ClaimsDemands())

    registry = qmframe_register(Plugin())
    # The kind's rule alone: with others, lowering an item loses the award through them.
    fw = kit_fixtures.with_rules(_framework(), Rule(id="claims", kind="claims-demands"))
    with pytest.raises(InvariantError, match=r"lowered to 'low', below 'mid': the award stays"):
        invariants.check_sensitivity(fw, registry=registry, max_examples=20, parent=NO_SHRINK)


# -- the award rate, run first by every check about awards -------------------------------------


def _never_awarded(fw: qmframe.Framework) -> Any:
    """Likely awards with a1 lowered below what criteria-mid asks: none is an award."""
    return qs.likely_awards(fw).map(lambda case: set_level(case, "a1", "low"))


@pytest.mark.parametrize(
    "check",
    [
        invariants.check_monotonicity,
        invariants.check_not_applicable_neutrality,
        invariants.check_sensitivity,
    ],
    ids=lambda check: check.__name__,
)
def test_each_check_about_awards_fails_loudly_without_awards(
    check: Callable[..., object],
) -> None:
    fw = _framework()
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    with pytest.raises(InvariantError) as raised:
        check(fw, registry=registry, cases=_never_awarded(fw), max_examples=5)
    text = str(raised.value)
    assert text.startswith("too few awards: under 20%, too few to test")
    assert "0 of 50 cases meant to be awards for 'kit' were awarded (0%)" in text
    # 1 of 2 or 1 of 3, as the drawn organisation is a school or a college.
    assert re.search(r"rule 'criteria-mid' failed: 1 of [23] below 'mid': a1 \(50\)", text)


def test_liveness_fails_loudly_without_a_passing_case() -> None:
    fw = _framework()
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    with pytest.raises(InvariantError, match="no passing case to start rule liveness from"):
        invariants.check_liveness(fw, registry=registry, cases=_never_awarded(fw))
