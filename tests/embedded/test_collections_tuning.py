"""While the API serves, the collector skips what existed at start and runs less often."""

import gc

from onboarding.embedded.collections_tuning import YOUNG_THRESHOLD, fewer_collections


def test_serving_freezes_what_exists_and_raises_the_young_threshold_then_undoes_both() -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with fewer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > 0
        # A cycle made while serving is still collected.
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
