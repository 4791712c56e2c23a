"""The Quality Mark against qmframe's ready-made properties.

Hypothesis generates valid submissions and reviews for the real framework
file (a panel of two, four veto rules, an evidence requirement on each part of
the offer); each property fails with a small counterexample if the framework
or its rules break it. The award rate check makes sure enough generated cases
are awards, or the award-based properties would prove nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import qmframe
from qmframe.testing import invariants

FRAMEWORK_ID = "buttle-quality-mark"


@pytest.fixture(scope="module")
def registry() -> qmframe.Registry:
    # Only the built-ins and this plugin: what the framework needs, and no other plugin.
    import qmframe_buttle

    return qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[qmframe_buttle])
    )


def test_generated_cases_include_awards(registry: qmframe.Registry) -> None:
    rate = invariants.check_award_rate(FRAMEWORK_ID, registry=registry)
    assert rate.refused == 0


def test_every_deciding_rule_is_live(registry: qmframe.Registry) -> None:
    report = invariants.check_liveness(FRAMEWORK_ID, registry=registry)
    assert [r.verdict for r in report.rules] == ["live"] * 9
    # The exemplary level's two rules each decide it: a renewal, and two exemplary areas.
    assert [r.award_level for r in report.rules[-2:]] == ["exemplary", "exemplary"]
    exemplary = report.of_level("exemplary")
    assert exemplary.verdict == "live"
    assert exemplary.witness is not None
    assert (exemplary.witness.award_level, exemplary.witness.without_level) == (
        "minimum",
        "exemplary",
    )


@pytest.mark.parametrize(
    "check",
    [
        invariants.check_determinism,
        invariants.check_monotonicity,
        invariants.check_not_applicable_neutrality,
        invariants.check_bounds,
        invariants.check_round_trip,
        invariants.check_explanation_complete,
        invariants.check_sensitivity,
        invariants.check_reads,
    ],
)
def test_property_holds(check: Callable[..., None], registry: qmframe.Registry) -> None:
    check(FRAMEWORK_ID, registry=registry)
