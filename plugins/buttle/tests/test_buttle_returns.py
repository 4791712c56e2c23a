"""The annual statistical return and the declared details, as the framework file declares them.

Holders sent Buttle UK a statistical return every year of their award; the
register lists each one due and keeps its figures, and the sector view totals
them, rounded and suppressed as HESA rounds figures about students when the
view is made public.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import qmframe
from qmframe._convert import unstructure_json
from qmframe.awards.register import Register
from qmframe.awards.sector import render_text, sector_view
from qmframe.cli import main
from qmframe.testing import invariants

EXAMPLES = ("buttle-thornbury-university", "buttle-ashcombe-college", "buttle-glenmuir-university")


@pytest.fixture(scope="module")
def framework() -> qmframe.Framework:
    return qmframe.load_framework("buttle-quality-mark")


@pytest.fixture
def register(tmp_path: Path) -> Path:
    """The three examples recorded: two awards (Thornbury, Ashcombe), one refusal."""
    db = tmp_path / "register.sqlite"
    for name in EXAMPLES:
        example: qmframe.Example = qmframe.default_registry().examples[name].value
        assert example.review is not None
        argv = ["register", "add", "buttle-quality-mark", str(example.submission)]
        assert main([*argv, "--review", str(example.review), "--db", str(db)]) == 0
    return db


def test_the_return_is_declared_with_its_figures(framework: qmframe.Framework) -> None:
    [event] = framework.lifecycle.recurring
    assert (event.id, event.every_months, event.first_due_months) == (
        "statistical-return",
        12,
        None,
    )
    assert [(f.id, f.type, f.required, f.at_most) for f in event.figures] == [
        ("care_leavers", "count", True, ""),
        ("continued", "count", True, "care_leavers"),
        ("new_entrants", "count", False, "care_leavers"),
    ]
    rule = framework.disclosure
    assert (rule.round_to, rule.suppress_below, rule.min_percentage_base) == (5, 0, 22.5)


def test_each_holder_owes_one_return_in_a_two_year_award(
    register: Path, framework: qmframe.Framework
) -> None:
    with Register(register) as opened:
        due = opened.due(
            framework.id, dt.date(2013, 7, 1), 365, recurring=framework.lifecycle.recurring
        )
    returns = [(d.organisation, d.on) for d in due if d.event == "statistical-return"]
    # Twelve months after each award; the second would fall after the 24-month award ends.
    assert returns == [
        ("thornbury-university", dt.date(2014, 3, 25)),
        ("ashcombe-college", dt.date(2014, 6, 14)),
    ]
    assert all(d.organisation != "glenmuir-university" for d in due)


def test_returns_are_checked_recorded_and_no_longer_due(
    register: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["register", "return", "buttle-quality-mark"]
    db = ["--db", str(register)]
    thornbury = [*base, "thornbury-university", "statistical-return", *db]
    too_many = ["--figure", "care_leavers=41", "--figure", "continued=44"]
    assert main([*thornbury, *too_many, "--on", "2014-03-01"]) == 2
    assert "figures.continued: continued (44) is more than care_leavers (41)" in (
        capsys.readouterr().err
    )
    assert main([*thornbury, "--figure", "care_leavers=41", "--on", "2014-03-01"]) == 2
    assert "figures.continued: required, and missing" in capsys.readouterr().err
    good = [
        "--figure",
        "care_leavers=41",
        "--figure",
        "continued=37",
        "--figure",
        "new_entrants=12",
    ]
    assert main([*thornbury, *good, "--on", "2014-03-01"]) == 0
    assert "statistical-return due 2014-03-25 recorded" in capsys.readouterr().out
    ashcombe = [*base, "ashcombe-college", "statistical-return", *db]
    assert main([*ashcombe, "--figure", "care_leavers=3", "--figure", "continued=2"]) == 2
    assert "holds no current award on" in capsys.readouterr().err  # today, long after 2015
    assert main([*ashcombe, "--figure", "care_leavers=3", "--figure", "continued=2",
                 "--on", "2014-06-30"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["register", "due", "buttle-quality-mark", "--on", "2014-01-01", *db]) == 0
    assert "statistical return" not in capsys.readouterr().out.lower()


def test_the_sector_view_totals_the_returns_and_publishes_them_rounded(
    register: Path, framework: qmframe.Framework
) -> None:
    with Register(register) as opened:
        for org, figures, on in (
            ("thornbury-university", {"care_leavers": 41, "continued": 37}, dt.date(2014, 3, 1)),
            ("ashcombe-college", {"care_leavers": 3, "continued": 2}, dt.date(2014, 6, 30)),
        ):
            opened.add_return(framework, org, "statistical-return", figures, on=on)
        decisions = [r.decision for r in opened.decisions(framework.id)]
        returns = opened.returns(framework.id)
    inside = sector_view(framework, decisions, returns=returns)
    assert [(r.figure, r.total, r.percent) for r in inside.returns] == [
        ("care_leavers", 44, ""),
        ("continued", 39, "89%"),
    ]
    public = sector_view(framework, decisions, returns=returns, public=True)
    assert [(r.year, r.figure, r.total, r.shown, r.percent) for r in public.returns] == [
        (2014, "care_leavers", None, "45", ""),
        (2014, "continued", None, "40", "89%"),
    ]
    # The exact total (which with Thornbury's own figure gives Ashcombe's three care
    # leavers away) is nowhere in the public view, nor are the holders' names.
    text = json.dumps(unstructure_json(public)) + render_text(public)
    assert "44" in json.dumps(unstructure_json(inside))
    assert "44" not in text
    assert "Ashcombe" not in text


def test_the_examples_give_the_declared_details(framework: qmframe.Framework) -> None:
    declared = {d.key: d for d in framework.submission_details}
    assert [k for k, d in declared.items() if d.required] == ["named_contact", "published_offer"]
    registry = qmframe.default_registry()
    for name in EXAMPLES:
        example: qmframe.Example = registry.examples[name].value
        submission = qmframe.load_submission(example.submission, framework)
        assert set(submission.details) <= set(declared), name
    ashcombe = qmframe.load_submission(registry.examples[EXAMPLES[1]].value.submission, framework)
    assert ashcombe.details["care_leaver_definition"] == "institutional"
    assert ashcombe.details["care_leavers_enrolled"] == "58"  # written as a TOML number


def test_generated_returns_are_recorded_totalled_and_broken_ones_refused() -> None:
    # The kit's check: valid statistical returns of one to three holders recorded and
    # totalled (exact, and rounded as HESA rounds them), and returns with more continuing
    # than enrolled, a required figure missing, a figure of the wrong type or one the
    # return does not declare refused at that figure.
    counts = invariants.check_returns("buttle-quality-mark")
    assert counts.reached > 0
    assert dict(counts.broken) == dict.fromkeys(invariants.RETURN_BREAKS, counts.reached)
