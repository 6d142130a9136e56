"""A write whose answer was lost may have been recorded: tell the user how to find out.

Every write the CLI sends carries an idempotency key (inputs.idempotency_key).
When the API times out or answers 503 (the engine did not answer in time), the
write may or may not have been made; repeating the command with the same key
answers with the first result if it was, and makes it once if it was not.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from onboarding.cli.errors import ApiRefused, ApiTimedOut


@contextmanager
def repeatable(key: str) -> Iterator[None]:
    """Add "repeat with --key KEY" to the errors after which the outcome is unknown."""
    hint = f"it may have been recorded: repeat the command with --key {key} to learn its outcome"
    try:
        yield
    except ApiTimedOut as err:
        raise ApiTimedOut(f"{err}; {hint}") from None
    except ApiRefused as err:
        if err.status != 503:
            raise
        raise ApiRefused(f"{err}; {hint}", status=err.status, body=err.body) from None
