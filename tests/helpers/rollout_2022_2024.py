"""The real production waves of 2022-2024 (docs/demo-region.md), as data for the replay test.

The same waves the demo region records (onboarding/data/demo-rollout.json,
`waves`): each wave's id, name, hospital, the go-live dates it had in order
(the first is the plan it was created with, each later one a reschedule with
its reason) and its members by name. Trondheim's wave was planned for
November 2021, then 2022-04-30, and went live on 2022-05-07; the other waves
went live on their first date.
"""

from dataclasses import dataclass
from datetime import datetime

from onboarding.demo.rollout import shipped_rollout
from onboarding.domain.parties.region import shipped_region


@dataclass(frozen=True)
class RealWave:
    id: str
    name: str
    health_trust: str | None
    dates: tuple[tuple[datetime, str], ...]  # (go_live_at, why it was set)
    members: tuple[str, ...]

    @property
    def went_live_at(self) -> datetime:
        return self.dates[-1][0]


def _real_waves() -> tuple[RealWave, ...]:
    rollout = shipped_rollout()
    names = {m.number: m.name for m in shipped_region()}
    return tuple(
        RealWave(
            id=wave.id,
            name=wave.name,
            health_trust=wave.health_trust,
            dates=tuple((d.go_live_at, d.reason) for d in wave.dates),
            members=tuple(names[number] for number in rollout.members(wave.id)),
        )
        for wave in rollout.waves
    )


ROLLOUT = _real_waves()
