"""Payloads for the codec tests: plain and as the Temporal UI's codec endpoint sends them."""

import base64

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

SECRET_TEXT = "Kari Nordmann, kari@trondheim.kommune.no"


def plain(text: str) -> Payload:
    (payload,) = pydantic_data_converter.payload_converter.to_payloads([text])
    return payload


UI = "http://127.0.0.1:8233"


def as_json(payload: Payload) -> dict[str, object]:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }
