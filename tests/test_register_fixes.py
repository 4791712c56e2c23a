"""Register faults found by use, each reproduced here before it was fixed.

* ``register history`` showed no award level, and "until None" for an award without an end.
* Two awards to one organisation on one day got the same badge credential id.
* Indications (no award: the reviewers were missing) were counted among the sector
  view's decisions, and an indication after a review replaced it as the organisation's
  latest decision there.
* ``status_lists`` rebuilt every decision from its JSON to learn what the columns hold.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from qmframe import api
from qmframe.awards.badges import open_badge
from qmframe.awards.issuing import award_badge, status_lists
from qmframe.awards.lifecycle import Event
from qmframe.awards.register import Register
from qmframe.awards.sector import render_text, sector_view
from qmframe.awards.status_list import decode_list
from qmframe.cli import main
from qmframe.decision import DecidedLevel, Decision, Highlight, award_id
from qmframe.framework import Framework, Section

DAY = dt.date(2026, 3, 2)
ISSUER = "https://issuer.example.org"


def _decision(
    org: str,
    as_of: dt.date = DAY,
    *,
    framework: str = "mark",
    version: str = "1",
    status: str = "awarded",
    level: str = "",
    until: dt.date | None = DAY + dt.timedelta(days=700),
    indication: bool = False,
    section_level: str = "",
) -> Decision:
    return Decision(
        framework=framework,
        version=version,
        organisation=org,
        organisation_name=org.title(),
        status="indication" if indication else status,
        passed=not indication,
        basis="indication" if indication else "review",
        as_of=as_of,
        valid_from=None if indication else as_of,
        valid_until=None if indication else until,
        award_level="" if indication else level,
        indicated_status=status if indication else "",
        levels=(DecidedLevel(target="s1", level=section_level, source="judgement"),)
        if section_level
        else (),
        highlights=(Highlight(target="s1", title="Section one", level="wow", rule="shine"),),
    )


# -- register history ------------------------------------------------------------------------


def test_history_shows_the_award_level_and_no_end_date_where_there_is_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    buttle = api.load_framework("buttle-quality-mark")
    db = tmp_path / "register.sqlite"
    with Register(db) as register:
        register.add_decision(
            _decision(
                "hill",
                framework=buttle.id,
                version=buttle.version,
                level="minimum",
                until=None,
            )
        )
    assert main(["register", "history", buttle.id, "hill", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "None" not in out
    assert f"(version {buttle.version}, no end date)" in out
    assert f"decision {buttle.id}/hill/2026-03-02: Awarded the Buttle UK Quality Mark" in out
    assert "(Minimum) [awarded]" in out
    argv = ["register", "history", buttle.id, "hill", "--format", "json", "--db", str(db)]
    assert main(argv) == 0
    decisions = json.loads(capsys.readouterr().out)["decisions"]
    assert decisions == [
        {
            "award": f"{buttle.id}/hill/2026-03-02",
            "status": "awarded",
            "as_of": "2026-03-02",
            "award_level": "minimum",
            "basis": "review",
        }
    ]


# -- badges ----------------------------------------------------------------------------------


def test_two_awards_of_one_day_get_two_credential_ids_and_the_first_keeps_its_own(
    tmp_path: Path,
) -> None:
    framework = Framework(id="mark", version="1", title="Mark")
    first, second = _decision("hill", level="bronze"), _decision("hill", level="silver")
    with Register(tmp_path / "r.sqlite") as register:
        register.add_decision(first)
        before = award_badge(register, framework, "hill", issuer_id=ISSUER, on=DAY)
        register.add_decision(second)  # the same day: award id mark/hill/2026-03-02/2
        after = award_badge(register, framework, "hill", issuer_id=ISSUER, on=DAY)
    # The first award's id is what it always was, from FRAMEWORK/ORGANISATION/DATE.
    assert before["id"] == open_badge(first, framework, issuer_id=ISSUER)["id"]
    assert after["id"] != before["id"]
    second_award = f"{award_id(second)}/2"
    assert after["id"] == open_badge(second, framework, issuer_id=ISSUER, award=second_award)["id"]


# -- the sector view -------------------------------------------------------------------------


def _sector_framework() -> Framework:
    return Framework(
        id="mark", version="1", title="Mark", sections=(Section(id="s1", title="One"),)
    )


def test_the_sector_view_counts_indications_apart_from_decisions(tmp_path: Path) -> None:
    framework = _sector_framework()
    decisions = [
        _decision("hill", section_level="good"),
        # An indication after hill's review: hill's latest *decision* is still the review.
        _decision("hill", DAY + dt.timedelta(days=30), indication=True, section_level="poor"),
        _decision("vale", DAY + dt.timedelta(days=5), indication=True, section_level="poor"),
        _decision("moor", DAY + dt.timedelta(days=9), section_level="good"),
    ]
    with Register(tmp_path / "r.sqlite") as register:
        register.add_decisions(decisions)
        in_sql = register.sector_view(framework)
    in_memory = sector_view(framework, decisions)
    assert in_sql == in_memory
    assert (in_sql.organisations, in_sql.decisions, in_sql.passed) == (2, 2, 2)
    assert in_sql.indications == 2
    assert in_sql.only_indications == 1  # vale: an indication and nothing reviewed yet
    assert dict(in_sql.levels[0].counts) == {"good": 2}
    assert [p.organisation for p in in_sql.practice] == ["Hill", "Moor"]
    assert "2 indications (no award: reviewers missing), not counted above" in render_text(in_sql)


# -- status lists ----------------------------------------------------------------------------


def test_status_lists_read_the_columns_and_never_rebuild_a_decision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Register(tmp_path / "r.sqlite") as register:
        register.add_decision(_decision("hill"))
        register.add_decision(_decision("vale"))
        hill = register.status_index("mark/hill/2026-03-02")
        vale = register.status_index("mark/vale/2026-03-02")
        register.add_event(
            "mark", "hill", Event(state="suspended", on=DAY + dt.timedelta(days=9), reason="x")
        )

        def rebuilt(*args: object, **kwargs: object) -> None:
            raise AssertionError("status_lists rebuilt decisions from their JSON")

        monkeypatch.setattr(Register, "decisions", rebuilt)
        lists = status_lists(
            register, "mark", base_url=ISSUER, issuer_id=ISSUER, on=DAY + dt.timedelta(days=10)
        )
    bits = decode_list(lists["suspension"]["credentialSubject"]["encodedList"])
    flagged = [i for i in (hill, vale) if bits[i // 8] & (0x80 >> (i % 8))]
    assert flagged == [hill]
