"""``qmframe register badge | keygen | issuer-profile | status-list | verify``."""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Callable
from pathlib import Path

import core_fixtures
import pytest
from ob3_reference import jsonld_problems, schema_errors

from qmframe.awards import signing
from qmframe.awards.register import Register
from qmframe.cli import main

PASSING_REVIEW = core_fixtures.REVIEW.replace(
    'target = "b2"\nlevel = "no"', 'target = "b2"\nlevel = "yes"'
)
ISSUER = "https://mini.example.org/issuer.json"
STATUS = "https://mini.example.org/status"
AWARD = "mini/org-1/2026-02-01"


@pytest.fixture
def db(write: Callable[[str, str], Path], tmp_path: Path) -> str:
    """A register holding one award: mini/org-1/2026-02-01, valid until 2029-01-31."""
    framework = write("mini.toml", core_fixtures.FRAMEWORK)
    submission = write("org/submission.toml", core_fixtures.SUBMISSION)
    review = write("org/review.toml", PASSING_REVIEW)
    path = str(tmp_path / "register.sqlite")
    argv = ["register", "add", str(framework), str(submission), "--review", str(review)]
    assert main([*argv, "--db", path]) == 0
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _badge(db: str, tmp_path: Path, *extra: str) -> list[str]:
    return [
        "register", "badge", str(tmp_path / "mini.toml"), "org-1", "--issuer-id", ISSUER,
        "--on", "2027-01-01", "--db", db, *extra,
    ]  # fmt: skip


def test_unsigned_is_the_default_and_says_so(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, *_badge(db, tmp_path))
    assert code == 0
    credential = json.loads(out)
    assert "credentialStatus" not in credential
    assert "the credential is unsigned" in err
    assert schema_errors(credential) == []
    assert jsonld_problems(credential) == []


def test_a_status_entry_gets_the_awards_stored_index(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys, *_badge(db, tmp_path, "--status-base", STATUS, "--status-purpose", "suspension")
    )
    assert code == 0
    entry = json.loads(out)["credentialStatus"]
    with Register(db) as register:
        index = register.status_indexes("mini")[AWARD]
    assert entry["statusListIndex"] == str(index)
    assert entry["statusListCredential"] == f"{STATUS}/suspension"
    _, again, _ = _run(capsys, *_badge(db, tmp_path, "--status-base", STATUS))
    assert json.loads(again)["credentialStatus"]["statusListIndex"] == str(index)
    assert schema_errors(json.loads(again)) == []


@pytest.fixture
def key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    pytest.importorskip("joserfc", reason="signing needs the sign extra (joserfc)")
    path = tmp_path / "issuer.jwk"
    code, out, _ = _run(capsys, "register", "keygen", str(path))
    assert code == 0
    assert "mode 0600" in out
    return path


def test_keygen_writes_0600_and_never_replaces(
    key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_text()
    code, _, err = _run(capsys, "register", "keygen", str(key), "--type", "rsa")
    assert code == 2
    assert "already there; it was not replaced" in err
    assert key.read_text() == before


def _profile(key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "issuer.json"
    code, _, _ = _run(
        capsys, "register", "issuer-profile", "--issuer-id", ISSUER, "--name", "Mini Trust",
        "--key", str(key), "-o", str(path),
    )  # fmt: skip
    assert code == 0
    return path


def test_the_issuer_profile_can_be_made_from_the_public_key_alone(
    key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    public = tmp_path / "public.jwk"
    public.write_text(json.dumps(signing.public_jwk(signing.read_key(key))))
    from_private = json.loads(_profile(key, tmp_path, capsys).read_text())
    from_public = json.loads(_profile(public, tmp_path, capsys).read_text())
    assert from_private == from_public
    assert '"d"' not in json.dumps(from_public)
    assert schema_errors(from_public, "Profile") == []


def test_a_signed_badge_verifies_with_another_library(
    db: str, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jwcrypto_jwk = pytest.importorskip("jwcrypto.jwk", reason="jwcrypto is in the test extra")
    jwcrypto_jws = pytest.importorskip("jwcrypto.jws", reason="jwcrypto is in the test extra")
    profile = json.loads(_profile(key, tmp_path, capsys).read_text())
    signed = tmp_path / "org-1.jwt"
    code, _, err = _run(capsys, *_badge(db, tmp_path, "--sign", str(key), "-o", str(signed)))
    assert code == 0
    assert "unsigned" not in err
    token = signed.read_text().strip()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    (method,) = profile["verificationMethod"]
    assert header["kid"] == method["id"]
    checked = jwcrypto_jws.JWS()
    checked.deserialize(token)
    checked.verify(jwcrypto_jwk.JWK(**method["publicKeyJwk"]), alg=header["alg"])
    payload = json.loads(checked.payload)
    assert payload["issuer"]["id"] == ISSUER
    assert schema_errors(payload) == []


def _publish(
    db: str, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], on: str
) -> str:
    code, out, _ = _run(
        capsys, "register", "status-list", str(tmp_path / "mini.toml"), "--issuer-id", ISSUER,
        "--base-url", STATUS, "--on", on, "--sign", str(key), "-o", str(tmp_path / "status"),
        "--db", db,
    )  # fmt: skip
    assert code == 0
    return out


def _verify(tmp_path: Path, capsys: pytest.CaptureFixture[str], on: str) -> tuple[int, str]:
    code, out, err = _run(
        capsys, "register", "verify", str(tmp_path / "org-1.jwt"), "--issuer-profile",
        str(tmp_path / "issuer.json"), "--status-dir", str(tmp_path / "status"), "--on", on,
    )  # fmt: skip
    return code, out + err


def _event(db: str, tmp_path: Path, state: str, on: str) -> None:
    framework = str(tmp_path / "mini.toml")
    argv = ["register", "event", framework, "org-1", state, "--on", on, "--reason", "test"]
    assert main([*argv, "--db", db]) == 0


def test_a_withdrawal_turns_the_verifiers_answer_to_revoked(
    db: str, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _profile(key, tmp_path, capsys)
    signed = str(tmp_path / "org-1.jwt")
    argv = _badge(db, tmp_path, "--sign", str(key), "--status-base", STATUS, "-o", signed)
    assert _run(capsys, *argv)[0] == 0
    out = _publish(db, key, tmp_path, capsys, "2027-01-01")
    assert "wrote signed status lists on 2027-01-01 (1 award(s) with an index)" in out
    assert f"publish at {STATUS}/revocation" in out
    assert (tmp_path / "status" / "revocation").read_text().count(".") == 2  # a compact JWS
    code, said = _verify(tmp_path, capsys, "2027-01-01")
    assert code == 0, said
    assert (
        f"valid on 2027-01-01: signed by {ISSUER}; the revocation list (signed) does not flag it"
        in said
    )

    code, _, err = _run(
        capsys, "register", "verify", signed, "--issuer-profile", str(tmp_path / "issuer.json"),
        "--on", "2027-01-01",
    )  # fmt: skip
    assert code == 2  # a verifier that cannot read the status list cannot say it stands
    assert "org-1.jwt: credentialStatus: it has a status entry, but no status list was given" in err

    _event(db, tmp_path, "withdrawn", "2027-06-01")
    # The list still says what it said when it was published ...
    assert _verify(tmp_path, capsys, "2027-06-02")[0] == 0
    # ... and once republished, the verifier sees the withdrawal.
    _publish(db, key, tmp_path, capsys, "2027-06-01")
    code, said = _verify(tmp_path, capsys, "2027-06-02")
    assert code == 2
    assert f"revoked: the issuer's revocation list flags it ({STATUS}/revocation)" in said


def test_a_suspension_shows_and_clears(
    db: str, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _profile(key, tmp_path, capsys)
    signed = str(tmp_path / "org-1.jwt")
    argv = _badge(
        db, tmp_path, "--sign", str(key), "--status-base", STATUS,
        "--status-purpose", "suspension", "-o", signed,
    )  # fmt: skip
    assert _run(capsys, *argv)[0] == 0
    _event(db, tmp_path, "suspended", "2027-03-01")
    _publish(db, key, tmp_path, capsys, "2027-03-01")
    code, said = _verify(tmp_path, capsys, "2027-03-02")
    assert code == 2
    assert "suspended: the issuer's suspension list flags it" in said
    _event(db, tmp_path, "reinstated", "2027-04-01")
    _publish(db, key, tmp_path, capsys, "2027-04-01")
    code, said = _verify(tmp_path, capsys, "2027-04-02")
    assert code == 0, said


def test_verify_refuses_what_a_verifier_must_refuse(
    db: str, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _profile(key, tmp_path, capsys)
    signed = tmp_path / "org-1.jwt"
    assert _run(capsys, *_badge(db, tmp_path, "--sign", str(key), "-o", str(signed)))[0] == 0
    assert _verify(tmp_path, capsys, "2027-01-01")[0] == 0
    code, said = _verify(tmp_path, capsys, "2029-02-01")
    assert code == 2
    assert "expired: valid until 2029-01-31" in said
    head, body, signature = signed.read_text().strip().split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["validUntil"] = "2039-01-31T23:59:59Z"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    signed.write_text(f"{head}.{forged}.{signature}\n")
    code, said = _verify(tmp_path, capsys, "2030-01-01")
    assert code == 2
    assert "the signature does not match" in said
    signed.write_text(json.dumps(payload))
    code, said = _verify(tmp_path, capsys, "2027-01-01")
    assert code == 2
    assert "the credential is unsigned" in said


def test_signing_without_the_extra_says_how_to_install_it(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise signing.SigningUnavailable()

    monkeypatch.setattr(signing, "_jose", missing)
    key = tmp_path / "k.jwk"
    key.write_text("{}")
    code, _, err = _run(capsys, *_badge(db, tmp_path, "--sign", str(key)))
    assert code == 2
    assert 'pip install -e ".[sign]"' in err
    code, _, err = _run(capsys, "register", "keygen", str(tmp_path / "new.jwk"))
    assert code == 2
    assert not (tmp_path / "new.jwk").exists()
