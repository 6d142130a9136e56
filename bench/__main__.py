"""`python -m bench`: the engine against the floor of the same server, printed as tables.

    python -m bench                          # everything at modest sizes
    python -m bench --only latency --samples 1000
    python -m bench --only region --region-sizes 1000,10000
    python -m bench --only memory --memory-workflows 10000 --cache-limits 10000,500
    python -m bench --only up --up-concurrency 1,10 --up-samples 600
    python -m bench --only cli --cli-samples 20

Sizes are parameters; the defaults suit a shared laptop. Nothing here is part
of `make test`. Record what you ran, where, in bench/RESULTS.md (the latest
figure of each benchmark) and bench/results/ (every run).
"""

import argparse
import asyncio
import os
import platform
from collections.abc import Sequence
from dataclasses import astuple, fields
from datetime import UTC, datetime
from typing import Any

from bench.cli_start import run_cli_start
from bench.latency import run_latency
from bench.memory import run_memory
from bench.region import run_region
from bench.timeskip import run_history, run_time_skipping_region
from bench.up_http import run_up_http

ALL = ("cli", "up", "latency", "region", "timeskip", "memory", "history")


def ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(ALL), help=f"comma list of {', '.join(ALL)}")
    parser.add_argument("--concurrency", type=ints, default=[1, 10, 50], help="latency levels")
    parser.add_argument("--samples", type=int, default=200, help="transitions per latency level")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="latency: alternating engine and floor blocks per level (spreads machine drift)",
    )
    parser.add_argument(
        "--up-concurrency",
        type=ints,
        default=[1, 10],
        help="up: coordinators at once, per level (at most the region's 67)",
    )
    parser.add_argument(
        "--up-samples", type=int, default=600, help="up: transitions per side and level"
    )
    parser.add_argument(
        "--up-rounds", type=int, default=4, help="up: alternating up and floor turns per level"
    )
    parser.add_argument("--region-sizes", type=ints, default=[200], help="municipalities per run")
    parser.add_argument("--region-concurrency", type=int, default=50)
    parser.add_argument(
        "--region-lead",
        type=float,
        default=None,
        help="seconds from the start to escalation-1 (default: 30 + a quarter second each)",
    )
    parser.add_argument(
        "--region-cache",
        type=int,
        default=None,
        help="region: the worker's sticky cache (default: the region's size, at least 1,000)",
    )
    parser.add_argument(
        "--processes",
        action="store_true",
        help="latency and region: engine and floor workers in processes of their own",
    )
    parser.add_argument("--timeskip-size", type=int, default=20)
    parser.add_argument(
        "--timeskip-batch",
        type=int,
        default=1_000,
        help="municipalities per time-skipping server (a fresh one for each batch)",
    )
    parser.add_argument("--memory-workflows", type=int, default=1000)
    parser.add_argument("--cache-limits", type=ints, default=[], help="default: all, then a tenth")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--continue-as-new-after", type=ints, default=[2000, 500])
    parser.add_argument("--cli-samples", type=int, default=20, help="cli: runs per command")
    return parser.parse_args(argv)


def table(title: str, rows: Sequence[Any]) -> str:
    if not rows:
        return ""
    headers = [f.name for f in fields(rows[0])]
    cells = [[_cell(v) for v in astuple(r)] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    lines = [f"### {title}", ""]
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    return "" if value is None else str(value)


async def main(args: argparse.Namespace) -> None:
    only = set(args.only.split(","))
    print(
        f"# bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}\n"
    )
    if "cli" in only:
        title = (
            "CLI start-up: wall time of a fresh process, against `python -c pass`"
            " (ms; target: first output within 200)"
        )
        print(table(title, run_cli_start(args.cli_samples)), flush=True)
    if "up" in only:
        up = await run_up_http(args.up_concurrency, args.up_samples, rounds=args.up_rounds)
        title = (
            "`onboarding up`: transitions over HTTP against the floor over HTTP, round by round"
            " (per second; ms; x: up's cost over the floor's)"
        )
        print(table(title, up), flush=True)
    if "latency" in only:
        rows = await run_latency(
            args.concurrency, args.samples, processes=args.processes, rounds=args.rounds
        )
        print(table("Transition latency, API call to committed read model (ms)", rows), flush=True)
    if "region" in only:
        region = [
            await run_region(
                n,
                args.region_concurrency,
                args.region_lead,
                processes=args.processes,
                cache=args.region_cache,
            )
            for n in args.region_sizes
        ]
        print(table("A region's life on the dev server", region), flush=True)
    if "timeskip" in only:
        ts = [await run_time_skipping_region(args.timeskip_size, args.timeskip_batch)]
        print(table("A region's life on the time-skipping server, one at a time", ts), flush=True)
    if "memory" in only:
        limits = args.cache_limits or [args.memory_workflows, max(10, args.memory_workflows // 10)]
        memory = [await run_memory(args.memory_workflows, limit) for limit in limits]
        print(table("Worker memory with open workflows", memory), flush=True)
    if "history" in only:
        history = [await run_history(args.years, n) for n in args.continue_as_new_after]
        print(table("History events of one busy municipality", history), flush=True)


if __name__ == "__main__":
    asyncio.run(main(parse()))
