"""The engine's workers run workflows in Temporal's sandbox with its glue code compiled once.

onboarding/embedded/sandbox_runner.py: the sandbox makes every call into a
workflow instance with exec() of a source string; the engine's runner
compiles each distinct string once. These tests show that the worker uses it,
that the workflows run through it (transitions recorded, a query answered),
that the strings stay a handful however many calls are made, and that the
sandbox's restrictions are the SDK's own.
"""

from temporalio import workflow
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import CommandType
from temporalio.api.failure.v1 import Failure
from temporalio.converter import DataConverter
from temporalio.worker import WorkflowInstanceDetails
from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox._runner import _fake_info, _Instance

from onboarding.domain.vocabulary import Stage as S
from onboarding.domain.vocabulary import Trigger as T
from onboarding.embedded.sandbox_runner import CompiledSandboxRunner, compiled, workflow_runner
from tests.helpers import Harness
from workflows.party import PartyWorkflow


def test_the_engine_runner_is_the_sdk_sandbox_with_its_own_restrictions() -> None:
    runner = workflow_runner()
    assert isinstance(runner, CompiledSandboxRunner)
    assert isinstance(runner, SandboxedWorkflowRunner)
    assert runner.restrictions == SandboxedWorkflowRunner().restrictions
    assert runner.runner_class is SandboxedWorkflowRunner().runner_class


async def test_workflows_run_through_glue_compiled_once(harness: Harness) -> None:
    before = compiled.cache_info()
    async with harness.worker():
        municipality, _ = await harness.start()
        number = municipality.number
        for trigger in (T.SIGN_COLLABORATION, T.EXERCISE_OPTION, T.PAUSE, T.RESUME):
            await harness.move(number, trigger)
        assert (await harness.state(number)).stage is S.OPTION_EXERCISED
        middle = compiled.cache_info()
        for trigger in (T.PAUSE, T.RESUME, T.PAUSE, T.RESUME):
            await harness.move(number, trigger)
        after = compiled.cache_info()
    # Each activation (a start, an update, an activity's result) went through it...
    assert (middle.hits + middle.misses) - (before.hits + before.misses) >= 8
    assert after.hits - middle.hits >= 8
    # ...and four more transitions compiled nothing new: the strings are constants.
    assert after.misses == middle.misses
    assert after.currsize <= 16


async def test_the_contexts_asked_directly_are_those_the_sandbox_gives() -> None:
    """The serialization and store contexts, asked of the instance directly, equal the SDK's
    answer through exec() in the sandbox, with and without a pending command."""
    details = WorkflowInstanceDetails(
        payload_converter_factory=DataConverter.default._new_payload_converter,
        failure_converter_class=DataConverter.default.failure_converter_class,
        interceptor_classes=[],
        defn=workflow._Definition.must_from_class(PartyWorkflow),
        info=_fake_info,
        randomness_seed=-1,
        extern_functions={},
        disable_eager_activity_execution=False,
        worker_level_failure_exception_types=[],
        patch_activation_callback=None,
        last_completion_result=Payloads(),
        last_failure=Failure(),
    )
    instance = CompiledSandboxRunner().create_instance(details)
    assert isinstance(instance, _Instance)
    activity = CommandInfo(
        command_type=CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK, command_seq=1
    )
    for command in (None, activity):
        direct = instance.get_serialization_context(command)
        assert direct is not None
        assert direct == _Instance.get_serialization_context(instance, command)
        assert instance.get_external_store_context(command) == (
            _Instance.get_external_store_context(instance, command)
        )
