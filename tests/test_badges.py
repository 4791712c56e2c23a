"""Open Badges 3.0 export: the credential's shape, its dates, and what is refused.

The published OB 3.0 JSON Schema cannot be fetched here (no network but the
package registries, and no registry package ships it), so :func:`_ob3_problems`
encodes the required-field and format constraints of
``ob_v3p0_achievementcredential_schema.json`` (OB 3.0.3, on VC Data Model 2.0)
that apply to what qmframe emits: an unsigned credential is checked against them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import attrs
import pytest

import qmframe
from qmframe.awards.badges import OB3_CONTEXT, VC2_CONTEXT, criteria_narrative, open_badge
from qmframe.awards.lifecycle import AwardHistory, Event, record
from qmframe.decision import Decision
from qmframe.framework import Framework, Rule, Section

_OB_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$")
_URI = re.compile(r"^\w[\w+.-]*:\S+$")
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
# OB 3.0 IdentifierTypeEnum values used or likely; extensions are "ext:..." names.
_IDENTIFIER_TYPES = {
    "name", "sourcedId", "systemId", "productId", "userName", "accountId",
    "emailAddress", "nationalIdentityNumber", "isbn", "issuerId", "identifier",
}  # fmt: skip


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("type")
    return [value] if isinstance(value, str) else list(value or [])


def _ob3_problems(vc: dict[str, Any]) -> list[str]:
    """Where ``vc`` breaks the OB 3.0.3 AchievementCredential schema's constraints."""
    problems = []
    context = vc.get("@context")
    if not (isinstance(context, list) and len(context) >= 2):
        problems.append("@context: an array of at least two")
    else:
        if context[0] != "https://www.w3.org/ns/credentials/v2":
            problems.append("@context[0]: the VC 2.0 context")
        if not _OB_CONTEXT.match(context[1]):
            problems.append("@context[1]: an OB v3p0 context")
    for key in ("id", "type", "issuer", "validFrom", "credentialSubject", "name"):
        if key not in vc:
            problems.append(f"{key}: required")
    if "VerifiableCredential" not in _types(vc) or not {
        "AchievementCredential",
        "OpenBadgeCredential",
    } & set(_types(vc)):
        problems.append("type: VerifiableCredential and OpenBadgeCredential")
    if not _URI.match(str(vc.get("id", ""))):
        problems.append("id: a URI")
    issuer = vc.get("issuer")
    if isinstance(issuer, dict):
        if not _URI.match(str(issuer.get("id", ""))):
            problems.append("issuer.id: a URI")
        if "Profile" not in _types(issuer):
            problems.append("issuer.type: Profile")
    elif not (isinstance(issuer, str) and _URI.match(issuer)):
        problems.append("issuer: a Profile or a URI")
    for key in ("validFrom", "validUntil", "awardedDate"):
        if key in vc and not _DATE_TIME.match(str(vc[key])):
            problems.append(f"{key}: an RFC 3339 date-time with a time zone")
    subject = vc.get("credentialSubject", {})
    if "AchievementSubject" not in _types(subject):
        problems.append("credentialSubject.type: AchievementSubject")
    if not subject.get("id") and not subject.get("identifier"):
        problems.append("credentialSubject: an id or an identifier")
    for i, identity in enumerate(subject.get("identifier", [])):
        if identity.get("type") != "IdentityObject":
            problems.append(f"identifier[{i}].type: IdentityObject")
        if not isinstance(identity.get("hashed"), bool):
            problems.append(f"identifier[{i}].hashed: a boolean")
        if not isinstance(identity.get("identityHash"), str):
            problems.append(f"identifier[{i}].identityHash: a string")
        kind = identity.get("identityType", "")
        if kind not in _IDENTIFIER_TYPES and not re.match(r"^ext:[a-zA-Z0-9.\-_]+$", kind):
            problems.append(f"identifier[{i}].identityType: an IdentifierTypeEnum value")
    achievement = subject.get("achievement", {})
    for key in ("id", "type", "name", "description", "criteria"):
        if key not in achievement:
            problems.append(f"achievement.{key}: required")
    if not _URI.match(str(achievement.get("id", ""))):
        problems.append("achievement.id: a URI")
    if "Achievement" not in _types(achievement):
        problems.append("achievement.type: Achievement")
    criteria = achievement.get("criteria", {})
    if not (criteria.get("id") or criteria.get("narrative")):
        problems.append("achievement.criteria: an id or a narrative")
    for i, schema in enumerate(vc.get("credentialSchema", [])):
        if not _URI.match(str(schema.get("id", ""))) or not schema.get("type"):
            problems.append(f"credentialSchema[{i}]: id (URI) and type")
    status = vc.get("credentialStatus")
    if status is not None and (not _URI.match(str(status.get("id", ""))) or not status.get("type")):
        problems.append("credentialStatus: id (URI) and type")
    return problems


FRAMEWORK = Framework(
    id="mark",
    version="2",
    title="Quality Mark",
    owner="Mark Trust",
    summary="A mark for good practice.",
    sections=(Section(id="s1", title="Leadership"), Section(id="s2", title="Support")),
    decision=qmframe.DecisionPolicy(
        rules=(
            Rule(id="all", kind="minimum-level", title="Every criterion is met"),
            Rule(id="shine", kind="notable-level", effect="highlight", title="Shining"),
        )
    ),
)
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
ISSUER = "https://mark.example.org"


def test_the_credential_meets_the_ob3_schema_constraints() -> None:
    vc = open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER)
    assert _ob3_problems(vc) == []
    assert json.loads(json.dumps(vc)) == vc  # plain JSON values only
    assert vc["@context"] == [VC2_CONTEXT, OB3_CONTEXT]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "proof" not in vc  # unsigned: the issuer's own service signs it
    assert vc["validFrom"] == "2026-03-02T00:00:00Z"
    assert vc["validUntil"] == "2029-03-01T23:59:59Z"
    assert vc["issuer"] == {"id": ISSUER, "type": ["Profile"], "name": "Mark Trust"}
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["name"] == "Quality Mark"
    assert "Leadership" in achievement["criteria"]["narrative"]
    assert vc["credentialSubject"]["identifier"][0]["identityHash"] == "Riverside College"


def test_the_checker_itself_catches_broken_credentials() -> None:
    vc = open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER)
    broken = json.loads(json.dumps(vc))
    del broken["credentialSubject"]["achievement"]["criteria"]
    broken["validFrom"] = "2026-03-02"
    broken["credentialSubject"].pop("identifier")
    found = _ob3_problems(broken)
    assert "achievement.criteria: required" in found
    assert "validFrom: an RFC 3339 date-time with a time zone" in found
    assert "credentialSubject: an id or an identifier" in found


def test_ids_are_stable_and_can_be_given() -> None:
    first = open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER)
    again = open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER)
    assert first == again
    assert first["id"].startswith("urn:uuid:")
    later = open_badge(
        DECISION,
        FRAMEWORK,
        issuer_id=ISSUER,
        credential_id="https://mark.example.org/awards/42",
        subject_id="https://riverside.example.ac.uk",
        status_list="https://mark.example.org/status/1",
    )
    assert later["id"] == "https://mark.example.org/awards/42"
    assert later["credentialSubject"]["id"] == "https://riverside.example.ac.uk"
    assert later["credentialStatus"]["type"] == "1EdTechRevocationList"
    assert _ob3_problems(later) == []


def test_an_award_without_an_end_has_no_valid_until() -> None:
    vc = open_badge(attrs.evolve(DECISION, valid_until=None), FRAMEWORK, issuer_id=ISSUER)
    assert "validUntil" not in vc
    assert _ob3_problems(vc) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"passed": False, "status": "not-yet"}, "nothing was awarded"),
        ({"version": "1"}, "not mark 2"),
    ],
)
def test_what_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(qmframe.ValidationError, match=message):
        open_badge(attrs.evolve(DECISION, **change), FRAMEWORK, issuer_id=ISSUER)
    with pytest.raises(qmframe.ValidationError, match="issuer id must be a URI"):
        open_badge(DECISION, FRAMEWORK, issuer_id="Mark Trust")


def test_only_a_current_award_is_exported() -> None:
    history = record(
        AwardHistory(organisation="riverside", framework="mark"),
        Event(state="awarded", on=DECISION.as_of, version="2", valid_until=DECISION.valid_until),
    )
    assert open_badge(
        DECISION, FRAMEWORK, issuer_id=ISSUER, history=history, on=dt.date(2027, 1, 1)
    )
    with pytest.raises(qmframe.ValidationError, match=r"not current on 2029-03-02 \(expired\)"):
        open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER, history=history, on=dt.date(2029, 3, 2))
    revoked = record(history, Event(state="revoked", on=dt.date(2027, 6, 1), reason="fraud"))
    with pytest.raises(qmframe.ValidationError, match=r"\(revoked\)"):
        open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER, history=revoked, on=dt.date(2027, 6, 1))


def test_the_criteria_narrative_names_what_is_required() -> None:
    text = criteria_narrative(FRAMEWORK)
    assert "**Quality Mark**, version 2, by Mark Trust" in text
    assert "- Every criterion is met" in text
    assert "Shining" not in text  # a highlight rule is not a requirement
