"""The data dir of `onboarding up` and what lives in it.

<data>/temporal.db       the dev server's state (workflows, histories)
<data>/temporal.log      the dev server's output
<data>/onboarding.db     the read model and audit log (SQLite), see Settings
<data>/admin.token       the first admin token, mode 0600
<data>/encryption.keys   the keys sealing Temporal payloads, mode 0600 (onboarding/gateway/codec.py)
<data>/region.loaded     marker: the shipped region was loaded here once
<data>/up.lock           held while `onboarding up` runs
"""

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from onboarding.embedded.errors import DataDirBusy, NotFresh


@dataclass(frozen=True)
class DataDir:
    """Paths under one data dir (absolute)."""

    root: Path

    @property
    def temporal_db(self) -> Path:
        """The dev server's SQLite state."""
        return self.root / "temporal.db"

    @property
    def temporal_log(self) -> Path:
        """The dev server's output."""
        return self.root / "temporal.log"

    @property
    def region_marker(self) -> Path:
        """Present once the shipped region was loaded."""
        return self.root / "region.loaded"

    @property
    def lock_file(self) -> Path:
        """Locked while `onboarding up` runs."""
        return self.root / "up.lock"

    def create(self) -> None:
        """Create the directory, readable by its owner only (it holds the admin token)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the data dir for this process; DataDirBusy if another holds it.

        Two dev servers on one temporal.db would corrupt it, and different
        ports would not stop them, so the guard is a lock, not a port check.
        The kernel drops the lock when the process dies, so none goes stale.
        """
        descriptor = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DataDirBusy(
                    f"another 'onboarding up' is running on {self.root}; stop it first"
                ) from None
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{os.getpid()}\n".encode())
            yield
        finally:
            os.close(descriptor)

    def region_loaded(self) -> bool:
        """Whether the shipped region was loaded into this data dir before."""
        return self.region_marker.exists()

    def mark_region_loaded(self, count: int) -> None:
        """Remember that the region's `count` workflows were started and registered."""
        note = {"loaded": count, "at": datetime.now(UTC).isoformat()}
        self.region_marker.write_text(json.dumps(note) + "\n", encoding="utf-8")


def ensure_fresh_data_dir(data: DataDir) -> None:
    """Refuse --demo unless the data dir has never run an instance."""
    if data.temporal_db.exists() or data.region_loaded():
        raise NotFresh(
            f"--demo needs a fresh data dir, and {data.root} already holds an instance; "
            "give a new one with --data-dir (or remove this one) to load the demo region"
        )
