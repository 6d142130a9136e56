"""Failures that cross between workflows, activities and clients.

A workflow refuses a request by raising a domain error (`OnboardingError`)
inside `refusals()`: it leaves as a non-retryable ApplicationError with the
error's code as its type, its message, and its `to_detail()` as details, which
the gateway (onboarding/gateway/parties.py) maps back to the domain error.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from temporalio.exceptions import ApplicationError

from onboarding.domain.errors import OnboardingError


def update_failure(err: OnboardingError) -> ApplicationError:
    """The domain error as it crosses Temporal: its code as type, its detail as details."""
    return ApplicationError(str(err), err.to_detail(), type=err.code, non_retryable=True)


@contextmanager
def refusals() -> Iterator[None]:
    """Turn a domain error raised inside into the update's (or validator's) failure.

    Any other exception passes unchanged: inside a workflow it fails the
    workflow task, which is retried, as a bug should be.
    """
    try:
        yield
    except OnboardingError as err:
        raise update_failure(err) from None


def passed_on(cause: ApplicationError) -> ApplicationError:
    """Another workflow's refusal, raised again as ours: same type, message and details."""
    return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)


# The server's failure for an update accepted by a run that then continued as
# new without reporting the update complete. The workflows wait for their
# handlers before continuing as new, but the server can still drop a completion
# sent in the same workflow task as the continue-as-new (temporalio/temporal#6375).
# The update's effect is in the state the new run carries; a repeat there,
# answered by the workflow's own idempotency record, returns its outcome.
LOST_TO_CONTINUE_AS_NEW = "AcceptedUpdateCompletedWorkflow"


def lost_to_continue_as_new(cause: BaseException | None) -> bool:
    """Whether an update failed only because its run continued as new (see above)."""
    return isinstance(cause, ApplicationError) and cause.type == LOST_TO_CONTINUE_AS_NEW
