"""Process definitions as data, keyed by (key, version).

Every workflow records the version of the process it runs
(`MunicipalityState.process_version`) and keeps running it until a migration
moves it. This registry is where a (key, version) is looked up. A new version
is a new module beside municipality_v2.py, listed in roads.py, not an
`if version == 2` in workflow code. Each kind of party has a key of its own:
municipalities, GP offices, private specialists and hospitals (issue #19).
"""

from collections.abc import Mapping
from types import MappingProxyType

from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.roads import VERSION_MODULES, find, versions_in

MUNICIPALITY = "municipality"
"""The key of the municipality process."""
GP_OFFICE = "gp_office"
"""The key of the GP office process (fastlegekontor)."""
SPECIALIST = "specialist"
"""The key of the private specialist process (avtalespesialist)."""
HOSPITAL = "hospital"
"""The key of the hospital process (a health trust's hospital)."""

# Oldest first per key; the keys in the order `keys()` lists them (roads.py).
PROCESSES: Mapping[tuple[str, int], ProcessDefinition] = MappingProxyType(
    {(m.ROAD.key, m.ROAD.version): ProcessDefinition.of(m.ROAD, m.rules()) for m in VERSION_MODULES}
)


def keys() -> list[str]:
    """The key of every process, each once: municipality first, then the other kinds of party."""
    return list(dict.fromkeys(key for key, _ in PROCESSES))


def process_definition(key: str, version: int) -> ProcessDefinition:
    """The definition of `key` at `version`; RequestRejected naming what exists."""
    return find(PROCESSES, key, version)


def versions(key: str) -> list[ProcessDefinition]:
    """Every version of `key`, oldest first; RequestRejected naming the keys if none."""
    return versions_in(PROCESSES, key)


def latest(key: str) -> ProcessDefinition:
    """The newest version of `key`: what a party registered now starts on."""
    return versions(key)[-1]
