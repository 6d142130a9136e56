"""Reconciliation: check the read model against the workflows, and repair it from them.

The workflows are the truth; the SQL read model is their projection. After an
outage (a database that was down, rows written by hand, a workflow lost with a
dev server's data) the two may disagree. `reconcile` looks at every
municipality the read model or Temporal knows and compares, for each:

- the workflow (running?) with the `municipality` row (present? same stage and
  last seq?);
- the audit log with the workflow's sequence: events 1..seq present exactly
  once, none beyond it;
- the projection activities still retrying (from `describe()`), with their
  last failure.

What the workflow side can repair, it repairs (unless `dry_run`): a missing or
lagging row and missing audit events are rewritten from the `record_transition`
inputs in the workflow's own history (the very records the workflow planned,
through the same idempotent projection), a row showing another stage gets the
workflow's, and a municipality whose workflow is gone and which has no recorded
transition gets a fresh workflow. The rest (a workflow gone with history in
the read model, audit events the workflow does not know) is reported for a
person to decide; nothing recorded is ever deleted.
"""

import asyncio
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from onboarding.domain.parties.models import MunicipalityView, ProjectionInput, RegistrationInput
from onboarding.domain.party import Party
from onboarding.domain.policy import ReminderPolicy
from onboarding.gateway import parties as gateway
from onboarding.store import drift, projection, queries
from onboarding.store.tables.parties import MunicipalityRow
from workflows.names import party_of_workflow_id, party_workflow_id
from workflows.party import PartyWorkflow

# Activities that write the read model or the outbox: retrying ones mean the
# database is (or was) unavailable to the workers.
SQL_ACTIVITIES = frozenset(
    {"register_municipality", "record_transition", "record_obligations", "enqueue_notifications"}
)
# A query needs a worker; without one it would wait for the server's own timeout.
QUERY_TIMEOUT_SECONDS = 10.0
QUERY_TRIES = 2
# Runs walked back through continue-as-new looking for a missing audit event.
MAX_RUNS_SEARCHED = 50


class DriftKind(StrEnum):
    """What disagrees between a workflow and the read model."""

    WORKFLOW_MISSING = "workflow_missing"
    WORKFLOW_UNRESPONSIVE = "workflow_unresponsive"
    ROW_MISSING = "row_missing"
    ROW_BEHIND = "row_behind"
    ROW_AHEAD = "row_ahead"
    STAGE_MISMATCH = "stage_mismatch"
    AUDIT_MISSING = "audit_missing"
    AUDIT_DUPLICATE = "audit_duplicate"
    AUDIT_EXTRA = "audit_extra"
    PROJECTION_RETRYING = "projection_retrying"


class Finding(BaseModel):
    """One disagreement, and what was done about it."""

    number: str
    kind: DriftKind
    detail: str
    repaired: bool = False
    action: str | None = Field(None, description="what reconciliation did, or why it did not")


class ReconcileReport(BaseModel):
    """What `reconcile` checked and found."""

    dry_run: bool
    checked: int = Field(description="municipalities compared")
    workflows_listed: bool = Field(
        description="whether Temporal could list running workflows (finding workflows without rows)"
    )
    findings: list[Finding] = Field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Nothing found at all."""
        return not self.findings

    @property
    def unresolved(self) -> list[Finding]:
        """Findings left as they were (all of them on a dry run)."""
        return [f for f in self.findings if not f.repaired]


class ReconcileOptions(BaseModel):
    """How to start a workflow that is missing: as `onboarding seed` would."""

    task_queue: str
    continue_as_new_after_events: int = 2_000
    policy: ReminderPolicy = Field(default_factory=ReminderPolicy)
    dry_run: bool = False
    concurrency: int = Field(10, ge=1)


async def reconcile(
    client: Client,
    engine: Engine,
    options: ReconcileOptions,
    *,
    numbers: Iterable[str] = (),
) -> ReconcileReport:
    """Compare every municipality of the read model (and of Temporal) with its workflow.

    `numbers` adds municipalities to look at beyond the rows and the listing
    (useful where the server cannot list, as the time-skipping test server).
    """
    rows = drift.rows(engine)
    audit = drift.audit_seqs(engine)
    listed = await _running_numbers(client)
    candidates = sorted(set(rows) | set(listed or ()) | set(numbers))
    gate = asyncio.Semaphore(options.concurrency)

    async def one(number: str) -> list[Finding]:
        async with gate:
            checker = _Checker(client, engine, options, number, rows.get(number))
            return await checker.check(audit.get(number, []))

    found = await asyncio.gather(*(one(n) for n in candidates))
    return ReconcileReport(
        dry_run=options.dry_run,
        checked=len(candidates),
        workflows_listed=listed is not None,
        findings=[f for batch in found for f in batch],
    )


async def _running_numbers(client: Client) -> set[str] | None:
    """Ids of the running party workflows, or None if the server cannot list."""
    query = (
        "WorkflowType IN ('MunicipalityWorkflow', 'PartyWorkflow') AND ExecutionStatus = 'Running'"
    )
    try:
        return {
            party
            async for execution in client.list_workflows(query)
            if (party := party_of_workflow_id(execution.id)) is not None
        }
    except RPCError as err:
        if err.status in (RPCStatusCode.UNIMPLEMENTED, RPCStatusCode.INVALID_ARGUMENT):
            return None
        raise gateway.EngineUnavailable(f"cannot list workflows: {err.message}") from err


class _Checker:
    """The comparison and repairs of one municipality."""

    def __init__(
        self,
        client: Client,
        engine: Engine,
        options: ReconcileOptions,
        number: str,
        row: MunicipalityRow | None,
    ) -> None:
        self.client = client
        self.engine = engine
        self.options = options
        self.number = number
        self.row = row
        self.findings: list[Finding] = []
        self.handle: WorkflowHandle[PartyWorkflow, None] = client.get_workflow_handle_for(
            PartyWorkflow.run, party_workflow_id(number)
        )

    def found(self, kind: DriftKind, detail: str) -> Finding:
        finding = Finding(number=self.number, kind=kind, detail=detail)
        self.findings.append(finding)
        return finding

    def repaired(self, finding: Finding, action: str) -> None:
        if self.options.dry_run:
            finding.action = f"would {action} (dry run)"
        else:
            finding.repaired, finding.action = True, action

    async def check(self, audit: list[int]) -> list[Finding]:
        try:
            described = await self.handle.describe()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise gateway.EngineUnavailable(
                    f"cannot describe {self.handle.id}: {err.message}"
                ) from err
            described = None
        if described is None or described.status != WorkflowExecutionStatus.RUNNING:
            status = (
                "never started"
                if described is None or described.status is None
                else described.status.name.lower()
            )
            await self._workflow_missing(status, audit)
            return self.findings
        self._retrying(described.raw_description.pending_activities)
        try:
            view = await self._state()
        except (TimeoutError, RPCError, WorkflowQueryFailedError) as err:
            finding = self.found(
                DriftKind.WORKFLOW_UNRESPONSIVE,
                f"its workflow did not answer the state query ({str(err) or 'timed out'}, "
                f"asked {QUERY_TRIES} times): is a worker running?",
            )
            finding.action = "nothing compared"
            return self.findings
        await self._compare(view, audit, described.run_id)
        return self.findings

    async def _state(self) -> MunicipalityView:
        """The workflow's state query, asked again once after a time-out.

        A worker that has just started (or evicted the workflow from its cache)
        answers only after replaying the history, and many of them at once may
        take longer than one time-out: the first query pays for that replay,
        the second finds the workflow cached (an hour of the endurance run
        under faults, tools/endurance, called three workflows unresponsive
        after a single try). So is a query the SDK's deadlock detector cut short:
        the detector evicted the workflow, and the next asking replays it.
        """
        for _ in range(QUERY_TRIES - 1):
            try:
                return await self._ask_state()
            except TimeoutError:
                pass
            except WorkflowQueryFailedError as err:
                if not gateway.cut_short_by_deadlock_detector(err):
                    raise
        return await self._ask_state()

    async def _ask_state(self) -> MunicipalityView:
        return await asyncio.wait_for(self.handle.query(PartyWorkflow.state), QUERY_TIMEOUT_SECONDS)

    async def _workflow_missing(self, status: str, audit: list[int]) -> None:
        row = self.row
        if row is None:
            return  # a number asked about that nobody knows: nothing to compare
        finding = self.found(
            DriftKind.WORKFLOW_MISSING,
            f"the row is in {row.stage} at seq {row.last_seq}, the workflow is {status}",
        )
        if row.last_seq > 0 or audit:
            # A new workflow begins at prospective: starting one would contradict
            # the audit log. A person restores it (or decides it is gone for good).
            finding.action = (
                f"not restarted: {len(audit)} recorded transition(s) a new workflow would not know"
            )
            return
        if not self.options.dry_run:
            await gateway.start_party(
                self.client,
                queries.party_of_row(row),
                task_queue=self.options.task_queue,
                continue_as_new_after_events=self.options.continue_as_new_after_events,
                policy=self.options.policy,
            )
        self.repaired(finding, "start its workflow")

    def _retrying(self, pending: Iterable[PendingActivityInfo]) -> None:
        for activity in pending:
            name, attempt = activity.activity_type.name, activity.attempt
            if name not in SQL_ACTIVITIES or attempt < 2:
                continue
            failure = activity.last_failure.message
            finding = self.found(
                DriftKind.PROJECTION_RETRYING,
                f"{name} is at attempt {attempt}: {failure or 'no failure recorded'}",
            )
            finding.action = "left to Temporal: it retries until the database answers"

    async def _compare(self, view: MunicipalityView, audit: list[int], run_id: str | None) -> None:
        seq = view.last_transition.seq if view.last_transition else 0
        row = self.row
        missing = sorted(set(range(1, seq + 1)) - set(audit))
        duplicated = sorted({s for s in audit if audit.count(s) > 1})
        extra = sorted({s for s in audit if s > seq})
        wanted = set(missing)
        if row is None:
            finding = self.found(
                DriftKind.ROW_MISSING, f"the workflow is in {view.stage} at seq {seq}"
            )
            if not self.options.dry_run:
                projection.register_municipality(
                    self.engine,
                    RegistrationInput(
                        municipality=_party(view),
                        workflow_id=self.handle.id,
                        run_id=run_id or "",
                    ),
                )
            self.repaired(finding, "write the row from the workflow")
            if seq:
                wanted.add(seq)
        elif row.last_seq < seq:
            finding = self.found(
                DriftKind.ROW_BEHIND,
                f"the row is at seq {row.last_seq} ({row.stage}), "
                f"the workflow at seq {seq} ({view.stage})",
            )
            wanted.add(seq)
        elif row.last_seq > seq:
            finding = self.found(
                DriftKind.ROW_AHEAD,
                f"the row is at seq {row.last_seq} ({row.stage}), "
                f"the workflow only at seq {seq} ({view.stage})",
            )
            finding.action = "left as it is: the workflow does not know these transitions"
        elif row.stage != view.stage.value or row.paused_from != _value(view.paused_from):
            finding = self.found(
                DriftKind.STAGE_MISMATCH,
                f"the row says {row.stage}, the workflow {view.stage} (both at seq {seq})",
            )
            if not self.options.dry_run:
                drift.set_current_stage(
                    self.engine,
                    number=self.number,
                    stage=view.stage,
                    paused_from=view.paused_from,
                    seq=seq,
                )
            self.repaired(finding, f"set the row's stage to {view.stage}")
        if missing:
            self.found(
                DriftKind.AUDIT_MISSING,
                f"audit event(s) {_ranges(missing)} of 1..{seq} are missing",
            )
        for s in duplicated:
            self.found(DriftKind.AUDIT_DUPLICATE, f"audit event {s} is there {audit.count(s)}x")
        if extra:
            finding = self.found(
                DriftKind.AUDIT_EXTRA,
                f"audit event(s) {_ranges(extra)} are beyond the workflow's seq {seq}",
            )
            finding.action = "left as it is: the audit log is append-only"
        if wanted:
            await self._replay_projections(wanted, run_id)

    async def _replay_projections(self, wanted: set[int], run_id: str | None) -> None:
        """Write the wanted seqs' records from the workflow's history, oldest first."""
        found = await self._recorded(wanted, run_id)
        fixable = [
            f
            for f in self.findings
            if f.kind in (DriftKind.ROW_BEHIND, DriftKind.AUDIT_MISSING, DriftKind.ROW_MISSING)
        ]
        lost = sorted(wanted - set(found))
        if not self.options.dry_run:
            for seq in sorted(found):
                await asyncio.to_thread(projection.record_transition, self.engine, found[seq])
        for finding in fixable:
            if finding.kind is DriftKind.ROW_MISSING:
                continue  # reported with its own action
            if lost:
                finding.action = f"seq {_ranges(lost)} not found in the workflow's history"
            else:
                self.repaired(finding, f"write seq {_ranges(sorted(found))} from its history")

    async def _recorded(self, wanted: set[int], run_id: str | None) -> dict[int, ProjectionInput]:
        """The record_transition inputs for `wanted`, walking back through continue-as-new."""
        found: dict[int, ProjectionInput] = {}
        converter = self.client.data_converter
        run = run_id
        for _ in range(MAX_RUNS_SEARCHED):
            handle = self.client.get_workflow_handle(self.handle.id, run_id=run)
            previous = ""
            async for event in handle.fetch_history_events():
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
                    attributes = event.workflow_execution_started_event_attributes
                    previous = attributes.continued_execution_run_id
                elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                    scheduled = event.activity_task_scheduled_event_attributes
                    if scheduled.activity_type.name != "record_transition":
                        continue
                    [record] = await converter.decode(scheduled.input.payloads, [ProjectionInput])
                    assert isinstance(record, ProjectionInput)
                    if record.record.seq in wanted:
                        found[record.record.seq] = record
            if wanted <= set(found) or not previous:
                break
            run = previous
        return found


def _party(view: MunicipalityView) -> Party:
    return Party(
        number=view.number,
        name=view.name,
        county=view.county,
        health_trust=view.health_trust,
        kind=view.kind,
        org_number=view.org_number,
        municipality_number=view.municipality_number,
        specialty=view.specialty,
        staff_count=view.staff_count,
    )


def _value(stage: object) -> str | None:
    return getattr(stage, "value", None)


def _ranges(seqs: list[int]) -> str:
    """[1, 2, 3, 5] -> '1-3, 5'."""
    spans: list[list[int]] = []
    for seq in seqs:
        if spans and seq == spans[-1][1] + 1:
            spans[-1][1] = seq
        else:
            spans.append([seq, seq])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
