"""A service's garbage collector after start-up (onboarding/embedded/heap.py).

Run in a child interpreter: freezing and thresholds are the process's own,
and the test process must keep Python's defaults.
"""

import json
import subprocess
import sys

from onboarding.embedded.heap import YOUNGEST

PROBE = """
import gc, json
from onboarding.embedded.heap import settle_after_startup
before = (gc.get_threshold(), gc.get_freeze_count())
made_at_startup = [object() for _ in range(1000)]
settle_after_startup()
print(json.dumps({"before": before, "after": (gc.get_threshold(), gc.get_freeze_count())}))
"""


def test_start_up_is_frozen_and_the_youngest_collected_less_often() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    seen = json.loads(probe.stdout)
    (young_before, middle, oldest), frozen_before = seen["before"]
    (young_after, middle_after, oldest_after), frozen_after = seen["after"]
    assert young_before == 700 and frozen_before == 0
    assert young_after == YOUNGEST
    # Only the youngest generation's threshold moves.
    assert (middle_after, oldest_after) == (middle, oldest)
    # What start-up made (the modules, the list above) is out of the collector's sight.
    assert frozen_after > 1000
