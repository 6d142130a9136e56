"""First-start work of an embedded instance, each step safe to repeat.

The schema is migrated to the newest revision, the admin token only on the first start, and
the region's workflows are started once (and if that is ever repeated, running
workflows are kept: `load_region` uses the existing ones).
"""

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import Engine, func
from sqlmodel import Session, select
from temporalio.client import Client

from onboarding.domain.parties.region import shipped_region
from onboarding.domain.process.model import ProcessDefinition
from onboarding.embedded.datadir import DataDir
from onboarding.embedded.errors import EmbeddedError
from onboarding.gateway.parties import load_region
from onboarding.settings import Settings
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema, require_current_schema
from onboarding.store.tables.parties import MunicipalityRow


def prepare_database(settings: Settings) -> Engine:
    """An engine for the read model, migrated to the newest revision (the embedded default)."""
    if settings.database_url is None:
        # The default SQLite file lives in the data dir, which may be new.
        settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url, checkpoint_in_background=True)
    create_schema(engine)
    return engine


def open_database(settings: Settings) -> Engine:
    """An engine for the read model, which must already be migrated (production).

    Raises SchemaNotCurrent naming `onboarding db upgrade` otherwise: several
    replicas racing to migrate at start-up is exactly what the migration job
    is there to prevent.
    """
    engine = make_engine(settings.resolved_database_url, checkpoint_in_background=True)
    try:
        require_current_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def registered_count(engine: Engine) -> int:
    """How many municipalities the read model holds."""
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(MunicipalityRow)).one()


async def load_region_once(
    client: Client,
    engine: Engine,
    *,
    data: DataDir,
    settings: Settings,
    say: Callable[[str], None],
    timeout: float = 60.0,
    process: ProcessDefinition | None = None,
) -> int:
    """Start the shipped region's workflows on the first start; return how many were started.

    They run `process` (default: the newest municipality process).

    Waits until the worker has registered every municipality in the read model,
    so the API lists all of them as soon as it answers. The marker is written
    last: a start interrupted half-way loads again next time, harmlessly.
    """
    if data.region_loaded():
        return 0
    region = shipped_region()
    say(f"Loading the region: {len(region)} municipalities ...")
    await load_region(
        client,
        region,
        task_queue=settings.task_queue,
        continue_as_new_after_events=settings.continue_as_new_after_events,
        policy=settings.reminder_policy(),
        process=process,
    )
    deadline = time.monotonic() + timeout
    while await asyncio.to_thread(registered_count, engine) < len(region):
        if time.monotonic() > deadline:
            raise EmbeddedError(
                f"the worker did not register the region's {len(region)} municipalities "
                f"in {timeout:.0f} s"
            )
        await asyncio.sleep(0.2)
    data.mark_region_loaded(len(region))
    return len(region)
