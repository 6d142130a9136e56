"""Names and connections shared by everything that talks to Temporal.

Safe to import from workflows (passed through the sandbox): it only defines
constants and functions; connecting happens when `connect` is called.
"""

from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter

STAGE_ATTRIBUTE = SearchAttributeKey.for_keyword("OnboardingStage")
NUMBER_ATTRIBUTE = SearchAttributeKey.for_keyword("MunicipalityNumber")
SEARCH_ATTRIBUTES = (STAGE_ATTRIBUTE, NUMBER_ATTRIBUTE)


def municipality_workflow_id(number: str) -> str:
    """The workflow id of a municipality: `municipality-<number>`."""
    return f"municipality-{number}"


async def connect(address: str, namespace: str) -> Client:
    """A client that speaks pydantic, as every client of this project must."""
    return await Client.connect(
        address, namespace=namespace, data_converter=pydantic_data_converter
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
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
