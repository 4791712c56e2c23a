"""Open Badges 3.0 export: the credential's shape, its dates, and what is refused.

Every credential qmframe can write is checked with the real tools against local
copies of the real files (``tests/ob3_reference.py``, ``tests/data/openbadges-3.0/``):
1EdTech's AchievementCredential JSON Schema with a JSON Schema validator, and the
VC 2.0, OB 3.0.3 and extensions contexts with a JSON-LD processor that fetches nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import pytest
from ob3_reference import jsonld_problems, schema_errors

import qmframe
from qmframe.awards.badges import CONTEXTS, criteria_narrative, open_badge
from qmframe.awards.lifecycle import AwardHistory, Event, record
from qmframe.awards.status_list import status_entry, status_list_credential
from qmframe.decision import Decision
from qmframe.framework import Framework, Rule, Section

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


STATUS = "https://mark.example.org/status/mark"


def _credentials() -> dict[str, dict[str, Any]]:
    """Every shape of credential :func:`open_badge` writes."""
    return {
        "plain": open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER),
        "no end date": open_badge(
            attrs.evolve(DECISION, valid_until=None), FRAMEWORK, issuer_id=ISSUER
        ),
        "no owner or summary": open_badge(
            DECISION, attrs.evolve(FRAMEWORK, owner="", summary=""), issuer_id=ISSUER
        ),
        "own ids": open_badge(
            DECISION,
            FRAMEWORK,
            issuer_id=ISSUER,
            issuer_name="Mark Trust Ltd",
            credential_id="https://mark.example.org/awards/42",
            achievement_id="https://mark.example.org/achievements/mark-2",
            subject_id="did:web:riverside.example.ac.uk",
        ),
        "revocation list": open_badge(
            DECISION, FRAMEWORK, issuer_id=ISSUER, status=status_entry(STATUS, "revocation", 0)
        ),
        "suspension list": open_badge(
            DECISION,
            FRAMEWORK,
            issuer_id=ISSUER,
            status=status_entry(STATUS, "suspension", 131_071),
        ),
    }


@pytest.mark.parametrize("shape", sorted(_credentials()))
def test_every_credential_meets_the_1edtech_schema(shape: str) -> None:
    assert schema_errors(_credentials()[shape]) == []


@pytest.mark.parametrize("shape", sorted(_credentials()))
def test_every_credential_defines_every_term_it_uses(shape: str) -> None:
    assert jsonld_problems(_credentials()[shape]) == []


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_the_status_list_credentials_define_every_term_they_use(purpose: str) -> None:
    listing = status_list_credential(
        base_url=STATUS,
        purpose=purpose,
        issuer_id=ISSUER,
        indexes=[3, 99],
        valid_from=dt.date(2027, 1, 1),
    )
    assert jsonld_problems(listing) == []


def _broken(change: Any) -> dict[str, Any]:
    vc = json.loads(json.dumps(open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER)))
    change(vc)
    return vc


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (lambda vc: vc["credentialSubject"]["achievement"].pop("criteria"), "'criteria' is a"),
        (lambda vc: vc.update(validFrom="2026-03-02"), "is not a 'date-time'"),
        (lambda vc: vc.update(proof={"type": "DataIntegrityProof"}), "is not of type 'array'"),
        (lambda vc: vc["@context"].reverse(), "@context/0"),
        (lambda vc: vc["issuer"].update(type=["Organisation"]), "issuer"),
        (lambda vc: vc.update(type=["VerifiableCredential"]), "type"),
    ],
)
def test_the_schema_check_catches_broken_credentials(change: Any, found: str) -> None:
    errors = schema_errors(_broken(change))
    assert any(found in error for error in errors), errors


def _as_before(vc: dict[str, Any]) -> None:
    """The credential as qmframe wrote it before the extensions context was added."""
    vc["@context"].remove("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
    vc["credentialStatus"] = {"id": STATUS, "type": "1EdTechRevocationList"}


@pytest.mark.parametrize(
    ("change", "found"),
    [
        # Without the extensions context the extensions context was added.
        (lambda vc: vc["@context"].pop(), "1EdTechJsonSchemaValidator2019"),
        (lambda vc: vc.update(awardedBy="someone"), "'awardedBy' is not defined"),
        (lambda vc: vc["issuer"]["type"].append("Issuer"), "'https://relative.invalid/Issuer'"),
        (lambda vc: vc.update(id="awards/1"), "@id 'https://relative.invalid/awards/1'"),
        (_as_before, "1EdTechRevocationList"),
    ],
)
def test_the_json_ld_check_catches_undefined_terms(change: Any, found: str) -> None:
    problems = jsonld_problems(_broken(change))
    assert any(found in problem for problem in problems), problems


def test_the_credential_says_what_was_awarded() -> None:
    vc = open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER)
    assert json.loads(json.dumps(vc)) == vc  # plain JSON values only
    assert vc["@context"] == list(CONTEXTS)
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "proof" not in vc  # unsigned
    assert "credentialStatus" not in vc
    assert vc["validFrom"] == "2026-03-02T00:00:00Z"
    assert vc["validUntil"] == "2029-03-01T23:59:59Z"
    assert vc["issuer"] == {"id": ISSUER, "type": ["Profile"], "name": "Mark Trust"}
    assert vc["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["name"] == "Quality Mark"
    assert "Leadership" in achievement["criteria"]["narrative"]
    assert vc["credentialSubject"]["identifier"][0]["identityHash"] == "Riverside College"


def test_ids_are_stable_and_can_be_given() -> None:
    first = open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER)
    again = open_badge(DECISION, FRAMEWORK, issuer_id=ISSUER)
    assert first == again
    assert first["id"].startswith("urn:uuid:")
    later = _credentials()["own ids"]
    assert later["id"] == "https://mark.example.org/awards/42"
    assert later["credentialSubject"]["id"] == "did:web:riverside.example.ac.uk"
    assert later["credentialSubject"]["achievement"]["id"].endswith("/mark-2")
    assert later["issuer"]["name"] == "Mark Trust Ltd"


def test_the_status_entry_points_at_the_list() -> None:
    vc = _credentials()["revocation list"]
    assert vc["credentialStatus"] == {
        "id": f"{STATUS}/revocation#0",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "0",
        "statusListCredential": f"{STATUS}/revocation",
    }
    with pytest.raises(qmframe.ValidationError, match="status list must be a URI"):
        open_badge(
            DECISION, FRAMEWORK, issuer_id=ISSUER, status=status_entry("status", "revocation", 1)
        )


def test_an_award_without_an_end_has_no_valid_until() -> None:
    assert "validUntil" not in _credentials()["no end date"]


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
