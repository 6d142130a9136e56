"""The Temporal client as this project makes it: pydantic payloads, its search attributes."""

import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from workflows.names import SEARCH_ATTRIBUTES


def data_converter(codec: PayloadCodec | None = None) -> DataConverter:
    """Pydantic payloads, sealed by `codec` when given (see onboarding/gateway/codec.py)."""
    if codec is None:
        return pydantic_data_converter
    return dataclasses.replace(pydantic_data_converter, payload_codec=codec)


async def connect(
    address: str,
    namespace: str,
    *,
    codec: PayloadCodec | None = None,
    tls: TLSConfig | bool = False,
    api_key: str | None = None,
    runtime: Runtime | None = None,
) -> Client:
    """A client that speaks pydantic, as every client of this project must.

    `codec` seals payloads (onboarding/gateway/codec.py); `tls` and `api_key` reach a
    secured cluster or Temporal Cloud; `runtime` carries the SDK's metrics
    set-up (onboarding.observability.runtime).
    """
    return await Client.connect(
        address,
        namespace=namespace,
        data_converter=data_converter(codec),
        tls=tls,
        api_key=api_key,
        runtime=runtime,
    )


async def register_search_attributes(client: Client) -> None:
    """Register the project's search attributes; a no-op when they exist."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import (
        AddSearchAttributesRequest,
        ListSearchAttributesRequest,
    )
    from temporalio.service import RPCError, RPCStatusCode

    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace)
        )
        existing = set(listed.custom_attributes)
    except RPCError as err:
        # The time-skipping test server cannot list, only add.
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = set()
    missing = {
        key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
        for key in SEARCH_ATTRIBUTES
        if key.name not in existing
    }
    if missing:
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
            )
        except RPCError as err:
            # Another process (up and its worker, two workers) added them first.
            if err.status != RPCStatusCode.ALREADY_EXISTS:
                raise
