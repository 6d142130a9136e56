"""The read model's schema version: bring it to the newest revision, or refuse an old one.

Alembic owns the schema (onboarding/store/migrations). `onboarding db upgrade`
runs `upgrade_schema`; the production worker and API call
`require_current_schema` and refuse to start on a database that is behind,
naming the command to run. The embedded default (`onboarding up`) and the
tests upgrade by themselves, so a fresh clone needs no extra step.

A database created before migrations existed (tables, no `alembic_version`)
is adopted by the baseline revision, which creates only what is missing.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

import onboarding.store.migrations as migrations

UPGRADE_COMMAND = "onboarding db upgrade"
VERSION_TABLE = "alembic_version"
# Any constant will do; it only has to be the same for every process that migrates.
_POSTGRES_LOCK_KEY = 0x0B0A_2D01


class SchemaNotCurrent(Exception):
    """The database is not at the revision this code needs; the message says what to do."""


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands against the migrations this code ships."""

    current: str | None
    head: str
    #: tables from before migrations existed, but no alembic_version
    unversioned_tables: bool = False

    @property
    def is_current(self) -> bool:
        return self.current == self.head


def alembic_config() -> Config:
    """Alembic's config for the shipped migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return config


def head_revision() -> str:
    """The newest revision this code ships; fails if the history has two heads."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        # Two branches each added a revision on the same parent: chain them
        # (set one's down_revision to the other) before shipping.
        raise SchemaNotCurrent(
            f"the migrations have {len(heads)} heads ({', '.join(sorted(heads))}); "
            "set one revision's down_revision to the other so they form one chain"
        )
    return heads[0]


def schema_status(engine: Engine) -> SchemaStatus:
    """The database's revision, the code's, and whether it predates migrations."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        tables = set(inspect(connection).get_table_names()) - {VERSION_TABLE}
    return SchemaStatus(
        current=current, head=head_revision(), unversioned_tables=current is None and bool(tables)
    )


def upgrade_schema(engine: Engine) -> tuple[SchemaStatus, SchemaStatus]:
    """Migrate to the newest revision; safe to run twice, and from several processes at once.

    Returns the status before and after. On PostgreSQL an advisory lock makes a
    second concurrent run wait and then find nothing to do.
    """
    before = schema_status(engine)
    config = alembic_config()
    with engine.begin() as connection:
        _lock(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, schema_status(engine)


def require_current_schema(engine: Engine) -> SchemaStatus:
    """The status if the database is at the newest revision; SchemaNotCurrent otherwise."""
    status = schema_status(engine)
    if status.is_current:
        return status
    where = engine.url.render_as_string(hide_password=True)
    if status.current is None and status.unversioned_tables:
        state = "was created before migrations existed (no schema version)"
    elif status.current is None:
        state = "has no schema yet"
    elif status.current in _known_revisions():
        state = f"is at revision {status.current}, this version needs {status.head}"
    else:
        raise SchemaNotCurrent(
            f"the read model at {where} is at revision {status.current}, which this "
            f"version does not know (it needs {status.head}): a newer version migrated it; "
            "run that version, or restore the backup taken before the upgrade"
        )
    raise SchemaNotCurrent(f"the read model at {where} {state}: run `{UPGRADE_COMMAND}`")


def new_revision(message: str) -> Path:
    """Write a revision with what the tables now have that the migrations lack; its path.

    Autogenerates against a scratch SQLite database migrated to the current
    head, so no server is needed. Read the result: autogenerate cannot see
    expression indexes or triggers (append-only tables call
    `append_only_statements` by hand, as the baseline does).
    """
    from onboarding.store.database import make_engine

    config = alembic_config()
    scripts = ScriptDirectory.from_config(config)
    numbers = [int(s.revision) for s in scripts.walk_revisions() if s.revision.isdigit()]
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/scratch.db")
        try:
            upgrade_schema(engine)
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                script = command.revision(
                    config,
                    message=message,
                    autogenerate=True,
                    rev_id=f"{max(numbers, default=0) + 1:04d}",
                )
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Held until this transaction ends; released even if the process dies.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_LOCK_KEY})


def create_schema(engine: Engine) -> None:
    """Bring the schema to the newest migration (tables and append-only guards); safe twice.

    The embedded default and the tests call this; production runs the same
    migrations as a separate step (`onboarding db upgrade`) and its services
    only check the revision (`require_current_schema`).
    """
    upgrade_schema(engine)
