"""Issuing badges from the register, publishing their status, and verifying them.

The glue between the register (:mod:`~qmframe.awards.register`), the credential
(:mod:`~qmframe.awards.badges`), its status lists
(:mod:`~qmframe.awards.status_list`) and signatures
(:mod:`~qmframe.awards.signing`), used by ``qmframe register badge``,
``status-list`` and ``verify``, and usable from Python the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from qmframe.awards.badges import open_badge
from qmframe.awards.lifecycle import AwardHistory
from qmframe.awards.register import Register
from qmframe.awards.status_list import (
    STATUS_PURPOSES,
    StatusCheck,
    award_flags,
    check_status,
    status_entry,
    status_list_credential,
)
from qmframe.errors import Problem, ValidationError
from qmframe.framework import Framework

__all__ = ["Verdict", "award_badge", "read_document", "status_lists", "verify_badge"]


def award_badge(
    register: Register,
    framework: Framework,
    organisation: str,
    *,
    issuer_id: str,
    issuer_name: str = "",
    subject_id: str = "",
    on: dt.date | None = None,
    status_base: str = "",
    status_purpose: str = "revocation",
) -> dict[str, Any]:
    """The unsigned credential for the award ``organisation`` holds on ``on`` (default: today).

    With ``status_base``, the award gets its status list index (assigned and
    stored on first use) and the credential a ``credentialStatus`` entry for
    the ``status_purpose`` list published under that URL.
    """
    day = on or dt.date.today()
    history = register.history(framework.id, organisation)
    granted = [
        r
        for r in register.decisions(framework.id, organisation)
        if r.decision.passed and not r.decision.is_indication and r.decision.as_of <= day
    ]
    if not granted:
        raise ValidationError(
            [
                Problem(
                    f"{organisation!r} has no award under {framework.id!r} by {day}",
                    code="credential-invalid",
                )
            ]
        )
    decision = granted[-1].decision
    status = None
    if status_base:
        # Checked before an index is stored for it. The recorded award id, which may
        # carry /2 for a second decision of the same day.
        open_badge(decision, framework, issuer_id=issuer_id, history=history, on=day)
        index = register.status_index(granted[-1].award)
        status = status_entry(status_base, status_purpose, index)
    return open_badge(
        decision,
        framework,
        issuer_id=issuer_id,
        issuer_name=issuer_name,
        history=history,
        on=day,
        subject_id=subject_id,
        status=status,
        award=granted[-1].award,
    )


def status_lists(
    register: Register, framework: str, *, base_url: str, issuer_id: str, on: dt.date
) -> dict[str, dict[str, Any]]:
    """Both status list credentials (unsigned) for ``framework`` on ``on``, by purpose.

    Every award that has an index is looked up in its organisation's
    history: see :func:`~qmframe.awards.status_list.award_flags`. The
    register's columns say all that needs (award, organisation, date): no
    decision is rebuilt from its JSON, and each history is read once.
    """
    indexes = register.status_indexes(framework)
    flagged: dict[str, list[int]] = {purpose: [] for purpose in STATUS_PURPOSES}
    histories: dict[str, AwardHistory] = {}
    for summary in register.summaries(framework):
        index = indexes.get(summary.award)
        if index is None:
            continue
        history = histories.get(summary.organisation)
        if history is None:
            history = histories[summary.organisation] = register.history(
                framework, summary.organisation
            )
        for purpose, is_set in award_flags(history, summary.as_of, on).items():
            if is_set:
                flagged[purpose].append(index)
    return {
        purpose: status_list_credential(
            base_url=base_url,
            purpose=purpose,
            issuer_id=issuer_id,
            indexes=flagged[purpose],
            valid_from=on,
        )
        for purpose in STATUS_PURPOSES
    }


# -- verifying -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Verdict:
    """What :func:`verify_badge` found: the credential, its issuer and its status."""

    credential: dict[str, Any]
    issuer: str
    status: StatusCheck
    list_signed: bool = False


def read_document(text: str, profile: Mapping[str, Any], label: str) -> tuple[dict[str, Any], bool]:
    """A credential from a file's text: a signed ``vc+jwt`` (checked) or plain JSON.

    Returns the credential and whether it was signed.
    """
    from qmframe.awards import signing

    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except ValueError as exc:
            raise ValidationError(
                [Problem(f"not JSON: {exc}", file=label, code="credential-invalid")]
            ) from None
        if not isinstance(value, dict):
            raise ValidationError(
                [Problem("expected a JSON object", file=label, code="wrong-value")]
            )
        return value, False
    return signing.verify(stripped, profile, label=label), True


def _day(text: Any) -> dt.date | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def verify_badge(
    text: str,
    profile: Mapping[str, Any],
    *,
    on: dt.date,
    fetch: Callable[[str], str] | None = None,
    label: str = "",
) -> Verdict:
    """Check a credential as a verifier does, or raise ValidationError saying why not.

    ``text`` is the signed credential (compact JWS); ``profile`` the issuer
    profile holding its public key. The signature must verify (see
    :func:`qmframe.awards.signing.verify`), ``on`` must fall within
    ``validFrom`` .. ``validUntil``, and, when the credential has a status
    entry, ``fetch(url)`` returns the status list published there (signed or
    not; a signed one is checked against the same profile) and its bit must
    not be set.
    """
    stripped = text.strip()
    if stripped.startswith("{"):
        raise ValidationError(
            [
                Problem(
                    "the credential is unsigned: nothing shows who issued it",
                    file=label,
                    code="credential-invalid",
                )
            ]
        )
    credential, _ = read_document(stripped, profile, label)
    problems = []
    start, end = _day(credential.get("validFrom")), _day(credential.get("validUntil"))
    if start is None:
        problems.append(
            Problem("no validFrom date-time", "validFrom", label, code="credential-invalid")
        )
    elif on < start:
        problems.append(
            Problem(f"not valid until {start}", "validFrom", label, code="credential-invalid")
        )
    if end is not None and on > end:
        problems.append(
            Problem(f"expired: valid until {end}", "validUntil", label, code="credential-invalid")
        )
    signed_list = False
    status = StatusCheck(checked=False)
    if "credentialStatus" in credential:
        if fetch is None:
            problems.append(
                Problem(
                    "it has a status entry, but no status list was given",
                    "credentialStatus",
                    label,
                    code="credential-invalid",
                )
            )
        else:
            lists: dict[str, bool] = {}

            def load(url: str) -> Mapping[str, Any]:
                listing, lists[url] = read_document(fetch(url), profile, url)
                return listing

            status = check_status(credential, load)
            signed_list = all(lists.values())
            if status.set:
                what = "revoked" if status.purpose == "revocation" else "suspended"
                problems.append(
                    Problem(
                        f"{what}: the issuer's {status.purpose} list flags it ({status.list_url})",
                        "credentialStatus",
                        label,
                        code="credential-invalid",
                    )
                )
    if problems:
        raise ValidationError(problems)
    return Verdict(
        credential=credential,
        issuer=str(profile.get("id", "")),
        status=status,
        list_signed=signed_list,
    )
