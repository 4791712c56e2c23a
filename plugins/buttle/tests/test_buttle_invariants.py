"""The Quality Mark against qmframe's ready-made properties.

Hypothesis generates valid submissions and reviews for the real framework
file (a panel of two, four veto rules, an evidence requirement on each part of
the offer); each property fails with a small counterexample if the framework
or its rules break it. A sanity check first makes sure the generated cases
include awards, or the award-based properties would prove nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings

import qmframe
from qmframe.testing import invariants
from qmframe.testing.strategies import AssessmentCase, likely_awards

FRAMEWORK_ID = "buttle-quality-mark"


@pytest.fixture(scope="module")
def registry() -> qmframe.Registry:
    # Only the built-ins and this plugin: what the framework needs, and no other plugin.
    import qmframe_buttle

    return qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[qmframe_buttle])
    )


def test_generated_cases_include_awards(registry: qmframe.Registry) -> None:
    framework = registry.framework(FRAMEWORK_ID)
    assessor = registry.assessor(framework)
    awarded: list[bool] = []

    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    @given(likely_awards(framework))
    def collect(case: AssessmentCase) -> None:
        decision = assessor.assess(case.submission, case.review, as_of=case.as_of)
        awarded.append(decision.passed)

    collect()
    assert any(awarded), "no generated case was awarded: the properties below would be vacuous"


@pytest.mark.parametrize(
    "check",
    [
        invariants.check_determinism,
        invariants.check_monotonicity,
        invariants.check_not_applicable_neutrality,
        invariants.check_bounds,
        invariants.check_round_trip,
        invariants.check_explanation_complete,
    ],
)
def test_property_holds(check: Callable[..., None], registry: qmframe.Registry) -> None:
    check(FRAMEWORK_ID, registry=registry)
