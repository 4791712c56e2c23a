"""The Quality Mark against qmframe's ready-made properties.

Hypothesis generates valid submissions and reviews for the real framework
file; each property fails with a small counterexample if the framework or its
rules break it. The plugin's own checks ask every submission for its
definition of care experience (given to the strategies as a detail) and for
dated, owned actions (added to each case); the award rate check makes sure
that enough generated cases are awarded for the award-based properties to
prove something, and says what stops them if not.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest
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


# -- start details --
#: The detail this plugin's check asks of every submission, as the strategies should give it.
DETAILS = {"care_experience_definition": st.sampled_from(["ucas", "hesa-01", "statutory"])}


def _dated(case: AssessmentCase) -> AssessmentCase:
    """A generated case whose actions have an owner and a date, as this plugin's check asks."""
    actions = tuple(
        attrs.evolve(a, owner=a.owner or "Head of student support", due=a.due or case.as_of)
        for a in case.submission.actions
    )
    return attrs.evolve(case, submission=attrs.evolve(case.submission, actions=actions))


@pytest.fixture(scope="module")
def cases(registry: qmframe.Registry) -> st.SearchStrategy[AssessmentCase]:
    framework = registry.framework(FRAMEWORK_ID)
    return st.one_of(
        assessment_cases(framework, details=DETAILS), likely_awards(framework, details=DETAILS)
    ).map(_dated)


# -- end details --


def test_without_dated_actions_too_few_generated_cases_are_awarded(
    registry: qmframe.Registry,
) -> None:
    # The loud failure the award-based properties would meet without _dated: the
    # definition of care experience is declared in the file, so the kit generates it,
    # but the plugin's own check of the action plan refuses undated actions.
    with pytest.raises(invariants.InvariantError) as caught:
        invariants.check_award_rate(FRAMEWORK_ID, registry=registry)
    assert "too few awards" in str(caught.value)
    assert "every action in the plan needs a date" in str(caught.value)
    assert "care_experience_definition" not in str(caught.value)


def test_most_likely_awards_are_awarded(registry: qmframe.Registry) -> None:
    framework = registry.framework(FRAMEWORK_ID)
    awards = likely_awards(framework, details=DETAILS).map(_dated)
    rate = invariants.check_award_rate(FRAMEWORK_ID, registry=registry, cases=awards)
    assert rate.refused == 0


def test_every_rule_decides_something(registry: qmframe.Registry) -> None:
    invariants.check_liveness(FRAMEWORK_ID, registry=registry)


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
def test_property_holds(
    check: Callable[..., None],
    registry: qmframe.Registry,
    cases: st.SearchStrategy[AssessmentCase],
) -> None:
    check(FRAMEWORK_ID, registry=registry, cases=cases)
