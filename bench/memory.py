"""Worker memory with many open municipality workflows, cached and with the cache bounded.

The worker is `python -m onboarding worker` in a process of its own (as in
production), so its resident memory is its own. Each workflow takes one
transition, which leaves it in the worker's sticky cache unless the cache
(ONBOARDING_WORKER_MAX_CACHED_WORKFLOWS) is smaller; a bounded cache evicts,
and the next task of an evicted workflow is replayed from its history.
"""

import asyncio
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.drive import gather_limited
from bench.rig import Spawned, registered, spawn_worker, start_dev_server, synthetic
from onboarding.domain.actor import Actor
from onboarding.domain.parties.models import TransitionCommand
from onboarding.domain.vocabulary import Trigger
from onboarding.gateway import parties as gateway
from onboarding.gateway.codec import EncryptionCodec, configured_key_ring
from onboarding.settings import Settings
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema

ACTOR = Actor(id="bench", name="Benchmark", role="coordinator")
SIGN = TransitionCommand(
    trigger=Trigger.SIGN_COLLABORATION,
    evidence={"agreement_version": "2022", "document_ref": "ARK-1"},
    actor=ACTOR,
)


@dataclass
class MemoryRow:
    workflows: int
    cache_limit: int
    rss_idle_mb: float
    rss_loaded_mb: float
    kb_per_workflow: float
    second_pass_seconds: float


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


async def run_memory(workflows: int, cache_limit: int) -> MemoryRow:
    """Open `workflows` municipalities on a worker whose cache holds `cache_limit`."""
    with tempfile.TemporaryDirectory(prefix="onboarding-bench-") as tmp:
        root = Path(tmp)
        server = start_dev_server(root)
        url = f"sqlite:///{root / 'onboarding.db'}"
        engine = make_engine(url)
        create_schema(engine)
        worker: Spawned | None = None
        try:
            # The worker seals payloads with the keys of its home; so does this client.
            keys = configured_key_ring(Settings(home=root / "home"))
            client = await server.wait_ready(codec=EncryptionCodec(keys))
            queue = f"bench-{uuid.uuid4()}"
            worker = await spawn_worker(
                root, server, database_url=url, task_queue=queue, cache_limit=cache_limit
            )
            pid = worker.process.pid
            idle = rss_mb(pid)
            municipalities = synthetic(workflows)
            await gateway.load_region(client, municipalities, task_queue=queue, concurrency=50)
            while registered(engine) < workflows:
                await asyncio.sleep(0.5)
            numbers = [m.number for m in municipalities]
            await gather_limited(
                [lambda n=n: gateway.transition(client, n, SIGN) for n in numbers],  # type: ignore[misc]
                50,
            )
            await asyncio.sleep(2)
            loaded = rss_mb(pid)
            # A second task for every workflow: from the cache, or replayed if evicted.
            began = time.perf_counter()
            await gather_limited(
                [lambda n=n: gateway.current_state(client, n) for n in numbers],  # type: ignore[misc]
                50,
            )
            second = time.perf_counter() - began
        finally:
            if worker is not None:
                worker.stop()
            engine.dispose()
            server.stop()
    return MemoryRow(
        workflows,
        cache_limit,
        idle,
        loaded,
        (loaded - idle) * 1024 / workflows,
        second,
    )
