"""Active API tokens the API has just checked, kept for a moment.

Every API request checks its bearer token against the `api_token` table: a SQL
read on a thread, about a third of a transition's time in the API at
concurrency 10 (bench/results/2026-history.md). A busy client sends the same token many
times a second, so the API keeps an active token for `seconds` (the setting
`ONBOARDING_TOKEN_CACHE_SECONDS`, default 1; 0 turns this off) and reads it
again after that.

What that costs: a token revoked through another process (another API
replica, a script on the database) still works in this one for up to
`seconds`. A revocation in this process (`tokens.revoke_token`, which the
API's and the pages' revoke call) forgets the token here at once, and an
expiry is checked on every request.
Only active tokens are kept, so unknown secrets never fill it.
"""

import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from onboarding.store.tables.access import ApiTokenRow


@dataclass(frozen=True)
class _Kept:
    token: ApiTokenRow
    until: float  # time.monotonic()


# Per engine (one per app; tests make many), by the secret's hash.
_KEPT: "weakref.WeakKeyDictionary[Engine, dict[str, _Kept]]" = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def recall(engine: Engine, secret_hash: str, *, now: datetime) -> ApiTokenRow | None:
    """The token kept under `secret_hash` if its moment has not passed nor the token expired."""
    with _GUARD:
        kept = _KEPT.get(engine, {}).get(secret_hash)
    if kept is None or kept.until <= time.monotonic():
        return None
    expires_at = kept.token.expires_at
    if expires_at is not None and expires_at <= now:
        return None
    return kept.token


def keep(engine: Engine, secret_hash: str, token: ApiTokenRow, *, seconds: float) -> None:
    """Keep an active token for `seconds` (nothing when 0)."""
    if seconds <= 0:
        return
    with _GUARD:
        _KEPT.setdefault(engine, {})[secret_hash] = _Kept(token, time.monotonic() + seconds)


def forget(engine: Engine, token_id: int) -> None:
    """Drop the token with this id (it was revoked in this process)."""
    with _GUARD:
        kept = _KEPT.get(engine, {})
        for secret_hash in [h for h, k in kept.items() if k.token.id == token_id]:
            del kept[secret_hash]
