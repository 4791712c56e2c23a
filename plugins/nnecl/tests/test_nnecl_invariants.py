"""The Quality Mark against qmframe's ready-made properties.

Hypothesis generates valid submissions and reviews for the real framework
file; each property fails with a small counterexample if the framework or its
rules break it. A sanity check first makes sure the generated cases include
awards, or the award-based properties would prove nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qmframe
from qmframe.testing import invariants
from qmframe.testing.strategies import AssessmentCase, assessment_cases, likely_awards

FRAMEWORK_ID = "nnecl-quality-mark"


@pytest.fixture(scope="module")
def registry() -> qmframe.Registry:
    import qmframe_nnecl

    return qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[qmframe_nnecl])
    )


def _as_sent(case: AssessmentCase) -> AssessmentCase:
    """A generated case with what this plugin's own check asks of every action.

    The kit generates what the framework file declares, its details included;
    dated, owned actions are this plugin's own check, so the cases state
    them, as a real submission must.
    """
    submission = attrs.evolve(
        case.submission,
        actions=tuple(
            attrs.evolve(a, owner=a.owner or "Head of student support", due=a.due or case.as_of)
            for a in case.submission.actions
        ),
    )
    return attrs.evolve(case, submission=submission)


@pytest.fixture(scope="module")
def cases(registry: qmframe.Registry) -> st.SearchStrategy[AssessmentCase]:
    framework = registry.framework(FRAMEWORK_ID)
    return st.one_of(assessment_cases(framework), likely_awards(framework)).map(_as_sent)


def test_generated_cases_include_awards(
    registry: qmframe.Registry, cases: st.SearchStrategy[AssessmentCase]
) -> None:
    framework = registry.framework(FRAMEWORK_ID)
    assessor = registry.assessor(framework)
    awarded: list[bool] = []

    @settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
    @given(likely_awards(framework, reviewed=True).map(_as_sent))
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
def test_property_holds(
    check: Callable[..., None],
    registry: qmframe.Registry,
    cases: st.SearchStrategy[AssessmentCase],
) -> None:
    check(FRAMEWORK_ID, registry=registry, cases=cases)
