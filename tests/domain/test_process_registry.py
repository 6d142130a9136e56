"""The process registry: definitions keyed by (key, version), looked up without a server."""

from dataclasses import fields

import pytest

from onboarding.domain.errors import RequestRejected
from onboarding.domain.process import municipality_v1 as definition
from onboarding.domain.process.registry import (
    MUNICIPALITY,
    PROCESSES,
    latest,
    process_definition,
)
from onboarding.domain.process.road import ProcessRoad
from onboarding.domain.process.roads import ROADS, latest_road, road
from onboarding.domain.vocabulary import EvidenceRule, Stage, Trigger


def test_the_municipality_process_version_1_is_the_table_the_machine_runs() -> None:
    v1 = process_definition(MUNICIPALITY, 1)
    assert (v1.key, v1.version) == ("municipality", 1)
    assert v1.initial_stage is Stage.PROSPECTIVE
    assert [dict(row) for row in v1.transitions] == definition.TRANSITION_TABLE
    assert v1.evidence_rules[Trigger.EXERCISE_OPTION].required == ("case_ref",)
    assert v1.stages == definition.STAGES


def test_every_definition_is_its_road_with_rules_and_the_roads_list_them_all() -> None:
    # What the diagram reads (roads.py) is what the engine runs (registry.py).
    assert list(ROADS) == list(PROCESSES)
    for (key, version), composed in PROCESSES.items():
        assert road(key, version) is ROADS[(key, version)]
        for field in fields(ProcessRoad):
            assert getattr(composed, field.name) is getattr(ROADS[(key, version)], field.name)
        assert composed.obligations and composed.checklist
    assert latest_road(MUNICIPALITY) is ROADS[(MUNICIPALITY, latest(MUNICIPALITY).version)]


def test_the_newest_version_is_what_a_new_party_starts_on() -> None:
    newest = max(version for key, version in PROCESSES if key == MUNICIPALITY)
    assert latest(MUNICIPALITY).version == newest


@pytest.mark.parametrize(
    ("key", "version"), [("municipality", 99), ("hospital", 99), ("nursing_home", 1)]
)
def test_an_unknown_key_or_version_is_refused_naming_what_exists(key: str, version: int) -> None:
    with pytest.raises(RequestRejected) as refused:
        process_definition(key, version)
    assert refused.value.field == "process"
    assert "municipality v1" in str(refused.value)


def test_the_registry_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        PROCESSES[("municipality", 2)] = latest(MUNICIPALITY)  # type: ignore[index]
    with pytest.raises(TypeError):
        latest(MUNICIPALITY).evidence_rules[Trigger.PAUSE] = EvidenceRule()  # type: ignore[index]


def test_version_2_adds_the_call_off_agreement_before_the_service_agreement() -> None:
    v2 = process_definition(MUNICIPALITY, 2)
    road = list(v2.main_road)
    assert road.index(Stage.PREPARING) + 1 == road.index(Stage.CALL_OFF_SIGNED)
    assert road.index(Stage.CALL_OFF_SIGNED) + 1 == road.index(Stage.SERVICE_AGREEMENT_SIGNED)
    assert v2.required_evidence(Trigger.SIGN_CALL_OFF_AGREEMENT) == ("document_ref", "signed_by")
    # Version 1 knows nothing of it, and keeps its own rules.
    v1 = process_definition(MUNICIPALITY, 1)
    assert Trigger.SIGN_CALL_OFF_AGREEMENT not in v1.triggers
    assert not v1.has_stage(Stage.CALL_OFF_SIGNED)
    assert v1.required_evidence(Trigger.SIGN_SERVICE_AGREEMENT) == ("document_ref",)


def test_every_obligation_and_checklist_of_a_version_names_its_own_words() -> None:
    for process in PROCESSES.values():
        for rule in process.obligations:
            assert rule.id in process.triggers, (process.name, rule.id)
            assert all(process.has_stage(s) for s in rule.stages), (process.name, rule.id)
        assert set(process.main_road) <= set(process.stages)
        assert process.main_road[0] is process.initial_stage
