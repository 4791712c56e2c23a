"""qmframe.testing's check of recurring events: valid returns recorded and totalled, broken
ones refused, and the check failing when the framework, the register or the sector view
gets it wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import Phase, settings

import qmframe
from qmframe.awards import register as register_module
from qmframe.awards import returns as returns_module
from qmframe.awards import sector as sector_module
from qmframe.testing import invariants
from qmframe.testing import strategies as qs
from qmframe.testing.invariants import InvariantError

ROOT = Path(__file__).resolve().parents[1]
#: Find a counterexample, skip shrinking it: only the failure and its message matter.
NO_SHRINK = settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])


def builtins_only() -> qmframe.Registry:
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))


@pytest.fixture(scope="module")
def charter() -> qmframe.Framework:
    return qmframe.read_framework(ROOT / "frameworks" / "example-charter.toml")


def test_generated_returns_of_generated_frameworks_are_recorded_and_refused() -> None:
    counts = invariants.check_returns(qs.frameworks(recurring=True), registry=builtins_only())
    assert counts.reached > 0
    assert counts.recorded >= counts.reached
    # Every way of breaking a return was tried somewhere.
    assert all(n > 0 for _, n in counts.broken), counts.describe()


def test_the_charters_census_tries_every_way_of_breaking_it(charter: qmframe.Framework) -> None:
    counts = invariants.check_returns(charter, registry=builtins_only(), max_examples=10)
    # The census has a required figure, a bounded one and a number: every way applies, once
    # in each case that reached the check.
    assert dict(counts.broken) == dict.fromkeys(invariants.RETURN_BREAKS, counts.reached)
    assert invariants.COUNTS[-1] is counts
    text = counts.describe()
    assert text.startswith(f"returns on example-charter: {counts.examples} cases, ")
    assert f"{counts.recorded} valid returns recorded and totalled" in text
    assert f"{4 * counts.reached} broken returns refused (at-most {counts.reached}," in text


def test_a_framework_without_recurring_events_has_nothing_to_check(
    charter: qmframe.Framework,
) -> None:
    none = attrs.evolve(charter, lifecycle=attrs.evolve(charter.lifecycle, recurring=()))
    with pytest.raises(InvariantError, match="declares no recurring events"):
        invariants.check_returns(none, registry=builtins_only())
    with pytest.raises(InvariantError, match="no framework declared a recurring event"):
        invariants.check_returns(qs.frameworks(), registry=builtins_only(), max_examples=5)


def test_an_event_that_never_falls_due_during_an_award_is_caught(
    charter: qmframe.Framework,
) -> None:
    # A census every three years of a two-year charter: no holder ever sends one.
    [census] = charter.lifecycle.recurring
    rare = attrs.evolve(
        charter,
        lifecycle=attrs.evolve(
            charter.lifecycle, recurring=(attrs.evolve(census, every_months=36),)
        ),
    )
    with pytest.raises(InvariantError, match="'volunteer-census' never falls due during an award"):
        invariants.check_returns(rare, registry=builtins_only(), parent=NO_SHRINK)


def _lenient(ignore: str) -> Any:
    real = returns_module.check_figures

    def check(event: Any, figures: Any) -> list[qmframe.Problem]:
        return [p for p in real(event, figures) if p.code != ignore]

    return check


@pytest.mark.parametrize(
    ("ignored", "how"),
    [
        ("out-of-range", "at-most"),
        ("missing-value", "required-missing"),
        ("wrong-value", "wrong-type"),
        ("unknown-key", "unknown-figure"),
    ],
)
def test_a_register_that_accepts_a_broken_return_is_caught(
    charter: qmframe.Framework, monkeypatch: pytest.MonkeyPatch, ignored: str, how: str
) -> None:
    # The register's check of the figures, made lenient about one kind of problem.
    monkeypatch.setattr(register_module, "check_figures", _lenient(ignored))
    with pytest.raises(InvariantError, match=rf"broken \({how}: .*\) was accepted"):
        invariants.check_returns(charter, registry=builtins_only(), parent=NO_SHRINK)


def test_a_sector_view_that_loses_a_total_is_caught(
    charter: qmframe.Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = sector_module._return_totals

    def drops_the_last(*args: Any, **kwargs: Any) -> Any:
        rows, notes = real(*args, **kwargs)
        return rows[:-1], notes

    monkeypatch.setattr(sector_module, "_return_totals", drops_the_last)
    with pytest.raises(InvariantError, match=r"the sector view totals .*; the returns give"):
        invariants.check_returns(charter, registry=builtins_only(), parent=NO_SHRINK)


def test_a_public_view_that_does_not_round_is_caught(
    charter: qmframe.Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sector_module, "publish_count", lambda total, rule: f"{total:g}")
    with pytest.raises(InvariantError, match=r"the public sector view gives '(new_)?volunteers'"):
        invariants.check_returns(charter, registry=builtins_only(), parent=NO_SHRINK)


def test_a_register_that_forgets_what_was_answered_is_caught(
    charter: qmframe.Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every return then answers the first due date, and the later ones stay due.
    monkeypatch.setattr(register_module.Register, "_answered", lambda self, *args: set())
    with pytest.raises(InvariantError, match=r"was recorded as due|the register lists as due"):
        invariants.check_returns(charter, registry=builtins_only(), parent=NO_SHRINK)


def test_check_all_runs_returns_only_where_events_are_declared(
    charter: qmframe.Framework,
) -> None:
    before = len(invariants.COUNTS)
    invariants.check_all(
        charter, registry=builtins_only(), max_examples=5, skip=["liveness", "award-rate"]
    )
    ran = [c.property for c in invariants.COUNTS[before:]]
    assert "returns" in ran
    none = attrs.evolve(charter, lifecycle=attrs.evolve(charter.lifecycle, recurring=()))
    before = len(invariants.COUNTS)
    invariants.check_all(none, registry=builtins_only(), max_examples=5, skip=["liveness"])
    assert "returns" not in [c.property for c in invariants.COUNTS[before:]]
