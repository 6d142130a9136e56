"""An engine that checkpoints in the background: no commit checkpoints, the thread does.

With `checkpoint_in_background`, every connection of the engine has SQLite's
automatic checkpoint off, the write-ahead log written by commits is copied
back into the database file by the thread, and the thread ends with the
engine. Without it, connections keep SQLite's default (1,000 pages).
"""

import asyncio
import gc
from pathlib import Path

from sqlalchemy import Engine, text

from onboarding.store.database import make_engine
from onboarding.store.wal_checkpoint import Checkpoints, start_checkpoints
from tests.helpers import eventually


def autocheckpoint(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def write_pages(engine: Engine, rows: int) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS filler (body TEXT)"))
    for _ in range(rows):
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO filler VALUES (:body)"), {"body": "x" * 3000})


async def test_commits_do_not_checkpoint_and_the_thread_copies_the_log_back(tmp_path: Path) -> None:
    file = tmp_path / "read.db"
    engine = make_engine(f"sqlite:///{file}", checkpoint_in_background=True)
    try:
        assert autocheckpoint(engine) == 0
        # 1,500 rows of a page each: past the 1,000 pages at which a commit would
        # have checkpointed. Until something checkpoints, they live in the log
        # only, so the database file holding them is the thread's doing.
        write_pages(engine, 1500)
        await eventually(
            lambda: file.stat().st_size > 1500 * 3000, what="the log copied into the file"
        )
    finally:
        engine.dispose()


async def test_the_thread_copies_what_the_commits_wrote(tmp_path: Path) -> None:
    file = tmp_path / "read.db"
    engine = make_engine(f"sqlite:///{file}")
    write_pages(engine, 10)
    with engine.connect() as connection:
        connection.execute(text("PRAGMA wal_autocheckpoint=0"))
    checkpoints = start_checkpoints(engine, file)
    checkpoints.interval = 0.05
    try:
        write_pages(engine, 50)
        await eventually(
            lambda: checkpoints.last is not None and checkpoints.last[1] >= 50,
            what="a checkpoint of the 50 pages written",
        )
        assert checkpoints.last is not None
        assert checkpoints.last[2] == checkpoints.last[1]
    finally:
        checkpoints.stop()
        checkpoints.join(5)
        engine.dispose()


async def test_the_thread_ends_with_its_engine(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/read.db")
    write_pages(engine, 1)
    checkpoints = start_checkpoints(engine, tmp_path / "read.db")
    checkpoints.interval = 0.05
    await eventually(lambda: checkpoints.last is not None, what="a first checkpoint")
    engine.dispose()
    del engine
    gc.collect()
    checkpoints.join(5)
    assert not checkpoints.alive


async def test_a_file_not_made_yet_is_waited_for_not_made(tmp_path: Path) -> None:
    file = tmp_path / "later.db"
    checkpoints = Checkpoints(file, interval=0.05)
    checkpoints.start()
    try:
        await asyncio.sleep(0.3)
        assert not file.exists()
        assert checkpoints.last is None
        engine = make_engine(f"sqlite:///{file}")
        write_pages(engine, 3)
        await eventually(lambda: checkpoints.last is not None, what="a first checkpoint")
        engine.dispose()
    finally:
        checkpoints.stop()
        checkpoints.join(5)


def test_without_the_option_commits_keep_sqlites_default(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/cli.db")
    try:
        assert autocheckpoint(engine) == 1000
    finally:
        engine.dispose()
