"""The charter's decision tables and mutation score, and lenient copies the kit catches.

``plugins/example/cases/charter.cases.toml`` says, case by case, what the
charter's rules decide; pytest collects every case. Here the same tables are
run against every mutant of the charter's rules (all must be killed), and
against two lenient copies a careless author might write.
"""

from __future__ import annotations

import attrs
import pytest

import qmframe
from qmframe.testing import invariants
from qmframe.testing.invariants import InvariantError
from qmframe.testing.mutate import mutation_score
from qmframe.testing.tables import find_tables, run_table

FRAMEWORK_ID = "example-charter"


@pytest.fixture(scope="module")
def registry() -> qmframe.Registry:
    import qmframe_example

    return qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[qmframe_example])
    )


def _with_rules(framework: qmframe.Framework, *rules: qmframe.Rule) -> qmframe.Framework:
    return attrs.evolve(framework, decision=attrs.evolve(framework.decision, rules=rules))


# -- start mutation-score --
def test_every_mutant_of_the_rules_is_killed(registry: qmframe.Registry) -> None:
    report = mutation_score(FRAMEWORK_ID, registry=registry)
    assert report.ok, report.describe()
    assert (report.killed, report.survived, report.equivalent) == (21, 0, 0)


# -- end mutation-score --


def test_the_tables_catch_a_dropped_rule(registry: qmframe.Registry) -> None:
    framework = registry.framework(FRAMEWORK_ID)
    lenient = _with_rules(framework, *(r for r in framework.decision.rules if r.id != "evidence"))
    [table] = find_tables(FRAMEWORK_ID, registry)
    failing = [r.case.id for r in run_table(table, registry, framework=lenient) if not r.ok]
    assert failing == [
        "no-role-descriptions",
        "no-induction-records",
        "no-volunteer-feedback-for-learning",
    ]


def test_liveness_catches_a_level_lowered_to_the_bottom(registry: qmframe.Registry) -> None:
    framework = registry.framework(FRAMEWORK_ID)
    lenient = _with_rules(
        framework,
        *(
            attrs.evolve(r, params={**r.params, "level": "not-yet"}) if r.id == "all-met" else r
            for r in framework.decision.rules
        ),
    )
    with pytest.raises(InvariantError, match=r"all-met \(require\): dead"):
        invariants.check_liveness(lenient, registry=registry)
