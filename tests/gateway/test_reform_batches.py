"""Which reforms of the shipped history a load applies side by side (region_history._batches)."""

from onboarding.domain.parties.region import shipped_plan
from onboarding.gateway.region_history import _batches, _touches


def test_reforms_of_one_day_that_share_nothing_go_side_by_side_in_order() -> None:
    reforms = list(shipped_plan().reforms)
    batches = _batches(reforms)
    assert [r for batch in batches for r in batch] == reforms  # every one, in order
    for batch in batches:
        assert len({r.effective_on for r in batch}) == 1
        touched = [_touches(r) for r in batch]
        assert all(not a & b for i, a in enumerate(touched) for b in touched[i + 1 :])
    # The mergers of 2020-01-01 go side by side; the split of Snillfjord into three of
    # that day's new municipalities waits for the mergers that create them.
    day = [b for b in batches if b[0].effective_on.isoformat() == "2020-01-01"]
    assert len(day) < sum(len(b) for b in day)
    split = next(
        i for i, b in enumerate(day) for r in b if r.reform_id.startswith("2020-01-01-split")
    )
    makers = [
        i
        for i, b in enumerate(day)
        for r in b
        if set(r.change.to_numbers) & {"5055", "5056", "5059"} and "split" not in r.reform_id
    ]
    assert makers and all(i < split for i in makers)


def test_a_reform_that_must_go_alone_has_a_batch_of_its_own() -> None:
    reforms = [r for r in shipped_plan().reforms if r.effective_on.isoformat() == "2020-01-01"]
    lonely = reforms[1]
    batches = _batches(reforms, alone=lambda r: r is lonely)
    assert [lonely] in batches
    assert [r for batch in batches for r in batch] == reforms
