"""Recurring events: their due dates, returns and figures in the register, and the totals the
sector view publishes."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import core_fixtures
import pytest

import qmframe
from qmframe._convert import unstructure_json
from qmframe.awards.lifecycle import Event
from qmframe.awards.register import MIGRATIONS, Register
from qmframe.awards.returns import (
    SUPPRESSED,
    check_figures,
    due_dates,
    publish_count,
    publish_percentage,
    read_figures,
)
from qmframe.awards.sector import render_text, sector_view
from qmframe.cli import main
from qmframe.engine import add_months
from qmframe.framework import Disclosure, Figure, RecurringEvent
from qmframe.validation import check_framework

RETURN = """
[[lifecycle.recurring]]
id = "census"
title = "Annual census"
every_months = 12
figures = [
    { id = "people", label = "People supported", type = "count", required = true },
    { id = "stayed", label = "Of those, people who stayed", type = "count", at_most = "people" },
    { id = "spent", label = "Money spent", type = "number" },
]
"""

FRAMEWORK = core_fixtures.FRAMEWORK + RETURN
AWARDED = dt.date(2026, 2, 1)  # the review's date: the award runs to 2029-01-31


@pytest.fixture
def framework(write: Callable[[str, str], Path]) -> qmframe.Framework:
    return qmframe.load_framework(write("mini.toml", FRAMEWORK))


@pytest.fixture
def event(framework: qmframe.Framework) -> RecurringEvent:
    return framework.lifecycle.recurring[0]


def _decision(
    framework: qmframe.Framework, organisation: str, name: str, on: dt.date = AWARDED
) -> qmframe.Decision:
    return qmframe.Decision(
        framework=framework.id,
        version=framework.version,
        organisation=organisation,
        organisation_name=name,
        status="awarded",
        passed=True,
        basis="self-certified",
        as_of=on,
        valid_from=on,
        valid_until=add_months(on, 36) - dt.timedelta(days=1),
        midpoint_due=add_months(on, 18),
    )


@pytest.fixture
def register(tmp_path: Path, framework: qmframe.Framework) -> Register:
    opened = Register(tmp_path / "r.sqlite")
    for org, name in (("north", "North College"), ("south", "South College")):
        opened.add_decision(_decision(framework, org, name), framework.lifecycle)
    return opened


# -- due dates ---------------------------------------------------------------------------------


def test_due_every_n_months_during_the_award(event: RecurringEvent) -> None:
    until = dt.date(2029, 1, 31)
    assert list(due_dates(event, AWARDED, until)) == [dt.date(2027, 2, 1), dt.date(2028, 2, 1)]
    first = RecurringEvent(id="e", title="", every_months=6, first_due_months=3)
    assert list(due_dates(first, dt.date(2026, 1, 31), dt.date(2027, 1, 30))) == [
        dt.date(2026, 4, 30),  # the month's end, as awards count months
        dt.date(2026, 10, 31),  # counted from the start, so the clamp does not drift
    ]
    endless = due_dates(event, AWARDED, None, through=dt.date(2030, 3, 1))
    assert list(endless) == [dt.date(y, 2, 1) for y in (2027, 2028, 2029, 2030)]


def test_register_due_lists_returns_not_yet_recorded(
    register: Register, framework: qmframe.Framework
) -> None:
    recurring = framework.lifecycle.recurring
    day = dt.date(2027, 1, 15)
    due = register.due("mini", day, 30, recurring=recurring)
    assert [(d.organisation, d.what, d.on, d.event) for d in due] == [
        ("north", "Annual census", dt.date(2027, 2, 1), "census"),
        ("south", "Annual census", dt.date(2027, 2, 1), "census"),
    ]
    assert register.due("mini", day, 30) == []  # without the declaration, nothing recurring
    register.add_return(framework, "north", "census", {"people": 40}, on=dt.date(2027, 1, 20))
    # South's is late, and stays due until it comes.
    late = register.due("mini", dt.date(2027, 3, 1), 0, recurring=recurring)
    assert [(d.organisation, d.on, d.overdue) for d in late] == [
        ("south", dt.date(2027, 2, 1), True)
    ]


def test_no_return_is_due_once_the_award_is_withdrawn(
    register: Register, framework: qmframe.Framework
) -> None:
    withdrawn = Event(state="withdrawn", on=dt.date(2026, 6, 1), reason="closed")
    register.add_event("mini", "south", withdrawn, framework.lifecycle)
    due = register.due("mini", dt.date(2027, 1, 15), 30, recurring=framework.lifecycle.recurring)
    assert [d.organisation for d in due] == ["north"]
    with pytest.raises(qmframe.ValidationError, match="holds no current award on 2027-01-20"):
        register.add_return(framework, "south", "census", {"people": 4}, on=dt.date(2027, 1, 20))


# -- recording returns -------------------------------------------------------------------------


def test_a_return_answers_the_earliest_open_due_date(
    register: Register, framework: qmframe.Framework
) -> None:
    first = register.add_return(
        framework, "north", "census", {"people": 40, "stayed": 31}, on=dt.date(2027, 1, 20)
    )
    second = register.add_return(
        framework, "north", "census", {"people": 44}, on=dt.date(2027, 6, 1), note="early"
    )
    assert (first.due, second.due) == (dt.date(2027, 2, 1), dt.date(2028, 2, 1))
    with pytest.raises(qmframe.ValidationError, match="every census due during") as caught:
        register.add_return(framework, "north", "census", {"people": 1}, on=dt.date(2028, 3, 1))
    assert caught.value.problems[0].code == "duplicate-id"
    assert [(r.due, dict(r.figures), r.note) for r in register.returns("mini", "north")] == [
        (dt.date(2027, 2, 1), {"people": 40.0, "stayed": 31.0}, ""),
        (dt.date(2028, 2, 1), {"people": 44.0}, "early"),
    ]


def test_a_named_due_date_must_be_one_of_the_terms(
    register: Register, framework: qmframe.Framework
) -> None:
    with pytest.raises(
        qmframe.ValidationError, match="no census falls due on 2027-03-01"
    ) as caught:
        register.add_return(
            framework,
            "north",
            "census",
            {"people": 4},
            on=dt.date(2027, 3, 1),
            due=dt.date(2027, 3, 1),
        )
    assert "(due: 2027-02-01, 2028-02-01)" in caught.value.problems[0].message
    made = register.add_return(
        framework, "north", "census", {"people": 4}, on=dt.date(2027, 3, 1), due=dt.date(2028, 2, 1)
    )
    assert made.due == dt.date(2028, 2, 1)
    with pytest.raises(qmframe.ValidationError, match="already recorded"):
        register.add_return(
            framework,
            "north",
            "census",
            {"people": 4},
            on=dt.date(2027, 3, 2),
            due=dt.date(2028, 2, 1),
        )


def test_figures_are_checked_against_the_declaration(event: RecurringEvent) -> None:
    problems = check_figures(event, {"stayed": 3.5, "spent": float("inf"), "other": 1})
    assert [(p.path, p.code) for p in problems] == [
        ("figures.other", "unknown-key"),
        ("figures.people", "missing-value"),
        ("figures.stayed", "wrong-value"),
        ("figures.spent", "wrong-value"),
    ]
    [bound] = check_figures(event, {"people": 3, "stayed": 5})
    assert (bound.path, bound.code, bound.message) == (
        "figures.stayed",
        "out-of-range",
        "stayed (5) is more than people (3)",
    )
    assert check_figures(event, {"people": 3, "stayed": 3, "spent": -2.5}) == []


def test_text_figures_are_read_with_every_problem_at_once(event: RecurringEvent) -> None:
    with pytest.raises(qmframe.ValidationError) as caught:
        read_figures(
            event, {"people": "3", "stayed": "five", "spent": "1e3", "x": "1"}, file="r.toml"
        )
    assert [(p.path, p.file, p.message) for p in caught.value.problems] == [
        ("figures.stayed", "r.toml", "expected a whole number, 0 or more, got 'five'"),
        ("figures.spent", "r.toml", "expected a number, got '1e3'"),
        ("figures.x", "r.toml", "unknown figure 'x' of 'census' (declared: people, stayed, spent)"),
    ]
    assert read_figures(event, {"people": "3", "stayed": "2", "spent": "-4.5"}) == {
        "people": 3.0,
        "stayed": 2.0,
        "spent": -4.5,
    }


def test_a_refused_return_writes_nothing(register: Register, framework: qmframe.Framework) -> None:
    with pytest.raises(qmframe.ValidationError):
        register.add_return(framework, "north", "census", {"people": 3, "stayed": 9}, on=AWARDED)
    with pytest.raises(qmframe.ValidationError, match="unknown recurring event 'censuss'"):
        register.add_return(framework, "north", "censuss", {"people": 3}, on=AWARDED)
    assert register.returns("mini") == []


def test_an_older_register_gains_the_returns_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    with Register(path) as opened:
        assert opened.schema_version == len(MIGRATIONS)
        assert opened.returns("mini") == []
    tables = {row[0] for row in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert {"returns", "return_figures"} <= tables


# -- disclosure --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "shown"),
    [
        (0, "0"),
        (1, "0"),
        (2, "0"),
        (2.5, "5"),
        (3, "5"),
        (7, "5"),
        (8, "10"),
        (22, "20"),
        (23, "25"),
        (1212, "1210"),
    ],
)
def test_counts_are_rounded_as_hesa_rounds_them(total: float, shown: str) -> None:
    # HESA: to the nearest multiple of 5, below 2.5 to 0, halves upwards.
    assert publish_count(total, Disclosure()) == shown


def test_small_counts_can_be_suppressed_instead() -> None:
    rule = Disclosure(round_to=10, suppress_below=5)
    assert [publish_count(n, rule) for n in (0, 1, 4, 5, 14, 15)] == [
        "0",
        SUPPRESSED,
        SUPPRESSED,
        "10",
        "10",
        "20",
    ]
    assert publish_count(7, Disclosure(round_to=1)) == "7"


def test_percentages_of_fewer_than_22_5_people_are_not_shown() -> None:
    assert publish_percentage(20, 22, Disclosure()) == SUPPRESSED
    assert publish_percentage(20, 23, Disclosure()) == "87%"
    assert publish_percentage(20, 22, None) == "91%"  # not a public view
    assert publish_percentage(0, 0, Disclosure()) == ""


# -- the sector view ---------------------------------------------------------------------------


def _filled(register: Register, framework: qmframe.Framework) -> None:
    register.add_return(
        framework,
        "north",
        "census",
        {"people": 19, "stayed": 17, "spent": 1200.5},
        on=dt.date(2027, 1, 20),
    )
    register.add_return(
        framework, "south", "census", {"people": 2, "stayed": 1}, on=dt.date(2027, 2, 3)
    )
    register.add_return(framework, "south", "census", {"people": 3}, on=dt.date(2028, 1, 10))


def test_the_sector_view_totals_returns_by_year(
    register: Register, framework: qmframe.Framework
) -> None:
    _filled(register, framework)
    decisions = [r.decision for r in register.decisions("mini")]
    view = sector_view(framework, decisions, returns=register.returns("mini"))
    rows = [(r.year, r.figure, r.total, r.shown, r.organisations, r.percent) for r in view.returns]
    assert rows == [
        (2027, "people", 21, "21", 2, ""),
        (2027, "stayed", 18, "18", 2, "86%"),
        (2027, "spent", 1200.5, "1200.5", 1, ""),
        (2028, "people", 3, "3", 1, ""),
    ]
    assert "Returns by year:" in render_text(view)


def test_the_public_view_publishes_no_small_number_about_people(
    register: Register, framework: qmframe.Framework
) -> None:
    _filled(register, framework)
    decisions = [r.decision for r in register.decisions("mini")]
    view = sector_view(framework, decisions, returns=register.returns("mini"), public=True)
    rows = [(r.year, r.figure, r.total, r.shown, r.percent) for r in view.returns]
    assert rows == [
        (2027, "people", None, "20", ""),
        (2027, "stayed", None, "20", SUPPRESSED),  # 18 of 21: a base below 22.5
        (2027, "spent", 1200.5, "1200.5", ""),  # money is not rounded
        (2028, "people", None, "5", ""),
    ]
    published = json.dumps(unstructure_json(view)) + render_text(view)
    for exact in ('"21"', '"18"', " 21 ", " 18 ", "North", "South", "86%"):
        assert exact not in published
    assert (view.anonymised, view.public) == (True, True)


def test_an_organisation_counts_once_a_year(
    register: Register, framework: qmframe.Framework
) -> None:
    register.add_return(
        framework, "north", "census", {"people": 5}, on=AWARDED, due=dt.date(2027, 2, 1)
    )
    # A second term's return in the same year (after a renewal) replaces the first in the totals.
    renewal = _decision(framework, "north", "North College", on=dt.date(2026, 6, 1))
    register.add_decision(renewal, framework.lifecycle)
    register.add_return(framework, "north", "census", {"people": 9}, on=dt.date(2027, 5, 1))
    view = sector_view(framework, [], returns=register.returns("mini"))
    assert [(r.year, r.total, r.organisations) for r in view.returns] == [(2027, 9, 1)]


# -- the command line --------------------------------------------------------------------------


def test_the_return_command(
    write: Callable[[str, str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fw = str(write("mini.toml", FRAMEWORK))
    sub = str(write("sub/submission.toml", core_fixtures.SUBMISSION))
    db = str(tmp_path / "r.sqlite")
    assert main(["register", "add", fw, sub, "--as-of", "2026-02-01", "--db", db]) == 0
    base = ["register", "return", fw, "org-1", "census", "--db", db]
    assert (
        main([*base, "--figure", "people=12", "--figure", "stayed=11", "--on", "2027-01-05"]) == 0
    )
    out = capsys.readouterr().out
    assert (
        "mini/org-1: census due 2027-02-01 recorded, sent 2027-01-05 (people 12, stayed 11)" in out
    )
    sent = write(
        "return.toml", "on = 2027-12-20\nnote = 'by post'\n[figures]\npeople = 14\nstayed = 20\n"
    )
    assert main([*base, "--file", str(sent)]) == 2
    err = capsys.readouterr().err
    assert f"{sent}: figures.stayed: stayed (20) is more than people (14)" in err
    sent.write_text("on = 2027-12-20\n[figures]\npeople = 14\nstayed = 12\n")
    assert main([*base, "--file", str(sent)]) == 0
    assert "census due 2028-02-01 recorded, sent 2027-12-20" in capsys.readouterr().out
    assert main([*base, "--figure", "people"]) == 2
    assert "figures: expected ID=VALUE, got 'people'" in capsys.readouterr().err
    assert main([*base, "--figure", "people=1", "--file", str(sent)]) == 2
    capsys.readouterr()
    assert main(["register", "due", fw, "--on", "2029-01-01", "--within", "60", "--db", db]) == 0
    assert "census" not in capsys.readouterr().out  # both returns of the award are in
    assert main(["register", "sector", fw, "--public", "--format", "json", "--db", db]) == 0
    view = json.loads(capsys.readouterr().out)
    assert [(r["year"], r["figure"], r["total"], r["shown"]) for r in view["returns"]] == [
        (2027, "people", None, "10"),
        (2027, "stayed", None, "10"),
        (2028, "people", None, "15"),
        (2028, "stayed", None, "10"),
    ]


def test_the_declaration_is_validated(write: Callable[[str, str], Path]) -> None:
    bad = (
        core_fixtures.FRAMEWORK
        + """
[[lifecycle.recurring]]
id = "r"
title = "R"
every_months = 0
first_due_months = 0

[[lifecycle.recurring]]
id = "r"
title = "Again"
every_months = 48
figures = [
    { id = "a", label = "A", type = "people" },
    { id = "b", label = "B", at_most = "c" },
    { id = "c", label = "C", type = "number", at_most = "c" },
    { id = "d", label = "D", at_most = "c" },
]

[disclosure]
round_to = 0
min_percentage_base = -1
"""
    )
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_framework(write("bad.toml", bad))
    found = [(p.path, p.code, p.severity) for p in caught.value.problems]
    assert found == [
        ("lifecycle.recurring[1].id", "duplicate-id", "error"),
        ("lifecycle.recurring[0].every_months", "out-of-range", "error"),
        ("lifecycle.recurring[0].first_due_months", "out-of-range", "error"),
        ("lifecycle.recurring[0].figures", "missing-value", "error"),
        ("lifecycle.recurring[1].figures[0].type", "unknown-choice", "error"),
        ("lifecycle.recurring[1].figures[1].at_most", "inconsistent", "error"),
        ("lifecycle.recurring[1].figures[2].at_most", "inconsistent", "error"),
        ("lifecycle.recurring[1].figures[3].at_most", "inconsistent", "error"),
        ("disclosure.round_to", "out-of-range", "error"),
        ("disclosure.min_percentage_base", "out-of-range", "error"),
    ]


def test_a_figure_defaults_to_an_optional_count() -> None:
    figure = Figure(id="x", label="X")
    assert (figure.type, figure.required, figure.at_most) == ("count", False, "")


def test_an_event_that_never_falls_due_during_an_award_is_warned(
    write: Callable[[str, str], Path],
) -> None:
    late = FRAMEWORK.replace("every_months = 12", "every_months = 12\nfirst_due_months = 36")
    framework = qmframe.load_framework(write("late.toml", late))
    [warning] = [p for p in check_framework(framework) if p.severity == "warning"]
    assert (warning.path, warning.code) == ("lifecycle.recurring[0]", "inconsistent")
    assert "never falls due" in warning.message
    assert list(due_dates(framework.lifecycle.recurring[0], AWARDED, dt.date(2029, 1, 31))) == []
