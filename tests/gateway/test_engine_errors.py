"""How the gateway (onboarding/gateway/parties.py) turns Temporal failures into ours.

The failures here cannot be provoked on demand from a real server (a worker
killed at the right instant, temporalio/temporal#6375), so the calls are plain
coroutines raising the exceptions the SDK raises.
"""

from collections.abc import Awaitable, Callable

import pytest
from temporalio.client import (
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from onboarding.api.errors import domain_error_of_rpc
from onboarding.domain.errors import TransitionRefused, UnknownMunicipality
from onboarding.gateway.parties import (
    UPDATE_OUTCOME_UNKNOWN,
    EngineUnavailable,
    engine_errors,
    queried,
    surviving_continue_as_new,
)
from workflows.failures import LOST_TO_CONTINUE_AS_NEW


def deadlock() -> WorkflowQueryFailedError:
    return WorkflowQueryFailedError(
        "[TMPRL1101] Potential deadlock detected: workflow didn't yield within 2 second(s)."
    )


def lost() -> WorkflowUpdateFailedError:
    return WorkflowUpdateFailedError(
        ApplicationError(
            "Workflow Update failed because the Workflow completed before the Update completed.",
            type=LOST_TO_CONTINUE_AS_NEW,
            non_retryable=True,
        )
    )


def calls(*outcomes: BaseException | str) -> tuple[Callable[[], Awaitable[str]], list[int]]:
    """A call answering `outcomes` in turn (raising the exceptions), and its call count."""
    made: list[int] = []

    async def call() -> str:
        outcome = outcomes[len(made)]
        made.append(1)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return call, made


async def test_an_update_lost_to_continue_as_new_is_repeated_once_when_it_has_a_key() -> None:
    call, made = calls(lost(), "answered by the new run")
    assert await surviving_continue_as_new(call, repeatable=True) == "answered by the new run"
    assert len(made) == 2


async def test_lost_twice_is_not_repeated_forever() -> None:
    call, made = calls(lost(), lost())
    with pytest.raises(WorkflowUpdateFailedError):
        await surviving_continue_as_new(call, repeatable=True)
    assert len(made) == 2


async def test_without_a_key_the_outcome_is_unknown_not_repeated() -> None:
    call, made = calls(lost(), "must not be asked")
    with pytest.raises(EngineUnavailable, match="repeat it"):
        await surviving_continue_as_new(call, repeatable=False)
    assert len(made) == 1


async def test_a_refusal_is_not_repeated() -> None:
    refusal = WorkflowUpdateFailedError(
        ApplicationError(
            "refused",
            {"trigger": "go_live", "stage": "prospective", "allowed_triggers": []},
            type=TransitionRefused.code,
        )
    )
    call, made = calls(refusal, "must not be asked")
    with pytest.raises(TransitionRefused), engine_errors("5001"):
        await surviving_continue_as_new(call, repeatable=True)
    assert len(made) == 1


def test_an_update_whose_outcome_did_not_come_back_is_engine_unavailable() -> None:
    with pytest.raises(EngineUnavailable) as raised, engine_errors("5001"):
        raise WorkflowUpdateRPCTimeoutOrCancelledError()
    assert str(raised.value) == UPDATE_OUTCOME_UNKNOWN
    assert raised.value.to_detail() == {
        "error": "engine_unavailable",
        "message": UPDATE_OUTCOME_UNKNOWN,
        "outcome": "unknown",
    }


def test_a_stuck_workflow_is_engine_unavailable_and_says_so() -> None:
    # What the server answers an update while the workflow's task keeps failing
    # (seen when a worker ran with code changed under it).
    stuck = RPCError(
        "Unable to perform workflow execution update due to Workflow Task in failed state.",
        RPCStatusCode.FAILED_PRECONDITION,
        b"",
    )
    with pytest.raises(EngineUnavailable, match="0753 is stuck") as raised, engine_errors("0753"):
        raise stuck
    assert "nothing was changed" in str(raised.value)


def test_a_query_the_busy_worker_could_not_answer_in_time_is_engine_unavailable() -> None:
    # Seen with 10,000 cached workflows on 2 cores: the SDK's deadlock detector
    # fails a query that did not get 2 seconds of CPU.
    with pytest.raises(EngineUnavailable, match="bench-0042 did not answer in time"):
        with engine_errors("bench-0042"):
            raise deadlock()
    with pytest.raises(WorkflowQueryFailedError), engine_errors("5001"):
        raise WorkflowQueryFailedError("KeyError: 'stage'")  # a bug in a handler stays a 500


@pytest.mark.parametrize(
    "status", [RPCStatusCode.UNAVAILABLE, RPCStatusCode.UNKNOWN, RPCStatusCode.CANCELLED]
)
def test_a_dev_server_gone_mid_call_is_engine_unavailable(status: RPCStatusCode) -> None:
    # Seen while the endurance run (tools/endurance) restarted the dev server:
    # the SDK's transport broke under a call, which must be a 503 to repeat.
    gone = RPCError("transport error", status, b"")
    with pytest.raises(EngineUnavailable, match="unavailable: transport error"):
        with engine_errors("5001"):
            raise gone
    with pytest.raises(EngineUnavailable):
        raise domain_error_of_rpc(gone)


def test_an_rpc_the_engine_refused_for_its_content_stays_an_engine_error() -> None:
    refused = RPCError("invalid argument: bad id", RPCStatusCode.INVALID_ARGUMENT, b"")
    error = domain_error_of_rpc(refused)
    assert not isinstance(error, EngineUnavailable)
    assert "bad id" in str(error)


async def test_a_query_cut_short_by_the_deadlock_detector_is_asked_once_more() -> None:
    # Seen in CI on a machine loaded to 10 on 2 cores: one activation missed its
    # 2 seconds, and a reform's dry run answered 503 where asking again answers.
    ask, made = calls(deadlock(), "the state")
    assert await queried(ask, "5001") == "the state"
    assert len(made) == 2


async def test_a_query_cut_short_twice_is_engine_unavailable() -> None:
    ask, made = calls(deadlock(), deadlock(), "must not be asked")
    with pytest.raises(EngineUnavailable, match="5001 did not answer in time"):
        await queried(ask, "5001")
    assert len(made) == 2


async def test_a_query_whose_handler_failed_is_not_asked_again() -> None:
    ask, made = calls(WorkflowQueryFailedError("KeyError: 'stage'"), "must not be asked")
    with pytest.raises(WorkflowQueryFailedError):
        await queried(ask, "5001")
    assert len(made) == 1


async def test_a_query_to_no_workflow_names_what_is_missing() -> None:
    gone = RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")
    ask, made = calls(gone, "must not be asked")
    with pytest.raises(UnknownMunicipality):
        await queried(ask, "5001")
    assert len(made) == 1
