"""Payload encryption: the codec, its keys, production's refusals and the UI's codec endpoint."""

import base64
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from onboarding.embedded.app import create_app
from onboarding.gateway.codec import (
    ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    EncryptionKey,
    KeyRing,
    KeyRingError,
    configured_key_ring,
    ensure_key_file,
    new_key,
    parse_key_ring,
)
from onboarding.gateway.connection import tls_config
from onboarding.settings import Settings
from onboarding.store import tokens
from onboarding.store.tokens import Role
from tests.helpers.codec import SECRET_TEXT, UI, as_json, plain


def text_of(payload: Payload) -> str:
    (value,) = pydantic_data_converter.payload_converter.from_payloads([payload], [str])
    assert isinstance(value, str)
    return value


async def test_a_sealed_payload_holds_no_clear_text_and_opens_again() -> None:
    codec = EncryptionCodec(KeyRing((new_key("k1"),)))
    (sealed,) = await codec.encode([plain(SECRET_TEXT)])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID_METADATA] == b"k1"
    assert b"Nordmann" not in sealed.SerializeToString()
    (opened,) = await codec.decode([sealed])
    assert text_of(opened) == SECRET_TEXT


async def test_the_same_text_seals_differently_each_time() -> None:
    codec = EncryptionCodec(KeyRing((new_key("k1"),)))
    first, second = await codec.encode([plain(SECRET_TEXT), plain(SECRET_TEXT)])
    assert first.data != second.data  # a fresh nonce each time


async def test_after_rotation_new_payloads_use_the_new_key_and_old_ones_still_open() -> None:
    old = new_key("k1")
    (before,) = await EncryptionCodec(KeyRing((old,))).encode([plain("before")])
    rotated = EncryptionCodec(KeyRing((new_key("k2"), old)))
    (after,) = await rotated.encode([plain("after")])
    assert after.metadata[KEY_ID_METADATA] == b"k2"
    assert [text_of(p) for p in await rotated.decode([before, after])] == ["before", "after"]


async def test_a_payload_of_a_retired_key_is_refused_naming_the_key() -> None:
    (sealed,) = await EncryptionCodec(KeyRing((new_key("k1"),))).encode([plain("x")])
    with pytest.raises(ValueError, match="'k1', which is not in the key ring"):
        await EncryptionCodec(KeyRing((new_key("k2"),))).decode([sealed])


async def test_tampering_and_relabelling_fail_authentication() -> None:
    k1, k2 = new_key("k1"), EncryptionKey(id="k2", secret=new_key("x").secret)
    codec = EncryptionCodec(KeyRing((k1, k2)))
    (sealed,) = await codec.encode([plain("x")])
    tampered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + b"\x00")
    with pytest.raises(ValueError, match="failed authentication"):
        await codec.decode([tampered])
    relabelled = Payload(metadata={**sealed.metadata, KEY_ID_METADATA: b"k2"}, data=sealed.data)
    with pytest.raises(ValueError, match="failed authentication"):
        await codec.decode([relabelled])


async def test_payloads_from_before_encryption_pass_through() -> None:
    codec = EncryptionCodec(KeyRing((new_key("k1"),)))
    (opened,) = await codec.decode([plain("written in clear")])
    assert text_of(opened) == "written in clear"


def test_a_key_ring_reads_lines_or_commas_with_comments() -> None:
    k1, k2 = new_key("k1"), new_key("k2")
    ring = parse_key_ring(f"# newest first\n{KeyRing((k2, k1)).serialize()}")
    assert [k.id for k in ring.keys] == ["k2", "k1"] and ring.active == k2
    one_line = ",".join(KeyRing((k2, k1)).serialize().splitlines())
    assert parse_key_ring(one_line) == ring
    assert "secret" not in repr(ring.active) and ring.active.secret.hex() not in repr(ring)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("k1", "expected `id:base64key`"),
        (":AAAA", "expected `id:base64key`"),
        ("k1:not base64!", "'k1': not valid base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "'k1': 5 bytes, AES-256 needs 32"),
        (
            f"k1:{base64.b64encode(bytes(32)).decode()},k1:{base64.b64encode(bytes(32)).decode()}",
            "unique",
        ),
    ],
)
def test_a_bad_key_ring_is_refused_saying_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(KeyRingError, match=message):
        parse_key_ring(text)


def test_the_embedded_key_file_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "home" / "encryption.keys"
    first = ensure_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_key_file(path) == first
    assert configured_key_ring(Settings(home=tmp_path / "home")) == first


def test_the_cli_makes_a_key_the_ring_accepts() -> None:
    from typer.testing import CliRunner

    from onboarding.cli.main import app

    result = CliRunner().invoke(app, ["keys", "new", "--id", "2026-11"])
    assert result.exit_code == 0, result.output
    ring = parse_key_ring(result.stdout)
    assert ring.active.id == "2026-11" and len(ring.active.secret) == 32


# -- production mode ------------------------------------------------------------------

GOOD_KEYS = KeyRing((new_key("2026-11"),)).serialize()


def production(**values: object) -> Settings:
    return Settings.model_validate({"mode": "production", **values})


def test_production_starts_with_keys_and_an_authenticated_temporal() -> None:
    settings = production(encryption_keys=GOOD_KEYS, temporal_tls=True)
    assert configured_key_ring(settings).active.id == "2026-11"
    production(encryption_keys=GOOD_KEYS, temporal_api_key="tc-4f9a8e1d2c3b")


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"temporal_tls": True}, "ONBOARDING_ENCRYPTION_KEYS or ONBOARDING_ENCRYPTION_KEYS_FILE"),
        ({"encryption_keys": GOOD_KEYS}, "the Temporal connection is unauthenticated"),
        (
            {"encryption_keys": "k1:CHANGEME", "temporal_tls": True},
            "ONBOARDING_ENCRYPTION_KEYS is a placeholder",
        ),
        (
            {"encryption_keys": GOOD_KEYS, "temporal_api_key": "changeme"},
            "ONBOARDING_TEMPORAL_API_KEY is a placeholder",
        ),
        (
            {
                "encryption_keys": GOOD_KEYS,
                "temporal_tls": True,
                "smtp_host": "smtp.example.org",
                "smtp_sender": "noreply@hemit.no",
                "smtp_username": "onboarding",
                "smtp_password": "placeholder",
            },
            "ONBOARDING_SMTP_PASSWORD is a placeholder",
        ),
    ],
)
def test_production_refuses_to_start_insecure(values: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError, match="refusing to start in production mode") as raised:
        production(**values)
    assert fragment in str(raised.value)


def test_a_private_network_can_be_vouched_for_explicitly() -> None:
    settings = production(encryption_keys=GOOD_KEYS, temporal_allow_plaintext=True)
    # Plaintext on the wire, as vouched for, and payloads still sealed with the given key.
    assert tls_config(settings) is False
    assert configured_key_ring(settings).active.id == "2026-11"
    assert configured_key_ring(settings).serialize() == GOOD_KEYS


def test_the_embedded_default_needs_nothing_set(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.mode == "embedded"
    assert tls_config(settings) is False  # its own dev server on the loopback
    # The data dir gets a key of its own, made once and kept (mode 600).
    ring = configured_key_ring(settings)
    key_file = tmp_path / "encryption.keys"
    assert key_file.is_file() and key_file.stat().st_mode & 0o777 == 0o600
    assert len(ring.active.secret) == 32
    assert configured_key_ring(Settings(home=tmp_path)).serialize() == ring.serialize()
    database = (tmp_path / "onboarding.db").resolve()
    assert settings.resolved_database_url == f"sqlite:///{database}"


# -- the codec endpoint of the Temporal web UI -----------------------------------------


@pytest.fixture
async def http(sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(home=tmp_path, temporal_ui_url=UI)
    app = create_app(settings, engine=sqlite_engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        client.headers["Origin"] = UI
        yield client


def bearer(engine: Engine, role: Role) -> dict[str, str]:
    secret = tokens.create_token(engine, name=f"codec {role.value}", role=role)[1]
    return {"Authorization": f"Bearer {secret}"}


async def test_an_admin_decodes_through_the_endpoint(
    http: httpx.AsyncClient, sqlite_engine: Engine, tmp_path: Path
) -> None:
    codec = EncryptionCodec(configured_key_ring(Settings(home=tmp_path)))
    (sealed,) = await codec.encode([plain(SECRET_TEXT)])
    response = await http.post(
        "/api/codec/decode",
        json={"payloads": [as_json(sealed)]},
        headers=bearer(sqlite_engine, Role.ADMIN),
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == UI
    (decoded,) = response.json()["payloads"]
    payload = Payload(
        metadata={k: base64.b64decode(v) for k, v in decoded["metadata"].items()},
        data=base64.b64decode(decoded["data"]),
    )
    assert text_of(payload) == SECRET_TEXT

    encoded = await http.post(
        "/api/codec/encode",
        json={"payloads": [as_json(plain("x"))]},
        headers=bearer(sqlite_engine, Role.ADMIN),
    )
    (again,) = encoded.json()["payloads"]
    assert base64.b64decode(again["metadata"]["encoding"]) == ENCODING


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COORDINATOR])
async def test_only_admins_may_decode(
    http: httpx.AsyncClient, sqlite_engine: Engine, role: Role
) -> None:
    response = await http.post(
        "/api/codec/decode", json={"payloads": []}, headers=bearer(sqlite_engine, role)
    )
    assert response.status_code == 403
    assert (await http.post("/api/codec/decode", json={"payloads": []})).status_code == 401


async def test_a_malformed_body_is_a_422_naming_payloads(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    response = await http.post(
        "/api/codec/decode",
        json={"payloads": [{"nonsense": 1}]},
        headers=bearer(sqlite_engine, Role.ADMIN),
    )
    assert response.status_code == 422
    assert response.json()["field"].startswith("payloads")


async def test_cors_is_granted_to_the_temporal_ui_only(http: httpx.AsyncClient) -> None:
    ok = await http.options("/api/codec/decode", headers={"Origin": UI})
    assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == UI
    assert "x-namespace" in ok.headers["access-control-allow-headers"].lower()
    other = await http.options("/api/codec/decode", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


async def test_refusals_are_logged_without_the_secret(
    http: httpx.AsyncClient, sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    viewer = bearer(sqlite_engine, Role.VIEWER)
    with caplog.at_level("WARNING", logger="onboarding.security"):
        await http.post("/api/codec/decode", json={"payloads": []}, headers=viewer)
        await http.post(
            "/api/codec/decode", json={"payloads": []}, headers={"Authorization": "Bearer onb_x"}
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "onboarding.security"]
    assert len(lines) == 2, lines
    assert "POST /api/codec/decode" in lines[0] and "roles admin; the token is viewer" in lines[0]
    assert "unknown, revoked or expired token" in lines[1]
    secret = viewer["Authorization"].removeprefix("Bearer ")
    assert not any(secret in line or "onb_x" in line for line in lines)
