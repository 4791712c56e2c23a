"""Property tests of the lifecycle: random event sequences against a plain reference model."""

from __future__ import annotations

import contextlib
import datetime as dt

import attrs
from hypothesis import given
from hypothesis import strategies as st

import qmframe
from qmframe.awards.lifecycle import (
    DEFAULT_START,
    DEFAULT_TRANSITIONS,
    GRANTING,
    STATES,
    AwardHistory,
    Event,
    check_history,
    is_current,
    record,
    state_on,
)
from qmframe.framework import Lifecycle
from qmframe.testing.strategies import dates

_LIFECYCLES = st.sampled_from(
    [
        Lifecycle(),
        Lifecycle(remove={"awarded": ("suspended", "renewed"), "expired": ("renewed",)}),
        Lifecycle(add={"withdrawn": ("awarded",), "revoked": ("awarded",)}),
    ]
)


@st.composite
def _attempts(draw: st.DrawFn) -> list[Event]:
    """Events with random states, gaps and terms: many are refused, which is the point."""
    day = draw(dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)))
    events: list[Event] = []
    sketch = AwardHistory(organisation="o", framework="f")
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        day += dt.timedelta(days=draw(st.integers(min_value=0, max_value=800)))
        # Mostly a move the default table allows from where the sketch is, so histories
        # get long; sometimes any state at all, so refusals are exercised too.
        now = state_on(sketch, day)
        likely = sorted(DEFAULT_TRANSITIONS[now] if now else DEFAULT_START)
        state = draw(st.sampled_from(likely) if likely and draw(st.booleans()) else
                     st.sampled_from(STATES))  # fmt: skip
        if state in GRANTING:
            until = draw(
                st.none()
                | st.integers(min_value=0, max_value=1500).map(
                    lambda n, d=day: d + dt.timedelta(days=n)
                )
            )
            events.append(Event(state=state, on=day, version="v", valid_until=until))
        else:
            events.append(Event(state=state, on=day))
        with contextlib.suppress(qmframe.ValidationError):
            sketch = record(sketch, events[-1])
    return events


def _build(attempts: list[Event], lifecycle: Lifecycle) -> tuple[AwardHistory, int]:
    history = AwardHistory(organisation="o", framework="f")
    refused = 0
    for event in attempts:
        try:
            history = record(history, event, lifecycle)
        except qmframe.ValidationError:
            refused += 1
    return history, refused


def _reference_current(history: AwardHistory, day: dt.date) -> bool:
    """Current, written the long way: hold a term from a grant until its end, or until a move
    that is not a holding one."""
    holding, until = False, None
    for event in history.events:
        if event.on > day:
            break
        if event.state in ("awarded", "renewed"):
            holding, until = True, event.valid_until
        elif event.state in ("mid-point-reviewed", "reinstated"):
            holding = True
        else:
            holding = False
    return holding and (until is None or day <= until)


@given(_attempts(), _LIFECYCLES)
def test_no_state_is_ever_reached_by_a_refused_move(
    attempts: list[Event], lifecycle: Lifecycle
) -> None:
    history, refused = _build(attempts, lifecycle)
    assert check_history(history, lifecycle) == []
    assert len(history.events) + refused == len(attempts)


@given(_attempts())
def test_a_refused_move_under_the_default_table_is_one_the_table_lacks(
    attempts: list[Event],
) -> None:
    history = AwardHistory(organisation="o", framework="f")
    for event in attempts:
        now = state_on(history, event.on)
        try:
            history = record(history, event)
        except qmframe.ValidationError as exc:
            message = str(exc)
            if "cannot go from" in message:
                assert now is not None
                assert event.state not in DEFAULT_TRANSITIONS[now]
        else:
            assert now is None or event.state in DEFAULT_TRANSITIONS[now]


@given(_attempts(), _LIFECYCLES, st.lists(st.integers(min_value=-30, max_value=6000), max_size=8))
def test_is_current_agrees_with_the_reference_model(
    attempts: list[Event], lifecycle: Lifecycle, offsets: list[int]
) -> None:
    history, _ = _build(attempts, lifecycle)
    start = attempts[0].on
    probes = [start + dt.timedelta(days=n) for n in offsets]
    probes += [e.on for e in history.events]
    probes += [e.valid_until + dt.timedelta(days=k) for e in history.events if e.valid_until
               for k in (0, 1)]  # fmt: skip
    for day in probes:
        assert is_current(history, day) == _reference_current(history, day), day


@given(_attempts())
def test_a_history_read_on_a_day_ignores_later_events(attempts: list[Event]) -> None:
    history, _ = _build(attempts, Lifecycle())
    for cut in range(len(history.events)):
        day = history.events[cut].on - dt.timedelta(days=1)
        earlier = attrs.evolve(history, events=tuple(e for e in history.events if e.on <= day))
        assert state_on(history, day) == state_on(earlier, day)
