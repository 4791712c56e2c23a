"""Signing credentials: a JOSE-secured credential (``application/vc+jwt``), made with joserfc.

Open Badges 3.0 names two ways to secure a credential: an *enveloping* JSON
Web Token (the credential is the payload of a compact JWS) and an *embedded*
Data Integrity ``proof``. qmframe writes the first, as the W3C's "Securing
Verifiable Credentials using JOSE and COSE" defines it: header ``typ``
``vc+jwt`` and ``cty`` ``vc``, the credential itself as the payload, plus
the registered claims OB 3.0 asks for (``iss``, ``nbf``, and ``exp`` and
``sub`` where the credential has them). Why this one: every step is done by
one well-kept JOSE library (joserfc, over ``cryptography``), a verifier needs
no JSON-LD processing to check the signature, and any other JOSE library can
check it. A Data Integrity proof would need RDF canonicalisation and
multibase encodings on top, each another dependency to trust.

Keys are JSON Web Keys. The default is Ed25519 (algorithm ``Ed25519``, the
fully-specified name RFC 9864 gives what older software calls ``EdDSA``);
``rsa`` makes a 3072-bit RSA key for ``RS256``, the one algorithm OB 3.0
requires every verifier to support. The private key lives in a file written
``0600`` that is never replaced; the public key is published in the
issuer's profile (:func:`issuer_profile`), and each signature names it in
its ``kid``: the profile's URL, ``#``, and the key's RFC 7638 thumbprint.

This module needs the ``sign`` extra (``pip install -e ".[sign]"`` from a
clone); without it, every function raises :class:`SigningUnavailable`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from qmframe.awards.badges import OB3_CONTEXT, VC2_CONTEXT
from qmframe.errors import Problem, QmframeError, ValidationError

__all__ = [
    "KEY_CONTEXT",
    "KEY_TYPES",
    "MEDIA_TYPE",
    "SigningUnavailable",
    "generate_key",
    "issuer_profile",
    "key_file_warning",
    "key_id",
    "public_jwk",
    "read_key",
    "sign",
    "unverified_payload",
    "verify",
    "write_key",
]

#: The media type of what :func:`sign` returns.
MEDIA_TYPE = "application/vc+jwt"
KEY_TYPES = ("ed25519", "rsa")
_ALGORITHMS = {"OKP": "Ed25519", "RSA": "RS256"}
_SECURITY = "https://w3id.org/security#"
_TAMPERED = "the signature does not match: the credential was changed, or signed with another key"
#: Defines the terms an issuer profile uses for its keys, with the IRIs of the
#: W3C security vocabulary (the VC 2.0 and OB 3.0 contexts define none of them).
KEY_CONTEXT: dict[str, Any] = {
    "verificationMethod": {"@id": f"{_SECURITY}verificationMethod", "@type": "@id"},
    "assertionMethod": {"@id": f"{_SECURITY}assertionMethod", "@type": "@id"},
    "JsonWebKey": f"{_SECURITY}JsonWebKey",
    "controller": {"@id": f"{_SECURITY}controller", "@type": "@id"},
    "publicKeyJwk": {"@id": f"{_SECURITY}publicKeyJwk", "@type": "@json"},
}


class SigningUnavailable(QmframeError):
    """The ``sign`` extra (joserfc) is not installed."""

    def __init__(self) -> None:
        super().__init__('signing needs joserfc: from a clone of qmframe, pip install -e ".[sign]"')


def _jose() -> tuple[ModuleType, ModuleType, type[Exception]]:
    try:
        from joserfc import jwk, jws
        from joserfc.errors import JoseError
    except ImportError:
        raise SigningUnavailable() from None
    return jwk, jws, JoseError


# -- keys ----------------------------------------------------------------------------------


def generate_key(kind: str = "ed25519") -> dict[str, Any]:
    """A new private key as a JWK (with its ``kid``, the RFC 7638 thumbprint, and ``alg``)."""
    jwk, _, _ = _jose()
    if kind == "ed25519":
        key = jwk.OKPKey.generate_key("Ed25519")
    elif kind == "rsa":
        key = jwk.RSAKey.generate_key(3072)
    else:
        raise ValidationError(
            [Problem(f"key type must be one of {', '.join(KEY_TYPES)}", code="wrong-value")]
        )
    data: dict[str, Any] = dict(key.as_dict(private=True))
    data["kid"] = key.thumbprint()
    data["alg"] = _ALGORITHMS[data["kty"]]
    return data


def write_key(path: str | os.PathLike[str], key: Mapping[str, Any]) -> None:
    """Write a private key to a new file readable by its owner only (mode 0600).

    An existing file is never replaced: losing a key that signed published
    credentials would leave them unverifiable.
    """
    target = Path(path)
    try:
        handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ValidationError(
            [
                Problem(
                    "a file is already there; it was not replaced",
                    file=str(target),
                    code="credential-invalid",
                )
            ]
        ) from None
    except OSError as exc:
        raise ValidationError(
            [Problem(f"cannot write: {exc.strerror}", file=str(target), code="credential-invalid")]
        ) from None
    try:
        os.fchmod(handle, 0o600)  # whatever the umask
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(dict(key), indent=2) + "\n")
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def key_file_warning(path: str | os.PathLike[str]) -> str:
    """A warning when a key file can be read by others than its owner ('' otherwise)."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return ""
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"{path}: other users can read this private key (chmod 600 {path})"
    return ""


def _import(data: Mapping[str, Any], label: str) -> Any:
    jwk, _, jose_error = _jose()
    if data.get("kty") not in _ALGORITHMS or (
        data.get("kty") == "OKP" and data.get("crv") != "Ed25519"
    ):
        raise ValidationError(
            [
                Problem(
                    "only Ed25519 (OKP) and RSA keys are supported",
                    "kty",
                    label,
                    code="credential-invalid",
                )
            ]
        )
    try:
        return jwk.import_key(dict(data))
    except (jose_error, ValueError, TypeError, KeyError) as exc:
        raise ValidationError(
            [Problem(f"not a usable JWK: {exc}", file=label, code="credential-invalid")]
        ) from None


def read_key(path: str | os.PathLike[str], *, private: bool = True) -> dict[str, Any]:
    """A private key written by :func:`write_key` (or any private Ed25519 or RSA JWK).

    ``private=False`` accepts a public key too (enough for :func:`issuer_profile`).
    """
    from qmframe.files import read_bytes  # a regular file only: a FIFO cannot hang

    label = os.fspath(path)
    try:
        data = json.loads(read_bytes(path).decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(
            [Problem(f"cannot read the key: {exc}", file=label, code="credential-invalid")]
        ) from None
    if not isinstance(data, dict):
        raise ValidationError(
            [Problem("expected a JSON Web Key (a JSON object)", file=label, code="wrong-value")]
        )
    key = _import(data, label)
    if private and not key.is_private:
        raise ValidationError(
            [
                Problem(
                    "this is a public key; signing needs the private one",
                    file=label,
                    code="credential-invalid",
                )
            ]
        )
    data.setdefault("kid", key.thumbprint())
    data.setdefault("alg", _ALGORITHMS[data["kty"]])
    return data


def public_jwk(key: Mapping[str, Any]) -> dict[str, Any]:
    """The public half of ``key``, with its ``kid`` and ``alg``: safe to publish."""
    imported = _import(key, "key")
    data: dict[str, Any] = dict(imported.as_dict(private=False))
    data["kid"] = imported.thumbprint()
    data["alg"] = _ALGORITHMS[data["kty"]]
    return data


def key_id(issuer_id: str, key: Mapping[str, Any]) -> str:
    """The ``kid`` a signature carries: the issuer profile's URL, ``#``, the key's thumbprint."""
    return f"{issuer_id}#{public_jwk(key)['kid']}"


def issuer_profile(
    issuer_id: str, keys: Sequence[Mapping[str, Any]], *, name: str = "", url: str = ""
) -> dict[str, Any]:
    """The issuer's OB 3.0 ``Profile`` with its public keys, to publish at ``issuer_id``.

    Each key is a ``JsonWebKey`` verification method controlled by the
    issuer and listed under ``assertionMethod`` (allowed to sign
    credentials). Only public halves are written, whatever ``keys`` hold.
    """
    methods = []
    for key in keys:
        public = public_jwk(key)
        methods.append(
            {
                "id": f"{issuer_id}#{public['kid']}",
                "type": "JsonWebKey",
                "controller": issuer_id,
                "publicKeyJwk": public,
            }
        )
    profile: dict[str, Any] = {
        "@context": [VC2_CONTEXT, OB3_CONTEXT, KEY_CONTEXT],
        "id": issuer_id,
        "type": ["Profile"],
    }
    if name:
        profile["name"] = name
    if url:
        profile["url"] = url
    profile["verificationMethod"] = methods
    profile["assertionMethod"] = [method["id"] for method in methods]
    return profile


# -- signing and verifying -----------------------------------------------------------------


def _seconds(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def _issuer_id(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    return str(issuer.get("id", "")) if isinstance(issuer, Mapping) else str(issuer or "")


def sign(credential: Mapping[str, Any], key: Mapping[str, Any], *, issuer_id: str = "") -> str:
    """``credential`` as a compact JWS (``application/vc+jwt``), signed with ``key``.

    The header names the key (``kid``, see :func:`key_id`) but does not carry
    it: a verifier takes the key from the issuer's published profile, never
    from the token it is checking. The payload is the credential with ``iss``,
    ``nbf`` (from ``validFrom``), and ``exp`` (``validUntil``) and ``sub``
    (``credentialSubject.id``) where present.
    """
    _, jws, _ = _jose()
    issuer = issuer_id or _issuer_id(credential)
    public = public_jwk(key)
    payload = dict(credential)
    payload["iss"] = issuer
    for claim, field in (("nbf", "validFrom"), ("exp", "validUntil")):
        seconds = _seconds(credential.get(field))
        if seconds is not None:
            payload[claim] = seconds
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping) and subject.get("id"):
        payload["sub"] = subject["id"]
    header = {
        "alg": public["alg"],
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": f"{issuer}#{public['kid']}",
    }
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    token: str = jws.serialize_compact(
        header, body, _import(key, "key"), algorithms=[public["alg"]]
    )
    return token


def _parts(token: str, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and payload of a compact JWS, not yet verified."""
    _, jws, jose_error = _jose()
    try:
        found = jws.extract_compact(token.strip().encode("ascii"))
        payload = json.loads(found.payload)
    except (jose_error, ValueError, UnicodeError) as exc:
        raise ValidationError(
            [Problem(f"not a compact JWS: {exc}", file=label, code="credential-invalid")]
        ) from None
    if not isinstance(payload, dict):
        raise ValidationError(
            [Problem("the payload is not a JSON object", file=label, code="unknown-reference")]
        )
    return dict(found.protected), payload


def unverified_payload(token: str, label: str = "") -> dict[str, Any]:
    """The credential inside a compact JWS, without checking the signature (for reading only)."""
    return _parts(token, label)[1]


def verify(token: str, profile: Mapping[str, Any], *, label: str = "") -> dict[str, Any]:
    """The credential inside ``token`` once its signature is checked against ``profile``.

    The header's ``kid`` must name one of the profile's
    ``verificationMethod`` keys, controlled by the profile's issuer; the key
    found there (never a key the token itself might carry) checks the signature,
    with the one algorithm that key's type allows; the credential's issuer
    and ``iss`` must be the profile's. Anything else raises ValidationError.
    """
    _, jws, jose_error = _jose()
    header, payload = _parts(token, label)
    issuer = str(profile.get("id", ""))
    kid = header.get("kid")
    methods = profile.get("verificationMethod", [])
    method = next((m for m in methods if isinstance(m, Mapping) and m.get("id") == kid), None)
    if method is None:
        raise ValidationError(
            [
                Problem(
                    f"signed with key {kid!r}, which the issuer profile does not list",
                    "",
                    label,
                    code="credential-invalid",
                )
            ]
        )
    if method.get("controller") != issuer or kid not in profile.get("assertionMethod", []):
        raise ValidationError(
            [
                Problem(
                    f"key {kid!r} is not one the issuer {issuer} signs with",
                    "",
                    label,
                    code="credential-invalid",
                )
            ]
        )
    if header.get("typ") != "vc+jwt":
        raise ValidationError(
            [
                Problem(
                    f"typ is {header.get('typ')!r}, not 'vc+jwt'",
                    file=label,
                    code="credential-invalid",
                )
            ]
        )
    public = method.get("publicKeyJwk", {})
    key = _import(public, label)
    algorithm = _ALGORITHMS[public["kty"]]
    if header.get("alg") != algorithm:
        raise ValidationError(
            [
                Problem(
                    f"alg {header.get('alg')!r} does not match the key ({algorithm})",
                    file=label,
                    code="credential-invalid",
                )
            ]
        )
    try:
        jws.deserialize_compact(token.strip(), key, algorithms=[algorithm])
    except jose_error:
        raise ValidationError([Problem(_TAMPERED, file=label, code="credential-invalid")]) from None
    problems = []
    if _issuer_id(payload) != issuer:
        claimed = _issuer_id(payload)
        problems.append(
            Problem(
                f"issued by {claimed!r}, not {issuer!r}", "issuer", label, code="credential-invalid"
            )
        )
    if "iss" in payload and payload["iss"] != issuer:
        problems.append(
            Problem(
                f"iss is {payload['iss']!r}, not {issuer!r}",
                "iss",
                label,
                code="credential-invalid",
            )
        )
    if problems:
        raise ValidationError(problems)
    return payload
