"""Revocation and suspension that reach verifiers: the W3C Bitstring Status List.

A credential, once handed out, cannot be taken back; what an issuer can do is
publish, at a URL the credential names, whether it still stands. qmframe uses
the W3C *Bitstring Status List v1.0* (the status mechanism of Verifiable
Credentials 2.0): each award gets one position (its *index*) in a long
string of bits; the issuer publishes the bits, gzip-compressed and
base64url-encoded, inside a ``BitstringStatusListCredential``; a verifier
fetches that one file and reads the bit at the credential's index. Every
credential points at the same file, so fetching it tells the issuer nothing
about which credential is being checked.

Why this and not 1EdTech's revocation list: it is a W3C Recommendation whose
terms the VC 2.0 context already defines (no extra context), it has a
``suspension`` purpose as well as ``revocation``, and it does not publish the
ids of revoked credentials, only bits.

Open Badges 3.0 allows one ``credentialStatus`` entry per credential, so a
credential points at one of two lists:

- ``revocation``: the bit is set once the award is withdrawn or revoked, and
  never cleared (revocation is final in the specification too);
- ``suspension``: the bit is set while the award is suspended, cleared when
  it is reinstated, and also set, for good, once it is withdrawn or revoked,
  so that a verifier never sees an award that has ended as standing.

Only the award's own events count: those after the decision that granted it
and before the next grant (a renewal is a new award, with its own index).
Expiry is not in the list: the credential's ``validUntil`` says it.

Everything here is plain functions on JSON values; reading the register and
writing files is left to :mod:`qmframe.awards.commands`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import hashlib
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from qmframe.awards.lifecycle import AwardHistory
from qmframe.errors import Problem, ValidationError
from qmframe.vocabulary import GRANTING

__all__ = [
    "LIST_SIZE",
    "STATUS_PURPOSES",
    "VC2_CONTEXT",
    "StatusCheck",
    "award_flags",
    "candidate_indexes",
    "check_status",
    "decode_list",
    "encode_list",
    "list_url",
    "status_entry",
    "status_list_credential",
]

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
#: The two purposes qmframe publishes a list for.
STATUS_PURPOSES = ("revocation", "suspension")
#: Bits in each list: the specification's minimum (16 KiB), which is what hides
#: one credential among many.
LIST_SIZE = 131_072
#: States that end an award for good.
ENDING = frozenset({"withdrawn", "revoked"})


def list_url(base_url: str, purpose: str) -> str:
    """Where the list for ``purpose`` is published: ``BASE_URL/revocation`` or ``/suspension``."""
    if purpose not in STATUS_PURPOSES:
        known = ", ".join(STATUS_PURPOSES)
        raise ValidationError(
            [Problem(f"status purpose must be one of {known}, got {purpose!r}", code="wrong-value")]
        )
    return f"{base_url.rstrip('/')}/{purpose}"


def candidate_indexes(award: str, size: int = LIST_SIZE) -> Iterator[int]:
    """Positions for ``award``, derived from its id: the first free one is kept.

    The first candidate is the SHA-256 of the award id reduced to the list's
    size; the next ones hash the id with a counter, for when a candidate is
    already taken. The register stores the index it chose, so a later change
    to this function never moves an award.
    """
    attempt = 0
    while True:
        text = award if attempt == 0 else f"{award}#{attempt}"
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        yield int.from_bytes(digest[:8], "big") % size
        attempt += 1


def status_entry(base_url: str, purpose: str, index: int) -> dict[str, Any]:
    """The credential's ``credentialStatus``: a ``BitstringStatusListEntry``."""
    url = list_url(base_url, purpose)
    if not 0 <= index < LIST_SIZE:
        raise ValidationError(
            [
                Problem(
                    f"status list index {index} is outside 0..{LIST_SIZE - 1}",
                    code="credential-invalid",
                )
            ]
        )
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


# -- the bits ------------------------------------------------------------------------------


def encode_list(indexes: Iterable[int], size: int = LIST_SIZE) -> str:
    """The ``encodedList`` with the bits at ``indexes`` set.

    Index 0 is the left-most bit of the first byte. The bytes are
    gzip-compressed (with a fixed timestamp, so the same bits give the same
    text) and base64url-encoded without padding, with the multibase prefix
    ``u`` that the specification asks for.
    """
    bits = bytearray(size // 8)
    for index in indexes:
        if not 0 <= index < size:
            raise ValidationError(
                [
                    Problem(
                        f"status list index {index} is outside 0..{size - 1}",
                        code="credential-invalid",
                    )
                ]
            )
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_list(encoded: str) -> bytes:
    """The bits of an ``encodedList`` (ValidationError when it is not one)."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValidationError(
            [
                Problem(
                    "encodedList must be multibase base64url (starting 'u')",
                    "encodedList",
                    code="wrong-value",
                )
            ]
        )
    text = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return gzip.decompress(packed)
    except (binascii.Error, OSError, EOFError, zlib.error, ValueError) as exc:
        raise ValidationError(
            [
                Problem(
                    f"encodedList is not gzip in base64url: {exc}",
                    "encodedList",
                    code="credential-invalid",
                )
            ]
        ) from None


def _bit(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


# -- what the register says ----------------------------------------------------------------


def award_flags(history: AwardHistory, granted_on: dt.date, day: dt.date) -> dict[str, bool]:
    """Whether each list's bit is set, on ``day``, for the award granted on ``granted_on``.

    ``history`` is the organisation's history under the framework; the
    award's own events run from its granting event to the next grant.
    """
    events = [e for e in history.events if e.on <= day]
    start = next(
        (i for i, e in enumerate(events) if e.state in GRANTING and e.on == granted_on), None
    )
    if start is None:
        return dict.fromkeys(STATUS_PURPOSES, False)
    own = []
    for event in events[start + 1 :]:
        if event.state in GRANTING:
            break
        own.append(event)
    ended = any(e.state in ENDING for e in own)
    paused = [e.state for e in own if e.state in ("suspended", "reinstated")]
    suspended = bool(paused) and paused[-1] == "suspended"
    return {"revocation": ended, "suspension": ended or suspended}


def status_list_credential(
    *,
    base_url: str,
    purpose: str,
    issuer_id: str,
    indexes: Iterable[int],
    valid_from: dt.date,
) -> dict[str, Any]:
    """The ``BitstringStatusListCredential`` (unsigned) with the bits at ``indexes`` set."""
    url = list_url(base_url, purpose)
    return {
        "@context": [VC2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": f"{valid_from.isoformat()}T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_list(indexes),
        },
    }


# -- what a verifier does ------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class StatusCheck:
    """What a verifier learnt from a credential's status list.

    ``purpose`` is the entry's purpose and ``set`` whether its bit is set:
    a set ``revocation`` bit means revoked, a set ``suspension`` bit means
    not to be relied on now. ``checked`` is False when the credential has no
    status entry (then nothing was fetched).
    """

    checked: bool
    purpose: str = ""
    set: bool = False
    list_url: str = ""
    index: int = -1

    @property
    def stands(self) -> bool:
        """Whether the status list lets the credential stand."""
        return not self.set


def _issuer_id(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("id", ""))
    return str(value or "")


def check_status(
    credential: Mapping[str, Any], fetch: Callable[[str], Mapping[str, Any]]
) -> StatusCheck:
    """Read a credential's status the way a verifier does.

    ``fetch(url)`` returns the status list credential published at ``url``
    as JSON values, with its signature already checked if it has one (see
    :func:`qmframe.awards.signing.verify`). The list must be a
    ``BitstringStatusList`` for the same purpose, from the same issuer, and
    long enough for the index; anything else raises ValidationError, as the
    specification tells verifiers to stop there.
    """
    entry = credential.get("credentialStatus")
    if entry is None:
        return StatusCheck(checked=False)
    problems = []
    if isinstance(entry, list):
        if len(entry) != 1:
            raise ValidationError(
                [Problem("expected one status entry", "credentialStatus", code="wrong-value")]
            )
        entry = entry[0]
    if not isinstance(entry, Mapping) or entry.get("type") != "BitstringStatusListEntry":
        raise ValidationError(
            [
                Problem(
                    "not a BitstringStatusListEntry",
                    "credentialStatus.type",
                    code="credential-invalid",
                )
            ]
        )
    purpose = entry.get("statusPurpose")
    url = entry.get("statusListCredential")
    raw_index = entry.get("statusListIndex")
    if purpose not in STATUS_PURPOSES:
        problems.append(
            Problem(
                f"unknown purpose {purpose!r}",
                "credentialStatus.statusPurpose",
                code="unknown-reference",
            )
        )
    if not isinstance(url, str) or not url:
        problems.append(
            Problem(
                "no list URL", "credentialStatus.statusListCredential", code="credential-invalid"
            )
        )
    if not (isinstance(raw_index, str) and raw_index.isdigit()):
        problems.append(
            Problem(
                "must be a whole number as a string",
                "credentialStatus.statusListIndex",
                code="wrong-value",
            )
        )
    if problems:
        raise ValidationError(problems)
    assert isinstance(url, str)
    assert isinstance(raw_index, str)
    assert isinstance(purpose, str)
    index = int(raw_index)
    listing = fetch(url)
    subject = listing.get("credentialSubject")
    types = listing.get("type", [])
    if "BitstringStatusListCredential" not in types or not isinstance(subject, Mapping):
        raise ValidationError(
            [Problem("not a BitstringStatusListCredential", "type", url, code="credential-invalid")]
        )
    if subject.get("type") != "BitstringStatusList":
        problems.append(
            Problem(
                "not a BitstringStatusList",
                "credentialSubject.type",
                url,
                code="credential-invalid",
            )
        )
    if subject.get("statusPurpose") != purpose:
        problems.append(
            Problem(
                f"the list is for {subject.get('statusPurpose')!r}, the credential's entry "
                f"for {purpose!r}",
                "credentialSubject.statusPurpose",
                url,
                code="credential-invalid",
            )
        )
    if _issuer_id(listing.get("issuer")) != _issuer_id(credential.get("issuer")):
        problems.append(
            Problem(
                "the list's issuer is not the credential's issuer",
                "issuer",
                url,
                code="credential-invalid",
            )
        )
    if problems:
        raise ValidationError(problems)
    bits = decode_list(subject.get("encodedList", ""))
    if index >= len(bits) * 8:
        raise ValidationError(
            [
                Problem(
                    f"index {index} is past the end of the list",
                    "encodedList",
                    url,
                    code="credential-invalid",
                )
            ]
        )
    return StatusCheck(
        checked=True, purpose=purpose, set=_bit(bits, index), list_url=url, index=index
    )
