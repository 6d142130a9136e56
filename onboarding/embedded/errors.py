"""Why a service could not start or had to stop; each message is one line for the user.

EmbeddedError
├── DataDirBusy        another `onboarding up` holds the data dir
├── PortInUse          a port we need is taken
├── DevServerFailed    the Temporal dev server died or never became ready
├── DatabaseNotReady   the read model is not migrated to this version's schema
├── NotFresh           --demo on a data dir or database that holds records
└── ServiceFailed      the worker or the API stopped on its own
"""


class EmbeddedError(Exception):
    """A failure to start or run the services, told in one line."""


class DataDirBusy(EmbeddedError):
    """Another process runs `onboarding up` on the same data dir."""


class PortInUse(EmbeddedError):
    """A port the services need is already bound."""


class DevServerFailed(EmbeddedError):
    """The Temporal dev server exited, or did not become ready in time."""


class DatabaseNotReady(EmbeddedError):
    """The read model's schema is missing or behind; `onboarding db upgrade` fixes it."""


class NotFresh(EmbeddedError):
    """--demo was asked for on a data dir (or database) that already holds records."""


class ServiceFailed(EmbeddedError):
    """The worker or the API stopped without being asked to."""
