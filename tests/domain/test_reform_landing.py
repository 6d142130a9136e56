"""The pure side of reforms: the stage a new municipality starts in, derived from its
predecessors' standings; the plan checks; the kinds shared with the region's history."""

from datetime import date

import pytest

from onboarding.domain.errors import RequestRejected
from onboarding.domain.process.reform_plan import (
    Agreement,
    OpenObligation,
    ReformKind,
    ReformPlan,
    StageRule,
    Standing,
)
from onboarding.domain.process.registry import MUNICIPALITY, process_definition
from onboarding.domain.reforms.apply import derive_landing
from onboarding.domain.reforms.plan import check_plan
from onboarding.domain.region_history.models import ChangeKind
from onboarding.domain.vocabulary import Stage as S
from onboarding.domain.vocabulary import Trigger as T

V1 = process_definition(MUNICIPALITY, 1)
V2 = process_definition(MUNICIPALITY, 2)


def standing(party: str, stage: S, *signed: T, version: int = 1, **rest: object) -> Standing:
    road = process_definition(MUNICIPALITY, version).main_road
    reached = list(road[: road.index(stage) + 1]) if stage in road else []
    return Standing(
        party=party,
        name=f"By {party}",
        number=party,
        stage=stage,
        process_version=version,
        reached=reached,
        signed=[Agreement(party=party, trigger=t, effective_on=date(2017, 3, 1)) for t in signed],
        **rest,  # type: ignore[arg-type]
    )


def test_the_most_advanced_common_stage_and_what_it_inherits() -> None:
    klaebu = standing("1662", S.COLLABORATION_SIGNED, T.SIGN_COLLABORATION)
    trondheim = standing(
        "1601",
        S.PREPARING,
        T.SIGN_COLLABORATION,
        T.EXERCISE_OPTION,
        open_obligations=[OpenObligation(id="sign_service_agreement", deadline=date(2020, 6, 1))],
    )
    landing = derive_landing(StageRule.MOST_ADVANCED_COMMON, [trondheim, klaebu], V1)
    assert landing.stage is S.COLLABORATION_SIGNED
    # Only the signatures the stage rests on: both collaboration agreements, not the option.
    assert {(a.party, a.trigger) for a in landing.agreements} == {
        ("1601", T.SIGN_COLLABORATION),
        ("1662", T.SIGN_COLLABORATION),
    }
    # The service agreement is not open in collaboration_signed: no deadline inherited.
    assert landing.deadlines == []
    assert "1601 preparing, 1662 collaboration_signed: collaboration_signed" in landing.explanation

    ahead = derive_landing(StageRule.MOST_ADVANCED, [trondheim, klaebu], V1)
    assert ahead.stage is S.PREPARING
    assert [(d.obligation_id, d.deadline, d.from_party) for d in ahead.deadlines] == [
        ("sign_service_agreement", date(2020, 6, 1), "1601")
    ]


def test_ready_is_not_inherited_and_a_paused_party_counts_where_it_paused() -> None:
    ready = standing("5001", S.READY)
    also_ready = standing("5030", S.READY)
    assert derive_landing(StageRule.MOST_ADVANCED_COMMON, [ready, also_ready], V1).stage is (
        S.SERVICE_AGREEMENT_SIGNED
    )
    paused = standing("5030", S.PAUSED, paused_from=S.PREPARING)
    paused = paused.model_copy(update={"reached": list(V1.main_road[:4])})
    live = standing("5001", S.LIVE)
    assert derive_landing(StageRule.MOST_ADVANCED_COMMON, [paused, live], V1).stage is S.PREPARING
    nothing = standing("5099", S.PROSPECTIVE)
    assert derive_landing(StageRule.MOST_ADVANCED_COMMON, [nothing, live], V1).stage is (
        S.PROSPECTIVE
    )


def test_a_version_1_predecessor_lands_on_version_2s_road() -> None:
    # Version 2 has the call-off step between preparing and the service agreement.
    old = standing("1601", S.SERVICE_AGREEMENT_SIGNED)
    new = standing("1662", S.CALL_OFF_SIGNED, version=2)
    landing = derive_landing(StageRule.MOST_ADVANCED_COMMON, [old, new], V2)
    assert landing.stage is S.CALL_OFF_SIGNED
    assert landing.process_version == 2


def plan(kind: str, parties: list[str], **rest: object) -> ReformPlan:
    return ReformPlan.model_validate(
        {
            "id": "test",
            "kind": kind,
            "effective_on": "2020-01-01",
            "parties": parties,
            "evidence": {"document_ref": "x"},
            **rest,
        }
    )


@pytest.mark.parametrize(
    ("kind", "parties", "rest", "field"),
    [
        ("merger", ["5001", "5030"], {}, "new_municipalities"),
        ("renumbering", ["1601"], {}, "new_number"),
        ("renumbering", ["1601", "1662"], {"new_number": "5001"}, "parties"),
        ("split", ["1507"], {}, "new_municipalities"),
        ("joined", ["3430"], {"new_number": "3431"}, "new_number"),
        ("boundary_transfer", ["5051"], {}, "parties"),
        ("split", ["1507"], {"existing_parts": ["1507"]}, "existing_parts"),
        (
            "merger",
            ["5001", "5001"],
            {"new_municipalities": [{"number": "5002", "name": "x"}]},
            "parties",
        ),
    ],
)
def test_a_plan_that_does_not_fit_its_kind_is_refused(
    kind: str, parties: list[str], rest: dict[str, object], field: str
) -> None:
    with pytest.raises(RequestRejected) as refused:
        check_plan(plan(kind, parties, **rest))
    assert refused.value.field == field


def test_the_reforms_take_the_kinds_of_change_the_history_records() -> None:
    # The API's ReformKind and the file's ChangeKind are two enums of one vocabulary.
    assert [k.value for k in ReformKind] == [k.value for k in ChangeKind]
