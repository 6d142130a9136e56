"""The raw engine history behind a municipality: its workflow, its runs, and their events.

The domain log (audit_event and friends) is what outlives Temporal's retention;
this links it to the engine while Temporal still keeps the runs: the workflow
id, every run id noted in `workflow_run` (continue-as-new makes new ones), the
web UI pages, and a summary of each run's event history fetched from Temporal.
"""

from collections import Counter
from datetime import UTC, datetime
from urllib.parse import quote

from pydantic import BaseModel, Field
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from onboarding.gateway.parties import EngineUnavailable, engine_unreachable


class EngineRun(BaseModel):
    """One run of the workflow, as the read model noted it."""

    run_id: str
    first_seen_at: datetime
    ui_url: str


class EngineLinks(BaseModel):
    """Where a municipality's workflow lives in the engine."""

    workflow_id: str
    namespace: str
    ui_url: str = Field(description="the workflow's page in the Temporal web UI")
    runs: list[EngineRun] = Field(description="every run noted, oldest first")


class EventTypeCount(BaseModel):
    """How many events of one type a run has, and when the first and last happened."""

    event_type: str
    count: int
    first_at: datetime
    last_at: datetime


class RunHistory(BaseModel):
    """The summary of one run's event history."""

    run_id: str
    status: str
    events: int
    first_event_at: datetime | None
    last_event_at: datetime | None
    ui_url: str
    event_types: list[EventTypeCount]


class EngineHistory(BaseModel):
    """The workflow's event history in Temporal, run by run."""

    workflow_id: str
    runs: list[RunHistory]
    runs_not_in_engine: list[str] = Field(
        description="runs the read model noted that Temporal no longer keeps (retention)"
    )


def workflow_url(ui_base: str, namespace: str, workflow_id: str, run_id: str | None = None) -> str:
    """The web UI page of a workflow, or of one run's history."""
    base = f"{ui_base.rstrip('/')}/namespaces/{quote(namespace)}/workflows/{quote(workflow_id)}"
    return f"{base}/{quote(run_id)}/history" if run_id else base


async def run_history(
    client: Client, workflow_id: str, run_id: str, *, ui_base: str
) -> RunHistory | None:
    """Summarise one run's history; None if Temporal no longer has it."""
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    try:
        described = await handle.describe()
        counts: Counter[str] = Counter()
        first: dict[str, datetime] = {}
        last: dict[str, datetime] = {}
        async for event in handle.fetch_history_events():
            name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
            # Aware UTC: an instant without its offset is no instant to a client.
            at = event.event_time.ToDatetime(tzinfo=UTC)
            counts[name] += 1
            first.setdefault(name, at)
            last[name] = at
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        if engine_unreachable(err):
            raise EngineUnavailable(f"the workflow engine is unavailable: {err.message}") from err
        raise
    types = [
        EventTypeCount(event_type=name, count=count, first_at=first[name], last_at=last[name])
        for name, count in sorted(counts.items(), key=lambda item: first[item[0]])
    ]
    return RunHistory(
        run_id=run_id,
        status=described.status.name if described.status else "UNKNOWN",
        events=sum(counts.values()),
        first_event_at=min(first.values(), default=None),
        last_event_at=max(last.values(), default=None),
        ui_url=workflow_url(ui_base, client.namespace, workflow_id, run_id),
        event_types=types,
    )


async def engine_history(
    client: Client, workflow_id: str, noted_runs: list[str], *, ui_base: str
) -> EngineHistory:
    """Every run's summary: the runs noted in SQL and the current one, oldest first."""
    try:
        current = (await client.get_workflow_handle(workflow_id).describe()).run_id
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        current = None
    run_ids = list(dict.fromkeys([*noted_runs, *([current] if current else [])]))
    runs: list[RunHistory] = []
    gone: list[str] = []
    for run_id in run_ids:
        summary = await run_history(client, workflow_id, run_id, ui_base=ui_base)
        if summary is None:
            gone.append(run_id)
        else:
            runs.append(summary)
    return EngineHistory(workflow_id=workflow_id, runs=runs, runs_not_in_engine=gone)
