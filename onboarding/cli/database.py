"""`onboarding db ...`: the work behind the commands that talk to the database directly.

They run before any service (the one-shot migration job of a deployment, a
new deployment's first token), so they use ONBOARDING_DATABASE_URL, not the API.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from onboarding.cli.errors import CliError
from onboarding.settings import Settings
from onboarding.store.database import make_engine
from onboarding.store.schema import (
    SchemaNotCurrent,
    require_current_schema,
    schema_status,
    upgrade_schema,
)
from onboarding.store.tokens import Role, create_token

Say = Callable[[str], None]


@contextmanager
def _database(settings: Settings, *, migrated: bool) -> Iterator[Engine]:
    """An engine for the read model, disposed after; failures as one-line CliErrors.

    `migrated` refuses a database that is not at the newest revision.
    """
    where = _where(settings)
    if settings.database_url is None:
        # The embedded default's SQLite file lives in the data dir, which may be new.
        settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    try:
        if migrated:
            require_current_schema(engine)
        yield engine
    except SchemaNotCurrent as err:
        raise CliError(str(err)) from None
    except OperationalError as err:
        raise CliError(f"cannot reach the database at {where}: {err.orig}") from None
    finally:
        engine.dispose()


def upgrade(settings: Settings, say: Say) -> None:
    """Migrate to the newest revision and say what was done."""
    where = _where(settings)
    with _database(settings, migrated=False) as engine:
        before, after = upgrade_schema(engine)
    if before.current == after.current:
        say(f"The read model at {where} is already at revision {after.current}.")
    elif before.unversioned_tables:
        say(
            f"Adopted the read model at {where} (created before migrations) "
            f"and migrated it to revision {after.current}."
        )
    else:
        say(
            f"Migrated the read model at {where} from {before.current or 'empty'} "
            f"to revision {after.current}."
        )


def status(settings: Settings, say: Say) -> None:
    """Say where the database stands; CliError if it is not at the newest revision."""
    with _database(settings, migrated=True) as engine:
        current = schema_status(engine).current
    say(f"The read model at {_where(settings)} is at revision {current}, the newest.")


def admin_token(settings: Settings, name: str, say: Say) -> None:
    """Create an admin token in the (migrated) database and print its secret, once.

    How a new deployment gets its first token: the API's own token routes need one.
    """
    with _database(settings, migrated=True) as engine:
        token, secret = create_token(engine, name=name, role=Role.ADMIN)
    say(f"Created admin token {token.id} ({name}); it is shown only now:")
    say(secret)


def _where(settings: Settings) -> str:
    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)
