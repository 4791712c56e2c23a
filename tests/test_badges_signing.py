"""Signed credentials: made with joserfc, checked with jwcrypto, an independent JOSE library.

Nothing here touches the network: the verifier gets the issuer's public key from the
issuer profile qmframe writes, as a verifier would after fetching it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from ob3_reference import jsonld_problems, schema_errors

import qmframe
from qmframe.awards import signing
from qmframe.awards.badges import open_badge
from qmframe.awards.status_list import status_entry, status_list_credential
from qmframe.decision import Decision
from qmframe.framework import Framework

pytest.importorskip("joserfc", reason="signing needs the sign extra (joserfc)")
jwcrypto_jwk = pytest.importorskip("jwcrypto.jwk", reason="jwcrypto is in the test extra")
jwcrypto_jws = pytest.importorskip("jwcrypto.jws", reason="jwcrypto is in the test extra")

ISSUER = "https://mark.example.org/issuer.json"
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
FRAMEWORK = Framework(id="mark", version="2", title="Quality Mark", owner="Mark Trust")
CREDENTIAL = open_badge(
    DECISION,
    FRAMEWORK,
    issuer_id=ISSUER,
    subject_id="https://riverside.example.ac.uk",
    status=status_entry("https://mark.example.org/status", "revocation", 12),
)


@pytest.fixture(scope="module", params=["ed25519", "rsa"])
def key(request: pytest.FixtureRequest) -> dict[str, Any]:
    made: dict[str, Any] = signing.generate_key(request.param)
    return made


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _verify_independently(token: str, profile: dict[str, Any]) -> dict[str, Any]:
    """jwcrypto checks the token with the key the issuer profile publishes."""
    header = json.loads(_unb64(token.split(".")[0]))
    method = next(m for m in profile["verificationMethod"] if m["id"] == header["kid"])
    public = jwcrypto_jwk.JWK(**method["publicKeyJwk"])
    checked = jwcrypto_jws.JWS()
    checked.deserialize(token)
    checked.verify(public, alg=header["alg"])
    payload: dict[str, Any] = json.loads(checked.payload)
    return payload


def _tampered(token: str, change: Any) -> str:
    head, body, signature = token.split(".")
    payload = json.loads(_unb64(body))
    change(payload)
    return ".".join((head, _b64(json.dumps(payload).encode()), signature))


def test_a_signed_credential_verifies_with_another_library(key: dict[str, Any]) -> None:
    token = signing.sign(CREDENTIAL, key)
    profile = signing.issuer_profile(ISSUER, [key], name="Mark Trust")
    payload = _verify_independently(token, profile)
    header = json.loads(_unb64(token.split(".")[0]))
    assert header["typ"] == "vc+jwt"
    assert header["cty"] == "vc"
    assert header["alg"] == {"OKP": "Ed25519", "RSA": "RS256"}[key["kty"]]
    assert header["kid"] == signing.key_id(ISSUER, key) == f"{ISSUER}#{key['kid']}"
    assert "jwk" not in header  # the key comes from the issuer's profile, not the token
    claims = {"iss", "nbf", "exp", "sub"}
    assert {k: v for k, v in payload.items() if k not in claims} == CREDENTIAL
    assert payload["iss"] == ISSUER
    assert payload["nbf"] == int(dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp())
    assert payload["exp"] == int(dt.datetime(2029, 3, 1, 23, 59, 59, tzinfo=dt.UTC).timestamp())
    assert payload["sub"] == "https://riverside.example.ac.uk"
    assert signing.verify(token, profile) == payload
    # The signed credential is still a valid OB 3.0 credential with every term defined.
    assert schema_errors(payload) == []
    assert jsonld_problems(payload) == []


@pytest.mark.parametrize(
    "change",
    [
        lambda vc: vc["credentialSubject"]["identifier"][0].update(identityHash="Hill College"),
        lambda vc: vc.update(validUntil="2039-03-01T23:59:59Z"),
        lambda vc: vc.pop("credentialStatus"),
    ],
)
def test_tampering_is_detected(key: dict[str, Any], change: Any) -> None:
    token = signing.sign(CREDENTIAL, key)
    profile = signing.issuer_profile(ISSUER, [key])
    forged = _tampered(token, change)
    with pytest.raises(jwcrypto_jws.InvalidJWSSignature):
        _verify_independently(forged, profile)
    with pytest.raises(qmframe.ValidationError, match="the signature does not match"):
        signing.verify(forged, profile)


def test_only_the_issuers_published_key_is_trusted(key: dict[str, Any]) -> None:
    other = signing.generate_key((key["kty"] == "OKP" and "ed25519") or "rsa")
    token = signing.sign(CREDENTIAL, other)  # names a key the profile does not list
    profile = signing.issuer_profile(ISSUER, [key])
    with pytest.raises(qmframe.ValidationError, match="which the issuer profile does not list"):
        signing.verify(token, profile)
    # A forger who also forges the kid still fails: the profile's key checks the signature.
    head, body, signature = token.split(".")
    header = json.loads(_unb64(head))
    header["kid"] = signing.key_id(ISSUER, key)
    header["alg"] = signing.public_jwk(key)["alg"]
    forged = ".".join((_b64(json.dumps(header).encode()), body, signature))
    with pytest.raises(qmframe.ValidationError, match="signature does not match"):
        signing.verify(forged, profile)
    # A forger's own profile and key, on a credential that names the real issuer.
    forger = "https://forger.example/issuer.json"
    token = signing.sign(CREDENTIAL, other, issuer_id=forger)
    with pytest.raises(qmframe.ValidationError, match=f"issued by '{ISSUER}', not '{forger}'"):
        signing.verify(token, signing.issuer_profile(forger, [other]))


def test_the_issuer_profile_publishes_only_the_public_key(key: dict[str, Any]) -> None:
    profile = signing.issuer_profile(
        ISSUER, [key], name="Mark Trust", url="https://mark.example.org"
    )
    text = json.dumps(profile)
    assert '"d"' not in text
    assert '"p"' not in text
    assert '"q"' not in text
    (method,) = profile["verificationMethod"]
    assert method["controller"] == ISSUER
    assert profile["assertionMethod"] == [method["id"]]
    assert method["publicKeyJwk"] == signing.public_jwk(key)
    assert schema_errors(profile, "Profile") == []
    assert jsonld_problems(profile) == []


def test_a_signed_status_list_verifies_too(key: dict[str, Any]) -> None:
    listing = status_list_credential(
        base_url="https://mark.example.org/status",
        purpose="revocation",
        issuer_id=ISSUER,
        indexes=[12],
        valid_from=dt.date(2027, 1, 1),
    )
    token = signing.sign(listing, key)
    payload = _verify_independently(token, signing.issuer_profile(ISSUER, [key]))
    assert payload["credentialSubject"] == listing["credentialSubject"]
    assert jsonld_problems(payload) == []


def test_a_key_file_is_private_and_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "issuer.jwk"
    key = signing.generate_key()
    old = os.umask(0)  # even with a permissive umask
    try:
        signing.write_key(path, key)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing.key_file_warning(path) == ""
    assert signing.read_key(path) == key
    with pytest.raises(qmframe.ValidationError, match="already there; it was not replaced"):
        signing.write_key(path, signing.generate_key())
    assert signing.read_key(path) == key
    path.chmod(0o644)
    assert "other users can read this private key" in signing.key_file_warning(path)


def test_unusable_keys_are_refused(tmp_path: Path, key: dict[str, Any]) -> None:
    public = tmp_path / "public.jwk"
    public.write_text(json.dumps(signing.public_jwk(key)))
    with pytest.raises(qmframe.ValidationError, match="this is a public key"):
        signing.read_key(public)
    odd = tmp_path / "odd.jwk"
    odd.write_text(json.dumps({"kty": "oct", "k": "c2VjcmV0"}))
    with pytest.raises(qmframe.ValidationError, match="only Ed25519"):
        signing.read_key(odd)
    broken = tmp_path / "broken.jwk"
    broken.write_text("{")
    with pytest.raises(qmframe.ValidationError, match="cannot read the key"):
        signing.read_key(broken)
    with pytest.raises(qmframe.ValidationError, match="not a compact JWS"):
        signing.verify("not.a.token", signing.issuer_profile(ISSUER, [key]))
