"""SQLite's WAL checkpoints on a thread of their own, off the commits that serve users.

SQLite checkpoints by default inside the commit that grows the write-ahead log
past 1,000 pages. That commit copies the log back into the database file and
syncs it before it returns. A transition writes about ten pages, so roughly one
transition in a hundred waited those extra milliseconds: the p99 of
`python -m bench --only up` at concurrency 1. With the automatic checkpoint
turned off (it was 1.30x the floor), that p99 was 1.18x.

A process that serves users (the API, the worker) turns the automatic
checkpoint off on its connections and runs this thread instead. Every second
the thread runs a PASSIVE checkpoint through a connection of its own. A passive
checkpoint never waits for a reader or a writer; it copies what it can and the
next tick copies the rest. Short-lived processes (the CLI, migrations) keep
SQLite's default.
"""

import logging
import sqlite3
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0


@dataclass
class Checkpoints:
    """The thread that checkpoints one SQLite file, and what its last checkpoint did."""

    path: Path
    interval: float = INTERVAL_SECONDS
    # SQLite's answer to the last checkpoint: (busy, frames in the log, frames copied).
    last: tuple[int, int, int] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"wal-checkpoint {self.path.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        failed = False
        try:
            while not self._stop.wait(self.interval):
                try:
                    if connection is None:
                        if not self.path.exists():
                            continue  # not made yet: the engine's first connection makes it
                        # mode=rw: a file deleted meanwhile is an error, not a new empty database.
                        uri = f"{self.path.as_uri()}?mode=rw"
                        connection = sqlite3.connect(uri, uri=True, timeout=1.0)
                    row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.last = (int(row[0]), int(row[1]), int(row[2]))
                    failed = False
                except sqlite3.Error as error:
                    # Logged once per spell of failures; the next tick tries again, so
                    # a file that comes back (or a lock released) is checkpointed again.
                    if not failed:
                        log.warning("WAL checkpoint of %s failed: %s", self.path, error)
                    failed = True
                    if connection is not None:
                        connection.close()
                        connection = None
        finally:
            if connection is not None:
                connection.close()


def start_checkpoints(engine: Engine, path: Path) -> Checkpoints:
    """Checkpoint the SQLite file `path` of `engine` every second until the engine is gone.

    The caller turns the automatic checkpoint off on the engine's connections
    (`make_engine` does, given `checkpoint_in_background=True`). The thread
    stops when the engine is garbage-collected or its owner calls `stop`.
    """
    checkpoints = Checkpoints(path)
    weakref.finalize(engine, checkpoints.stop)
    checkpoints.start()
    return checkpoints
