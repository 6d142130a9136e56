"""A service's garbage collector after start-up (onboarding/embedded/heap.py).

Run in a child interpreter: freezing and thresholds are the process's own,
and the test process must keep Python's defaults.
"""

import json
import subprocess
import sys

import pytest

from onboarding.embedded.heap import YOUNGEST

PROBE = """
import gc, json
from onboarding.embedded import heap
before = (gc.get_threshold(), gc.get_freeze_count())
made_at_startup = [object() for _ in range(1000)]
heap.{settle}()
print(json.dumps({{"before": before, "after": (gc.get_threshold(), gc.get_freeze_count())}}))
"""


def settled(settle: str) -> tuple[tuple[int, int, int], tuple[int, int, int], int]:
    """Python's thresholds, and the thresholds and frozen count after `settle`."""
    probe = subprocess.run(
        [sys.executable, "-c", PROBE.format(settle=settle)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    seen = json.loads(probe.stdout)
    thresholds_before, frozen_before = seen["before"]
    thresholds_after, frozen_after = seen["after"]
    assert thresholds_before[0] == 700 and frozen_before == 0
    return tuple(thresholds_before), tuple(thresholds_after), frozen_after


@pytest.mark.parametrize("settle", ["settle_api_after_startup", "settle_worker_after_startup"])
def test_what_start_up_made_is_frozen(settle: str) -> None:
    _, _, frozen = settled(settle)
    # What start-up made (the modules, the list of the probe) is out of the collector's sight.
    assert frozen > 1000


def test_the_api_collects_its_youngest_less_often() -> None:
    (_, middle, oldest), (young_after, middle_after, oldest_after), _ = settled(
        "settle_api_after_startup"
    )
    assert young_after == YOUNGEST
    # Only the youngest generation's threshold moves.
    assert (middle_after, oldest_after) == (middle, oldest)


def test_the_worker_keeps_pythons_thresholds() -> None:
    # Evicted workflows are freed only by full collections, which a raised youngest
    # threshold makes rare (the module says why).
    before, after, _ = settled("settle_worker_after_startup")
    assert after == before
