"""Every version's road by (key, version), read without building a definition.

The modules listed here are the versions the engine runs; the registry
(registry.py) makes each a ProcessDefinition with its rules. What needs only
the road (the diagram at the CLI) looks it up here, and does not import
pydantic for the rules it would not read (road.py).
"""

from collections.abc import Mapping
from types import MappingProxyType, ModuleType
from typing import TypeVar

from onboarding.domain.errors import RequestRejected
from onboarding.domain.process import (
    gp_office_v1,
    hospital_v1,
    municipality_v1,
    municipality_v2,
    specialist_v1,
)
from onboarding.domain.process.road import ProcessRoad

# Each defines ROAD and rules(); oldest first per key, the keys in the order
# `keys()` lists them.
VERSION_MODULES: tuple[ModuleType, ...] = (
    municipality_v1,
    municipality_v2,
    gp_office_v1,
    specialist_v1,
    hospital_v1,
)

ROADS: Mapping[tuple[str, int], ProcessRoad] = MappingProxyType(
    {(m.ROAD.key, m.ROAD.version): m.ROAD for m in VERSION_MODULES}
)

R = TypeVar("R", bound=ProcessRoad)


def find(table: Mapping[tuple[str, int], R], key: str, version: int) -> R:
    """`key` at `version` in `table`; RequestRejected naming what exists."""
    found = table.get((key, version))
    if found is None:
        known = ", ".join(f"{k} v{v}" for k, v in sorted(table))
        raise RequestRejected("process", f"no process {key!r} version {version}; known: {known}")
    return found


def versions_in(table: Mapping[tuple[str, int], R], key: str) -> list[R]:
    """Every version of `key` in `table`, oldest first; RequestRejected naming the keys if none."""
    found = sorted((d for (k, _), d in table.items() if k == key), key=lambda d: d.version)
    if not found:
        known = ", ".join(sorted({k for k, _ in table}))
        raise RequestRejected("process", f"no process {key!r}; known: {known}")
    return found


def road(key: str, version: int) -> ProcessRoad:
    """The road of `key` at `version`."""
    return find(ROADS, key, version)


def latest_road(key: str) -> ProcessRoad:
    """The road of `key`'s newest version."""
    return versions_in(ROADS, key)[-1]
