"""Processes that write to and read from one register at once (for test_register_faults).

A module of its own, importable by name, so that ``multiprocessing``'s spawned
processes can find these functions.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from qmframe.awards.register import Register, RegisterError
from qmframe.decision import Decision

START = dt.date(2026, 3, 2)


def _decision(org: str) -> Decision:
    return Decision(
        framework="mini",
        version="2",
        organisation=org,
        organisation_name=org.title(),
        status="awarded",
        passed=True,
        basis="review",
        as_of=START,
        valid_from=START,
        valid_until=START + dt.timedelta(days=999),
        midpoint_due=START + dt.timedelta(days=500),
    )


WRITERS, ADDS = 4, 200


def writer(path: str, number: int, go: Any, errors: Any) -> None:
    """One process adding ADDS decisions through the API, each in its own transaction."""
    go.wait()
    try:
        with Register(path) as register:
            for i in range(ADDS):
                register.add_decision(_decision(f"w{number}-{i}"))
    except Exception as exc:  # reported to the test, which fails on any
        errors.put(f"writer {number}: {type(exc).__name__}: {exc}")


def reader(path: str, go: Any, stop: Any, errors: Any) -> None:
    """A process reading the register while the writers write."""
    go.wait()
    try:
        while not stop.is_set():
            if os.path.exists(path):
                with Register(path, create=False) as register:
                    register.holders("mini", START)
                    register.due("mini", START, 900)
    except RegisterError as exc:
        if "no register here" not in str(exc):
            errors.put(f"reader: {exc}")
    except Exception as exc:
        errors.put(f"reader: {type(exc).__name__}: {exc}")
