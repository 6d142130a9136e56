"""What breaks during the run: a worker or an API SIGKILLed, the dev server or PostgreSQL restarted.

One fault at a time, at random intervals (uniform between half and one and a
half times `every`), the four kinds dealt in a shuffled turn so each comes
round equally often. Each fault is repaired as an operator's supervisor would
(the process started again, the server back on the same files and port)
before the next interval starts; the seconds from the fault to the repair are
kept.
"""

import asyncio
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from tools.endurance.rig import Deployment

KINDS = ("worker killed", "API killed", "dev server restarted", "PostgreSQL restarted")


@dataclass
class Chaos:
    """The faults of one run, and how long each took to repair."""

    deployment: Deployment
    every: float
    rng: random.Random
    log: Callable[[str], None] = print
    counts: Counter[str] = field(default_factory=Counter)
    repair_seconds: dict[str, list[float]] = field(default_factory=dict)

    async def run(self, until: float) -> None:
        """Faults until the monotonic time `until`."""
        turn: list[str] = []
        while True:
            pause = self.every * self.rng.uniform(0.5, 1.5)
            if time.monotonic() + pause > until:
                return
            await asyncio.sleep(pause)
            if not turn:
                turn = list(KINDS)
                self.rng.shuffle(turn)
            kind = turn.pop()
            began = time.monotonic()
            await self.fault(kind)
            took = time.monotonic() - began
            self.counts[kind] += 1
            self.repair_seconds.setdefault(kind, []).append(took)
            self.log(f"chaos: {kind}, back after {took:.1f} s")

    async def fault(self, kind: str) -> None:
        deployment = self.deployment
        if kind == "worker killed":
            worker = self.rng.choice(deployment.worker_services)
            worker.kill()
            await asyncio.sleep(self.rng.uniform(1.0, 5.0))
            await worker.restart()
        elif kind == "API killed":
            api = self.rng.choice(deployment.api_services)
            api.kill()
            await asyncio.sleep(self.rng.uniform(0.5, 3.0))
            await api.restart()
        elif kind == "dev server restarted":
            how = self.rng.choice((signal.SIGKILL, signal.SIGTERM))
            deployment.kill_dev_server(how)
            await asyncio.sleep(self.rng.uniform(0.5, 3.0))
            await deployment.start_dev_server()
        elif kind == "PostgreSQL restarted":
            assert deployment.postgres is not None
            await asyncio.to_thread(deployment.postgres.restart_immediate)
        else:
            raise ValueError(kind)
        await self.revive()

    async def revive(self) -> None:
        """A service that died of the fault (not of ours) is started again, and counted."""
        for service in [*self.deployment.worker_services, *self.deployment.api_services]:
            if not service.alive():
                self.counts[f"{service.name.split('-')[0]} exited by itself"] += 1
                self.log(f"chaos: {service.name} had exited:\n{service.output()[-1500:]}")
                await service.restart()
