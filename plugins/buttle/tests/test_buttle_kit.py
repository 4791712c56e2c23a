"""The Quality Mark's decision tables and mutation score, and lenient copies the kit catches.

``plugins/buttle/cases/buttle.cases.toml`` says, case by case, what the
sources say the decision is; pytest collects every case. Here the tables are
run against every mutant of the Quality Mark's rules (all but the listed
equivalent ones must be killed) and against lenient copies of the framework:
the accommodation veto dropped, the money veto's level lowered so that
nothing is below it, the exemplary rating left on inform, and the exemplary
rating's level lowered so that every area reaches it.
"""

from __future__ import annotations

import attrs
import pytest

import qmframe
from qmframe.testing import invariants
from qmframe.testing.invariants import InvariantError
from qmframe.testing.mutate import mutation_score
from qmframe.testing.tables import find_tables, run_table

FRAMEWORK_ID = "buttle-quality-mark"


@pytest.fixture(scope="module")
def registry() -> qmframe.Registry:
    import qmframe_buttle

    return qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[qmframe_buttle])
    )


def _with_rules(framework: qmframe.Framework, rules: object) -> qmframe.Framework:
    return attrs.evolve(framework, decision=attrs.evolve(framework.decision, rules=tuple(rules)))


def test_every_mutant_of_the_rules_is_killed(registry: qmframe.Registry) -> None:
    report = mutation_score(FRAMEWORK_ID, registry=registry)
    assert report.ok, report.describe()
    assert (report.killed, report.survived, report.equivalent) == (46, 0, 5)


# -- start planted --
def test_the_tables_catch_a_dropped_accommodation_veto(registry: qmframe.Registry) -> None:
    framework = registry.framework(FRAMEWORK_ID)
    lenient = _with_rules(
        framework, (r for r in framework.decision.rules if r.id != "offer-accommodation")
    )
    failing = [
        result.case.id
        for table in find_tables(FRAMEWORK_ID, registry)
        for result in run_table(table, registry, framework=lenient)
        if not result.ok
    ]
    assert failing == [
        "no-help-with-housing",
        "a-university-without-year-round-accommodation",
        "glenmuir-as-sent",
    ]


def test_liveness_catches_a_veto_whose_level_nothing_is_below(
    registry: qmframe.Registry,
) -> None:
    framework = registry.framework(FRAMEWORK_ID)
    lenient = _with_rules(
        framework,
        (
            attrs.evolve(r, params={**r.params, "level": "not-in-place"})
            if r.id == "offer-money"
            else r
            for r in framework.decision.rules
        ),
    )
    with pytest.raises(InvariantError, match=r"offer-money \(veto\): dead"):
        invariants.check_liveness(lenient, registry=registry)


# -- end planted --


def test_the_tables_catch_the_exemplary_rating_left_on_inform(
    registry: qmframe.Registry,
) -> None:
    # The rating is still evaluated and explained, but the exemplary level no longer needs it.
    framework = registry.framework(FRAMEWORK_ID)
    lenient = attrs.evolve(
        _with_rules(
            framework,
            (
                attrs.evolve(r, effect="inform") if r.id == "exemplary-rating" else r
                for r in framework.decision.rules
            ),
        ),
        award_levels=tuple(
            attrs.evolve(level, rules=tuple(r for r in level.rules if r != "exemplary-rating"))
            for level in framework.award_levels
        ),
    )
    failing = [
        result
        for table in find_tables(FRAMEWORK_ID, registry)
        for result in run_table(table, registry, framework=lenient)
        if not result.ok
    ]
    assert [r.case.id for r in failing] == [
        "every-area-met-rated-minimum",
        "one-area-exemplary-rated-minimum",
    ]
    assert failing[0].mismatches == ("award_level: expected 'minimum', got 'exemplary'",)


def test_liveness_catches_an_exemplary_rating_every_area_reaches(
    registry: qmframe.Registry,
) -> None:
    framework = registry.framework(FRAMEWORK_ID)
    lenient = _with_rules(
        framework,
        (
            attrs.evolve(r, params={**r.params, "level": "not-yet-met"})
            if r.id == "exemplary-rating"
            else r
            for r in framework.decision.rules
        ),
    )
    with pytest.raises(InvariantError, match=r"exemplary-rating \(level\): dead"):
        invariants.check_liveness(lenient, registry=registry)


def test_without_its_tables_the_lenient_copy_passes_the_other_properties(
    registry: qmframe.Registry,
) -> None:
    # Why the tables and liveness are needed: the properties that need no expected
    # outcome cannot tell a dropped veto from a real framework.
    framework = registry.framework(FRAMEWORK_ID)
    lenient = _with_rules(
        framework, (r for r in framework.decision.rules if r.id != "offer-accommodation")
    )
    invariants.check_bounds(lenient, registry=registry, max_examples=10)
    invariants.check_monotonicity(lenient, registry=registry, max_examples=10)
