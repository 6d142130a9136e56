"""Names and connections shared by everything that talks to Temporal.

Safe to import from workflows (passed through the sandbox): it only defines
constants and functions; connecting happens when `connect` is called.
"""

import dataclasses

from temporalio import workflow
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec
from temporalio.exceptions import ApplicationError
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

STAGE_ATTRIBUTE = SearchAttributeKey.for_keyword("OnboardingStage")
NUMBER_ATTRIBUTE = SearchAttributeKey.for_keyword("MunicipalityNumber")
SEARCH_ATTRIBUTES = (STAGE_ATTRIBUTE, NUMBER_ATTRIBUTE)


def municipality_workflow_id(number: str) -> str:
    """The workflow id of a municipality: `municipality-<number>`."""
    return f"municipality-{number}"


def data_converter(codec: PayloadCodec | None = None) -> DataConverter:
    """Pydantic payloads, sealed by `codec` when given (see onboarding/codec.py)."""
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

    `codec` seals payloads (onboarding/codec.py); `tls` and `api_key` reach a
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
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )


def wave_workflow_id(wave_id: str) -> str:
    """The workflow id of a production wave: `wave-<id>`."""
    return f"wave-{wave_id}"


def history_is_long(limit: int) -> bool:
    """Inside a workflow: time to continue as new (the server suggests it, or `limit` events)."""
    info = workflow.info()
    return info.is_continue_as_new_suggested() or info.get_current_history_length() >= limit


def passed_on(cause: ApplicationError) -> ApplicationError:
    """Another workflow's refusal, raised again as ours: same type, message and details."""
    return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)


# The server's failure for an update accepted by a run that then continued as
# new without reporting the update complete. The workflows wait for their
# handlers before continuing as new, but the server can still drop a completion
# sent in the same workflow task as the continue-as-new (temporalio/temporal#6375).
# The update's effect is in the state the new run carries; a repeat there,
# answered by the workflow's own idempotency record, returns its outcome.
LOST_TO_CONTINUE_AS_NEW = "AcceptedUpdateCompletedWorkflow"


def lost_to_continue_as_new(cause: BaseException | None) -> bool:
    """Whether an update failed only because its run continued as new (see above)."""
    return isinstance(cause, ApplicationError) and cause.type == LOST_TO_CONTINUE_AS_NEW
