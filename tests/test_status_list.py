"""The Bitstring Status List: the bits, each award's index, and what a verifier reads."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import qmframe
from qmframe.awards import register as register_module
from qmframe.awards.badges import open_badge
from qmframe.awards.lifecycle import AwardHistory, Event
from qmframe.awards.register import MIGRATIONS, Register
from qmframe.awards.status_list import (
    LIST_SIZE,
    award_flags,
    candidate_indexes,
    check_status,
    decode_list,
    encode_list,
    status_entry,
    status_list_credential,
)
from qmframe.decision import Decision
from qmframe.framework import Framework

ISSUER = "https://mark.example.org"
BASE = "https://mark.example.org/status/mark"
DECISION = Decision(
    framework="mark",
    version="2",
    organisation="riverside",
    organisation_name="Riverside College",
    status="mark-awarded",
    passed=True,
    basis="review",
    as_of=dt.date(2026, 3, 2),
    valid_from=dt.date(2026, 3, 2),
    valid_until=dt.date(2029, 3, 1),
)
FRAMEWORK = Framework(id="mark", version="2", title="Quality Mark")


def _by_hand(encoded: str) -> bytes:
    """The spec's decoding, written out: strip the multibase 'u', base64url, gunzip."""
    text = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def test_the_encoding_follows_the_specification() -> None:
    encoded = encode_list([0, 9, LIST_SIZE - 1])
    assert encoded.startswith("u")
    assert "=" not in encoded
    assert "+" not in encoded
    assert "/" not in encoded
    bits = _by_hand(encoded)
    assert len(bits) == 16 * 1024  # the minimum size: 131,072 bits
    assert bits[0] == 0b1000_0000  # index 0 is the left-most bit
    assert bits[1] == 0b0100_0000  # index 9
    assert bits[-1] == 0b0000_0001
    assert sum(bin(b).count("1") for b in bits) == 3
    assert decode_list(encoded) == bits
    assert encode_list([9, 0, LIST_SIZE - 1]) == encoded  # same bits, same text


def test_broken_lists_and_indexes_are_refused() -> None:
    with pytest.raises(qmframe.ValidationError, match="outside"):
        encode_list([LIST_SIZE])
    with pytest.raises(qmframe.ValidationError, match="multibase"):
        decode_list("H4sIAAAA")
    with pytest.raises(qmframe.ValidationError, match="not gzip"):
        decode_list("u" + base64.urlsafe_b64encode(b"plain").decode().rstrip("="))
    with pytest.raises(qmframe.ValidationError, match="status purpose"):
        status_entry(BASE, "message", 1)


def test_candidate_indexes_are_derived_from_the_award_id() -> None:
    first = candidate_indexes("mark/riverside/2026-03-02")
    again = candidate_indexes("mark/riverside/2026-03-02")
    picks = [next(first) for _ in range(5)]
    assert picks == [next(again) for _ in range(5)]
    assert len(set(picks)) == 5
    assert all(0 <= i < LIST_SIZE for i in picks)
    assert next(candidate_indexes("mark/riverside/2029-03-02")) != picks[0]


def _history(*events: Event) -> AwardHistory:
    return AwardHistory(organisation="riverside", framework="mark", events=events)


AWARDED = Event(state="awarded", on=dt.date(2026, 3, 2), version="2")


@pytest.mark.parametrize(
    ("events", "day", "flags"),
    [
        ((AWARDED,), dt.date(2027, 1, 1), (False, False)),
        ((AWARDED, Event(state="suspended", on=dt.date(2027, 2, 1))), dt.date(2027, 2, 1),
         (False, True)),
        ((AWARDED, Event(state="suspended", on=dt.date(2027, 2, 1))), dt.date(2027, 1, 31),
         (False, False)),
        ((AWARDED, Event(state="suspended", on=dt.date(2027, 2, 1)),
          Event(state="reinstated", on=dt.date(2027, 3, 1))), dt.date(2027, 3, 1), (False, False)),
        ((AWARDED, Event(state="withdrawn", on=dt.date(2027, 2, 1))), dt.date(2027, 2, 1),
         (True, True)),
        ((AWARDED, Event(state="suspended", on=dt.date(2027, 2, 1)),
          Event(state="revoked", on=dt.date(2027, 3, 1))), dt.date(2030, 1, 1), (True, True)),
        # A renewal is a new award: the old one's flags stop at it, the new one's start.
        ((AWARDED, Event(state="renewed", on=dt.date(2029, 2, 1), version="3"),
          Event(state="revoked", on=dt.date(2029, 6, 1))), dt.date(2029, 7, 1), (False, False)),
    ],
)  # fmt: skip
def test_which_bits_an_award_has(
    events: tuple[Event, ...], day: dt.date, flags: tuple[bool, bool]
) -> None:
    found = award_flags(_history(*events), dt.date(2026, 3, 2), day)
    assert (found["revocation"], found["suspension"]) == flags


def test_a_renewal_carries_its_own_flags() -> None:
    renewed = Event(state="renewed", on=dt.date(2029, 2, 1), version="3")
    history = _history(AWARDED, renewed, Event(state="revoked", on=dt.date(2029, 6, 1)))
    assert award_flags(history, renewed.on, dt.date(2029, 7, 1))["revocation"]
    assert not award_flags(history, dt.date(2025, 1, 1), dt.date(2029, 7, 1))["revocation"]


# -- indexes in the register ---------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Register]:
    with Register(tmp_path / "register.sqlite") as register:
        register.add_decision(DECISION)
        yield register


def test_an_index_is_assigned_once_and_kept(db: Register) -> None:
    award = "mark/riverside/2026-03-02"
    index = db.status_index(award)
    assert index == next(candidate_indexes(award))
    assert db.status_index(award) == index
    assert db.status_indexes("mark") == {award: index}
    with pytest.raises(qmframe.ValidationError, match="no decision 'mark/nobody/2026-01-01'"):
        db.status_index("mark/nobody/2026-01-01")


def test_a_taken_index_is_never_given_again(db: Register, monkeypatch: pytest.MonkeyPatch) -> None:
    db.add_decision(attrs.evolve(DECISION, organisation="hill"))

    def colliding(award: str, size: int = LIST_SIZE) -> Iterator[int]:
        yield from (7, 7, 11)

    monkeypatch.setattr(register_module, "candidate_indexes", colliding)
    assert db.status_index("mark/riverside/2026-03-02") == 7
    assert db.status_index("mark/hill/2026-03-02") == 11
    assert db.status_index("mark/riverside/2026-03-02") == 7
    raw = sqlite3.connect(db.path)
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute("INSERT INTO status_indexes VALUES ('mark/hill/2026-03-02', 'mark', 7, 'now')")


def test_an_older_register_gains_the_index_table(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    raw = sqlite3.connect(path)
    raw.executescript(MIGRATIONS[0])
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    with Register(path) as register:
        assert register.schema_version == len(MIGRATIONS)
        assert register.status_indexes("mark") == {}


# -- what a verifier sees ------------------------------------------------------------------


def _publish(register: Register, day: dt.date) -> dict[str, dict[str, Any]]:
    """What `register status-list` publishes: both lists, keyed by URL."""
    indexes = register.status_indexes("mark")
    lists = {}
    for purpose in ("revocation", "suspension"):
        flagged = []
        for award, index in indexes.items():
            _, organisation, granted = award.split("/")
            history = register.history("mark", organisation)
            if award_flags(history, dt.date.fromisoformat(granted), day)[purpose]:
                flagged.append(index)
        listing = status_list_credential(
            base_url=BASE, purpose=purpose, issuer_id=ISSUER, indexes=flagged, valid_from=day
        )
        lists[listing["id"]] = listing
    return lists


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_a_withdrawal_in_the_register_reaches_the_verifier(db: Register, purpose: str) -> None:
    index = db.status_index("mark/riverside/2026-03-02")
    vc = open_badge(
        DECISION, FRAMEWORK, issuer_id=ISSUER, status=status_entry(BASE, purpose, index)
    )
    published = _publish(db, dt.date(2027, 1, 1))
    before = check_status(vc, published.__getitem__)
    assert before.checked
    assert before.stands
    assert before.purpose == purpose
    assert before.index == index

    db.add_event("mark", "riverside", Event(state="withdrawn", on=dt.date(2027, 6, 1), reason="x"))
    published = _publish(db, dt.date(2027, 6, 1))
    after = check_status(vc, published.__getitem__)
    assert after.set
    assert not after.stands


def test_a_suspension_comes_and_goes(db: Register) -> None:
    index = db.status_index("mark/riverside/2026-03-02")
    revocable = open_badge(
        DECISION, FRAMEWORK, issuer_id=ISSUER, status=status_entry(BASE, "revocation", index)
    )
    suspendable = open_badge(
        DECISION, FRAMEWORK, issuer_id=ISSUER, status=status_entry(BASE, "suspension", index)
    )
    db.add_event("mark", "riverside", Event(state="suspended", on=dt.date(2027, 2, 1), reason="x"))
    published = _publish(db, dt.date(2027, 2, 1))
    assert check_status(suspendable, published.__getitem__).set
    assert check_status(revocable, published.__getitem__).stands  # suspension is not revocation
    db.add_event("mark", "riverside", Event(state="reinstated", on=dt.date(2027, 3, 1), reason="x"))
    published = _publish(db, dt.date(2027, 3, 1))
    assert check_status(suspendable, published.__getitem__).stands


def test_the_verifier_refuses_a_list_that_does_not_fit(db: Register) -> None:
    vc = open_badge(
        DECISION, FRAMEWORK, issuer_id=ISSUER, status=status_entry(BASE, "revocation", 50)
    )
    assert check_status(open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER), dict).checked is False
    published = _publish(db, dt.date(2027, 1, 1))
    wrong_list = published[f"{BASE}/suspension"]
    with pytest.raises(qmframe.ValidationError, match="the list is for 'suspension'"):
        check_status(vc, lambda url: wrong_list)
    other_issuer = {**published[f"{BASE}/revocation"], "issuer": "https://forger.example"}
    with pytest.raises(qmframe.ValidationError, match="not the credential's issuer"):
        check_status(vc, lambda url: other_issuer)
    short = {**published[f"{BASE}/revocation"]}
    short["credentialSubject"] = {**short["credentialSubject"], "encodedList": encode_list([], 8)}
    with pytest.raises(qmframe.ValidationError, match="past the end"):
        check_status(vc, lambda url: short)
    bad_entry = {**vc, "credentialStatus": {**vc["credentialStatus"], "statusListIndex": 50}}
    with pytest.raises(qmframe.ValidationError, match="whole number as a string"):
        check_status(bad_entry, published.__getitem__)
