"""The load's HTTP client: every request through the APIs in turn, repeated until it goes through.

A request lost with a dying process (API killed, dev server or PostgreSQL
restarting) is repeated, on the next API, with the same body: transitions
and deadlines carry idempotency keys, so a repeat is answered with the first
answer and never applied twice; the wave driver's creates and decisions
answer 409 when the lost try went through (`settled`). A 4xx on a first try
means the load itself is wrong and stops the run.
"""

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

# One try may wait for a killed worker's task to time out (the sticky queue's 10 s),
# or for the API's own answer that the engine is unavailable.
REQUEST_TIMEOUT = 60.0
RETRY_PAUSE = 0.5
# A request that has not gone through after this long stops the run.
GIVE_UP_AFTER = 900.0


class LoadRefused(RuntimeError):
    """The API refused a request of the load: a bug in the load or the engine."""


@dataclass
class Api:
    """The APIs' base URLs and the tokens; what was sent and how it went."""

    urls: list[str]
    tokens: dict[str, str]  # "admin", "coordinator" -> secret
    concurrency: int = 8  # requests in flight at once, over all APIs
    clients: list[httpx.AsyncClient] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)  # status (or error) -> count
    repeats: int = 0
    writes: int = 0  # writes that went through
    _turn: "itertools.count[int]" = field(default_factory=itertools.count)
    _gate: asyncio.Semaphore = field(init=False, repr=False)

    async def __aenter__(self) -> "Api":
        limits = httpx.Limits(keepalive_expiry=2.0)
        self.clients = [
            httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT, limits=limits)
            for url in self.urls
        ]
        self._gate = asyncio.Semaphore(self.concurrency)
        return self

    async def __aexit__(self, *_: object) -> None:
        for client in self.clients:
            await client.aclose()

    async def once(self, method: str, path: str, body: Any = None, *, role: str) -> Any:
        """One try on the next API: (status or error name, JSON body or text)."""
        client = self.clients[next(self._turn) % len(self.clients)]
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        try:
            async with self._gate:
                response = await client.request(method, path, json=body, headers=headers)
        except (httpx.HTTPError, OSError) as err:
            self.answers[type(err).__name__] += 1
            return type(err).__name__, None
        self.answers[str(response.status_code)] += 1
        try:
            payload = response.json()
        except ValueError:
            payload = response.text
        return response.status_code, payload

    async def send(
        self, method: str, path: str, body: Any = None, *, role: str = "coordinator"
    ) -> Any:
        """The request until it goes through (200, 201, 202); its answer.

        None when a repeated write of the wave driver's answers 409: its lost try
        went through.
        """
        began = time.monotonic()
        repeated = False
        while True:
            status, payload = await self.once(method, path, body, role=role)
            if status in (200, 201, 202):
                self.writes += method != "GET"
                return payload
            keyed = isinstance(body, dict) and "idempotency_key" in body
            if status == 409 and repeated and not keyed:
                self.writes += 1
                return None
            if isinstance(status, int) and 400 <= status < 500:
                raise LoadRefused(f"{method} {path} {body}: {status} {payload}")
            # 503 (engine or database unavailable), 500, a timeout, a refused connection.
            if time.monotonic() - began > GIVE_UP_AFTER:
                raise LoadRefused(f"{method} {path}: no answer in {GIVE_UP_AFTER:.0f} s")
            repeated = True
            self.repeats += 1
            await asyncio.sleep(RETRY_PAUSE)

    async def wave_send(self, method: str, path: str, body: Any) -> Any:
        """The wave driver's way of sending (onboarding.demo.wave_driver.Send)."""
        return await self.send(method, path, body)
