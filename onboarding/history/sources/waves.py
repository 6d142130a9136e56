"""Wave events, from the append-only wave_event table: dates, members, decisions, go-live.

Entry kinds are the event kinds prefixed `wave_` (wave_rescheduled,
wave_member_added, ...). An event about one member (added, moved, removed,
went live, missed go-live) belongs to that municipality; an event about the
whole wave (created, rescheduled, decision, went live, closed) belongs to
every municipality that was a member when it was recorded, so a
municipality's timeline shows its wave's moves while it was in it, and not
those before it joined or after it left.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, get_args

from sqlalchemy import ColumnElement, Select, and_, exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from onboarding.domain.calendar import OSLO, oslo_date
from onboarding.domain.waves.models import WaveEventKind
from onboarding.history.entries import (
    AuditEntry,
    AuditFilters,
    EventSource,
    actor_is,
    day_start,
    key_select,
    recorded_between,
)
from onboarding.store.database import utc, utc_or_none
from onboarding.store.tables.waves import WaveEventRow

PREFIX = "wave_"
EVENT_KINDS: tuple[str, ...] = get_args(WaveEventKind)
JOINED = ("member_added", "member_moved_in")
LEFT = ("member_removed", "member_moved_out")


def _while_a_member(number: str) -> ColumnElement[bool]:
    """A wave-level event recorded while `number` was in the wave (joined, not left since)."""
    joined = aliased(WaveEventRow)
    left = aliased(WaveEventRow)
    event_wave, event_seq = col(WaveEventRow.wave_id), col(WaveEventRow.seq)
    # Correlated to both enclosing queries (auto-correlation reaches only the nearest).
    left_since = (
        exists()
        .where(
            col(left.wave_id) == event_wave,
            col(left.number) == number,
            col(left.kind).in_(LEFT),
            col(left.seq) > col(joined.seq),
            col(left.seq) < event_seq,
        )
        .correlate_except(left)
    )
    return and_(
        col(WaveEventRow.number).is_(None),
        exists()
        .where(
            col(joined.wave_id) == event_wave,
            col(joined.number) == number,
            col(joined.kind).in_(JOINED),
            col(joined.seq) < event_seq,
            ~left_since,
        )
        .correlate_except(joined),
    )


def _local(moment: datetime | None) -> str | None:
    return utc(moment).astimezone(OSLO).isoformat() if moment is not None else None


def _summary(row: WaveEventRow) -> str:
    wave = f"wave {row.wave_id}"
    match row.kind:
        case "created":
            return f"{wave} created, go-live {_local(row.go_live_at)}"
        case "rescheduled":
            return f"{wave} moved: {_local(row.previous_go_live_at)} → {_local(row.go_live_at)}"
        case "member_added":
            return f"{row.number} added to {wave}"
        case "member_moved_in":
            return f"{row.number} moved to {wave} from wave {row.other_wave}"
        case "member_removed":
            return f"{row.number} removed from {wave}"
        case "member_moved_out":
            return f"{row.number} moved from {wave} to wave {row.other_wave}"
        case "decision":
            return f"{wave}: {row.evidence.get('decision', 'decision')}"
        case "member_went_live":
            return f"{row.number} went live with {wave}"
        case "member_missed_go_live":
            return f"{row.number} missed the go-live of {wave}"
        case "went_live":
            return f"{wave} went live"
        case _:
            return f"{wave}: {row.kind.replace('_', ' ')}"


class WaveEventSource(EventSource):
    """A wave event takes effect on its own date if it has one (go-live), else when recorded."""

    name = "wave_event"
    kinds = tuple(PREFIX + kind for kind in EVENT_KINDS)

    def keys(self, filters: AuditFilters) -> Select[Any, Any, Any] | None:
        if not self.wanted(filters):
            return None
        recorded = col(WaveEventRow.recorded_at)
        conditions = recorded_between(recorded, filters)
        if filters.kinds is not None:
            wanted = [k.removeprefix(PREFIX) for k in filters.kinds if k in self.kinds]
            conditions.append(col(WaveEventRow.kind).in_(wanted))
        # Effective on its own date, else on the (Oslo) day it was recorded.
        dated = col(WaveEventRow.effective_on).is_not(None)
        if filters.effective_from is not None:
            start = filters.effective_from
            conditions.append(
                or_(
                    and_(dated, col(WaveEventRow.effective_on) >= start),
                    and_(~dated, recorded >= day_start(start)),
                )
            )
        if filters.effective_to is not None:
            end = filters.effective_to
            conditions.append(
                or_(
                    and_(dated, col(WaveEventRow.effective_on) <= end),
                    and_(~dated, recorded < day_start(end + timedelta(days=1))),
                )
            )
        if filters.wave is not None:
            conditions.append(col(WaveEventRow.wave_id) == filters.wave)
        if filters.municipality is not None:
            number = filters.municipality
            conditions.append(or_(col(WaveEventRow.number) == number, _while_a_member(number)))
        if filters.actor is not None:
            conditions.append(
                actor_is(WaveEventRow.actor_id, WaveEventRow.actor_name, filters.actor)
            )
        return key_select(self.name, recorded, col(WaveEventRow.id), conditions)

    def load(self, session: Session, ids: Sequence[int]) -> list[AuditEntry]:
        rows = session.exec(select(WaveEventRow).where(col(WaveEventRow.id).in_(ids))).all()
        return [
            AuditEntry(
                id=f"{self.name}:{row.id}",
                kind=PREFIX + row.kind,
                municipality_number=row.number,
                wave=row.wave_id,
                actor=row.actor,
                effective_on=row.effective_on or oslo_date(utc(row.recorded_at)),
                recorded_at=utc(row.recorded_at),
                entered_at=utc_or_none(row.entered_at),
                summary=_summary(row),
                evidence=dict(row.evidence),
                comment=row.reason,
                details={
                    "event": row.kind,
                    "seq": row.seq,
                    "go_live_at": _local(row.go_live_at),
                    "previous_go_live_at": _local(row.previous_go_live_at),
                    "other_wave": row.other_wave,
                    "workflow_id": row.workflow_id,
                    "run_id": row.run_id,
                },
            )
            for row in rows
        ]
