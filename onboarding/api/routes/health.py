"""/api/health: can the API reach the database and Temporal? No token needed.

`/api/health` always answers 200 while the process serves (a liveness probe:
restarting the API would not bring a database back); `/api/health/ready`
answers 503 while either is unreachable, so a load balancer or Kubernetes
sends requests to replicas that can serve them.
"""

import asyncio
import logging

from fastapi import APIRouter, Response
from sqlalchemy import Engine, text
from temporalio.client import Client

from onboarding.api.deps import EngineDep, TemporalDep
from onboarding.api.schemas import Health

# A probe that hangs is as bad as one that fails.
PROBE_TIMEOUT_SECONDS = 3.0

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/health", tags=["health"])


@router.get("")
async def health(engine: EngineDep, client: TemporalDep) -> Health:
    """`ok` when both answer; `degraded` names which one does not."""
    database, temporal = await asyncio.gather(_database_ok(engine), _temporal_ok(client))
    return Health(
        status="ok" if database and temporal else "degraded",
        database="ok" if database else "unavailable",
        temporal="ok" if temporal else "unavailable",
    )


@router.get("/ready", responses={503: {"model": Health, "description": "not ready"}})
async def ready(engine: EngineDep, client: TemporalDep, response: Response) -> Health:
    """As /api/health, but 503 unless both the database and Temporal answer."""
    answer = await health(engine, client)
    if answer.status != "ok":
        response.status_code = 503
    return answer


def _select_one(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def _database_ok(engine: Engine) -> bool:
    try:
        await asyncio.wait_for(asyncio.to_thread(_select_one, engine), PROBE_TIMEOUT_SECONDS)
    except Exception as err:  # any failure means unavailable; say why in the log
        logger.warning("health: database unavailable: %s", err)
        return False
    return True


async def _temporal_ok(client: Client) -> bool:
    try:
        return await asyncio.wait_for(client.service_client.check_health(), PROBE_TIMEOUT_SECONDS)
    except Exception as err:  # any failure means unavailable; say why in the log
        logger.warning("health: temporal unavailable: %s", err)
        return False
