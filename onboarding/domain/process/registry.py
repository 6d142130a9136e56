"""Process definitions as data, keyed by (key, version).

Every workflow records the version of the process it runs
(`MunicipalityState.process_version`) and keeps running it until a migration
moves it. This registry is where a (key, version) is looked up. A new version
is a new entry here (a module beside municipality_v2.py), not an
`if version == 2` in workflow code. Each kind of party has a key of its own:
municipalities, GP offices, private specialists and hospitals (issue #19).
"""

from collections.abc import Mapping
from types import MappingProxyType

from onboarding.domain.errors import RequestRejected
from onboarding.domain.process.gp_office_v1 import GP_OFFICE_V1
from onboarding.domain.process.hospital_v1 import HOSPITAL_V1
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.municipality_v1 import MUNICIPALITY_V1
from onboarding.domain.process.municipality_v2 import MUNICIPALITY_V2
from onboarding.domain.process.specialist_v1 import SPECIALIST_V1

MUNICIPALITY = "municipality"
"""The key of the municipality process."""
GP_OFFICE = "gp_office"
"""The key of the GP office process (fastlegekontor)."""
SPECIALIST = "specialist"
"""The key of the private specialist process (avtalespesialist)."""
HOSPITAL = "hospital"
"""The key of the hospital process (a health trust's hospital)."""

# Oldest first per key; the keys in the order `keys()` lists them.
PROCESSES: Mapping[tuple[str, int], ProcessDefinition] = MappingProxyType(
    {
        (d.key, d.version): d
        for d in (MUNICIPALITY_V1, MUNICIPALITY_V2, GP_OFFICE_V1, SPECIALIST_V1, HOSPITAL_V1)
    }
)


def keys() -> list[str]:
    """The key of every process, each once: municipality first, then the other kinds of party."""
    return list(dict.fromkeys(key for key, _ in PROCESSES))


def process_definition(key: str, version: int) -> ProcessDefinition:
    """The definition of `key` at `version`; RequestRejected naming what exists."""
    found = PROCESSES.get((key, version))
    if found is None:
        known = ", ".join(f"{k} v{v}" for k, v in sorted(PROCESSES))
        raise RequestRejected("process", f"no process {key!r} version {version}; known: {known}")
    return found


def versions(key: str) -> list[ProcessDefinition]:
    """Every version of `key`, oldest first; RequestRejected naming the keys if none."""
    found = sorted((d for (k, _), d in PROCESSES.items() if k == key), key=lambda d: d.version)
    if not found:
        known = ", ".join(sorted({k for k, _ in PROCESSES}))
        raise RequestRejected("process", f"no process {key!r}; known: {known}")
    return found


def latest(key: str) -> ProcessDefinition:
    """The newest version of `key`: what a party registered now starts on."""
    return versions(key)[-1]
