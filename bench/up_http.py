"""The benchmark users feel: `onboarding up` as shipped, transitions over HTTP with a token.

What runs: `python -m onboarding up` in a fresh data dir (bench.rig.running_up)
with every setting at its default: the Temporal dev server it starts, its
worker and API in one process, the shipped region of 67 municipalities. The
benchmark records transitions as coordinators would: `POST
/api/municipalities/{number}/transitions` over TCP with a coordinator's
bearer token and an idempotency key (the CLI and the web forms always send
one), each answered once the transition is committed to the read model.

The floor, and why this one is the fair comparison: a process of its own
(`python -m bench.floor ... --http-port`) connected to up's dev server with
up's payload keys runs the floor's worker (bench/floor.py: an update that
runs one no-op activity) and serves that update as one endpoint that checks a
bearer token, on the uvicorn set-up of up's own API. It has the shape of `up`
(one process serving HTTP and running a worker, on the same dev server,
payloads sealed alike) and is reached the same way (httpx from this process
over TCP, a connection per lane, a token on every request). Both sides pay
the HTTP round trip, the web framework, one Temporal update and one activity;
the ratio is what the engine adds: the token lookup and access rules, the
process's checks, the workflow's state, obligations and idempotency record,
the projection into SQLite and the audit event. The latency benchmark's
floor (bench/latency.py) is the update sent straight from a Temporal client;
set beside `up` it would count HTTP and the framework as the engine's cost.

How: at each concurrency `c`, `c` lanes run at once, each sending one
transition after another (a closed loop: `c` busy coordinators). Lane i owns
the municipalities i, i + c, i + 2c, ... and takes the least advanced of them
each time, so no two lanes touch a municipality at once and the load is
spread over all 67; the floor's lanes do the same over 67 floor workflows.
Every municipality follows one plan of valid transitions (`planned`): along
the main road to preparing (with a re-signature on the way), then round a
loop back to preparing through pause, resume, decline and exercise_option.
The plan is checked against the process definition before anything is sent,
and every municipality's stage in the read model against it at the end.
Engine and floor take turns in `rounds` alternating rounds per level
(bench.drive.alternate); each round is printed, then all of them pooled.
"""

import contextlib
import math
import secrets
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlmodel import Session, select

from bench.drive import Block, alternate, move, percentile, pooled
from bench.floor import FloorWorkflow
from bench.rig import Bench, Up, free_port, running_up, spawn
from onboarding.domain.process.machine import ProcessContext, decide
from onboarding.domain.process.registry import MUNICIPALITY, latest
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.gateway.client import connect
from onboarding.gateway.codec import EncryptionCodec, configured_key_ring
from onboarding.settings import Settings
from onboarding.store.database import make_engine
from onboarding.store.tables.parties import MunicipalityRow

# From prospective to preparing, then a loop that ends in preparing again.
ROAD = (
    Trigger.SIGN_COLLABORATION,
    Trigger.REQUIRE_RESIGNATURE,
    Trigger.SIGN_COLLABORATION,
    Trigger.EXERCISE_OPTION,
    Trigger.START_PREPARATION,
)
LOOP = (
    Trigger.PAUSE,
    Trigger.RESUME,
    Trigger.DECLINE,
    Trigger.EXERCISE_OPTION,
    Trigger.PAUSE,
    Trigger.RESUME,
    Trigger.START_PREPARATION,
)
# Idle connections dropped before uvicorn's keep-alive of 5 s ends: a lane's
# connection idles while the other side has its turn, and one the server closes
# just as it is reused fails the request.
LIMITS = httpx.Limits(keepalive_expiry=2.0)

# One transition (to a municipality or floor workflow, its step from 0): its seconds.
Send = Callable[[str, int], Awaitable[float]]
Lane = Callable[[int], Awaitable[list[float]]]

# What `onboarding up` registers a municipality on: the newest version.
PROCESS = latest(MUNICIPALITY)


def planned(step: int) -> Trigger:
    """A municipality's `step`-th transition (from 0)."""
    return ROAD[step] if step < len(ROAD) else LOOP[(step - len(ROAD)) % len(LOOP)]


def stage_after(steps: int) -> Stage:
    """The stage after the plan's first `steps` transitions; raises if the process refuses one."""
    context = ProcessContext(definition=PROCESS, stage=Stage.PROSPECTIVE)
    for step in range(steps):
        stage = decide(context, planned(step))
        paused_from = context.stage if stage is Stage.PAUSED else None
        context = ProcessContext(definition=PROCESS, stage=stage, paused_from=paused_from)
    return context.stage


def check_plan() -> None:
    """The process takes the plan, and its loop ends where it began."""
    if stage_after(len(ROAD)) is not stage_after(len(ROAD) + 2 * len(LOOP)):
        raise RuntimeError("the plan's loop does not end where it began")


@dataclass
class UpRow:
    """One round of a level (`round` "all": every round pooled); `x`: up's cost over the floor's.

    Throughput's x is the floor's rate over up's, latency's up's over the floor's:
    1.00 is as fast as the floor, 1.25 a quarter slower.
    """

    concurrency: int
    round: str
    first: str
    samples: int
    up_per_s: float
    floor_per_s: float
    rate_x: float
    up_p50: float
    floor_p50: float
    p50_x: float
    up_p95: float
    floor_p95: float
    p95_x: float
    up_p99: float
    floor_p99: float
    p99_x: float
    repeats: int | None = None


def row(concurrency: int, round_: str, first: str, up: Block, floor: Block) -> UpRow:
    """The figures of one round (or all), up beside the floor."""
    u50, u95, u99 = (percentile(up.seconds, p) * 1000 for p in (50, 95, 99))
    f50, f95, f99 = (percentile(floor.seconds, p) * 1000 for p in (50, 95, 99))
    return UpRow(
        concurrency,
        round_,
        first,
        len(up.seconds),
        up.rate,
        floor.rate,
        floor.rate / up.rate,
        *(u50, f50, u50 / f50),
        *(u95, f95, u95 / f95),
        *(u99, f99, u99 / f99),
    )


@dataclass
class Side:
    """What one side sends transitions to (municipalities, floor workflows), and how."""

    keys: Sequence[str]
    send: Send
    # How many transitions each key has taken: the next one's step.
    taken: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.taken = dict.fromkeys(self.keys, 0)

    def lanes(self, lanes: int, steps: int) -> Lane:
        """Lane i of `lanes`: `steps` transitions in turn over keys i, i + lanes, ...

        Each goes to the least advanced of its keys. No two lanes share a key,
        so no key takes two transitions at once.
        """

        async def lane(i: int) -> list[float]:
            mine = self.keys[i::lanes]
            times = []
            for _ in range(steps):
                key = min(mine, key=self.taken.__getitem__)
                step = self.taken[key]
                self.taken[key] = step + 1
                times.append(await self.send(key, step))
            return times

        return lane


async def run_up_http(concurrencies: list[int], samples: int, *, rounds: int = 4) -> list[UpRow]:
    """`up` over HTTP against the floor over HTTP: about `samples` transitions a side per level."""
    check_plan()
    with tempfile.TemporaryDirectory(prefix="onboarding-bench-") as tmp:
        async with contextlib.AsyncExitStack() as stack:
            root = Path(tmp)
            served = await stack.enter_async_context(running_up(root))
            bench = await coordinator_bench(stack, root, served)
            listed = await bench.request("GET", "/api/municipalities")
            numbers = sorted(m["number"] for m in listed.raise_for_status().json())
            floors, floor_step = await floor_over_http(stack, bench, served, len(numbers))

            async def up_step(number: str, step: int) -> float:
                return await move(bench, number, planned(step), step=step)

            up, floor = Side(numbers, up_step), Side(floors, floor_step)

            # Warm up both (connections, caches, the server's first tasks): two each.
            most = max(concurrencies)
            warm = math.ceil(2 * len(numbers) / most)
            sides = {"up": up.lanes(most, warm), "floor": floor.lanes(most, warm)}
            await alternate(sides, lanes=most, rounds=1)

            rows = []
            for concurrency in concurrencies:
                steps = max(1, math.ceil(samples / concurrency / rounds))
                repeats = bench.repeats
                sides = {
                    "up": up.lanes(concurrency, steps),
                    "floor": floor.lanes(concurrency, steps),
                }
                blocks = await alternate(sides, lanes=concurrency, rounds=rounds)
                for round_ in range(rounds):
                    up_turn, floor_turn = (
                        next(b for b in blocks if b.round == round_ and b.side == side)
                        for side in ("up", "floor")
                    )
                    first = "up" if round_ % 2 == 0 else "floor"
                    rows.append(row(concurrency, str(round_ + 1), first, up_turn, floor_turn))
                pooled_row = row(
                    concurrency, "all", "", pooled(blocks, "up"), pooled(blocks, "floor")
                )
                pooled_row.repeats = bench.repeats - repeats
                rows.append(pooled_row)
            check_stages(bench, up.taken)
            return rows


async def coordinator_bench(stack: contextlib.AsyncExitStack, root: Path, up: Up) -> Bench:
    """What the benchmark talks to `up` with, as a coordinator: closed with `stack`.

    Its API over TCP, its dev server with its payload keys, its read model.
    """
    settings = Settings(home=up.home, database_url=None)
    client = await connect(
        up.temporal_address,
        Settings.model_fields["temporal_namespace"].default,
        codec=EncryptionCodec(configured_key_ring(settings)),
    )
    engine = make_engine(settings.resolved_database_url)
    stack.callback(engine.dispose)
    http = await stack.enter_async_context(
        httpx.AsyncClient(base_url=up.url, timeout=120, limits=LIMITS)
    )
    token = await coordinator_token(http, up.admin_token())
    task_queue = Settings.model_fields["task_queue"].default
    bench = Bench(root, client, engine, http, token, task_queue, f"floor-{uuid.uuid4()}")
    http.event_hooks["request"].append(bench.count)
    return bench


async def floor_over_http(
    stack: contextlib.AsyncExitStack, bench: Bench, up: Up, count: int
) -> tuple[list[str], Send]:
    """`count` floor workflows on up's dev server, and a step of one over HTTP.

    The floor's worker and endpoint run in a process of their own (bench.floor),
    stopped with `stack`.
    """
    port, token = free_port(), secrets.token_urlsafe(32)
    argv = ["-m", "bench.floor", up.temporal_address, bench.floor_queue, str(up.home)]
    floor = await spawn(
        [*argv, "--http-port", str(port)],
        {"BENCH_FLOOR_TOKEN": token},
        bench.root / "floor.log",
        b"Floor worker polling",
    )
    stack.callback(floor.stop)
    http = await stack.enter_async_context(
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
            limits=LIMITS,
        )
    )
    floors = [f"floor-{i}" for i in range(count)]
    for workflow_id in floors:
        await bench.client.start_workflow(
            FloorWorkflow.run, id=workflow_id, task_queue=bench.floor_queue
        )

    async def step(workflow_id: str, n: int) -> float:
        began = time.perf_counter()
        response = await http.post(f"/floor/{workflow_id}/steps", json={"n": n})
        elapsed = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"floor {workflow_id}: {response.status_code} {response.text}")
        return elapsed

    return floors, step


async def coordinator_token(http: httpx.AsyncClient, admin: str) -> str:
    """A coordinator's token, made with the admin's: the least role that records transitions."""
    response = await http.post(
        "/api/users",
        json={"name": "bench coordinator", "role": "coordinator"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    if response.status_code != 201:
        raise RuntimeError(
            f"creating a coordinator's token: {response.status_code} {response.text}"
        )
    return str(response.json()["token"])


def check_stages(bench: Bench, taken: dict[str, int]) -> None:
    """Every municipality's stage in the read model is where its plan has taken it."""
    with Session(bench.engine) as session:
        stages = dict(session.exec(select(MunicipalityRow.number, MunicipalityRow.stage)).all())
    planned_stages = {number: stage_after(steps).value for number, steps in taken.items()}
    wrong = {n: (stages.get(n), s) for n, s in planned_stages.items() if stages.get(n) != s}
    if wrong:
        raise RuntimeError(f"stages in the read model (found, planned) not as planned: {wrong}")
