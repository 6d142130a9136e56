"""API tokens in the store: hashed at rest, expiry, revocation, the first admin token.

Run on SQLite and on PostgreSQL (skipped without ONBOARDING_TEST_POSTGRES_URL).
"""

import hashlib
import stat
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from onboarding.domain.errors import RequestRejected
from onboarding.store import tokens
from onboarding.store.tokens import Role


def test_secret_is_returned_once_and_stored_only_as_its_hash(sql_engine: Engine) -> None:
    token, secret = tokens.create_token(sql_engine, name="Kari", role="coordinator")
    assert secret.startswith("onb_")
    assert len(secret) >= 40
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    with sql_engine.connect() as connection:
        stored = connection.execute(text("SELECT * FROM api_token")).mappings().one()
    assert secret not in {str(value) for value in stored.values()}

    found = tokens.find_active_token(sql_engine, secret=secret)
    assert found is not None
    assert (found.id, found.name, found.role) == (token.id, "Kari", "coordinator")
    assert found.created_at.tzinfo is not None


def test_secrets_are_distinct(sql_engine: Engine) -> None:
    secrets = {tokens.create_token(sql_engine, name="x", role=Role.VIEWER)[1] for _ in range(5)}
    assert len(secrets) == 5


@pytest.mark.parametrize("secret", ["", "onb_unknown", "Bearer onb_"])
def test_unknown_secret_finds_nothing(sql_engine: Engine, secret: str) -> None:
    tokens.create_token(sql_engine, name="Kari", role=Role.ADMIN)
    assert tokens.find_active_token(sql_engine, secret=secret) is None


def test_expired_token_is_not_active(sql_engine: Engine) -> None:
    expires = datetime.now(UTC) + timedelta(hours=1)
    token, secret = tokens.create_token(
        sql_engine, name="temp", role=Role.VIEWER, expires_at=expires
    )
    assert token.expires_at == expires
    assert tokens.find_active_token(sql_engine, secret=secret) is not None
    later = expires + timedelta(seconds=1)
    assert tokens.find_active_token(sql_engine, secret=secret, now=later) is None


def test_naive_expiry_is_utc(sql_engine: Engine) -> None:
    # Noon a month ahead of the wall clock, without a zone: never a named year.
    noon = datetime.combine(datetime.now(UTC).date() + timedelta(days=30), time(12))
    token, _ = tokens.create_token(sql_engine, name="temp", role=Role.VIEWER, expires_at=noon)
    assert token.expires_at == noon.replace(tzinfo=UTC)


def test_revoked_token_is_not_active_and_revoking_twice_keeps_the_first_time(
    sql_engine: Engine,
) -> None:
    token, secret = tokens.create_token(sql_engine, name="leaver", role=Role.ADMIN)
    assert token.id is not None
    revoked = tokens.revoke_token(sql_engine, token_id=token.id)
    assert revoked is not None and revoked.revoked_at is not None
    assert tokens.find_active_token(sql_engine, secret=secret) is None
    again = tokens.revoke_token(sql_engine, token_id=token.id)
    assert again is not None and again.revoked_at == revoked.revoked_at
    assert tokens.revoke_token(sql_engine, token_id=token.id + 1000) is None


def test_list_tokens_oldest_first(sql_engine: Engine) -> None:
    for name in ("a", "b", "c"):
        tokens.create_token(sql_engine, name=name, role=Role.VIEWER)
    assert [t.name for t in tokens.list_tokens(sql_engine)] == ["a", "b", "c"]


def test_unknown_role_and_empty_name_are_refused(sql_engine: Engine) -> None:
    with pytest.raises(RequestRejected) as raised:
        tokens.create_token(sql_engine, name="Kari", role="root")
    assert raised.value.field == "role"
    assert "viewer, coordinator, admin" in raised.value.message
    with pytest.raises(RequestRejected) as raised:
        tokens.create_token(sql_engine, name="   ", role=Role.VIEWER)
    assert raised.value.field == "name"
    assert tokens.list_tokens(sql_engine) == []


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.covers(Role.COORDINATOR) and Role.ADMIN.covers(Role.VIEWER)
    assert Role.COORDINATOR.covers(Role.VIEWER) and Role.COORDINATOR.covers(Role.COORDINATOR)
    assert not Role.COORDINATOR.covers(Role.ADMIN)
    assert not Role.VIEWER.covers(Role.COORDINATOR)


def test_ensure_admin_token_writes_the_secret_once_with_mode_600(
    sql_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "home" / "admin.token"
    secret = tokens.ensure_admin_token(sql_engine, path)
    assert secret is not None
    assert path.read_text() == f"{secret}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    admin = tokens.find_active_token(sql_engine, secret=secret)
    assert admin is not None and (admin.name, admin.role) == ("admin", "admin")

    assert tokens.ensure_admin_token(sql_engine, path) is None
    assert path.read_text() == f"{secret}\n"
    assert len(tokens.list_tokens(sql_engine)) == 1
