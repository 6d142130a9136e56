"""A write whose answer was lost may have been recorded: tell the user how to find out.

Every write the CLI sends carries an idempotency key (inputs.idempotency_key).
When the API times out after taking the request, or answers 503 with `outcome:
unknown` (the engine took it but its answer was lost), the write may or may not
have been made; repeating the command with the same key answers with the first
result if it was, and makes it once if it was not. Other 503s (the engine down,
a stuck workflow) changed nothing and get no hint.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from onboarding.cli.errors import ApiRefused, ApiTimedOut


def hint(key: str) -> str:
    """What to do when the outcome of a write with `key` is unknown."""
    return f"it may have been recorded: repeat the command with --key {key} to learn its outcome"


def outcome_unknown(body: object) -> bool:
    """Whether an error body of the API says its write may have been applied."""
    return isinstance(body, dict) and body.get("outcome") == "unknown"


@contextmanager
def repeatable(key: str) -> Iterator[None]:
    """Add "repeat with --key KEY" to the errors after which the outcome is unknown."""
    try:
        yield
    except ApiTimedOut as err:
        raise ApiTimedOut(f"{err}; {hint(key)}") from None
    except ApiRefused as err:
        if err.status != 503 or not outcome_unknown(err.body):
            raise
        raise ApiRefused(f"{err}; {hint(key)}", status=err.status, body=err.body) from None
