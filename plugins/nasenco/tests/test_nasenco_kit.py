"""The framework's decision tables and mutation score, and lenient copies the kit catches.

``plugins/nasenco/cases/nasenco.cases.toml`` says, case by case, what the 2017
review says the decision is; pytest collects every case. Here the tables are
run against every mutant of the framework's rules (all must be killed) and
against lenient copies a careless author might write. The tables also found a
real bug: with a review, the plugin's checks of the application were skipped,
so an assessment map listing no outcomes was accepted.
"""

from __future__ import annotations

import attrs
import pytest

import qmframe
from qmframe.testing import invariants
from qmframe.testing.invariants import InvariantError
from qmframe.testing.mutate import mutation_score
from qmframe.testing.tables import find_tables, run_table

FRAMEWORK_ID = "nasenco-qsf"


@pytest.fixture(scope="module")
def registry() -> qmframe.Registry:
    import qmframe_nasenco

    return qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[qmframe_nasenco])
    )


def _without(framework: qmframe.Framework, rule_id: str) -> qmframe.Framework:
    rules = tuple(r for r in framework.decision.rules if r.id != rule_id)
    return attrs.evolve(framework, decision=attrs.evolve(framework.decision, rules=rules))


def _failing_cases(registry: qmframe.Registry, framework: qmframe.Framework) -> list[str]:
    return [
        result.case.id
        for table in find_tables(FRAMEWORK_ID, registry)
        for result in run_table(table, registry, framework=framework)
        if not result.ok
    ]


def test_every_mutant_of_the_rules_is_killed(registry: qmframe.Registry) -> None:
    report = mutation_score(FRAMEWORK_ID, registry=registry)
    assert report.ok, report.describe()
    assert (report.killed, report.survived, report.equivalent) == (17, 0, 0)


def test_the_tables_catch_a_dropped_validating_university_rule(
    registry: qmframe.Registry,
) -> None:
    lenient = _without(registry.framework(FRAMEWORK_ID), "validating-university")
    assert _failing_cases(registry, lenient) == [
        "a-private-provider-naming-no-university",
        "a-private-provider-naming-itself",
        "eastgate-first-as-sent",
    ]


def test_the_tables_catch_a_dropped_coverage_rule(registry: qmframe.Registry) -> None:
    lenient = _without(registry.framework(FRAMEWORK_ID), "outcomes-assessed")
    assert _failing_cases(registry, lenient) == [
        "one-learning-outcome-not-assessed",
        "eastgate-first-as-sent",
    ]


def test_liveness_catches_a_level_lowered_to_the_bottom(registry: qmframe.Registry) -> None:
    framework = registry.framework(FRAMEWORK_ID)
    rules = tuple(
        attrs.evolve(r, params={**r.params, "level": "not-yet-acceptable"})
        if r.id == "all-acceptable"
        else r
        for r in framework.decision.rules
    )
    lenient = attrs.evolve(framework, decision=attrs.evolve(framework.decision, rules=rules))
    with pytest.raises(InvariantError, match=r"all-acceptable \(require\): dead"):
        invariants.check_liveness(lenient, registry=registry)
