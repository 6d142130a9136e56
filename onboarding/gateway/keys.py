"""The keys that seal Temporal payloads: a key ring, its text form, new keys, where they live.

The first key of a ring seals new payloads, every key opens old ones
(onboarding/gateway/codec.py uses them). Apart from the codec so that
`onboarding keys new` needs neither temporalio nor the settings.
"""

import base64
import binascii
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onboarding.settings import Settings

KEY_BYTES = 32


class KeyRingError(ValueError):
    """A key ring that cannot be used: malformed, empty, or a key of the wrong size."""


@dataclass(frozen=True)
class EncryptionKey:
    """One AES-256 key and the id that names it in payload metadata."""

    id: str
    secret: bytes

    def __repr__(self) -> str:  # never show the key material, not even in a traceback
        return f"EncryptionKey(id={self.id!r})"


@dataclass(frozen=True)
class KeyRing:
    """The keys of the codec: `active` seals, every key opens."""

    keys: tuple[EncryptionKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyRingError("the key ring is empty: give at least one key")
        ids = [key.id for key in self.keys]
        if len(set(ids)) != len(ids):
            raise KeyRingError(f"key ids must be unique, got {', '.join(ids)}")

    @property
    def active(self) -> EncryptionKey:
        return self.keys[0]

    def find(self, key_id: str) -> EncryptionKey | None:
        return next((key for key in self.keys if key.id == key_id), None)

    def serialize(self) -> str:
        """The ring as `parse_key_ring` reads it: one `id:base64` per line, active first."""
        return "".join(f"{k.id}:{base64.b64encode(k.secret).decode()}\n" for k in self.keys)


def parse_key_ring(text: str) -> KeyRing:
    """Keys from `id:base64key` entries separated by commas or lines; the first is active.

    Lines starting with `#` are comments, so a key file can say which key is which.
    """
    entries = [
        entry.strip()
        for line in text.splitlines()
        if not line.strip().startswith("#")
        for entry in line.split(",")
        if entry.strip()
    ]
    keys = []
    for position, entry in enumerate(entries, start=1):
        key_id, colon, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not colon or not key_id:
            raise KeyRingError(f"key {position}: expected `id:base64key`")
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyRingError(f"key {key_id!r}: not valid base64") from None
        if len(secret) != KEY_BYTES:
            raise KeyRingError(
                f"key {key_id!r}: {len(secret)} bytes, AES-256 needs {KEY_BYTES} "
                "(make one with `onboarding keys new`)"
            )
        keys.append(EncryptionKey(id=key_id, secret=secret))
    return KeyRing(tuple(keys))


def new_key(key_id: str) -> EncryptionKey:
    """A fresh random key."""
    return EncryptionKey(id=key_id, secret=secrets.token_bytes(KEY_BYTES))


def ensure_key_file(path: Path) -> KeyRing:
    """The key ring in `path`, created with one new key (mode 600) if the file is missing.

    For the embedded default only: production gives its keys explicitly.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        ring = KeyRing((new_key("k1"),))
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write("# Temporal payload encryption keys; the first one seals new payloads.\n")
            out.write(ring.serialize())
        return ring
    return parse_key_ring(path.read_text("ascii"))


def configured_key_ring(settings: "Settings") -> KeyRing:
    """The payload encryption keys: given, from a file, or the data dir's own (embedded)."""
    if settings.encryption_keys is not None:
        return parse_key_ring(settings.encryption_keys.get_secret_value())
    if settings.encryption_keys_file is not None:
        return parse_key_ring(settings.encryption_keys_file.read_text("ascii"))
    return ensure_key_file(settings.home / "encryption.keys")
