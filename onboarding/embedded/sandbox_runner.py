"""Temporal's workflow sandbox, with the glue code it runs compiled once per process.

The sandbox (temporalio 1.35, `workflow_sandbox/_runner.py`) makes every call
into a workflow instance by handing exec() a source string: each activation,
and, with a payload codec configured as ours is, each payload sequence the
worker encodes or decodes, for which it asks the instance its serialization
context. exec() of a string compiles it first, about 40 us each, a few dozen
times per transition: a quarter of the busy worker's CPU in a py-spy profile of
`onboarding up` at concurrency 1. The strings are a handful of constants (one
per kind of call, and one per workflow class for its import), so this runner
compiles each once and hands exec() the code object, and asks the two
lookups made per payload sequence (its serialization and store contexts) of
the instance directly. What runs in the sandbox, and every restriction on it,
is unchanged.

The sandbox's instance class is private to the SDK: where a release no longer
has it as this module expects, the SDK's own runner is used as it is
(`workflow_runner()`), so an upgrade costs the speed-up at worst, never the
sandbox.
"""

import functools
import logging
from dataclasses import dataclass
from types import CodeType
from typing import Any

from temporalio.worker import WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

try:
    from temporalio.worker.workflow_sandbox._runner import _Instance
except ImportError:  # pragma: no cover - an SDK release that moved it
    _Instance = None  # type: ignore[assignment,misc]

logger = logging.getLogger(__name__)

# The name the SDK's runner gives the instance it creates inside the sandbox.
IN_SANDBOX = "__temporal_in_sandbox"


@functools.lru_cache(maxsize=256)
def compiled(code: str) -> CodeType:
    """`code` compiled for exec(), once per distinct string."""
    return compile(code, "<temporal sandbox>", "exec")


def _has_run_code() -> bool:
    return _Instance is not None and callable(getattr(_Instance, "_run_code", None))


if _has_run_code():

    class CompiledInstance(_Instance):
        """A sandboxed workflow instance whose exec() calls take code compiled once."""

        def _run_code(self, code: str, **extra_globals: Any) -> None:
            # exec() takes a code object where the SDK passes a string.
            super()._run_code(compiled(code), **extra_globals)  # type: ignore[arg-type]

        # The two lookups below run for every payload sequence. Each reads the
        # instance's own state (its namespace, id, pending activities) and imports
        # nothing, so they are asked of the instance directly, on the thread that
        # asks, instead of through exec() under the sandbox's import hooks. The
        # workflow's own code still runs only inside (activate).

        def get_serialization_context(self, command_info: Any) -> Any:
            inside = getattr(self, "globals_and_locals", {}).get(IN_SANDBOX)
            if inside is None:
                return super().get_serialization_context(command_info)
            return inside.get_serialization_context(command_info)

        def get_external_store_context(self, command_info: Any) -> Any:
            inside = getattr(self, "globals_and_locals", {}).get(IN_SANDBOX)
            if inside is None:
                return super().get_external_store_context(command_info)
            return inside.get_external_store_context(command_info)


@dataclass(frozen=True)
class CompiledSandboxRunner(SandboxedWorkflowRunner):
    """SandboxedWorkflowRunner with the same restrictions, its glue compiled once."""

    def create_instance(self, det: Any) -> Any:
        return CompiledInstance(det, self.runner_class, self.restrictions)


def workflow_runner() -> WorkflowRunner:
    """The runner the engine's workers use: compiled glue where the SDK allows it."""
    if _has_run_code():
        return CompiledSandboxRunner()
    logger.warning("this temporalio has no sandbox _Instance._run_code: the SDK's runner is used")
    return SandboxedWorkflowRunner()
