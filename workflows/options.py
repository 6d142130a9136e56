"""How the workflows run: when they continue as new."""

from temporalio import workflow


def history_is_long(limit: int) -> bool:
    """Inside a workflow: time to continue as new (the server suggests it, or `limit` events)."""
    info = workflow.info()
    return info.is_continue_as_new_suggested() or info.get_current_history_length() >= limit
