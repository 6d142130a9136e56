"""Alembic migrations of the read model, on SQLite and PostgreSQL.

- from an empty database to the newest revision, twice (the second run does nothing);
- from the schema the code made before migrations (tests/store/data/previous_schema),
  with its rows kept and its append-only triggers still refusing;
- the migrated schema equals the SQLModel tables: a table or column added
  without a migration fails here, naming what is missing
  (`onboarding db revision "..."` writes the migration);
- one chain of revisions (two branches adding revisions on one parent fail);
- services refuse an unmigrated or behind database, naming `onboarding db upgrade`.
"""

import itertools
import os
import subprocess
import sys
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Table, inspect, select, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import SQLModel

from onboarding.store.database import APPEND_ONLY_TABLES, load_tables, make_engine
from onboarding.store.schema import (
    UPGRADE_COMMAND,
    SchemaNotCurrent,
    head_revision,
    require_current_schema,
    schema_status,
    upgrade_schema,
)
from onboarding.store.tables.parties import PartyLogRow
from onboarding.store.tokens import find_active_token
from tests.helpers.devserver import free_port

PREVIOUS_SCHEMA = Path(__file__).parent / "data" / "previous_schema"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """An empty database: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/empty.db")
        request.addfinalizer(engine.dispose)
        return engine
    migrated: Engine = request.getfixturevalue("postgres_engine")
    # The shared fixture migrates; start over on the same database, emptied.
    with migrated.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    return migrated


def _load_previous_schema(engine: Engine) -> None:
    script = (PREVIOUS_SCHEMA / f"{engine.dialect.name}.sql").read_text()
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            raw.driver_connection.executescript(script)  # type: ignore[union-attr]
        else:
            cursor = raw.cursor()
            cursor.execute(script)
            cursor.close()
        raw.commit()
    finally:
        raw.close()


# Indexes on expressions cannot be reflected (SQLite) or compared (PostgreSQL);
# _differences checks them by name instead.
EXPRESSION_INDEXES = {"uq_contact_scope_role_email"}


def _differences(engine: Engine, metadata: MetaData | None = None) -> list[object]:
    """What compare_metadata finds between the database and the tables, plus missing
    expression indexes."""
    load_tables()
    with engine.connect() as connection, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences: list[object] = list(
            compare_metadata(context, metadata if metadata is not None else SQLModel.metadata)
        )
        differences += [
            ("missing expression index", name)
            for name in sorted(EXPRESSION_INDEXES - _index_names(connection))
        ]
    return differences


def _index_names(connection: Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    return set(connection.execute(text(query)).scalars())


def _assert_append_only(engine: Engine) -> None:
    """Every append-only table refuses UPDATE and DELETE at the database."""
    for table in APPEND_ONLY_TABLES:
        for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(DatabaseError, match="append-only"):
                with engine.begin() as connection:
                    _insert_row(connection, table)
                    connection.execute(text(statement))


_SEQ = itertools.count(1)


def _insert_row(connection: Connection, table: str) -> object:
    """Insert a made-up row into `table`, whatever its columns (append-only tables
    added later are tested without teaching this function about them); a
    foreign key gets a made-up row of its own. Returns the row's key."""
    load_tables()
    n = next(_SEQ)
    values: dict[str, object] = {}
    # Only the columns the database has: it may hold an older schema.
    present = {c["name"]: c for c in inspect(connection).get_columns(table)}
    for column in SQLModel.metadata.tables[table].columns:
        if column.name not in present:
            continue
        if column.primary_key and column.autoincrement in (True, "auto"):
            if isinstance(column.type, Integer):
                continue
        if column.foreign_keys:
            (reference,) = column.foreign_keys
            values[column.name] = _insert_row(connection, reference.column.table.name)
            continue
        python_type = column.type.python_type
        if python_type is int:
            values[column.name] = n
        elif python_type is bool:
            values[column.name] = False
        elif python_type is datetime:
            values[column.name] = datetime.now(UTC)
        elif python_type is date:
            values[column.name] = date(2024, 1, 1)
        elif python_type is dict:
            values[column.name] = {}
        else:
            # The database's length: an older schema's columns may be narrower.
            length = getattr(present[column.name]["type"], "length", None) or 40
            values[column.name] = f"{n:0{length}d}"[-length:]
    result = connection.execute(SQLModel.metadata.tables[table].insert().values(**values))
    return result.inserted_primary_key[0]


def test_the_migrations_form_one_chain() -> None:
    # Two branches that each added a revision on the same parent fail here:
    # set one's down_revision to the other's revision.
    assert head_revision()


def test_upgrade_from_empty_matches_the_tables_and_is_safe_twice(empty_engine: Engine) -> None:
    before, after = upgrade_schema(empty_engine)
    assert before.current is None and not before.unversioned_tables
    assert after.current == head_revision()

    differences = _differences(empty_engine)
    assert differences == [], (
        "the tables and the migrations differ; write a migration with "
        f"`onboarding db revision '<what changed>'` (make revision): {differences}"
    )
    _assert_append_only(empty_engine)

    again_before, again_after = upgrade_schema(empty_engine)
    assert again_before.current == again_after.current == head_revision()
    assert _differences(empty_engine) == []


def test_upgrade_adopts_a_database_from_before_migrations(empty_engine: Engine) -> None:
    _load_previous_schema(empty_engine)
    with empty_engine.begin() as connection:
        _insert_row(connection, "audit_event")
    status = schema_status(empty_engine)
    assert status.current is None and status.unversioned_tables

    with pytest.raises(SchemaNotCurrent, match="created before migrations.*onboarding db upgrade"):
        require_current_schema(empty_engine)

    before, after = upgrade_schema(empty_engine)
    assert before.unversioned_tables
    assert after.current == head_revision()
    assert _differences(empty_engine) == []
    with empty_engine.connect() as connection:
        kept = connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one()
    assert kept == 1, "the rows recorded before the upgrade are kept"
    _assert_append_only(empty_engine)
    require_current_schema(empty_engine)


def test_services_refuse_an_empty_database_naming_the_command(empty_engine: Engine) -> None:
    with pytest.raises(SchemaNotCurrent) as refused:
        require_current_schema(empty_engine)
    assert "has no schema yet" in str(refused.value)
    assert f"run `{UPGRADE_COMMAND}`" in str(refused.value)
    assert "alembic_version" not in inspect(empty_engine).get_table_names()


def test_services_refuse_a_database_behind_or_ahead(empty_engine: Engine) -> None:
    upgrade_schema(empty_engine)
    # As if an older version had migrated it: a revision this code knows, not the head.
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'zzzz'"))
    with pytest.raises(SchemaNotCurrent, match="does not know.*newer version"):
        require_current_schema(empty_engine)


def test_a_table_without_a_migration_is_found(empty_engine: Engine) -> None:
    # What another branch's new table looks like before its migration is written.
    upgrade_schema(empty_engine)
    tables = MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(tables)
    Table("a_table_without_migration", tables, Column("id", Integer, primary_key=True))
    differences = _differences(empty_engine, tables)
    assert [d[0] for d in differences if isinstance(d, tuple)] == ["add_table"]


def _onboarding(*args: str, database_url: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARDING_")}
    env.update(
        ONBOARDING_DATABASE_URL=database_url,
        ONBOARDING_HOME=str(home),
        # Nobody listens here: the schema check must come first and alone.
        ONBOARDING_TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}",
    )
    return subprocess.run(
        [sys.executable, "-m", "onboarding", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_commands_refuse_then_upgrade_then_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/read-model.db"
    for service in ("worker", "api"):
        refused = _onboarding(service, database_url=url, home=tmp_path)
        assert refused.returncode == 1, refused.stderr
        assert refused.stderr.strip() == (
            f"error: the read model at {url} has no schema yet: run `onboarding db upgrade`"
        )
    status = _onboarding("db", "status", database_url=url, home=tmp_path)
    assert status.returncode == 1 and "onboarding db upgrade" in status.stderr

    first = _onboarding("db", "upgrade", database_url=url, home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"from empty to revision {head_revision()}" in first.stdout
    second = _onboarding("db", "upgrade", database_url=url, home=tmp_path)
    assert second.returncode == 0 and "already at revision" in second.stdout
    assert _onboarding("db", "status", database_url=url, home=tmp_path).returncode == 0
    token = _onboarding("db", "admin-token", "--name", "ops", database_url=url, home=tmp_path)
    assert token.returncode == 0, token.stderr
    secret = token.stdout.splitlines()[-1]
    engine = make_engine(url)
    found = find_active_token(engine, secret=secret)
    engine.dispose()
    assert found is not None and (found.name, found.role) == ("ops", "admin")

    # Past the schema check, the worker gets as far as Temporal (which is not there).
    worker = _onboarding("worker", database_url=url, home=tmp_path)
    assert worker.returncode == 1
    assert "cannot connect to Temporal" in worker.stderr


def test_upgrade_fills_the_milestone_rank_of_earlier_transitions(empty_engine: Engine) -> None:
    _load_previous_schema(empty_engine)
    road = ["collaboration_signed", "option_exercised", "declined"]
    with empty_engine.begin() as connection:
        for seq, stage in enumerate(road, start=1):
            connection.execute(
                text(
                    "INSERT INTO audit_event (municipality_number, seq, trigger, from_stage, "
                    "to_stage, evidence, actor_id, actor_name, actor_role, effective_on, "
                    "recorded_at, workflow_id, run_id) VALUES ('1557', :seq, 't', 'x', :stage, "
                    "'{}', 'a', 'A', 'coordinator', '2023-10-01', '2023-10-02 08:00:00+00:00', "
                    "'municipality-1557', 'r')"
                ),
                {"seq": seq, "stage": stage},
            )
    upgrade_schema(empty_engine)
    with empty_engine.connect() as connection:
        ranks = connection.execute(
            text("SELECT reached_rank FROM audit_event ORDER BY seq")
        ).scalars()
        # Declining keeps the option milestone it had reached.
        assert list(ranks) == [1, 2, 2]
    _assert_append_only(empty_engine)


def test_upgrade_counts_each_party_log_and_keeps_counting(empty_engine: Engine) -> None:
    _load_previous_schema(empty_engine)
    insert = text(
        "INSERT INTO audit_event (municipality_number, seq, trigger, from_stage, "
        "to_stage, evidence, actor_id, actor_name, actor_role, effective_on, "
        "recorded_at, workflow_id, run_id) VALUES (:number, :seq, 't', 'x', 'preparing', "
        "'{}', 'a', 'A', 'coordinator', :on, '2023-10-02 08:00:00+00:00', 'w', 'r')"
    )
    # Inserted out of seq order: the latest transition is the highest seq, not the last row.
    rows = [("1557", 2, "2023-11-01"), ("1557", 3, "2023-12-01"), ("1557", 1, "2024-01-01")]
    with empty_engine.begin() as connection:
        for number, seq, on in [*rows, ("5001", 1, "2022-05-01")]:
            connection.execute(insert, {"number": number, "seq": seq, "on": on})
    upgrade_schema(empty_engine)
    party_log = PartyLogRow.__table__  # type: ignore[attr-defined]
    log = select(party_log).order_by(party_log.c.municipality_number)
    with empty_engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(log)] == [
            ("1557", 3, 0, 3, date(2023, 12, 1)),
            ("5001", 1, 0, 1, date(2022, 5, 1)),
        ]
    with empty_engine.begin() as connection:
        connection.execute(insert, {"number": "5001", "seq": 2, "on": "2022-06-01"})
    with empty_engine.connect() as connection:
        assert tuple(connection.execute(log).all()[1]) == ("5001", 2, 0, 2, date(2022, 6, 1))
