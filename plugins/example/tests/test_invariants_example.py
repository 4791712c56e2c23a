"""The charter against qmframe's ready-made properties, one line each.

This is how any framework plugin tests its framework and rules: hypothesis
generates valid submissions and reviews for the installed framework, and each
property fails with a small counterexample if the framework breaks it. The
not-applicable neutrality check found that "learn" (which an organisation may
mark not applicable) was the only criterion covering journey stage J4, so
marking it not applicable lost the award. Rule liveness then found no case
where the coverage rule, covering by evidence or met criteria, decided
anything on its own: whenever it failed, "all-met" failed too. It now covers
by evidence, as its title says.
"""

from __future__ import annotations

import pytest

import qmframe
from qmframe.testing import invariants


# -- start invariants --
@pytest.fixture(scope="module")
def registry() -> qmframe.Registry:
    # Only the built-ins and this plugin: what the charter needs, and no other plugin.
    import qmframe_example

    return qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[qmframe_example])
    )


def test_decisions_are_deterministic(registry: qmframe.Registry) -> None:
    invariants.check_determinism("example-charter", registry=registry)


def test_raising_a_judgement_or_adding_evidence_never_loses_the_award(
    registry: qmframe.Registry,
) -> None:
    invariants.check_monotonicity("example-charter", registry=registry)


def test_not_applicable_never_loses_the_award(registry: qmframe.Registry) -> None:
    invariants.check_not_applicable_neutrality("example-charter", registry=registry)


def test_decisions_stay_within_bounds(registry: qmframe.Registry) -> None:
    invariants.check_bounds("example-charter", registry=registry)


def test_everything_round_trips_through_toml(registry: qmframe.Registry) -> None:
    invariants.check_round_trip("example-charter", registry=registry)


def test_every_rule_is_explained(registry: qmframe.Registry) -> None:
    invariants.check_explanation_complete("example-charter", registry=registry)


def test_lowering_any_required_item_loses_the_award(registry: qmframe.Registry) -> None:
    invariants.check_sensitivity("example-charter", registry=registry)


def test_rules_read_only_what_they_say(registry: qmframe.Registry) -> None:
    invariants.check_reads("example-charter", registry=registry)


def test_most_likely_awards_are_awarded(registry: qmframe.Registry) -> None:
    invariants.check_award_rate("example-charter", registry=registry)


def test_every_rule_decides_something(registry: qmframe.Registry) -> None:
    invariants.check_liveness("example-charter", registry=registry)


def test_census_returns_are_recorded_totalled_and_checked(registry: qmframe.Registry) -> None:
    invariants.check_returns("example-charter", registry=registry)


# -- end invariants --
