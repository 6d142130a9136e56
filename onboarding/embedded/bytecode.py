"""Bytecode for the workflow sandbox's re-imports, even where Python writes none.

Temporal's sandbox imports a workflow's module afresh for every workflow
instance it creates: a new workflow, and every replay of one that left the
sticky cache. Python compiles the module from source on each such import
unless it finds bytecode. With PYTHONDONTWRITEBYTECODE set (this machine's
default, and many containers') and the source tree as the install (an
editable install, a mounted checkout) there is none: compiling
workflows/municipality.py took 9 ms per instance, and about a fifth of a busy
worker's CPU (py-spy, a 10,000-municipality region with the default cache).
An installed wheel has its bytecode already, and nothing changes there.
"""

import os
import sys
from pathlib import Path


def bytecode_cache() -> Path:
    """Where a worker keeps bytecode when Python would keep none: the user's cache."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "onboarding" / "bytecode"


def keep_bytecode(cache: Path | None = None) -> None:
    """Let this process write and read bytecode, outside the source tree if it was off.

    Where bytecode is on already, Python keeps it as configured. Where it is
    off, it goes to `cache` (default `bytecode_cache()`) through
    `sys.pycache_prefix`, so the source tree stays as clean as the setting
    meant it to. A cache that cannot be written costs only the compiling.
    """
    if not sys.dont_write_bytecode:
        return
    if sys.pycache_prefix is None:
        sys.pycache_prefix = str(cache or bytecode_cache())
    sys.dont_write_bytecode = False
