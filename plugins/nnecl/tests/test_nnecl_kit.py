"""The Quality Mark's decision tables and mutation score, and lenient copies the kit catches.

``plugins/nnecl/cases/nnecl.cases.toml`` says, case by case, what the sources
say the decision is; pytest collects every case. Here the tables are run
against every mutant of the Quality Mark's rules (all must be killed) and
against lenient copies of the framework a careless author might write.
"""

from __future__ import annotations

import attrs
import pytest

import qmframe
from qmframe.testing import invariants
from qmframe.testing.invariants import InvariantError
from qmframe.testing.mutate import mutation_score
from qmframe.testing.tables import find_tables, run_table

FRAMEWORK_ID = "nnecl-quality-mark"


@pytest.fixture(scope="module")
def registry() -> qmframe.Registry:
    import qmframe_nnecl

    return qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[qmframe_nnecl])
    )


def _changed(framework: qmframe.Framework, rule_id: str, **changes: object) -> qmframe.Framework:
    rules = tuple(
        attrs.evolve(r, **changes) if r.id == rule_id else r for r in framework.decision.rules
    )
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
    assert (report.killed, report.survived, report.equivalent) == (22, 0, 0)


def test_the_tables_catch_an_action_plan_left_on_inform(registry: qmframe.Registry) -> None:
    lenient = _changed(registry.framework(FRAMEWORK_ID), "action-plan", effect="inform")
    assert _failing_cases(registry, lenient) == ["no-action-plan", "only-completed-actions"]


def test_the_tables_catch_an_area_left_out_of_the_rule(registry: qmframe.Registry) -> None:
    framework = registry.framework(FRAMEWORK_ID)
    others = [s.id for s in framework.sections if s.id != "student-success"]
    rule = next(r for r in framework.decision.rules if r.id == "every-area-evidenced")
    lenient = _changed(
        framework,
        "every-area-evidenced",
        params={**rule.params, "scope": {"of": "sections", "section": others}},
    )
    assert _failing_cases(registry, lenient) == [
        "student-success-not-yet-evidenced",
        "corran-as-sent",
    ]


def test_liveness_catches_a_level_lowered_to_the_bottom(registry: qmframe.Registry) -> None:
    framework = registry.framework(FRAMEWORK_ID)
    rule = next(r for r in framework.decision.rules if r.id == "every-area-evidenced")
    lenient = _changed(
        framework,
        "every-area-evidenced",
        params={**rule.params, "level": "not-yet-evidenced"},
    )
    with pytest.raises(InvariantError, match=r"every-area-evidenced \(require\): dead"):
        invariants.check_liveness(lenient, registry=registry)
