"""The register's reads in SQL say what the lifecycle's pure functions say of the same history.

Each register here is built at random (seeded, so a failure is reproducible) from
decisions that pass, fail or are only indications, several on one day, names that
change, unresolved levels, figures that are not numbers, and events that suspend,
reinstate, withdraw or review. Every read answered from the register's tables
(holders, due, the public export, the sector view) is compared with the same
answer worked out from the histories by :mod:`qmframe.awards.lifecycle` and from
the rebuilt decisions by :func:`qmframe.awards.sector.sector_view`.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

import qmframe
from qmframe.awards.lifecycle import AwardHistory, Event, is_current, state_on, term_on
from qmframe.awards.register import Addition, Due, Holding, Register
from qmframe.awards.sector import render_text, sector_view
from qmframe.decision import DecidedLevel, Decision, Highlight, Unmet
from qmframe.framework import Framework

START = dt.date(2024, 1, 1)
TARGETS = ("a1", "a2", "a", "b1", "b2", "b")
LEVELS = ("no", "yes", "wow", "")
EVENT_STATES = (
    "expression-of-interest",
    "in-preparation",
    "submitted",
    "under-review",
    "suspended",
    "reinstated",
    "withdrawn",
    "revoked",
    "mid-point-reviewed",
    "awarded",  # an award recorded by hand, with no decision of its own
    "renewed",
)
ALL_PUBLIC = (
    "organisation.id",
    "organisation.name",
    "framework",
    "version",
    "status",
    "state",
    "as_of",
    "valid_from",
    "valid_until",
    "midpoint_due",
    "highlights",
)


@pytest.fixture
def framework(mini: dict[str, Path], registry: qmframe.Registry) -> Framework:
    import attrs

    loaded = qmframe.load_framework(mini["framework"], registry=registry)
    return attrs.evolve(loaded, public_fields=ALL_PUBLIC)


def random_decision(rng: random.Random, org: str, day: dt.date) -> Decision:
    kind = rng.choice(("pass", "pass", "fail", "indication"))
    levels = []
    for target in TARGETS:
        if rng.random() < 0.8:
            level = rng.choice(LEVELS)
            levels.append(
                DecidedLevel(
                    target=target, level=level, source="judgement" if level else "unresolved"
                )
            )
    if levels and rng.random() < 0.3:  # a target given twice: the last settled level counts
        again = rng.choice(levels).target
        levels.append(DecidedLevel(target=again, level=rng.choice(LEVELS), source="derived"))
    unmet = tuple(
        Unmet(
            target=t, title=f"Title {t} {rng.randint(1, 2)}", rule="all-met", reason="", feedback=""
        )
        for t in rng.sample(("a1", "a2", "b1", "b2"), rng.randint(0, 2))
    )
    if rng.random() < 0.3:
        unmet += (Unmet(target="", title="Plan", rule="plan", reason="", feedback=""),)
    highlights = tuple(
        Highlight(target=t, title=f"Practice {t}", level="wow", rule="shine")
        for t in rng.sample(("a1", "a", "b2", "elsewhere"), rng.randint(0, 2))
    )
    passed = kind == "pass"
    days = rng.choice((30, 200, 400, 1000))
    return Decision(
        framework="mini",
        version=rng.choice(("1", "2")),
        organisation=org,
        organisation_name=rng.choice((org.title(), "", f"{org} Trust")),
        status={"pass": "awarded", "fail": "not-yet", "indication": "indication"}[kind],
        passed=passed,
        basis="indication" if kind == "indication" else "review",
        as_of=day,
        valid_from=day if passed else None,
        valid_until=day + dt.timedelta(days=days - 1) if passed else None,
        midpoint_due=day + dt.timedelta(days=days // 2) if passed and rng.random() < 0.7 else None,
        highlights=highlights,
        unmet=unmet,
        levels=tuple(levels),
        indicated_status="awarded" if kind == "indication" else "",
    )


def build(path: Path, seed: int) -> list[dt.date]:
    """A register made of random moves (the refused ones leave it as it was); days to ask."""
    rng = random.Random(seed)
    orgs = [f"org-{i}" for i in range(7)]
    day = START
    asked = [START - dt.timedelta(days=1)]
    with Register(path) as register:
        for _ in range(70):
            day += dt.timedelta(days=rng.choice((0, 0, 1, 20, 90, 200, 400)))
            asked.append(day + dt.timedelta(days=rng.randint(-5, 5)))
            org = rng.choice(orgs)
            roll = rng.random()
            try:
                if roll < 0.5:
                    details = {"recruitment": rng.choice(("10", "1,200", "lots", "2.5"))}
                    register.add_decision(
                        random_decision(rng, org, day),
                        details=details if rng.random() < 0.6 else {},
                    )
                elif roll < 0.6:
                    register.add_decisions(
                        Addition(decision=random_decision(rng, rng.choice(orgs), day))
                        for _ in range(3)
                    )
                else:
                    state = rng.choice(EVENT_STATES)
                    register.add_event("mini", org, Event(state=state, on=day, reason="r"))
            except qmframe.ValidationError:
                pass
    return [*asked, day + dt.timedelta(days=2000)]


# -- the answers worked out from histories, as the register gave them before it used SQL ------


def histories(register: Register, framework: str) -> list[AwardHistory]:
    return [register.history(framework, org) for org in register.organisations(framework)]


def expected_holders(register: Register, framework: str, day: dt.date) -> list[Holding]:
    out = []
    for history in histories(register, framework):
        term = term_on(history, day)
        if term is None or not is_current(history, day):
            continue
        out.append(
            Holding(
                organisation=history.organisation,
                organisation_name=history.organisation_name,
                state=state_on(history, day) or "",
                version=term.version,
                since=term.on,
                valid_until=term.valid_until,
                midpoint_due=term.midpoint_due,
            )
        )
    return out


def expected_due(register: Register, framework: str, day: dt.date, within: int) -> list[Due]:
    horizon = day + dt.timedelta(days=within)
    out = []
    for history in histories(register, framework):
        term = term_on(history, day)
        if term is None or not is_current(history, day):
            continue
        name = history.organisation_name
        if term.valid_until is not None and day <= term.valid_until <= horizon:
            out.append(Due(organisation=history.organisation, organisation_name=name,
                           what="expiry", on=term.valid_until))  # fmt: skip
        if term.midpoint_due is not None and term.midpoint_due <= horizon:
            reviewed = any(
                e.state == "mid-point-reviewed" and term.on <= e.on <= day for e in history.events
            )
            if not reviewed:
                out.append(Due(organisation=history.organisation, organisation_name=name,
                               what="mid-point review", on=term.midpoint_due,
                               overdue=term.midpoint_due < day))  # fmt: skip
    return sorted(out, key=lambda d: (d.on, d.organisation, d.what))


def expected_public_rows(
    register: Register, framework: Framework, day: dt.date
) -> list[dict[str, Any]]:
    rows = []
    for history in histories(register, framework.id):
        term = term_on(history, day)
        if term is None or not is_current(history, day):
            continue
        granted = [
            r.decision
            for r in register.decisions(framework.id, history.organisation)
            if r.decision.passed and r.decision.as_of == term.on
        ]
        decision = granted[-1] if granted else None
        rows.append(
            {
                "organisation.id": history.organisation,
                "organisation.name": history.organisation_name,
                "framework": framework.id,
                "version": term.version,
                "status": decision.status if decision else "",
                "state": state_on(history, day) or "",
                "as_of": term.on.isoformat(),
                "valid_from": (decision.valid_from or term.on).isoformat()
                if decision
                else term.on.isoformat(),
                "valid_until": term.valid_until.isoformat() if term.valid_until else "",
                "midpoint_due": term.midpoint_due.isoformat() if term.midpoint_due else "",
                "highlights": [f"{h.title} ({h.level})" for h in decision.highlights]
                if decision
                else [],
            }
        )
    return rows


SEEDS = range(8)


@pytest.mark.parametrize("seed", SEEDS)
def test_holders_due_and_export_agree_with_the_lifecycle(
    seed: int, tmp_path: Path, framework: Framework
) -> None:
    path = tmp_path / "register.sqlite"
    days = build(path, seed)
    with Register(path) as register:
        assert register.histories("mini") == histories(register, "mini")
        seen_holders = 0
        for day in days:
            holders = register.holders("mini", day)
            assert holders == expected_holders(register, "mini", day), day
            seen_holders += len(holders)
            for within in (0, 30, 400):
                assert register.due("mini", day, within) == expected_due(
                    register, "mini", day, within
                ), (day, within)
            assert register.public_rows(framework, day) == expected_public_rows(
                register, framework, day
            ), day
    assert seen_holders > 0  # the random registers do hold awards at times


@pytest.mark.parametrize("seed", SEEDS)
def test_the_sector_view_in_sql_is_the_sector_view_of_the_decisions(
    seed: int, tmp_path: Path, framework: Framework
) -> None:
    path = tmp_path / "register.sqlite"
    build(path, seed)
    figures = ("recruitment", "completion", "recruitment")
    for anonymise in (False, True):
        with Register(path) as register:
            recorded = register.decisions("mini")
            in_sql = register.sector_view(framework, figures=figures, anonymise=anonymise)
        from_objects = sector_view(
            framework,
            [r.decision for r in recorded],
            details=[r.details for r in recorded],
            figures=figures,
            anonymise=anonymise,
        )
        assert in_sql == from_objects
        assert render_text(in_sql) == render_text(from_objects)
        assert in_sql.decisions + in_sql.indications == len(recorded) > 0
        # Indications are counted apart from the decisions (see awards/sector.py).
        assert in_sql.indications == sum(r.decision.is_indication for r in recorded) > 0


def test_an_empty_register_has_an_empty_sector_view(tmp_path: Path, framework: Framework) -> None:
    with Register(tmp_path / "r.sqlite") as register:
        view = register.sector_view(framework)
        assert view == sector_view(framework, [])
        assert register.holders("mini", START) == []
        assert register.due("mini", START, 90) == []
        assert register.public_rows(framework, START) == []


def test_due_at_the_end_of_time_is_not_a_crash(tmp_path: Path) -> None:
    # A date beyond the range qmframe handles is a located problem, not an overflow.
    with Register(tmp_path / "r.sqlite") as register:
        with pytest.raises(qmframe.ValidationError, match="outside the dates qmframe handles"):
            register.due("mini", dt.date(9999, 12, 1), 365)
        assert register.due("mini", dt.date(2200, 12, 1), 365) == []
