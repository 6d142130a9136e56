"""The demo region told through the region's history: the published counts on the region of
their dates (docs/demo-region.md, docs/region-history.md).

No server: each party's facts (onboarding/demo/region_history.py) are replayed through the
process of the demo, a merger's or split's result starting where its predecessors stood
(the furthest of them: the one whose road it carries on), and each count is over the
parties the region's files (counted straight from the CSVs) put in the area on its date.
The same counts through the running system are checked in tests/e2e/test_demo_e2e.py.
"""

from datetime import date, timedelta

import pytest

from onboarding.demo.region_history import history_rollout
from onboarding.demo.rollout import shipped_rollout
from onboarding.domain.parties.region import shipped_plan
from onboarding.domain.region_history.parties import ENDING
from onboarding.domain.vocabulary import MILESTONE_RANK, Stage, Trigger
from tests.domain.test_demo_rollout import stage_on as replay
from tests.helpers import region_count

PLAN = shipped_plan()
ROLLOUT = history_rollout(shipped_rollout(), PLAN)
SIGNED = MILESTONE_RANK[Stage.SERVICE_AGREEMENT_SIGNED]
EXERCISED = MILESTONE_RANK[Stage.OPTION_EXERCISED]
COLLABORATION = MILESTONE_RANK[Stage.COLLABORATION_SIGNED]


def start_of(party: str) -> tuple[Stage, int, date | None]:
    """Where a party started: a merger's or split's result where its predecessors stood."""
    for reform in PLAN.reforms:
        if reform.kind in ENDING and party in {m.number for m in reform.new}:
            day = reform.effective_on - timedelta(days=1)
            stood = [stage_on(p, day) for p in reform.from_parties]
            stage, top = max(stood, key=lambda s: s[1])
            return stage, top, reform.effective_on
    return Stage.PROSPECTIVE, 0, None


def stage_on(party: str, day: date) -> tuple[Stage, int]:
    stage, top, since = start_of(party)
    if since is not None and day < since:
        return Stage.PROSPECTIVE, 0
    return replay(ROLLOUT.municipalities.get(party, []), day, start=(stage, top))


def counts_on(day: date) -> dict[str, int]:
    region = region_count.region_on(day)  # straight from the CSV files
    stages = [stage_on(party, day) for party in region]
    return {
        "total": len(region),
        "collaboration": sum(1 for _, top in stages if top >= COLLABORATION),
        "exercised": sum(1 for _, top in stages if top >= EXERCISED),
        "signed": sum(1 for _, top in stages if top >= SIGNED),
        "preparing": sum(1 for s, _ in stages if s in (Stage.OPTION_EXERCISED, Stage.PREPARING)),
        "live": sum(1 for s, _ in stages if s is Stage.LIVE),
    }


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2016, 6, 30), {"total": 85, "collaboration": 85}),  # all 85 signed in 2015/16
        (date(2017, 12, 31), {"total": 85, "collaboration": 85}),  # and again in 2017
        (date(2021, 5, 26), {"exercised": 19}),
        (date(2021, 6, 30), {"total": 65}),
        (date(2022, 10, 11), {"total": 66, "signed": 18, "preparing": 45}),
        (date(2023, 6, 30), {"live": 10, "signed": 31}),  # 10 live, 21 more decided
        (date(2024, 1, 3), {"total": 67, "live": 20, "signed": 34}),
        (date(2024, 4, 27), {"live": 28}),
    ],
)
def test_the_published_counts_on_the_region_of_their_dates(
    day: date, expected: dict[str, int]
) -> None:
    counts = counts_on(day)
    assert {name: counts[name] for name in expected} == expected


def test_every_party_of_2015_signed_twice_before_the_reforms() -> None:
    for party in region_count.region_on(date(2015, 1, 1)):
        signed = [
            e for e in ROLLOUT.municipalities[party] if e.trigger is Trigger.SIGN_COLLABORATION
        ]
        assert [e.evidence["agreement_version"] for e in signed] == ["2015", "2017"], party
        assert all(e.on < date(2018, 1, 1) for e in signed), party


def test_facts_go_to_the_party_of_their_date() -> None:
    facts = ROLLOUT.municipalities
    # Trondheim's option vote is the Trondheim of 2019's (party 1601), not Klæbu's.
    assert [e.trigger for e in facts["1601"]][-2:] == [
        Trigger.EXERCISE_OPTION,
        Trigger.START_PREPARATION,
    ]
    assert all(
        e.trigger in (Trigger.SIGN_COLLABORATION, Trigger.REQUIRE_RESIGNATURE)
        for e in facts["1662"]
    )
    assert facts["1662"][0].evidence["document_ref"] == "SA-2015/1662"
    # Ålesund of 2020-2023 goes live in its wave; Haram and Ålesund of 2024 inherit it.
    assert ROLLOUT.members("2023-04-alesund") == ["1507"]
    assert "1508" not in facts and "1580" not in facts
    assert stage_on("1580", date(2024, 1, 1))[0] is Stage.LIVE
    assert stage_on("1534", date(2019, 12, 31))[0] is Stage.COLLABORATION_SIGNED
    # Oppdal is one party across its renumbering; its references name its numbers of then.
    oppdal = [e.evidence.get("document_ref") for e in facts["1634"]]
    assert "SA-2015/1634" in oppdal and "TA-2023/5021" in oppdal


def test_every_fact_is_allowed_from_where_its_party_started() -> None:
    for party in ROLLOUT.municipalities:
        stage_on(party, date(2100, 1, 1))  # raises if a transition is not allowed
