"""The first `onboarding up --demo`: wall time from the command to its banner.

Each run starts `python -m onboarding up --demo` on a fresh data dir and free
ports (bench.rig.running_up, every setting the shipped default) and times it
until it prints "Press Ctrl-C to stop.": the dev server, the region, the demo
region's facts and waves, and the open work of the day (docs/demo-region.md).
The target (issue #21): under 30 s. The machine's load average is printed
beside each run: on a shared machine it moves the figure more than anything.

    .venv/bin/python -m bench.up_demo [--runs 3]
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.rig import running_up

TARGET_S = 30.0


async def first_start(root: Path) -> float:
    """Seconds from starting `up --demo` on a fresh data dir until its banner."""
    started = time.perf_counter()
    async with running_up(root, "--demo"):
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for run in range(1, args.runs + 1):
        before = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="bench-up-demo-") as root:
            seconds = asyncio.run(first_start(Path(root)))
        times.append(seconds)
        print(
            f"run {run}: ready after {seconds:.1f} s "
            f"(load average {before:.1f} before, {os.getloadavg()[0]:.1f} after)",
            flush=True,
        )
    print(
        f"min {min(times):.1f} s, median {statistics.median(times):.1f} s over {len(times)} "
        f"runs (target: under {TARGET_S:.0f} s)"
    )


if __name__ == "__main__":
    main()
