"""The award lifecycle: every move (allowed and refused), dates around expiry, carry-forward."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import deque

import attrs
import pytest

import qmframe
from qmframe.awards.lifecycle import (
    DEFAULT_START,
    DEFAULT_TRANSITIONS,
    DERIVED,
    GRANTING,
    STATES,
    AwardHistory,
    Event,
    allowed,
    carry_forward,
    check_history,
    event_for_decision,
    is_current,
    record,
    start_states,
    state_on,
    term_on,
)
from qmframe.decision import Decision
from qmframe.framework import Lifecycle
from qmframe.submission import ActionItem, Organisation, Submission
from qmframe.validation import check_lifecycle

DAY0 = dt.date(2026, 1, 5)
FAR = dt.date(2099, 1, 1)


def _event(state: str, on: dt.date, *, until: dt.date | None = FAR) -> Event:
    if state in GRANTING:
        return Event(state=state, on=on, reason="test", version="1", valid_until=until)
    return Event(state=state, on=on, reason="test")


def _history_in(state: str) -> tuple[AwardHistory, dt.date]:
    """A history whose state is ``state`` on the returned day, reached by allowed moves only."""
    history = AwardHistory(organisation="org", framework="fw")
    if state == "expired":
        history = record(history, _event("awarded", DAY0, until=DAY0 + dt.timedelta(days=30)))
        return history, DAY0 + dt.timedelta(days=31)
    # Shortest path from a start state through the default table.
    paths = deque([[s] for s in sorted(DEFAULT_START)])
    seen = set(DEFAULT_START)
    while paths:
        path = paths.popleft()
        if path[-1] == state:
            break
        for target in sorted(DEFAULT_TRANSITIONS[path[-1]] - DERIVED):
            if target not in seen:
                seen.add(target)
                paths.append([*path, target])
    assert path[-1] == state
    day = DAY0
    for step in path:
        history = record(history, _event(step, day))
        day += dt.timedelta(days=1)
    return history, day


@pytest.mark.parametrize(("before", "after"), list(itertools.product(STATES, STATES)))
def test_every_move_is_allowed_or_refused_as_the_default_table_says(
    before: str, after: str
) -> None:
    history, day = _history_in(before)
    assert state_on(history, day) == before
    event = _event(after, day)
    if after in DEFAULT_TRANSITIONS[before] and after not in DERIVED:
        moved = record(history, event)
        assert state_on(moved, day) == after
        assert moved.events[-1] == event
    else:
        with pytest.raises(qmframe.ValidationError) as caught:
            record(history, event)
        (problem,) = caught.value.problems
        if after in DERIVED:
            assert "never recorded" in problem.message
        else:
            assert f"cannot go from {before!r} to {after!r}" in problem.message
        assert problem.file == "fw/org"
        assert problem.path == f"events[{len(history.events)}].state"


@pytest.mark.parametrize("state", STATES)
def test_a_history_begins_only_in_a_start_state(state: str) -> None:
    empty = AwardHistory(organisation="org", framework="fw")
    if state in DEFAULT_START:
        assert state_on(record(empty, _event(state, DAY0)), DAY0) == state
    else:
        expected = "never recorded" if state in DERIVED else "cannot begin"
        with pytest.raises(qmframe.ValidationError, match=expected):
            record(empty, _event(state, DAY0))


def test_the_leads_example_message() -> None:
    history = record(
        AwardHistory(organisation="org", framework="fw"),
        _event("awarded", dt.date(2026, 3, 2), until=dt.date(2029, 3, 1)),
    )
    late = Event(state="mid-point-reviewed", on=dt.date(2029, 6, 1), reason="late")
    with pytest.raises(qmframe.ValidationError) as caught:
        record(history, late)
    assert "cannot go from 'expired' to 'mid-point-reviewed'" in str(caught.value)


def test_events_must_not_go_back_in_time_and_only_grants_carry_dates() -> None:
    history = record(AwardHistory(organisation="o", framework="f"), _event("awarded", DAY0))
    with pytest.raises(qmframe.ValidationError, match="before the last event"):
        record(history, _event("suspended", DAY0 - dt.timedelta(days=1)))
    with pytest.raises(qmframe.ValidationError, match="carry a version"):
        record(history, Event(state="suspended", on=DAY0, valid_until=FAR))
    with pytest.raises(qmframe.ValidationError, match="before the event's date"):
        record(
            AwardHistory(organisation="o", framework="f"),
            _event("awarded", DAY0, until=DAY0 - dt.timedelta(days=1)),
        )


# -- as-of-date questions around the boundaries ------------------------------------------------

GRANTED = dt.date(2026, 3, 2)
LAST_DAY = dt.date(2029, 3, 1)


def _awarded() -> AwardHistory:
    return record(
        AwardHistory(organisation="org", framework="fw"),
        _event("awarded", GRANTED, until=LAST_DAY),
    )


@pytest.mark.parametrize(
    ("day", "state", "current"),
    [
        (GRANTED - dt.timedelta(days=1), None, False),
        (GRANTED, "awarded", True),
        (LAST_DAY - dt.timedelta(days=1), "awarded", True),
        (LAST_DAY, "awarded", True),
        (LAST_DAY + dt.timedelta(days=1), "expired", False),
        (dt.date(2040, 1, 1), "expired", False),
    ],
)
def test_currency_around_the_award_dates(day: dt.date, state: str | None, current: bool) -> None:
    history = _awarded()
    assert state_on(history, day) == state
    assert is_current(history, day) is current


def test_suspension_and_reinstatement() -> None:
    suspended_on = dt.date(2027, 1, 10)
    history = record(_awarded(), Event(state="suspended", on=suspended_on, reason="complaint"))
    assert is_current(history, suspended_on - dt.timedelta(days=1))
    assert not is_current(history, suspended_on)
    assert state_on(history, LAST_DAY + dt.timedelta(days=1)) == "expired"
    back = record(history, Event(state="reinstated", on=dt.date(2027, 2, 1), reason="resolved"))
    assert is_current(back, dt.date(2027, 2, 1))
    assert not is_current(back, dt.date(2027, 1, 31))
    # A reinstated award keeps the term it had: it still ends on the same day.
    assert is_current(back, LAST_DAY)
    assert not is_current(back, LAST_DAY + dt.timedelta(days=1))


def test_renewal_starts_a_new_term_under_the_version_of_the_day() -> None:
    renewal = Event(
        state="renewed",
        on=dt.date(2029, 2, 1),
        reason="re-submission",
        version="2",
        valid_until=dt.date(2032, 1, 31),
    )
    history = record(_awarded(), renewal)
    term = term_on(history, dt.date(2029, 6, 1))
    assert term is not None
    assert term.version == "2"
    before = term_on(history, dt.date(2028, 1, 1))
    assert before is not None
    assert before.version == "1"
    assert is_current(history, dt.date(2032, 1, 31))
    assert not is_current(history, dt.date(2032, 2, 1))


def test_a_late_renewal_renews_an_expired_award() -> None:
    late = Event(state="renewed", on=LAST_DAY + dt.timedelta(days=20), version="2", valid_until=FAR)
    history = record(_awarded(), late)
    assert not is_current(history, LAST_DAY + dt.timedelta(days=19))
    assert is_current(history, LAST_DAY + dt.timedelta(days=20))


def test_withdrawal_and_revocation_end_the_award_at_once() -> None:
    for state in ("withdrawn", "revoked"):
        history = record(_awarded(), Event(state=state, on=dt.date(2027, 5, 5), reason="x"))
        assert is_current(history, dt.date(2027, 5, 4))
        assert not is_current(history, dt.date(2027, 5, 5))
        assert state_on(history, LAST_DAY + dt.timedelta(days=5)) == state


def test_an_award_without_an_end_date_never_expires() -> None:
    history = record(
        AwardHistory(organisation="o", framework="f"), _event("awarded", DAY0, until=None)
    )
    assert is_current(history, dt.date(2099, 12, 31))


# -- framework-declared moves -----------------------------------------------------------------


def test_a_framework_can_restrict_and_extend_the_default_table() -> None:
    strict = Lifecycle(
        remove={"awarded": ("suspended",)},
        add={"suspended": ("expression-of-interest",)},
        start=("expression-of-interest",),
    )
    table = allowed(strict)
    assert "suspended" not in table["awarded"]
    assert "expression-of-interest" in table["suspended"]
    assert start_states(strict) == {"expression-of-interest"}
    with pytest.raises(qmframe.ValidationError, match="cannot go from 'awarded' to 'suspended'"):
        record(_awarded(), Event(state="suspended", on=dt.date(2027, 1, 1)), strict)
    with pytest.raises(qmframe.ValidationError, match="cannot begin 'awarded'"):
        record(AwardHistory(organisation="o", framework="f"), _event("awarded", DAY0), strict)
    assert record(_awarded(), Event(state="suspended", on=dt.date(2027, 1, 1)))  # default


def test_a_framework_can_replace_the_table() -> None:
    own = Lifecycle(transitions={"awarded": ("withdrawn",)})
    assert allowed(own)["awarded"] == {"withdrawn"}
    assert allowed(own)["suspended"] == frozenset()


def test_lifecycle_problems_are_located() -> None:
    bad = Lifecycle(
        add={"awarded": ("paused",), "limbo": ("awarded",), "suspended": ("expired",)},
        start=("nowhere",),
    )
    found = {(p.path, p.message.split(" (")[0]) for p in check_lifecycle(bad)}
    assert ("lifecycle.add.awarded", "unknown state 'paused'") in found
    assert ("lifecycle.add", "unknown state 'limbo'") in found
    assert any(path == "lifecycle.add.suspended" for path, _ in found)
    assert ("lifecycle.start", "unknown state 'nowhere'") in found
    assert check_lifecycle(Lifecycle()) == []


def test_a_lifecycle_that_can_never_award_is_refused() -> None:
    dead_end = Lifecycle(start=("expression-of-interest",), transitions={})
    assert check_lifecycle(dead_end) == []  # empty transitions mean the default table
    blocked = Lifecycle(
        start=("expression-of-interest",),
        transitions={"expression-of-interest": ("withdrawn",)},
    )
    (problem,) = check_lifecycle(blocked)
    assert "'awarded' cannot be reached" in problem.message


def test_a_framework_file_declares_its_lifecycle(write, mini, registry) -> None:  # type: ignore[no-untyped-def]
    import core_fixtures

    text = core_fixtures.FRAMEWORK + (
        '\n[lifecycle]\nstart = ["submitted", "awarded", "not-awarded"]\n'
        '[lifecycle.remove]\nawarded = ["suspended"]\n'
    )
    framework = qmframe.load_framework(write("life.toml", text), registry=registry)
    assert framework.lifecycle.remove == {"awarded": ("suspended",)}
    assert "suspended" not in allowed(framework.lifecycle)["awarded"]
    broken = core_fixtures.FRAMEWORK + '\n[lifecycle.add]\nawarded = ["paused"]\n'
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_framework(write("broken.toml", broken), registry=registry)
    assert any(p.path == "lifecycle.add.awarded" for p in caught.value.problems)
    # Files without a [lifecycle] table keep working and write none back.
    plain = qmframe.load_framework(mini["framework"], registry=registry)
    assert plain.lifecycle == Lifecycle()
    assert "lifecycle" not in qmframe.dumps(plain)


def test_check_history_finds_a_refused_move_in_stored_events() -> None:
    stored = AwardHistory(
        organisation="o",
        framework="f",
        events=(_event("awarded", DAY0), Event(state="awarded", on=DAY0 + dt.timedelta(days=3))),
    )
    (problem,) = check_history(stored)
    assert "cannot go from 'awarded' to 'awarded'" in problem.message
    assert problem.path == "events[1].state"
    assert check_history(_awarded()) == []


# -- decisions become events -----------------------------------------------------------------


def _decision(passed: bool, as_of: dt.date, version: str = "1") -> Decision:
    return Decision(
        framework="fw",
        version=version,
        organisation="org",
        organisation_name="Org",
        status="awarded" if passed else "not-yet",
        passed=passed,
        basis="review",
        as_of=as_of,
        valid_from=as_of if passed else None,
        valid_until=as_of + dt.timedelta(days=1000) if passed else None,
    )


def test_decisions_award_renew_or_leave_the_award_to_run() -> None:
    empty = AwardHistory(organisation="org", framework="fw")
    first = event_for_decision(empty, _decision(True, GRANTED))
    assert first is not None
    assert (first.state, first.version, first.valid_until) == (
        "awarded",
        "1",
        GRANTED + dt.timedelta(days=1000),
    )
    failed = event_for_decision(empty, _decision(False, GRANTED))
    assert failed is not None
    assert failed.state == "not-awarded"
    held = record(empty, first)
    renewal = event_for_decision(held, _decision(True, dt.date(2028, 1, 1), version="2"))
    assert renewal is not None
    assert (renewal.state, renewal.version) == ("renewed", "2")
    assert event_for_decision(held, _decision(False, dt.date(2028, 1, 1))) is None
    lapsed = event_for_decision(held, _decision(True, dt.date(2035, 1, 1)))
    assert lapsed is not None
    assert lapsed.state == "renewed"


# -- carrying an action plan forward ----------------------------------------------------------


def _submission(*actions: ActionItem, previous: str = "") -> Submission:
    return Submission(
        framework="fw",
        framework_version="1",
        organisation=Organisation(id="org", name="Org"),
        previous_award=previous,
        actions=actions,
    )


def test_carry_forward_reports_completed_carried_and_dropped() -> None:
    before = _submission(
        ActionItem(id="a1", action="Train staff"),
        ActionItem(id="a2", action="Survey volunteers"),
        ActionItem(id="a3", action="Write policy", status="completed"),
        ActionItem(id="a4", action="Open a café"),
        ActionItem(id="a5", action="Buy a van"),
    )
    after = _submission(
        ActionItem(id="n1", action="Train staff", carried_from="a1", status="completed"),
        ActionItem(id="n2", action="Survey again", carried_from="a2", status="in-progress"),
        ActionItem(id="n3", action="No café", carried_from="a4", status="dropped"),
        ActionItem(id="n4", action="New idea"),
        ActionItem(id="n5", action="Ghost", carried_from="zz"),
        previous="fw/org/2023-01-01",
    )
    result = carry_forward(before, after)
    outcomes = {a.id: (a.outcome, a.now) for a in result.actions}
    assert outcomes == {
        "a1": ("completed", "n1"),
        "a2": ("carried", "n2"),
        "a3": ("completed", ""),
        "a4": ("dropped", "n3"),
        "a5": ("dropped", ""),
    }
    assert "not carried" in next(a.note for a in result.actions if a.id == "a5")
    assert result.new == ("n4",)
    assert result.previous_award == "fw/org/2023-01-01"
    (problem,) = result.problems
    assert problem.path == "actions[4].carried_from"
    assert [a.id for a in result.with_outcome("completed")] == ["a1", "a3"]


def test_carry_forward_of_an_empty_plan() -> None:
    result = carry_forward(_submission(), _submission(ActionItem(id="n1", action="x")))
    assert result.actions == ()
    assert result.new == ("n1",)


def test_history_values_are_frozen() -> None:
    history = _awarded()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        history.events = ()  # type: ignore[misc]
