"""/api/bulk/transitions: one transition for many municipalities, a result each.

Each municipality's transition is its own workflow update, so some may succeed
while others are refused; the answer lists every one. A given idempotency key
becomes `<key>:<number>` per municipality, so repeating the whole request
repeats nothing. `for_each_municipality` is that fan-out, for every bulk route
(/api/bulk/deadlines too).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypedDict, TypeVar

from fastapi import APIRouter, Request
from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.api.deps import CoordinatorActor, EngineDep, TemporalDep, refuse_backdating
from onboarding.api.errors import error_responses
from onboarding.api.schemas import (
    BulkFailed,
    BulkItem,
    BulkSelection,
    BulkSucceeded,
    BulkTransitionRequest,
    BulkTransitionResult,
)
from onboarding.domain.actor import Actor
from onboarding.domain.errors import OnboardingError, RequestRejected, UnknownMunicipality
from onboarding.domain.parties.models import TransitionCommand
from onboarding.domain.vocabulary import Stage
from onboarding.gateway import parties as gateway
from onboarding.store import queries

# Enough to finish a region in seconds without flooding the frontend.
BULK_CONCURRENCY = 10

logger = logging.getLogger(__name__)

# What a bulk request's `one` answers for a municipality that succeeded.
ItemT = TypeVar("ItemT")

router = APIRouter(prefix="/bulk", tags=["bulk"], responses=error_responses(401, 403, 422))


@router.post("/transitions")
async def bulk_transition(
    request: BulkTransitionRequest,
    engine: EngineDep,
    client: TemporalDep,
    actor: CoordinatorActor,
    http: Request,
) -> BulkTransitionResult:
    """Run the transition for each selected municipality and report each outcome."""
    refuse_backdating(http, request.recorded_at is not None)
    outcomes = await for_each_municipality(
        engine, request, lambda number: _transition_one(client, number, request, actor)
    )
    return BulkTransitionResult(trigger=request.trigger, **outcomes)


class Outcomes(TypedDict, Generic[ItemT]):
    """What a bulk request did: a result per municipality, in the order selected."""

    requested: int
    succeeded: int
    failed: int
    results: list[ItemT | BulkFailed]


async def for_each_municipality(
    engine: Engine, request: BulkSelection, one: Callable[[str], Awaitable[ItemT | BulkFailed]]
) -> Outcomes[ItemT]:
    """`one` for every selected municipality, BULK_CONCURRENCY at a time.

    A number the read model does not know, or a domain error `one` raises,
    fails that municipality alone (BulkFailed), as a single request would.
    """
    numbers, known = await asyncio.to_thread(select_numbers, engine, request)
    gate = asyncio.Semaphore(BULK_CONCURRENCY)

    async def guarded(number: str) -> ItemT | BulkFailed:
        if number not in known:
            return BulkFailed(number=number, error=UnknownMunicipality(number).to_detail())
        async with gate:
            try:
                return await one(number)
            except OnboardingError as err:
                return BulkFailed(number=number, error=err.to_detail())

    results = list(await asyncio.gather(*(guarded(number) for number in numbers)))
    failed = sum(1 for result in results if isinstance(result, BulkFailed))
    return Outcomes(
        requested=len(results),
        succeeded=len(results) - failed,
        failed=failed,
        results=results,
    )


def key_of(idempotency_key: str | None, number: str) -> str | None:
    """The idempotency key of one municipality's part of a bulk request: `<key>:<number>`."""
    return f"{idempotency_key}:{number}" if idempotency_key else None


def select_numbers(engine: Engine, request: BulkSelection) -> tuple[list[str], set[str]]:
    """The party ids asked for, in order, and those of them the read model knows."""
    if request.numbers is not None:
        rows = queries.list_parties(engine, numbers=request.numbers)
        return list(request.numbers), {row.number for row in rows}
    stage: Stage | None = request.stage
    rows = queries.list_parties(engine, kind=request.kind, stage=stage)
    numbers = [row.number for row in rows]
    if not numbers:
        raise RequestRejected("stage", f"no {request.kind.value} is in stage {stage}")
    return numbers, set(numbers)


async def _transition_one(
    client: Client, number: str, request: BulkTransitionRequest, actor: Actor
) -> BulkItem:
    command = TransitionCommand(
        trigger=request.trigger,
        effective_on=request.effective_on,
        evidence=request.evidence,
        comment=request.comment,
        idempotency_key=key_of(request.idempotency_key, number),
        actor=actor,
        recorded_at=request.recorded_at,
    )
    try:
        view = await gateway.transition(client, number, command)
    except OnboardingError:
        raise  # the municipality's own failure (for_each_municipality)
    except Exception as err:
        # Others may already have moved: an answer that lists them beats a bare 500.
        logger.exception("bulk %s failed for %s", request.trigger.value, number)
        return BulkFailed(
            number=number,
            error={"error": "internal_error", "message": f"unexpected {type(err).__name__}"},
        )
    return BulkSucceeded(number=number, stage=view.stage)
