"""Encryption of Temporal payloads: the engine's storage holds no personal data in clear.

Every payload a client of this project sends (transition comments, evidence,
contact data, workflow state through continue-as-new) is encrypted with
AES-256-GCM before it leaves the process, so Temporal's database and its web
UI see ciphertext only. A payload carries the id of the key that sealed it in
its metadata, so keys can rotate: the first key of the ring seals new payloads,
every key in the ring opens old ones. Payloads written before encryption was
switched on (no encryption marker) pass through as they are, so turning it on
for an existing installation loses nothing.

Search attributes are not payloads of the codec (Temporal must index them):
they hold only the stage and the municipality number, never personal data.
"""

import base64
import binascii
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from onboarding.settings import Settings

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
NONCE_BYTES = 12
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


def configured_key_ring(settings: Settings) -> KeyRing:
    """The payload encryption keys: given, from a file, or the data dir's own (embedded)."""
    if settings.encryption_keys is not None:
        return parse_key_ring(settings.encryption_keys.get_secret_value())
    if settings.encryption_keys_file is not None:
        return parse_key_ring(settings.encryption_keys_file.read_text("ascii"))
    return ensure_key_file(settings.home / "encryption.keys")


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM for every payload; the key id travels in the payload's metadata."""

    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring

    @property
    def ring(self) -> KeyRing:
        return self._ring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.seal(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.open(p) for p in payloads]

    def seal(self, payload: Payload) -> Payload:
        key = self._ring.active
        nonce = secrets.token_bytes(NONCE_BYTES)
        # The key id is authenticated too: a payload relabelled to another key fails.
        sealed = AESGCM(key.secret).encrypt(
            nonce, payload.SerializeToString(), key.id.encode("utf-8")
        )
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID_METADATA: key.id.encode("utf-8")},
            data=nonce + sealed,
        )

    def open(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # written before encryption was on
        key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode("utf-8", "replace")
        key = self._ring.find(key_id)
        if key is None:
            known = ", ".join(k.id for k in self._ring.keys)
            raise ValueError(
                f"payload sealed with key {key_id!r}, which is not in the key ring ({known})"
            )
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = AESGCM(key.secret).decrypt(nonce, sealed, key_id.encode("utf-8"))
        except InvalidTag:
            raise ValueError(f"payload sealed with key {key_id!r} failed authentication") from None
        return Payload.FromString(plain)


def is_sealed(payloads: Iterable[Payload]) -> bool:
    """Whether every payload is encrypted (for tests and the health check)."""
    return all(p.metadata.get("encoding") == ENCODING for p in payloads)
