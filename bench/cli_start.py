"""The CLI's start-up: wall time to the end of `onboarding --help` and of the local commands.

Each command runs as a fresh process (`python -m onboarding ...`, as the
installed script does), `--samples` times, alternating with the floor, a bare
`python -c pass` of the same interpreter, so a busy machine slows both alike.
The target (issue #21): first output within 200 ms. Min and median are given;
the min is the figure to compare, the median says how noisy the machine was.

    python -m bench --only cli --cli-samples 20
    python -m bench.cli_start            # the same, alone
"""

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


def _wall_ms(argv: tuple[str, ...]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def run_cli_start(samples: int = 20) -> list[CliStartRow]:
    """Every command of COMMANDS against the floor, `samples` times each, interleaved."""
    rows = []
    for command in COMMANDS:
        argv = (sys.executable, "-m", "onboarding", *command)
        _wall_ms(argv)  # warm the file cache and the bytecode
        times, floor = [], []
        for _ in range(samples):
            times.append(_wall_ms(argv))
            floor.append(_wall_ms(FLOOR))
        rows.append(
            CliStartRow(
                command="onboarding " + " ".join(command),
                min_ms=min(times),
                median_ms=statistics.median(times),
                floor_min_ms=min(floor),
                floor_median_ms=statistics.median(floor),
                over_floor_ms=min(times) - min(floor),
            )
        )
    return rows


if __name__ == "__main__":
    for row in run_cli_start():
        print(row)
