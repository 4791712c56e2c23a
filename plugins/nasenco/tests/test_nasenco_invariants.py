"""The Quality Standards Framework against qmframe's ready-made properties.

Generated applicants are providers that name a validating university, so the
validating-university rule can hold and generated cases can be registered:
otherwise no case would ever pass, and monotonicity and not-applicable
neutrality would prove nothing. The award rate check makes sure enough pass.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest
from hypothesis import strategies as st

import qmframe
from qmframe.testing import invariants
from qmframe.testing.strategies import AssessmentCase, assessment_cases, likely_awards

FRAMEWORK_ID = "nasenco-qsf"


@pytest.fixture(scope="module")
def registry() -> qmframe.Registry:
    import qmframe_nasenco

    return qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[qmframe_nasenco])
    )


@pytest.fixture(scope="module")
def cases(registry: qmframe.Registry) -> st.SearchStrategy[AssessmentCase]:
    framework = registry.framework(FRAMEWORK_ID)
    providers = st.builds(
        qmframe.Organisation,
        id=st.just("provider"),
        name=st.just("A training provider"),
        kind=st.sampled_from(framework.organisation_kinds),
        linked=st.just({"validating_university": "a-university"}),
    )
    return st.one_of(
        assessment_cases(framework, organisations=providers),
        likely_awards(framework, organisations=providers),
    ).map(_as_sent)


def _as_sent(case: AssessmentCase) -> AssessmentCase:
    """A generated case whose assessment maps name the outcomes they assess.

    The plugin's own check asks that of every application; the kit generates
    only what the framework file declares, so the cases state it.
    """
    outcome = next(o.id for s in case.framework.outcome_sets for o in s.outcomes)
    evidence = tuple(
        attrs.evolve(item, outcomes=item.outcomes or (outcome,))
        if item.type == "assessment-map"
        else item
        for item in case.submission.evidence
    )
    return attrs.evolve(case, submission=attrs.evolve(case.submission, evidence=evidence))


def test_generated_cases_include_registrations(
    registry: qmframe.Registry, cases: st.SearchStrategy[AssessmentCase]
) -> None:
    rate = invariants.check_award_rate(FRAMEWORK_ID, registry=registry, cases=cases)
    assert rate.refused == 0


def test_every_rule_decides_something(registry: qmframe.Registry) -> None:
    report = invariants.check_liveness(FRAMEWORK_ID, registry=registry)
    assert [r.verdict for r in report.rules] == ["live"] * 4


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
    check: Callable[..., None], registry: qmframe.Registry, cases: st.SearchStrategy[AssessmentCase]
) -> None:
    check(FRAMEWORK_ID, registry=registry, cases=cases)
