"""What blocks a wave: members by stage, checklist progress, missing conditions, overdue items.

Pure: the store reads the rows, this decides what they mean, so the same rules
serve one wave and the program-wide roll-up.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, Field

from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.parties.transitions import not_reached
from onboarding.domain.vocabulary import Stage
from onboarding.domain.waves.models import MemberStatus, WaveStatus

_APPROVED = frozenset({Stage.READY, Stage.LIVE})


@dataclass(frozen=True)
class ObligationFact:
    """One obligation row, as far as blockers care."""

    id: str
    status: ObligationStatus
    deadline: date | None
    effective_deadline: date | None


class OverdueItem(BaseModel):
    id: str
    deadline: date
    days_overdue: int


class MemberReadiness(BaseModel):
    """One member: where it stands and what still keeps it from going live."""

    number: str
    name: str
    stage: Stage
    member_status: MemberStatus
    checklist_done: int
    checklist_total: int
    missing: list[str] = Field(description="conditions still missing for go-live")
    overdue: list[OverdueItem]


class WaveBlockers(BaseModel):
    """One wave: its members by stage and each member's blockers."""

    wave_id: str
    name: str
    go_live_at: datetime
    status: WaveStatus
    members_by_stage: dict[str, int]
    ready: int
    blocked: int
    missed_go_live: list[str]
    members: list[MemberReadiness]


class ProgramBlockers(BaseModel):
    """Every wave's blockers, and the totals across the program."""

    as_of: date
    members: int
    ready: int
    blocked: int
    overdue_items: int
    missed_go_live: list[str]
    waves: list[WaveBlockers]


def member_readiness(
    *,
    number: str,
    name: str,
    stage: Stage,
    paused_from: Stage | None,
    member_status: MemberStatus,
    obligations: Sequence[ObligationFact],
    checklist: Sequence[str],
    as_of: date,
    approval_stages: frozenset[Stage],
    waits_for: tuple[str, Stage | None] | None = None,
) -> MemberReadiness:
    """A member's readiness from its stage and obligation rows on `as_of`.

    `approval_stages` are where its process approves go-live from (a
    municipality's signed service agreement); `waits_for` is the municipality
    a GP office waits for, with that municipality's stage.
    """
    by_id = {o.id: o for o in obligations}
    done = [i for i in checklist if (o := by_id.get(i)) and o.status is ObligationStatus.FULFILLED]
    missing: list[str] = []
    if member_status is MemberStatus.MISSED_GO_LIVE:
        missing.append("missed go-live: move it to another wave")
    if stage is Stage.PAUSED:
        missing.append(f"paused (from {paused_from.value if paused_from else 'unknown'})")
    reached = approval_stages | _APPROVED
    if stage not in reached and paused_from not in reached:
        missing.append(not_reached(approval_stages))
    missing += [f"checklist item {i} not done" for i in checklist if i not in done]
    if stage in approval_stages and len(done) == len(checklist):
        missing.append("approve_go_live not recorded")
    if waits_for is not None and waits_for[1] not in _APPROVED:
        home, home_stage = waits_for
        standing = home_stage.value if home_stage else "not registered"
        missing.append(f"municipality {home} is not ready for go-live ({standing})")
    overdue = sorted(
        (
            OverdueItem(id=o.id, deadline=o.deadline or due, days_overdue=(as_of - due).days)
            for o in obligations
            if o.status is ObligationStatus.OPEN
            and (due := o.effective_deadline) is not None
            and due < as_of
        ),
        key=lambda item: (-item.days_overdue, item.id),
    )
    return MemberReadiness(
        number=number,
        name=name,
        stage=stage,
        member_status=member_status,
        checklist_done=len(done),
        checklist_total=len(checklist),
        missing=[] if stage is Stage.LIVE else missing,
        overdue=overdue,
    )


def wave_blockers(
    *,
    wave_id: str,
    name: str,
    go_live_at: datetime,
    status: WaveStatus,
    members: Sequence[MemberReadiness],
) -> WaveBlockers:
    """Roll one wave's members up."""
    return WaveBlockers(
        wave_id=wave_id,
        name=name,
        go_live_at=go_live_at,
        status=status,
        members_by_stage=dict(sorted(Counter(m.stage.value for m in members).items())),
        ready=sum(1 for m in members if m.stage in (Stage.READY, Stage.LIVE)),
        blocked=sum(1 for m in members if m.missing),
        missed_go_live=[
            m.number for m in members if m.member_status is MemberStatus.MISSED_GO_LIVE
        ],
        members=list(members),
    )


def program_blockers(*, as_of: date, waves: Sequence[WaveBlockers]) -> ProgramBlockers:
    """Roll every wave up into the program's view."""
    members = [m for w in waves for m in w.members]
    return ProgramBlockers(
        as_of=as_of,
        members=len(members),
        ready=sum(w.ready for w in waves),
        blocked=sum(w.blocked for w in waves),
        overdue_items=sum(len(m.overdue) for m in members),
        missed_go_live=[n for w in waves for n in w.missed_go_live],
        waves=list(waves),
    )
