"""An award as an Open Badges 3.0 credential.

Open Badges 3.0 (1EdTech) expresses an achievement as a W3C Verifiable
Credential: an ``OpenBadgeCredential`` whose subject holds an
``Achievement`` with its criteria. Exporting an award in that shape lets
an organisation show its quality mark in the wallets and directories that
already read badges.

:func:`open_badge` builds the credential unsigned, as JSON values. Its
``@context`` defines every term it uses: VC 2.0, OB 3.0.3, and the OB 3.0
extensions context for the ``1EdTechJsonSchemaValidator2019`` schema type,
so a JSON-LD processor finds no undefined term. The scheme owner signs it
with :mod:`qmframe.awards.signing` (or its own issuing service), and points
its ``credentialStatus`` at a status list built by
:mod:`qmframe.awards.status_list`.

Identifiers are ``urn:uuid:`` names derived from the award's id in the
register (the same award always gives the same ids; two awards of one day
have two ids) unless the issuer supplies its own URLs.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any

from qmframe.awards.lifecycle import AwardHistory, is_current, state_on
from qmframe.decision import Decision, award_id
from qmframe.errors import Problem, ValidationError
from qmframe.framework import Framework

__all__ = [
    "CONTEXTS",
    "OB3_CONTEXT",
    "OB3_EXTENSIONS_CONTEXT",
    "OB3_SCHEMA",
    "VC2_CONTEXT",
    "criteria_narrative",
    "open_badge",
]

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: Defines ``1EdTechJsonSchemaValidator2019`` (the schema type below), which
#: neither the VC 2.0 nor the OB 3.0.3 context defines.
OB3_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
#: The credential's ``@context``, in this order (the first two are fixed by OB 3.0).
CONTEXTS = (VC2_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT)
#: The JSON Schema an OB3 verifier checks the credential against.
OB3_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
# A fixed namespace, so the same award always gets the same urn:uuid ids.
_NAMESPACE = uuid.UUID("6f1d3c1e-9b7a-5b5e-8f43-2f0c6a0d9e11")


def _urn(*parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(parts))}"


def _start(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _end(day: dt.date) -> str:
    return f"{day.isoformat()}T23:59:59Z"


def criteria_narrative(framework: Framework) -> str:
    """What earning the award takes, in Markdown (OB3 narratives are Markdown)."""
    lines = [
        f"Assessed against **{framework.title}**, version {framework.version}"
        + (f", by {framework.owner}" if framework.owner else "")
        + ".",
        "",
        "Areas assessed:",
        "",
    ]
    lines += [f"- {section.title}" for section in framework.sections]
    required = [
        rule.title or rule.id
        for rule in framework.decision.rules
        if rule.effect in ("require", "veto")
    ]
    if required:
        lines += ["", "To be awarded:", "", *(f"- {text}" for text in required)]
    return "\n".join(lines)


def open_badge(
    decision: Decision,
    framework: Framework,
    *,
    issuer_id: str,
    issuer_name: str = "",
    history: AwardHistory | None = None,
    on: dt.date | None = None,
    credential_id: str = "",
    achievement_id: str = "",
    subject_id: str = "",
    status: Mapping[str, Any] | None = None,
    award: str = "",
) -> dict[str, Any]:
    """An unsigned OB 3.0 ``OpenBadgeCredential`` (as JSON values) for a passing decision.

    ``issuer_id`` is the issuer's URL (or DID): OB3 requires a URI.
    ``subject_id`` names the organisation by URI where it has one; the
    organisation's name is always given as an identifier. With ``history``,
    the award must be current on ``on`` (default: today): a suspended,
    withdrawn, revoked or expired award is not exported. ``status`` is the
    ``credentialStatus`` entry, from
    :func:`qmframe.awards.status_list.status_entry`: where a verifier finds
    out later whether the award still stands. ``award`` is the register's
    award id (``FRAMEWORK/ORGANISATION/DATE``, with ``/2``, ``/3`` ... for a
    second or later decision of the same day; by default the decision's
    :func:`~qmframe.decision.award_id`): the credential's ``urn:uuid:`` id is
    derived from it, so every award has its own.
    """
    problems = []
    if not decision.passed:
        problems.append(
            Problem(f"the decision was {decision.status!r}: nothing was awarded", code="no-award")
        )
    if decision.framework != framework.id or decision.version != framework.version:
        problems.append(
            Problem(
                f"the decision is under {decision.framework} {decision.version}, "
                f"not {framework.id} {framework.version}",
                code="no-award",
            )
        )
    for label, value in (
        ("issuer id", issuer_id),
        ("credential id", credential_id),
        ("achievement id", achievement_id),
        ("subject id", subject_id),
        ("status list", str((status or {}).get("statusListCredential", ""))),
    ):
        required = label == "issuer id" or (label == "status list" and status is not None)
        if (value or required) and not _URI.match(value):
            problems.append(
                Problem(
                    f"{label} must be a URI (a URL or a DID), got {value!r}", code="wrong-value"
                )
            )
    if history is not None:
        day = on or dt.date.today()
        if not is_current(history, day):
            state = state_on(history, day) or "not yet recorded"
            problems.append(
                Problem(f"the award is not current on {day} ({state})", code="no-award")
            )
    if problems:
        raise ValidationError(problems)
    award = award or award_id(decision)
    achievement = {
        "id": achievement_id or _urn("achievement", framework.id, framework.version),
        "type": ["Achievement"],
        "name": framework.title,
        "description": framework.summary.strip() or framework.title,
        "criteria": {"narrative": criteria_narrative(framework)},
    }
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": decision.organisation_name or decision.organisation,
                "identityType": "name",
                "hashed": False,
            }
        ],
        "achievement": achievement,
    }
    if subject_id:
        subject["id"] = subject_id
    issuer: dict[str, Any] = {"id": issuer_id, "type": ["Profile"]}
    if issuer_name or framework.owner:
        issuer["name"] = issuer_name or framework.owner
    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": credential_id or _urn("award", award),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{framework.title}: {decision.organisation_name or decision.organisation}",
        "description": f"{decision.status} on {decision.as_of.isoformat()}",
        "issuer": issuer,
        "validFrom": _start(decision.valid_from or decision.as_of),
        "awardedDate": _start(decision.as_of),
        "credentialSubject": subject,
        "credentialSchema": [dict(OB3_SCHEMA)],
    }
    if decision.valid_until is not None:
        credential["validUntil"] = _end(decision.valid_until)
    if status is not None:
        credential["credentialStatus"] = dict(status)
    return credential
