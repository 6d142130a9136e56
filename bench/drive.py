"""Moving municipalities through the API, as a coordinator would, timing each call."""

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from bench.rig import Bench
from onboarding.demo.wave_driver import all_on, go_live_in_past_wave, wave_of_the_day
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.vocabulary import Trigger

T = TypeVar("T")

EVIDENCE: dict[Trigger, dict[str, str]] = {
    Trigger.SIGN_COLLABORATION: {"agreement_version": "2022", "document_ref": "ARK-2022/0042"},
    Trigger.REQUIRE_RESIGNATURE: {"agreement_version": "2024"},
    Trigger.EXERCISE_OPTION: {"case_ref": "2021/1234"},
    Trigger.DECLINE: {"case_ref": "2021/1250", "reason": "benchmark"},
    Trigger.START_PREPARATION: {},
    Trigger.SIGN_SERVICE_AGREEMENT: {"document_ref": "ARK-2022/0930"},
    Trigger.APPROVE_GO_LIVE: {},
    Trigger.GO_LIVE: {},
    Trigger.PAUSE: {"reason": "benchmark"},
    Trigger.RESUME: {},
}


async def move(
    bench: Bench, number: str, trigger: Trigger, *, keyed: bool = False, step: int | None = None
) -> float:
    """One transition through the API; the seconds until it was committed to the read model.

    The API answers only once the workflow's projection activity has written the
    audit event and the row, so the answer's arrival is the commit. `keyed`:
    with an idempotency key (for a trigger each municipality takes once), so a
    503 can be repeated safely; `step`: keyed by the municipality's step, for a
    trigger it takes more than once.
    """
    body: dict[str, object] = {"trigger": trigger.value, "evidence": EVIDENCE[trigger]}
    if keyed or step is not None:
        suffix = "" if step is None else f":{step}"
        body["idempotency_key"] = f"bench:{number}:{trigger.value}{suffix}"
    began = time.perf_counter()
    response = await bench.post(f"/api/municipalities/{number}/transitions", body)
    elapsed = time.perf_counter() - began
    if response.status_code != 200:
        raise RuntimeError(f"{number} {trigger.value}: {response.status_code} {response.text}")
    return elapsed


async def set_deadline(bench: Bench, number: str, obligation: Trigger, deadline: date) -> None:
    response = await bench.put(
        f"/api/municipalities/{number}/obligations/{obligation.value}",
        {
            "deadline": deadline.isoformat(),
            "reason": "benchmark",
            "idempotency_key": f"bench:{number}:{obligation.value}:{deadline}",
        },
    )
    if response.status_code != 200:
        raise RuntimeError(f"{number} deadline: {response.status_code} {response.text}")


async def go_live(bench: Bench, wave_id: str, members: Sequence[str]) -> list[float]:
    """service_agreement_signed -> live for `members`, through one production wave.

    A wave recorded after the fact with today's date
    (onboarding.demo.wave_driver): created, the members added, their checklists
    done, approve_go_live for each, and the wave's approve decision that takes
    them live. Returns the seconds of each request.
    """
    seconds: list[float] = []

    async def send(method: str, path: str, body: Any) -> Any:
        began = time.perf_counter()
        response = await bench.request(method, path, body)
        seconds.append(time.perf_counter() - began)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    today = today_in_oslo()
    wave = wave_of_the_day(wave_id, today, evidence={"source": "benchmark"})
    view = await go_live_in_past_wave(send, wave, members, all_on(today))
    if view["status"] != "live":
        raise RuntimeError(f"wave {wave.id} did not go live: {view}")
    return seconds


@dataclass(frozen=True)
class Block:
    """One side's turn in a round (`round` None: all its turns pooled).

    Each transition's seconds, and the turn's wall time.
    """

    side: str
    round: int | None
    seconds: list[float]
    wall: float

    @property
    def rate(self) -> float:
        """Transitions per second of wall time."""
        return len(self.seconds) / self.wall


async def alternate(
    sides: Mapping[str, Callable[[int], Awaitable[list[float]]]], *, lanes: int, rounds: int
) -> list[Block]:
    """`rounds` rounds of one turn per side, in the given order, then reversed, and so on.

    A side is a lane: given the lane's index, it runs its transitions one
    after another and returns each one's seconds; a turn runs `lanes` of them
    at once. On a shared machine the load drifts over minutes (a p50 moved by
    a quarter to a half between runs of the same code), and alternating
    spreads that drift over both sides of a ratio.
    """
    names = list(sides)
    blocks = []
    for round_ in range(rounds):
        for side in names if round_ % 2 == 0 else names[::-1]:
            began = time.perf_counter()
            times = await asyncio.gather(*(sides[side](i) for i in range(lanes)))
            wall = time.perf_counter() - began
            blocks.append(Block(side, round_, [t for lane in times for t in lane], wall))
    return blocks


def pooled(blocks: Sequence[Block], side: str) -> Block:
    """All of a side's turns as one."""
    mine = [b for b in blocks if b.side == side]
    return Block(side, None, [t for b in mine for t in b.seconds], sum(b.wall for b in mine))


async def gather_limited(jobs: Sequence[Callable[[], Awaitable[T]]], concurrency: int) -> list[T]:
    """Run `jobs` with at most `concurrency` at a time; their results in order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await job()

    return await asyncio.gather(*(one(j) for j in jobs))


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), nearest rank."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(samples: Sequence[float]) -> tuple[float, float, float]:
    """p50, p99 and mean, in milliseconds."""
    return (
        percentile(samples, 50) * 1000,
        percentile(samples, 99) * 1000,
        statistics.fmean(samples) * 1000 if samples else float("nan"),
    )
