"""`python -m tools.endurance --minutes 60`: the run, then its tally; exit 1 if an invariant broke.

    .venv/bin/python -m tools.endurance --minutes 3      # a smoke run (about 6 minutes)
    .venv/bin/python -m tools.endurance --minutes 60     # the hour

See the package's docstring for what runs, and docs/benchmarks.md.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from onboarding.gateway.client import connect
from onboarding.gateway.codec import EncryptionCodec
from onboarding.store.database import make_engine
from tools.endurance import tally
from tools.endurance.chaos import Chaos
from tools.endurance.client import Api
from tools.endurance.load import Load, check_plan, region_policy, set_contacts
from tools.endurance.rig import Deployment, remove

BEGAN = time.monotonic()


def say(line: str) -> None:
    print(f"[{time.monotonic() - BEGAN:7.1f} s] {line}", file=sys.stderr, flush=True)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.endurance", description=__doc__)
    parser.add_argument("--minutes", type=float, default=60.0, help="load under faults (60)")
    parser.add_argument("--workers", type=int, default=2, help="`onboarding worker` processes")
    parser.add_argument("--apis", type=int, default=2, help="`onboarding api` processes")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (8)")
    parser.add_argument(
        "--fault-every",
        type=float,
        default=None,
        help="mean seconds between faults (45; a sixth of a run under 15 minutes)",
    )
    parser.add_argument(
        "--arm-every",
        type=float,
        default=None,
        help="seconds between reminder rounds (120; a quarter of a run under 8 minutes)",
    )
    parser.add_argument("--per-round", type=int, default=3, help="municipalities armed a round")
    parser.add_argument("--wave-size", type=int, default=5, help="municipalities per wave (5)")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds of quiet at the end")
    parser.add_argument("--seed", type=int, default=None, help="the random choices' seed")
    parser.add_argument("--root", type=Path, default=None, help="the run's files (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the run's files afterwards")
    parser.add_argument("--json", type=Path, default=None, help="also write the tally here")
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    args.fault_every = args.fault_every or (45.0 if seconds >= 900 else max(10.0, seconds / 6))
    args.arm_every = args.arm_every or (120.0 if seconds >= 480 else max(30.0, seconds / 4))
    args.seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    return args


async def endure(args: argparse.Namespace, root: Path) -> tally.Tally:
    check_plan()
    rng = random.Random(args.seed)
    started_at = datetime.now(UTC)
    deployment = Deployment(root, args.workers, args.apis, region_policy(started_at))
    try:
        say(f"starting PostgreSQL, the dev server, {args.workers} workers, {args.apis} APIs")
        await deployment.start()
        assert deployment.postgres is not None and deployment.dev is not None
        tokens = {"admin": deployment.admin_token}
        engine = make_engine(deployment.postgres.url)
        async with Api(deployment.api_urls, tokens, concurrency=args.concurrency) as api:
            user = {"name": "endurance coordinator", "role": "coordinator"}
            tokens["coordinator"] = (await api.send("POST", "/api/users", user, role="admin"))[
                "token"
            ]
            loaded = (await api.send("POST", "/api/region/load", None, role="admin"))["loaded"]
            while len(listed := await api.send("GET", "/api/municipalities")) < loaded:
                await asyncio.sleep(0.5)
            numbers = sorted(row["number"] for row in listed)
            await set_contacts(api, numbers)
            say(
                f"region of {len(numbers)} loaded through the API; load and faults for "
                f"{args.minutes:g} min (seed {args.seed})"
            )
            load = Load(
                api,
                engine,
                numbers,
                args.minutes,
                rng,
                wave_size=args.wave_size,
                arm_every=args.arm_every,
                per_round=args.per_round,
                concurrency=args.concurrency,
                log=say,
            )
            chaos = Chaos(deployment, args.fault_every, rng, log=say)
            began = time.monotonic()
            # A fault that cannot be repaired stops the run at once, as a refused request does.
            await asyncio.gather(load.run(), chaos.run(began + args.minutes * 60))
            loaded_for = time.monotonic() - began
            say(f"load ended after {loaded_for:.0f} s; {args.settle:g} s to settle")
            await asyncio.sleep(args.settle)
            await chaos.revive()

        say("onboarding reconcile --dry-run, then onboarding reconcile")
        found = _findings(await asyncio.to_thread(deployment.reconcile, "--dry-run"))
        repaired = _findings(await asyncio.to_thread(deployment.reconcile))
        unrepaired = [f for f in repaired if not f.get("repaired")]

        result = tally.Tally()
        figures = result.figures
        figures["started (UTC)"] = started_at.strftime("%Y-%m-%d %H:%M")
        figures["minutes of load"] = round(loaded_for / 60, 1)
        figures["seed"] = args.seed
        figures["processes"] = f"{args.workers} workers, {args.apis} APIs, dev server, PostgreSQL"
        for kind in ("worker killed", "API killed", "dev server restarted", "PostgreSQL restarted"):
            repairs = chaos.repair_seconds.get(kind, [])
            longest = f", longest back in {max(repairs):.1f} s" if repairs else ""
            figures[kind] = f"{chaos.counts[kind]}{longest}"
        for kind, count in chaos.counts.items():
            if kind.endswith("by itself"):
                figures[kind] = count
        figures["transitions per second"] = round(load.transitions / loaded_for, 2)
        figures["API writes per second"] = round(api.writes / loaded_for, 2)
        figures["requests repeated"] = api.repeats
        # A fault should be a 503 to repeat, never a 500: counted, not an invariant.
        figures["answered 500 (should be 503), repeated"] = api.answers["500"]
        figures["answers"] = dict(sorted(api.answers.items()))
        tally.transitions(result, engine, load)
        tally.deadlines(result, engine, load)
        tally.waves(result, engine, load)
        tally.reminders(result, engine, load, deployment.relay.received())
        client = await connect(
            deployment.dev.options.address, "default", codec=EncryptionCodec(deployment.keys)
        )
        await tally.workflows(result, client)
        figures["reconcile: drift found"] = len(found)
        if found:
            figures["reconcile: what"] = sorted(
                f"{f.get('kind')} {f.get('number', '')}".strip() for f in found
            )[:10]
        figures["reconcile: repaired"] = sum(1 for f in repaired if f.get("repaired"))
        result.check("reconcile: left unrepaired", len(unrepaired), detail=unrepaired[:3])
        engine.dispose()
        return result
    finally:
        deployment.close()


def _findings(output: str) -> list[dict[str, object]]:
    try:
        report = json.loads(output)
    except ValueError:
        return [{"kind": "reconcile did not answer (see reconcile*.out)"}]
    findings: list[dict[str, object]] = report.get("findings", [])
    return findings


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    root = args.root or Path(tempfile.mkdtemp(prefix="onboarding-endurance-"))
    os.chmod(root, 0o755)  # PostgreSQL runs as `postgres` under it when we are root
    root = root / "run"
    loop = asyncio.new_event_loop()
    task = loop.create_task(endure(args, root))
    for stop in (signal.SIGINT, signal.SIGTERM):  # stopped cleanly: nothing left running
        loop.add_signal_handler(stop, task.cancel)
    try:
        result = loop.run_until_complete(task)
    except BaseException:
        say(f"the run stopped; its files and logs are in {root}")
        raise
    finally:
        with contextlib.suppress(Exception):
            loop.close()
    print(result.render())
    if args.json is not None:
        args.json.write_text(json.dumps(result.figures | {"broken": result.broken}, default=str))
    if args.keep or result.broken:
        say(f"the run's files and logs: {root}")
    else:
        remove(root.parent if args.root is None else root)
    return 1 if result.broken else 0


if __name__ == "__main__":
    sys.exit(main())
