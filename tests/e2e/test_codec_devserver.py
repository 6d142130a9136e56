"""Issue #7's proof: Temporal's own storage holds no personal data in clear text.

A real dev server and a real `onboarding worker` process with a key ring;
a transition carrying a comment and evidence is recorded; the raw history,
read by a client without the codec, shows ciphertext only; with the codec it
decodes; after a key rotation old and new payloads both decode.
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from onboarding.domain.municipality import Municipality
from onboarding.domain.vocabulary import Trigger
from onboarding.gateway import parties as gateway
from onboarding.gateway.client import connect
from onboarding.gateway.codec import ENCODING, KEY_ID_METADATA, EncryptionCodec, KeyRing, new_key
from tests.helpers import ACTOR, command
from tests.helpers.devserver import Rig
from workflows.names import party_workflow_id

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(180)]

FIRST_COMMENT = "Rådmann Ola Hansen (ola.hansen@holtalen.kommune.no) signed in person"
SECOND_COMMENT = "Vedtak fattet etter innspill fra Kari Berg, kari.berg@holtalen.kommune.no"
# Personal data and free text of the first transition, none of it to be seen in clear.
CLEAR_TEXTS = [b"ola.hansen@", b"Ola Hansen", ACTOR.name.encode(), b"ARK-2017/0042"]


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    instance = Rig.create(tmp_path)
    try:
        await instance.start_server()
        yield instance
    finally:
        instance.close()
        print(instance.report())


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere inside a protobuf message (a history event, say)."""
    if isinstance(message, Payload):
        yield message
        return
    for descriptor, value in message.ListFields():
        # Search attributes are indexed by Temporal, so never encrypted: they hold
        # the party's kind, its municipality's number and the SDK's patch ids only
        # (checked below: no clear text).
        if descriptor.message_type is None or descriptor.name == "search_attributes":
            continue
        # A patch marker is the SDK core's own record of `workflow.patched(id)`: it
        # holds the patch id, written past the data converter (so past the codec).
        if getattr(value, "marker_name", None) == "core_patch":
            continue
        if isinstance(value, Message):
            yield from payloads_in(value)
            continue
        # A repeated field, or a map (whose values are what matters).
        items = value.values() if hasattr(value, "values") else value
        for item in items:
            if isinstance(item, Message):
                yield from payloads_in(item)


async def raw_payloads(rig: Rig, number: str) -> tuple[list[Payload], bytes]:
    """The history's payloads and its bytes, as anyone with access to Temporal sees them."""
    raw = await connect(rig.temporal_address, "default")  # no codec
    history = await raw.get_workflow_handle(party_workflow_id(number)).fetch_history()
    found = [p for event in history.events for p in payloads_in(event)]
    blob = b"".join(event.SerializeToString() for event in history.events)
    return found, blob


async def decoded_text(codec: EncryptionCodec, payloads: list[Payload]) -> bytes:
    return b"".join(p.SerializeToString() for p in await codec.decode(payloads))


async def test_the_history_holds_ciphertext_only_and_decodes_across_a_key_rotation(
    rig: Rig,
) -> None:
    assert rig.client is not None
    worker = await rig.start_worker()
    holtalen = Municipality(
        number="8811", name="Testby Holtålen", county="Trøndelag", health_trust="St. Olavs"
    )
    await gateway.start_party(rig.client, holtalen, task_queue=rig.task_queue)
    evidence = {"agreement_version": "2017", "document_ref": "ARK-2017/0042"}
    await gateway.transition(
        rig.client,
        "8811",
        command(Trigger.SIGN_COLLABORATION, comment=FIRST_COMMENT, evidence=evidence),
    )

    payloads, blob = await raw_payloads(rig, "8811")
    assert payloads, "the history has no payloads at all"
    assert all(p.metadata["encoding"] == ENCODING for p in payloads)
    for text in CLEAR_TEXTS:
        assert text not in blob, f"{text!r} is in the raw history"
    first_ring = rig.keys
    assert FIRST_COMMENT.encode() in await decoded_text(EncryptionCodec(first_ring), payloads)

    # Rotate: a new key seals from now on, the old one stays to open old payloads.
    worker.stop()
    rig.keys = KeyRing((new_key("k2"), *first_ring.keys))
    rotated = EncryptionCodec(rig.keys)
    client: Client = await connect(rig.temporal_address, "default", codec=rotated)
    await rig.start_worker()
    view = await gateway.transition(
        client, "8811", command(Trigger.EXERCISE_OPTION, comment=SECOND_COMMENT)
    )
    assert view.last_transition is not None and view.last_transition.comment == SECOND_COMMENT

    payloads, blob = await raw_payloads(rig, "8811")
    assert b"kari.berg@" not in blob and b"ola.hansen@" not in blob
    assert {p.metadata[KEY_ID_METADATA] for p in payloads} == {b"k1", b"k2"}
    text = await decoded_text(rotated, payloads)
    assert FIRST_COMMENT.encode() in text and SECOND_COMMENT.encode() in text
    # The state as the workflow holds it decodes for the new client too.
    state = await gateway.current_state(client, "8811")
    assert state.last_transition is not None and state.last_transition.comment == SECOND_COMMENT

    # Without the retired key, what it sealed cannot be read.
    only_new = EncryptionCodec(KeyRing((rig.keys.active,)))
    with pytest.raises(ValueError, match="'k1', which is not in the key ring"):
        await only_new.decode(payloads)
