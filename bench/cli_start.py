"""The CLI's start-up: wall time to the end of `onboarding --help` and of the local commands.

Each command runs as a fresh process (`python -m onboarding ...`, as the
installed script does), `--samples` times, alternating with the floor, a bare
`python -c pass` of the same interpreter, so a busy machine slows both alike.
The target (issue #21): first output within 200 ms. Min and median are given;
the min is the figure to compare, the median says how noisy the machine was.
`cpu_min_ms` is the least CPU time (user + system) a run of the command took:
other processes on a shared machine stretch the wall time, hardly the CPU time.

    python -m bench --only cli --cli-samples 20
    python -m bench.cli_start            # the same, alone
"""

import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("list", "--help"),
    ("diagram",),
    ("keys", "new", "--id", "bench"),
)
FLOOR: tuple[str, ...] = (sys.executable, "-c", "pass")


@dataclass(frozen=True)
class CliStartRow:
    """One command's wall times (ms) beside the floor's in the same run."""

    command: str
    min_ms: float
    median_ms: float
    floor_min_ms: float
    floor_median_ms: float
    over_floor_ms: float
    cpu_min_ms: float


def _wall_ms(argv: tuple[str, ...]) -> float:
    return _run(argv)[0]


def _warm(argv: tuple[str, ...]) -> None:
    """Run once to warm the file cache and write the bytecode, which an installed CLI has.

    With PYTHONDONTWRITEBYTECODE set (as in some sandboxes) and no __pycache__ in
    the checkout, every measured run would compile the project from source
    (~20 ms of `diagram`), which no installed `onboarding` does.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def _run(argv: tuple[str, ...]) -> tuple[float, float]:
    """The wall time and the CPU time (user + system) of one run, in ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def run_cli_start(samples: int = 20) -> list[CliStartRow]:
    """Every command of COMMANDS against the floor, `samples` times each, interleaved."""
    rows = []
    for command in COMMANDS:
        argv = (sys.executable, "-m", "onboarding", *command)
        _warm(argv)
        times, cpu, floor = [], [], []
        for _ in range(samples):
            wall, used = _run(argv)
            times.append(wall)
            cpu.append(used)
            floor.append(_wall_ms(FLOOR))
        rows.append(
            CliStartRow(
                command="onboarding " + " ".join(command),
                min_ms=min(times),
                median_ms=statistics.median(times),
                floor_min_ms=min(floor),
                floor_median_ms=statistics.median(floor),
                over_floor_ms=min(times) - min(floor),
                cpu_min_ms=min(cpu),
            )
        )
    return rows


if __name__ == "__main__":
    for row in run_cli_start():
        print(row)
