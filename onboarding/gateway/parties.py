"""The gateway from the API (and seeding) to the party workflows (every kind).

It turns Temporal's failures back into the domain's errors, so callers deal
with TransitionRefused and RequestRejected, never with RPC details.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from onboarding.domain.calendar import oslo_date
from onboarding.domain.errors import (
    NotEligible,
    ObligationNotOpen,
    OnboardingError,
    RequestRejected,
    TransitionRefused,
    UnknownMunicipality,
    WaveRefused,
)
from onboarding.domain.municipality import Municipality
from onboarding.domain.obligations.models import DeadlineCommand, ObligationView
from onboarding.domain.parties.correction_records import CorrectionCommand
from onboarding.domain.parties.models import (
    CorrectionResult,
    MunicipalityState,
    MunicipalityView,
    MunicipalityWorkflowInput,
    TransitionCommand,
)
from onboarding.domain.parties.obligations import follow_obligations
from onboarding.domain.parties.process import fit_policy, process_key
from onboarding.domain.party import KIND_LABELS, Party, PartyKind
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import latest
from workflows.failures import lost_to_continue_as_new
from workflows.municipality import MunicipalityWorkflow
from workflows.names import KIND_ATTRIBUTE, NUMBER_ATTRIBUTE, party_workflow_id
from workflows.party import PartyWorkflow

_Outcome = TypeVar("_Outcome")


class EngineUnavailable(OnboardingError):
    """Temporal could not be reached, or could not take the request (HTTP 503)."""

    code = "engine_unavailable"


def engine_unreachable(err: RPCError) -> bool:
    """Whether an RPC failed for want of the engine rather than for what it asked.

    Besides UNAVAILABLE and DEADLINE_EXCEEDED, a dev server or frontend that
    goes away mid-call surfaces as a "transport error" with another status
    (seen when the endurance run restarts the dev server): that too is the
    engine being away, worth a retry (503), not a fault of the request (500).
    """
    return err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED) or (
        "transport error" in err.message
    )


class UpdateOutcomeUnknown(EngineUnavailable):
    """The request reached the engine but its answer was lost: it may have been applied.

    Same code as EngineUnavailable (a client retries both alike); `outcome:
    unknown` tells a client that says so to its user (the CLI names its key).
    """

    def __init__(self) -> None:
        super().__init__(UPDATE_OUTCOME_UNKNOWN)

    def to_detail(self) -> dict[str, Any]:
        return {**super().to_detail(), "outcome": "unknown"}


async def start_party(
    client: Client,
    party: Party,
    *,
    task_queue: str,
    continue_as_new_after_events: int = 2_000,
    policy: ReminderPolicy | None = None,
    readiness_guard: bool = True,
    process: ProcessDefinition | None = None,
) -> WorkflowHandle[PartyWorkflow, None]:
    """Start the party's workflow, or return the running one (idempotent).

    A new workflow runs `process` (default: the newest process of the party's
    kind) with the policy fitted to it; a running one keeps the version it runs.
    `readiness_guard=False` starts it without the go-live guard of production
    waves (wave, checklist): only the engine's own tests of the bare process do.
    """
    definition = process or latest(process_key(party.kind))
    if definition.key != process_key(party.kind):
        raise RequestRejected(
            "process", f"a {party.kind.value} walks the {process_key(party.kind)} process"
        )
    # Municipalities keep the type name their workflows always had (workflows/municipality.py).
    workflow_type = (
        MunicipalityWorkflow if party.kind is PartyKind.MUNICIPALITY else PartyWorkflow
    ).__name__
    home = party.home_municipality
    return await client.start_workflow(
        workflow_type,
        starting_input(
            party,
            definition,
            policy=policy,
            readiness_guard=readiness_guard,
            continue_as_new_after_events=continue_as_new_after_events,
        ),
        id=party_workflow_id(party.number),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # Shown by the Temporal UI (sealed like every payload; its codec opens them).
        static_summary=f"{party.name} ({party.number})",
        static_details=f"{KIND_LABELS[party.kind]['nb']}: {party.name}, {party.county}; "
        f"{party.health_trust}",
        # Not the stage: it changes with every transition, and keeping it in
        # Temporal's visibility cost a write there each time (workflows/party.py).
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(KIND_ATTRIBUTE, party.kind.value),
                *([SearchAttributePair(NUMBER_ATTRIBUTE, home)] if home else []),
            ]
        ),
    )


def starting_input(
    party: Party,
    definition: ProcessDefinition,
    *,
    policy: ReminderPolicy | None = None,
    readiness_guard: bool = True,
    continue_as_new_after_events: int = 2_000,
) -> MunicipalityWorkflowInput:
    """What a new workflow of `party` on `definition` starts with: its fresh state and policy.

    A reform's dry-run applies itself to this state, as the apply then does
    to the workflow started with it.
    """
    state = MunicipalityState(
        municipality=party,
        readiness_guard=readiness_guard,
        process_version=definition.version,
    )
    fitted = fit_policy(definition, _policy_for(party.kind, policy))
    # An obligation of the first stage (a hospital's board decision) is open from
    # the start: no transition enters that stage to open it.
    now = datetime.now(UTC)
    follow_obligations(state, fitted, None, oslo_date(now), now=now)
    return MunicipalityWorkflowInput(
        state=state,
        continue_as_new_after_events=continue_as_new_after_events,
        policy=fitted,
    )


def _policy_for(kind: PartyKind, policy: ReminderPolicy | None) -> ReminderPolicy:
    """The worker's policy for a party of `kind`.

    A policy file's own obligations and checklist name the municipality
    process's triggers and items; another kind takes its definition's, with the
    file's reminder offsets, ladder and send time.
    """
    if policy is None:
        return ReminderPolicy()
    if kind is PartyKind.MUNICIPALITY:
        return policy
    return ReminderPolicy.model_validate(policy.model_dump(exclude={"obligations", "checklist"}))


async def load_region(
    client: Client,
    municipalities: Sequence[Municipality],
    *,
    task_queue: str,
    continue_as_new_after_events: int = 2_000,
    policy: ReminderPolicy | None = None,
    concurrency: int = 10,
    process: ProcessDefinition | None = None,
) -> int:
    """Start a workflow for every municipality (existing ones are kept). Returns the count.

    New ones run `process` (default: the newest municipality process).
    """
    await start_parties(
        client,
        municipalities,
        task_queue=task_queue,
        continue_as_new_after_events=continue_as_new_after_events,
        policy=policy,
        concurrency=concurrency,
        process=process,
    )
    return len(municipalities)


async def start_parties(
    client: Client,
    parties: Sequence[Party],
    *,
    task_queue: str,
    continue_as_new_after_events: int = 2_000,
    policy: ReminderPolicy | None = None,
    concurrency: int = 10,
    process: ProcessDefinition | None = None,
) -> None:
    """Start the parties' workflows, `concurrency` at a time (running ones are kept)."""
    gate = asyncio.Semaphore(concurrency)

    async def start(party: Party) -> None:
        async with gate:
            await start_party(
                client,
                party,
                task_queue=task_queue,
                continue_as_new_after_events=continue_as_new_after_events,
                policy=policy,
                process=process,
            )

    await asyncio.gather(*(start(p) for p in parties))


async def transition(client: Client, number: str, command: TransitionCommand) -> MunicipalityView:
    """Run the transition update; raise the domain error it was refused with."""
    handle = client.get_workflow_handle_for(PartyWorkflow.run, party_workflow_id(number))
    # Temporal answers a repeated update id with the first outcome without asking
    # the workflow, so the trigger is part of the id: reusing a key for another
    # trigger then reaches the workflow, which refuses it.
    update_id = (
        f"{command.idempotency_key}:{command.trigger.value}" if command.idempotency_key else None
    )
    with engine_errors(number):
        return await surviving_continue_as_new(
            lambda: handle.execute_update(PartyWorkflow.transition, command, id=update_id),
            repeatable=update_id is not None,
        )


async def correct(client: Client, number: str, command: CorrectionCommand) -> CorrectionResult:
    """Run the correct update; raise the domain error it was refused with."""
    handle = client.get_workflow_handle_for(PartyWorkflow.run, party_workflow_id(number))
    update_id = f"correct:{command.idempotency_key}" if command.idempotency_key else None
    with engine_errors(number):
        return await surviving_continue_as_new(
            lambda: handle.execute_update(PartyWorkflow.correct, command, id=update_id),
            repeatable=update_id is not None,
        )


async def current_state(client: Client, number: str) -> MunicipalityView:
    """The workflow's own view of a municipality (the query)."""
    handle = client.get_workflow_handle_for(PartyWorkflow.run, party_workflow_id(number))
    return await queried(lambda: handle.query(PartyWorkflow.state), number)


async def set_deadline(client: Client, number: str, command: DeadlineCommand) -> ObligationView:
    """Set or move an obligation's deadline; raise the domain error it was refused with."""
    handle = client.get_workflow_handle_for(PartyWorkflow.run, party_workflow_id(number))
    update_id = (
        f"deadline:{command.obligation_id}:{command.idempotency_key}"
        if command.idempotency_key
        else None
    )
    with engine_errors(number):
        return await surviving_continue_as_new(
            lambda: handle.execute_update(PartyWorkflow.set_deadline, command, id=update_id),
            repeatable=update_id is not None,
        )


async def obligations(client: Client, number: str) -> list[ObligationView]:
    """A municipality's obligations with their pending reminders and escalations."""
    handle = client.get_workflow_handle_for(PartyWorkflow.run, party_workflow_id(number))
    return await queried(lambda: handle.query(PartyWorkflow.obligations), number)


async def surviving_continue_as_new(
    call: Callable[[], Awaitable[_Outcome]], *, repeatable: bool
) -> _Outcome:
    """Run an update; once more if its run lost it to continue-as-new and a repeat is safe.

    `repeatable` when the update carries an idempotency key: the new run
    answers the repeat from its idempotency record. Without one, a repeat could
    apply it twice, so the caller learns that the outcome is unknown.
    """
    try:
        return await call()
    except WorkflowUpdateFailedError as err:
        if not lost_to_continue_as_new(err.cause):
            raise
        if not repeatable:
            raise UpdateOutcomeUnknown() from err
    return await call()


@contextmanager
def engine_errors(subject: str, *, missing: OnboardingError | None = None) -> Iterator[None]:
    """Turn what a call to a workflow can raise into the domain's errors.

    `subject` is the municipality number (or wave id) the call is about;
    `missing` is raised when its workflow does not exist (default: unknown
    municipality).
    """
    try:
        yield
    except WorkflowUpdateFailedError as err:
        raise domain_error(err.cause) from err
    except WorkflowUpdateRPCTimeoutOrCancelledError as err:
        # The update was sent but its outcome did not come back in time (a worker
        # died holding it, the server is slow): it may still be applied, so the
        # client repeats it with the same idempotency key to learn which.
        raise UpdateOutcomeUnknown() from err
    except WorkflowQueryFailedError as err:
        if not cut_short_by_deadlock_detector(err):
            raise  # the query handler itself failed: a bug, left a 500
        # The SDK gives an activation 2 seconds of the worker's CPU; a worker
        # saturated by thousands of cached workflows, or by a busy machine, can miss
        # that (seen at 10,000). A read changes nothing, so the client asks again.
        raise EngineUnavailable(
            f"the workflow of {subject} did not answer in time (its worker is busy); try again"
        ) from err
    except RPCError as err:
        raise rpc_error(err, subject, missing=missing) from err


def cut_short_by_deadlock_detector(err: WorkflowQueryFailedError) -> bool:
    """Whether the SDK's deadlock detector (TMPRL1101), not the handler, failed a query."""
    return "deadlock" in str(err).lower()


async def queried(
    ask: Callable[[], Awaitable[_Outcome]],
    subject: str,
    *,
    missing: OnboardingError | None = None,
) -> _Outcome:
    """A query's answer, asked once more if the deadlock detector cut the first short.

    The detector evicts the workflow it stopped, so the second asking replays it
    on a fresh activation; a read changes nothing, so asking twice is safe. If
    that too is cut short, the client learns it as engine_errors says (a 503 to
    repeat). `subject` and `missing` are engine_errors'.
    """
    with engine_errors(subject, missing=missing):
        try:
            return await ask()
        except WorkflowQueryFailedError as err:
            if not cut_short_by_deadlock_detector(err):
                raise
        return await ask()


UPDATE_OUTCOME_UNKNOWN = (
    "the workflow engine did not answer in time; the request may still be applied: "
    "repeat it to learn its outcome (with the same idempotency key, where it takes one)"
)


def domain_error(cause: BaseException | None) -> OnboardingError:
    if isinstance(cause, ApplicationError) and cause.details:
        detail = cause.details[0]
        if isinstance(detail, dict):
            if cause.type == TransitionRefused.code:
                return TransitionRefused(
                    trigger=detail["trigger"],
                    stage=detail["stage"],
                    allowed_triggers=list(detail["allowed_triggers"]),
                    missing_conditions=list(detail.get("missing_conditions") or []),
                )
            if cause.type == RequestRejected.code:
                return RequestRejected(detail["field"], detail["message"])
            if cause.type == NotEligible.code:
                return NotEligible(detail["number"], detail["stage"], detail["eligible_stages"])
            if cause.type == WaveRefused.code:
                return WaveRefused(detail["wave_id"], detail["status"], detail["message"])
            if cause.type == UnknownMunicipality.code and "number" in detail:
                return UnknownMunicipality(detail["number"])
            if cause.type == ObligationNotOpen.code:
                return ObligationNotOpen(
                    detail["obligation_id"], detail["stage"], list(detail["open_obligations"])
                )
    return OnboardingError(f"transition failed: {cause}")


def rpc_error(
    err: RPCError, number: str, *, missing: OnboardingError | None = None
) -> OnboardingError:
    """The domain error of a Temporal RPC failure: not found is `missing`, or the municipality."""
    if err.status == RPCStatusCode.NOT_FOUND:
        return missing or UnknownMunicipality(number)
    if engine_unreachable(err):
        return EngineUnavailable(f"the workflow engine is unavailable: {err.message}")
    if err.status == RPCStatusCode.FAILED_PRECONDITION and "Workflow Task in failed state" in (
        err.message
    ):
        # The workflow's tasks keep failing (typically workers running code its
        # history was not made with): it takes no update until an operator acts.
        return EngineUnavailable(
            f"the workflow of {number} is stuck: its workflow task keeps failing, so nothing "
            "was changed; an operator must look (deploy/README.md, runbook)"
        )
    return OnboardingError(f"workflow engine error: {err.message}")
