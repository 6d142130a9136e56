"""Errors the command line reports as one line on stderr and a non-zero exit code.

CliError              anything the user should read as `error: <message>`
├── BadInput          rejected locally, before any request was sent
├── ApiUnreachable    no connection to the API
│   └── ApiTimedOut   it took the request but did not answer in time
├── ApiRefused        the API answered with an error status and a reason
├── PartlyFailed      a bulk request the API did for some and refused for others
└── DriftRemains      reconciliation found drift it did not (or may not) repair
"""


class CliError(Exception):
    """An error meant for the user: its message is one line."""

    def __init__(self, message: str) -> None:
        # A multi-line message would break `2>&1 | tail -1` style scripting.
        super().__init__(" ".join(message.split()))


class BadInput(CliError):
    """What the user typed is malformed; nothing was sent."""


class ApiUnreachable(CliError):
    """The API could not be reached."""


class ApiTimedOut(ApiUnreachable):
    """The API took the request but did not answer in time: a write may have been made."""


class ApiRefused(CliError):
    """The API refused the request; `status` and `body` say how and why."""

    def __init__(self, message: str, *, status: int, body: object) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class PartlyFailed(CliError):
    """A bulk request was refused for some of its municipalities (each is listed on stdout)."""


class DriftRemains(CliError):
    """Reconciliation left findings unrepaired (each is listed on stdout)."""
