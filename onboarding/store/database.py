"""Engines, schema creation, the append-only guard and sessions.

Nothing here runs at import time: callers build an engine from a URL they got
from settings, so importing the store never touches a database.
"""

import importlib
import pkgutil
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from onboarding.store.wal_checkpoint import start_checkpoints

APPEND_ONLY_TABLES = (
    "audit_event",
    "deadline_change",
    "wave_event",
    "checklist_completion",
    "correction",
    "token_event",
    "contact_change",
    "process_migration",
    "reform",
    "party_succession",
)


def load_tables() -> None:
    """Import every module of onboarding.store.tables, so each table is on SQLModel.metadata.

    Alembic compares the database with the metadata: a table module nobody
    imported would look like a table to drop. New table modules belong in
    onboarding/store/tables/ and are then found here without being listed.
    """
    import onboarding.store.tables as tables

    for module in pkgutil.iter_modules(tables.__path__, f"{tables.__name__}."):
        if not module.ispkg:
            importlib.import_module(module.name)


def append_only_statements(dialect: str, table: str) -> list[str]:
    """SQL that makes `table` refuse UPDATE and DELETE on `dialect` (sqlite or postgresql).

    Each statement is safe to run twice. Migrations call this for the tables
    they create; `APPEND_ONLY_TABLES` lists them all, for the tests.
    """
    guard = _append_only_sqlite if dialect == "sqlite" else _append_only_postgresql
    return guard(table)


def _append_only_sqlite(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
    ]


def _append_only_postgresql(table: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql""",
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""",
    ]


def make_engine(url: str, *, checkpoint_in_background: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL and a busy timeout so threads can share it.

    `checkpoint_in_background` (for processes that serve users) moves SQLite's
    WAL checkpoints off the commits onto a thread (see wal_checkpoint.py).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        file = parsed.database
        in_background = checkpoint_in_background and file not in (None, "", ":memory:")

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            if in_background:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.close()

        if in_background:
            assert file is not None
            start_checkpoints(engine, Path(file).resolve())
        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed on success and rolled back on error.

    On SQLite the writes of one process take turns (see `_sqlite_writer`).
    """
    with _sqlite_writer(engine), Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction, committed on success: for writes in SQL Core.

    The projection's hot path writes through this rather than an ORM session:
    its unit of work was most of a transition's SQL time (bench/results/2026-history.md).
    On SQLite it takes the same turn as `session_scope`.
    """
    with _sqlite_writer(engine), engine.begin() as connection:
        yield connection


def utc(moment: datetime) -> datetime:
    """Attach UTC to a naive datetime read back from SQLite."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def utc_or_none(moment: datetime | None) -> datetime | None:
    """`utc` of a nullable column's value (None stays None)."""
    return None if moment is None else utc(moment)


# One lock per SQLite file: the writers of this process queue for it in turn.
_SQLITE_WRITERS: dict[str, threading.RLock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def _sqlite_writer(engine: Engine) -> AbstractContextManager[object]:
    """The turn of a write on `engine`: a lock per SQLite file, nothing elsewhere.

    SQLite takes one writer at a time, and a writer that finds the file locked
    polls with growing sleeps (up to 100 ms): under a busy worker's ten activity
    threads some writes lost that race again and again, far behind the rest
    (bench/results/2026-history.md). Threads waiting on a lock are served about in turn and
    wake at once. Reentrant: a write may call another within its own turn.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    database = str(engine.url.database)
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(database, threading.RLock())
