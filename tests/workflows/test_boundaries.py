"""The workflows' boundaries without a server: what they import, call and fail with."""

import inspect
import subprocess
import sys

import pytest
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import interfaces
from activities.migrations import MigrationActivities
from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from activities.waves import WaveActivities
from onboarding.domain.errors import RequestRejected, TransitionRefused
from workflows.failures import refusals

IMPLEMENTATIONS = [
    (interfaces.Projection, ProjectionActivities),
    (interfaces.Notifications, NotificationActivities),
    (interfaces.Waves, WaveActivities),
    (interfaces.Migrations, MigrationActivities),
]
# What a workflow must never import, even through another module: I/O and the client side.
FORBIDDEN = (
    "onboarding.store",
    "onboarding.gateway",
    "onboarding.api",
    "onboarding.web",
    "onboarding.cli",
    "sqlalchemy",
    "temporalio.client",
    "activities.projection",
    "activities.notifications",
    "activities.waves",
)


def definitions(cls: type) -> dict[str, activity._Definition]:
    found = {}
    for attribute, member in inspect.getmembers(cls, callable):
        definition = activity._Definition.from_callable(member)
        if definition is not None:
            found[attribute] = definition
    return found


@pytest.mark.parametrize(
    ("interface", "implementation"), IMPLEMENTATIONS, ids=[i.__name__ for i, _ in IMPLEMENTATIONS]
)
def test_each_implementation_runs_under_its_interface_s_name_and_types(
    interface: type, implementation: type
) -> None:
    declared = definitions(interface)
    implemented = definitions(implementation)
    assert declared and declared.keys() == implemented.keys()
    for attribute, definition in declared.items():
        runs = implemented[attribute]
        assert runs.fn is not definition.fn, f"{attribute} is not implemented"
        assert (runs.name, runs.arg_types, runs.ret_type, runs.is_async) == (
            definition.name,
            definition.arg_types,
            definition.ret_type,
            definition.is_async,
        )


def test_the_activity_names_stay_as_recorded_in_histories() -> None:
    names = {d.name for interface, _ in IMPLEMENTATIONS for d in definitions(interface).values()}
    assert names == {
        "register_municipality",
        "record_transition",
        "record_obligations",
        "record_correction",
        "note_run",
        "enqueue_notifications",
        "deliver_notifications",
        "record_wave",
        "record_checklist",
        "record_checklist_items",
        "call_member",
        "record_migration",
        "migrate_party",
        "party_stage",
    }


def test_workflows_import_neither_the_store_nor_the_client_side() -> None:
    # A fresh interpreter: this one has imported everything already.
    probe = (
        "import sys, workflows.party, workflows.municipality, workflows.wave, workflows.migration; "
        f"print('\\n'.join(m for m in sys.modules if m.startswith({FORBIDDEN!r})))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == []


def test_a_domain_error_leaves_as_the_failure_clients_map_back() -> None:
    refused = TransitionRefused(
        trigger="go_live", stage="prospective", allowed_triggers=["sign_collaboration"]
    )
    with pytest.raises(ApplicationError) as failure:
        with refusals():
            raise refused
    assert failure.value.type == "invalid_transition"
    assert failure.value.message == str(refused)
    assert failure.value.details == (refused.to_detail(),)
    assert failure.value.non_retryable
    assert failure.value.__cause__ is None


def test_other_errors_pass_through_unchanged() -> None:
    with pytest.raises(KeyError):
        with refusals():
            raise KeyError("a bug fails the workflow task, which is retried")
    with pytest.raises(ApplicationError) as failure:
        with refusals():
            raise RequestRejected("reason", "give one")
    assert failure.value.type == "invalid_request"
    assert failure.value.details == (
        {"error": "invalid_request", "field": "reason", "message": "give one"},
    )
