"""The process registry: definitions keyed by (key, version), looked up without a server."""

import pytest

from onboarding.domain.errors import RequestRejected
from onboarding.domain.process import definition
from onboarding.domain.process.registry import (
    MUNICIPALITY,
    PROCESSES,
    latest,
    process_definition,
)


def test_the_municipality_process_version_1_is_the_table_the_machine_runs() -> None:
    v1 = process_definition(MUNICIPALITY, 1)
    assert (v1.key, v1.version) == ("municipality", 1)
    assert v1.initial_stage is definition.Stage.PROSPECTIVE
    assert [dict(row) for row in v1.transitions] == definition.TRANSITION_TABLE
    assert v1.evidence_rules[definition.Trigger.EXERCISE_OPTION].required == ("case_ref",)
    assert set(v1.stages) == set(definition.Stage)


def test_the_newest_version_is_what_a_new_party_starts_on() -> None:
    newest = max(version for key, version in PROCESSES if key == MUNICIPALITY)
    assert latest(MUNICIPALITY).version == newest


@pytest.mark.parametrize(("key", "version"), [("municipality", 99), ("hospital", 1)])
def test_an_unknown_key_or_version_is_refused_naming_what_exists(key: str, version: int) -> None:
    with pytest.raises(RequestRejected) as refused:
        process_definition(key, version)
    assert refused.value.field == "process"
    assert "municipality v1" in str(refused.value)


def test_the_registry_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        PROCESSES[("municipality", 2)] = latest(MUNICIPALITY)  # type: ignore[index]
    with pytest.raises(TypeError):
        latest(MUNICIPALITY).evidence_rules[definition.Trigger.PAUSE] = definition.EvidenceRule()  # type: ignore[index]
