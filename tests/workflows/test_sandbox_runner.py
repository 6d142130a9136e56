"""The engine's workers run workflows in Temporal's sandbox with its glue code compiled once.

onboarding/embedded/sandbox_runner.py: the sandbox makes every call into a
workflow instance with exec() of a source string; the engine's runner
compiles each distinct string once. These tests show that the worker uses it,
that the workflows run through it (transitions recorded, a query answered),
that the strings stay a handful however many calls are made, and that the
sandbox's restrictions are the SDK's own.
"""

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from onboarding.domain.vocabulary import Stage as S
from onboarding.domain.vocabulary import Trigger as T
from onboarding.embedded.sandbox_runner import CompiledSandboxRunner, compiled, workflow_runner
from tests.helpers import Harness


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
