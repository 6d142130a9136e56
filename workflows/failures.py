"""Failures that cross between workflows, activities and clients."""

from temporalio.exceptions import ApplicationError


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
