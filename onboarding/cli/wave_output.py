"""How waves, their blockers and checklists look in a terminal."""

from collections.abc import Mapping, Sequence
from typing import Any

from onboarding.cli.output import _local_instant, table


def waves_table(waves: Sequence[Mapping[str, Any]]) -> str:
    """Every wave: id, name, go-live (local), status, members."""
    if not waves:
        return "no waves"
    rows = [
        (
            w.get("id"),
            w.get("name"),
            _local_instant(w.get("go_live_at")),
            w.get("status"),
            w.get("members"),
            w.get("health_trust") or "",
        )
        for w in waves
    ]
    return table(["ID", "NAME", "GO-LIVE", "STATUS", "MEMBERS", "HEALTH TRUST"], rows)


def wave_details(wave: Mapping[str, Any]) -> str:
    """One wave: its facts, members, every date it had, and decisions."""
    lines = [
        f"{wave.get('id')}  {wave.get('name')}",
        f"go-live:  {_local_instant(wave.get('go_live_at'))}",
        f"status:   {wave.get('status')}"
        + ("  (recorded after the fact)" if wave.get("recorded_after_the_fact") else ""),
    ]
    if wave.get("health_trust"):
        lines.append(f"hospital: {wave.get('health_trust')}")
    members = wave.get("members") or []
    lines += ["", f"members ({len(members)}):"]
    if members:
        rows = [
            (m.get("number"), m.get("name"), m.get("status"), m.get("went_live_on") or "")
            for m in members
        ]
        lines.append(table(["NUMBER", "NAME", "STATUS", "WENT LIVE"], rows))
    dates = wave.get("dates") or []
    lines += ["", "dates it had:"]
    lines.append(
        table(
            ["GO-LIVE", "SET BY", "WHY"],
            [
                (
                    _local_instant(d.get("go_live_at")),
                    (d.get("actor") or {}).get("name"),
                    d.get("reason") or "",
                )
                for d in dates
            ],
        )
    )
    decisions = wave.get("decisions") or []
    if decisions:
        lines += ["", "decisions:"]
        lines.append(
            table(
                ["DECISION", "BY", "EVIDENCE", "REASON"],
                [
                    (
                        d.get("decision"),
                        (d.get("actor") or {}).get("name"),
                        ", ".join(f"{k}={v}" for k, v in (d.get("evidence") or {}).items()),
                        d.get("reason") or "",
                    )
                    for d in decisions
                ],
            )
        )
    return "\n".join(lines)


def blockers(result: Mapping[str, Any]) -> str:
    """One wave's blockers, or the program's roll-up of every wave."""
    waves = result.get("waves")
    if waves is None:
        return _wave_blockers(result)
    head = (
        f"as of {result.get('as_of')}: {result.get('members')} members, "
        f"{result.get('ready')} ready or live, {result.get('blocked')} blocked, "
        f"{result.get('overdue_items')} overdue items"
    )
    missed = result.get("missed_go_live") or []
    if missed:
        head += f"; missed go-live: {', '.join(missed)}"
    return "\n\n".join([head, *(_wave_blockers(w) for w in waves)])


def _wave_blockers(wave: Mapping[str, Any]) -> str:
    stages = ", ".join(f"{k} {v}" for k, v in (wave.get("members_by_stage") or {}).items())
    head = (
        f"{wave.get('wave_id')}  {wave.get('name')}  {_local_instant(wave.get('go_live_at'))}  "
        f"{wave.get('status')}: {stages or 'no members'}"
    )
    members = wave.get("members") or []
    if not members:
        return head
    rows = [
        (
            m.get("number"),
            m.get("name"),
            m.get("stage"),
            f"{m.get('checklist_done')}/{m.get('checklist_total')}",
            len(m.get("overdue") or []),
            "; ".join(m.get("missing") or []) or "-",
        )
        for m in members
    ]
    return f"{head}\n{table(['NUMBER', 'NAME', 'STAGE', 'CHECKLIST', 'OVERDUE', 'MISSING'], rows)}"


def checklist(view: Mapping[str, Any]) -> str:
    """A member's checklist: each item's deadline and completion, then what blocks go-live."""
    wave = view.get("wave_id")
    head = (
        f"{view.get('number')} in wave {wave}, go-live {_local_instant(view.get('go_live_at'))}"
        if wave
        else f"{view.get('number')} is in no wave"
    )
    rows = []
    for item in view.get("items") or []:
        done = item.get("done") or {}
        rows.append(
            (
                item.get("id"),
                f"T-{item.get('days_before_go_live')}",
                item.get("deadline") or "",
                item.get("status") or "",
                done.get("done_on") or "",
                (done.get("actor") or {}).get("name") or "",
            )
        )
    blockers = view.get("go_live_blockers") or []
    tail = "ready for approve_go_live" if not blockers else "missing: " + "; ".join(blockers)
    return "\n".join(
        [head, table(["ITEM", "DUE", "DEADLINE", "STATUS", "DONE ON", "BY"], rows), tail]
    )


def item_done(number: str, item: Mapping[str, Any]) -> str:
    done = item.get("done") or {}
    return f"{number}: {item.get('id')} done on {done.get('done_on')}"


def items_done(number: str, items: list[str], checklist: Mapping[str, Any]) -> str:
    """One line per item of the request, from the checklist the server answered."""
    by_id = {item.get("id"): item for item in checklist.get("items") or []}
    return "\n".join(item_done(number, by_id.get(item) or {"id": item}) for item in items)
