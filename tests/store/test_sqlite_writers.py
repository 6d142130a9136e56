"""The writes of one process take turns on a SQLite file, and only there."""

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, text

from onboarding.store.database import make_engine, session_scope

HOLD = 0.2


def _writes_at_once(engine: Engine, writers: int = 3) -> list[tuple[float, float]]:
    """Run `writers` threads each holding a write session for HOLD; their (start, end)."""
    spans: list[tuple[float, float]] = []
    start = threading.Barrier(writers)

    def write() -> None:
        start.wait()
        with session_scope(engine) as session:
            began = time.monotonic()
            session.execute(text("SELECT 1"))
            time.sleep(HOLD)
            spans.append((began, time.monotonic()))

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(spans)


def _overlapping(spans: list[tuple[float, float]]) -> bool:
    return any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))


def test_sqlite_writers_of_a_process_take_turns(sqlite_engine: Engine) -> None:
    spans = _writes_at_once(sqlite_engine)
    assert len(spans) == 3
    assert not _overlapping(spans)


def test_two_engines_on_one_sqlite_file_share_the_turns(sqlite_engine: Engine) -> None:
    other = make_engine(str(sqlite_engine.url))
    try:
        spans: list[tuple[float, float]] = []
        threads = [
            threading.Thread(target=lambda e=engine: spans.extend(_writes_at_once(e, 1)))
            for engine in (sqlite_engine, other)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(spans) == 2
        assert not _overlapping(sorted(spans))
    finally:
        other.dispose()


def test_a_write_may_open_another_within_its_turn(sqlite_engine: Engine) -> None:
    done: list[bool] = []

    def nested() -> None:
        with session_scope(sqlite_engine), session_scope(sqlite_engine) as inner:
            inner.execute(text("SELECT 1"))
            done.append(True)

    _in_thread(nested)
    assert done == [True]


def test_postgresql_writers_run_at_once(postgres_engine: Engine) -> None:
    # PostgreSQL takes concurrent writers itself: no turns there.
    spans = _writes_at_once(postgres_engine)
    assert len(spans) == 3
    assert _overlapping(spans)


def _in_thread(body: Callable[[], None]) -> None:
    thread = threading.Thread(target=body)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive(), "deadlocked"
