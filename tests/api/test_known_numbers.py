"""The API's check that a municipality exists reads SQL only for numbers not yet seen."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event

from onboarding.api.known_numbers import require_known
from onboarding.domain.errors import UnknownMunicipality
from tests.helpers.store import register


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements `engine` runs inside the block."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


async def test_a_known_number_is_read_once(sql_engine: Engine) -> None:
    register(sql_engine, "8201")
    with statements(sql_engine) as first:
        await require_known(sql_engine, "8201")
    with statements(sql_engine) as again:
        await require_known(sql_engine, "8201")
    assert len(first) == 1
    assert again == []


async def test_an_unknown_number_is_refused_and_read_again_until_registered(
    sql_engine: Engine,
) -> None:
    for _ in range(2):
        with statements(sql_engine) as read, pytest.raises(UnknownMunicipality):
            await require_known(sql_engine, "8202")
        assert len(read) == 1
    register(sql_engine, "8202")
    await require_known(sql_engine, "8202")


async def test_what_one_engine_knows_is_not_known_to_another(
    sqlite_engine: Engine, postgres_engine: Engine
) -> None:
    register(sqlite_engine, "8203")
    await require_known(sqlite_engine, "8203")
    with pytest.raises(UnknownMunicipality):
        await require_known(postgres_engine, "8203")
