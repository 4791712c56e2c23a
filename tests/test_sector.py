"""The sector view: levels by section, criteria most often unmet, practice, cohort figures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytest

import qmframe
from qmframe._convert import unstructure_json
from qmframe.awards.sector import levels_of, render_text, sector_view
from qmframe.decision import DecidedLevel, Decision, Finding, Highlight, RuleOutcome, Unmet


@pytest.fixture
def framework(mini: dict[str, Path], registry: qmframe.Registry) -> qmframe.Framework:
    return qmframe.load_framework(mini["framework"], registry=registry)


def _decision(
    org: str,
    as_of: dt.date,
    levels: dict[str, str],
    *,
    unmet: tuple[str, ...] = (),
    highlights: tuple[str, ...] = (),
) -> Decision:
    findings = tuple(
        Finding(target=target, holds=level != "no", level=level) for target, level in levels.items()
    )
    return Decision(
        framework="mini",
        version="2",
        organisation=org,
        organisation_name=f"{org.title()} College",
        status="not-yet" if unmet else "awarded",
        passed=not unmet,
        basis="review",
        as_of=as_of,
        highlights=tuple(
            Highlight(target=t, title=f"Title {t}", level="wow", rule="shine") for t in highlights
        ),
        unmet=tuple(
            Unmet(target=t, title=f"Title {t}", rule="all-met", reason="r", feedback="f")
            for t in unmet
        ),
        explanation=(
            RuleOutcome(
                rule="all-met",
                kind="minimum-level",
                effect="require",
                title="",
                holds=not unmet,
                saw="",
                concluded="",
                findings=findings,
            ),
        ),
        levels=tuple(
            DecidedLevel(target=t, level=lv, source="derived" if t in ("a", "b") else "judgement")
            for t, lv in levels.items()
        ),
    )


def test_levels_of_reads_the_decisions_own_levels(framework: qmframe.Framework) -> None:
    decision = _decision("x", dt.date(2026, 1, 1), {"a1": "wow", "a2": "yes", "a": "yes"})
    assert levels_of(decision, framework) == {"a1": "wow", "a2": "yes", "a": "yes"}
    # Nothing is derived here: a section the decision has no level for has none.
    no_section = _decision("x", dt.date(2026, 1, 1), {"a1": "wow", "a2": "yes"})
    assert "a" not in levels_of(no_section, framework)


def test_a_section_left_open_by_a_split_panel_is_not_counted(
    framework: qmframe.Framework, mini: dict[str, Path], registry: qmframe.Registry
) -> None:
    # The engine leaves section a unresolved while a panel is split on a1; the sector
    # view must show the same, not a level derived from what the panel did agree on.
    fw = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], fw, registry=registry)
    review = qmframe.Review(
        framework=fw.id,
        framework_version=fw.version,
        organisation=submission.organisation.id,
        reviewers=(qmframe.Reviewer(id="r1", name="R1"), qmframe.Reviewer(id="r2", name="R2")),
        judgements=(
            qmframe.Judgement(target="a1", level="yes", reviewer="r1"),
            qmframe.Judgement(target="a2", level="yes", reviewer="r1"),
            qmframe.Judgement(target="a2", level="yes", reviewer="r2"),
        ),
    )
    fw = attrs.evolve(fw, review=attrs.evolve(fw.review, min_reviewers=2))
    decision = qmframe.assess(fw, submission, review, as_of=dt.date(2026, 1, 1), registry=registry)
    assert decision.level_of("a") is not None
    assert decision.level_of("a").source == "unresolved"  # type: ignore[union-attr]
    row = next(r for r in sector_view(fw, [decision]).levels if r.section == "a")
    assert {level: n for level, n in row.counts.items() if n} == {"not judged": 1}


def test_the_sector_view_counts_each_organisation_once(framework: qmframe.Framework) -> None:
    decisions = [
        _decision(
            "north", dt.date(2025, 1, 1), {"a1": "no", "a2": "yes", "a": "no"}, unmet=("a1",)
        ),
        _decision(
            "north", dt.date(2026, 1, 1), {"a1": "wow", "a2": "wow", "a": "wow"}, highlights=("a",)
        ),
        _decision(
            "south", dt.date(2026, 2, 1), {"a1": "yes", "a2": "no", "a": "no"}, unmet=("a2", "b2")
        ),
        _decision(
            "west", dt.date(2026, 3, 1), {"a1": "no", "a2": "no", "a": "no"}, unmet=("a1", "a2")
        ),
    ]
    view = sector_view(framework, decisions)
    assert (view.organisations, view.decisions, view.passed) == (3, 4, 1)
    section_a = next(row for row in view.levels if row.section == "a")
    assert dict(section_a.counts) == {"no": 2, "yes": 0, "wow": 1}
    assert [(u.target, u.count) for u in view.unmet] == [("a2", 2), ("a1", 1), ("b2", 1)]
    (practice,) = view.practice
    assert (practice.area, practice.organisation, practice.on) == (
        "Area A",
        "North College",
        dt.date(2026, 1, 1),
    )


def test_anonymised_views_name_no_organisation(framework: qmframe.Framework) -> None:
    decisions = [
        _decision("north", dt.date(2026, 1, 1), {"a1": "wow"}, highlights=("a1",)),
        _decision("south", dt.date(2026, 2, 1), {"a1": "wow"}, highlights=("a",)),
    ]
    view = sector_view(framework, decisions, anonymise=True)
    assert [p.organisation for p in view.practice] == ["Organisation 1", "Organisation 2"]
    assert [p.area for p in view.practice] == ["Area A", "Area A"]
    everything = render_text(view) + json.dumps(unstructure_json(view))
    for name in ("north", "North", "south", "South"):
        assert name not in everything


def test_cohort_figures_are_totalled_by_year(framework: qmframe.Framework) -> None:
    decisions = [
        _decision("north", dt.date(2025, 6, 1), {}),
        _decision("south", dt.date(2025, 9, 1), {}),
        _decision("north", dt.date(2026, 6, 1), {}),
    ]
    details = [
        {"recruitment": "10", "completion": "8"},
        {"recruitment": "1,200", "completion": "lots"},
        {"recruitment": "12"},
    ]
    view = sector_view(framework, decisions, details=details, figures=("recruitment", "completion"))
    rows = {(c.year, c.figure): (c.total, c.organisations) for c in view.cohorts}
    assert rows == {
        (2025, "completion"): (8, 1),
        (2025, "recruitment"): (1210, 2),
        (2026, "recruitment"): (12, 1),
    }
    assert any("completion is not a number" in note for note in view.notes)
    assert "Cohort figures by year" in render_text(view)


def test_decisions_of_other_frameworks_are_left_out(framework: qmframe.Framework) -> None:
    import attrs

    other = attrs.evolve(_decision("x", dt.date(2026, 1, 1), {}), framework="other")
    view = sector_view(framework, [other, _decision("y", dt.date(2026, 1, 1), {})])
    assert view.organisations == 1
    assert view.notes == ("1 decisions of other frameworks left out",)


def test_the_readable_table(framework: qmframe.Framework) -> None:
    view = sector_view(
        framework,
        [_decision("north", dt.date(2026, 1, 1), {"a1": "no", "a": "no"}, unmet=("a1",))],
    )
    text = render_text(view)
    assert "Area A (a): no 1, yes 0, wow 0" in text
    assert "COUNT  TARGET  TITLE" in text
    assert "1      a1      Title a1" in text
    assert "no practice highlighted yet" in text
