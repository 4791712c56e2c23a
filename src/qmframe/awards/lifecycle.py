"""An award's life: the states it goes through, the moves allowed, and whether it is current.

Both kinds of scheme qmframe serves run on cycles: an organisation expresses
interest, prepares, submits and is reviewed; a decision awards it or not yet;
an award lasts a fixed time, has a mid-point review, is renewed, and can be
suspended, withdrawn or revoked, each with a reason and a date. This module
keeps that history as plain values and answers questions about it with pure
functions, so "was this award current on 1 March?" is a function of the
recorded events alone, never of when someone last ran a clean-up job.

Expiry is not an event anyone must remember to add: it follows from the
``valid_until`` of the award in force. The allowed moves are declared by the
framework (``[lifecycle]`` in its file, see :class:`~qmframe.framework.Lifecycle`)
on top of the default table here, and :func:`record` refuses any other move
with a plain, located message.
"""

from __future__ import annotations

import datetime as dt

import attrs

from qmframe.decision import Decision
from qmframe.errors import Problem, ValidationError
from qmframe.framework import Lifecycle
from qmframe.submission import ActionItem, Submission
from qmframe.vocabulary import (
    DEFAULT_START,
    DEFAULT_TRANSITIONS,
    DERIVED,
    GRANTING,
    HOLDING,
    PUBLIC_FIELDS,
    STATES,
    allowed,
    start_states,
)

__all__ = [
    "DEFAULT_START",
    "DEFAULT_TRANSITIONS",
    "DERIVED",
    "GRANTING",
    "HOLDING",
    "PUBLIC_FIELDS",
    "STATES",
    "AwardHistory",
    "CarriedAction",
    "CarryForward",
    "Event",
    "allowed",
    "carry_forward",
    "check_history",
    "event_for_decision",
    "is_current",
    "record",
    "start_states",
    "state_on",
    "term_on",
]


@attrs.frozen(kw_only=True)
class Event:
    """One move of an award's history: the state entered, on which day, and why.

    Events that grant a term (``awarded``, ``renewed``) also carry the
    framework ``version`` the award was granted under and its ``valid_until``
    and ``midpoint_due`` dates; an award stays valid under that version until
    it expires, whatever later versions of the framework say.
    """

    state: str
    on: dt.date
    reason: str = ""
    version: str = ""
    valid_until: dt.date | None = None
    midpoint_due: dt.date | None = None


@attrs.frozen(kw_only=True)
class AwardHistory:
    """Everything that happened to one organisation's award under one framework, oldest first."""

    organisation: str
    framework: str
    organisation_name: str = ""
    events: tuple[Event, ...] = ()


# -- the declared moves --------------------------------------------------------------------


# -- reading a history ---------------------------------------------------------------------


def term_on(history: AwardHistory, day: dt.date) -> Event | None:
    """The event that granted the term in force on ``day`` (the latest grant up to it)."""
    found = None
    for event in history.events:
        if event.on > day:
            break
        if event.state in GRANTING:
            found = event
    return found


def state_on(history: AwardHistory, day: dt.date) -> str | None:
    """The state on ``day``: the last event up to it, or ``expired`` once its term has ended.

    None when nothing had happened yet. The term ends after its
    ``valid_until`` (the last day the award is valid); a suspension does not
    outlive the term it suspended.
    """
    last = None
    for event in history.events:
        if event.on > day:
            break
        last = event
    if last is None:
        return None
    if last.state in HOLDING or last.state == "suspended":
        term = term_on(history, day)
        if term is not None and term.valid_until is not None and day > term.valid_until:
            return "expired"
    return last.state


def is_current(history: AwardHistory, day: dt.date) -> bool:
    """Whether the organisation holds a current award on ``day``."""
    return state_on(history, day) in HOLDING


# -- changing a history --------------------------------------------------------------------


def _refusal(history: AwardHistory, event: Event, lifecycle: Lifecycle | None) -> str:
    """Why ``event`` cannot follow ``history`` ('' when it can)."""
    if event.state not in STATES:
        return f"unknown state {event.state!r} (known: {', '.join(STATES)})"
    if event.state in DERIVED:
        return f"{event.state!r} follows from the award's end date; it is never recorded"
    if history.events and event.on < history.events[-1].on:
        last = history.events[-1]
        return f"{event.on} is before the last event ({last.state!r} on {last.on})"
    if event.valid_until is not None and event.valid_until < event.on:
        return f"valid_until {event.valid_until} is before the event's date {event.on}"
    if event.state not in GRANTING and (event.valid_until or event.midpoint_due or event.version):
        return f"only {' or '.join(sorted(GRANTING))} events carry a version and dates"
    now = state_on(history, event.on)
    if now is None:
        if event.state not in start_states(lifecycle):
            begins = ", ".join(sorted(start_states(lifecycle)))
            return f"a history cannot begin {event.state!r} (it may begin: {begins})"
        return ""
    if event.state not in allowed(lifecycle).get(now, frozenset()):
        return f"cannot go from {now!r} to {event.state!r}"
    return ""


def record(history: AwardHistory, event: Event, lifecycle: Lifecycle | None = None) -> AwardHistory:
    """``history`` with ``event`` added, or ValidationError if the framework does not allow it.

    The move is checked from the state on the event's own date, so a
    mid-point review recorded after the award has run out is refused as
    ``cannot go from 'expired' to 'mid-point-reviewed'``.
    """
    why = _refusal(history, event, lifecycle)
    if why:
        where = f"{history.framework}/{history.organisation}"
        raise ValidationError(
            [
                Problem(
                    f"{why} (on {event.on})",
                    f"events[{len(history.events)}].state",
                    where,
                    code="not-allowed",
                )
            ]
        )
    return attrs.evolve(history, events=(*history.events, event))


def check_history(history: AwardHistory, lifecycle: Lifecycle | None = None) -> list[Problem]:
    """Every refused move in a stored history, replayed from its first event."""
    problems = []
    replay = attrs.evolve(history, events=())
    for event in history.events:
        why = _refusal(replay, event, lifecycle)
        if why:
            where = f"{history.framework}/{history.organisation}"
            problems.append(
                Problem(
                    f"{why} (on {event.on})",
                    f"events[{len(replay.events)}].state",
                    where,
                    code="not-allowed",
                )
            )
        replay = attrs.evolve(replay, events=(*replay.events, event))
    return problems


def event_for_decision(history: AwardHistory, decision: Decision, reason: str = "") -> Event | None:
    """The event a decision adds to a history, or None when it changes nothing.

    A passing decision renews an award the organisation holds (or held until
    recently) and grants a new one otherwise; a failing one is ``not-awarded``.
    A renewal that does not pass leaves the current award to run to its end,
    so it adds no event (the decision itself is still kept by the register).
    An indication (a decision without the reviewers the framework requires)
    is never an award: it records only that a submission was received
    (``submitted``) where a history may move there, and nothing otherwise.
    """
    now = state_on(history, decision.as_of)
    if decision.is_indication:
        if now is None or "submitted" in allowed().get(now, frozenset()):
            return Event(
                state="submitted",
                on=decision.as_of,
                reason=reason or f"submission received, not yet reviewed ({decision.basis_note})",
            )
        return None
    reason = reason or f"decision: {decision.status}"
    if decision.passed:
        renewing = now in HOLDING or (now in ("expired", "suspended"))
        return Event(
            state="renewed" if renewing else "awarded",
            on=decision.as_of,
            reason=reason,
            version=decision.version,
            valid_until=decision.valid_until,
            midpoint_due=decision.midpoint_due,
        )
    if now in HOLDING or now == "suspended":
        return None
    return Event(state="not-awarded", on=decision.as_of, reason=reason)


# -- carrying an action plan forward --------------------------------------------------------

#: What became of a previous action: done, still open in the new plan, or let go.
CARRY_OUTCOMES = ("completed", "carried", "dropped")


@attrs.frozen(kw_only=True)
class CarriedAction:
    """One action of the previous plan and what became of it in the re-submission."""

    id: str
    action: str
    outcome: str
    now: str = ""
    note: str = ""


@attrs.frozen(kw_only=True)
class CarryForward:
    """How a re-submission builds on the previous award's action plan.

    ``actions`` has one entry per previous action; ``new`` lists the ids of
    actions that are new in this plan; ``problems`` lists lines that claim to
    carry an action the previous plan does not have.
    """

    previous_award: str
    actions: tuple[CarriedAction, ...] = ()
    new: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    def with_outcome(self, outcome: str) -> tuple[CarriedAction, ...]:
        return tuple(a for a in self.actions if a.outcome == outcome)


def _outcome(previous: ActionItem, successor: ActionItem | None) -> tuple[str, str]:
    if successor is None:
        if previous.status == "completed":
            return "completed", "completed in the previous cycle"
        if previous.status == "dropped":
            return "dropped", "dropped in the previous cycle"
        return "dropped", "not carried into the new plan and not marked completed"
    if successor.status == "completed":
        return "completed", f"completed (as {successor.id})"
    if successor.status == "dropped":
        return "dropped", f"dropped (as {successor.id})"
    return "carried", f"still {successor.status} (as {successor.id})"


def carry_forward(previous: Submission, new: Submission) -> CarryForward:
    """Which of the previous plan's actions were completed, carried forward or dropped.

    A new action carries a previous one when its ``carried_from`` names that
    action's id; its ``status`` then says what became of it. A previous
    action nobody carried counts as completed only if it was marked so.
    """
    previous_ids = {a.id for a in previous.actions}
    successors: dict[str, ActionItem] = {}
    problems = []
    for i, action in enumerate(new.actions):
        if not action.carried_from:
            continue
        if action.carried_from not in previous_ids:
            problems.append(
                Problem(
                    f"carries {action.carried_from!r}, which the previous plan does not have",
                    f"actions[{i}].carried_from",
                    severity="warning",
                    code="not-allowed",
                )
            )
        else:
            successors.setdefault(action.carried_from, action)
    carried = []
    for action in previous.actions:
        successor = successors.get(action.id)
        outcome, note = _outcome(action, successor)
        carried.append(
            CarriedAction(
                id=action.id,
                action=action.action,
                outcome=outcome,
                now=successor.id if successor else "",
                note=note,
            )
        )
    return CarryForward(
        previous_award=new.previous_award,
        actions=tuple(carried),
        new=tuple(a.id for a in new.actions if not a.carried_from),
        problems=tuple(problems),
    )
