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

import secrets
from collections.abc import Iterable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

# The key ring lives in keys.py; its names are kept here for the codec's callers.
from onboarding.gateway.keys import KEY_BYTES as KEY_BYTES
from onboarding.gateway.keys import EncryptionKey as EncryptionKey
from onboarding.gateway.keys import KeyRing as KeyRing
from onboarding.gateway.keys import KeyRingError as KeyRingError
from onboarding.gateway.keys import configured_key_ring as configured_key_ring
from onboarding.gateway.keys import ensure_key_file as ensure_key_file
from onboarding.gateway.keys import new_key as new_key
from onboarding.gateway.keys import parse_key_ring as parse_key_ring

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
NONCE_BYTES = 12


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
