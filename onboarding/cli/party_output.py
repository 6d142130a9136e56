"""Rendering of parties for people: the list, one party's facts, what an import did."""

from collections.abc import Mapping, Sequence
from typing import Any

from onboarding.cli.output import municipality_details, stage_text, table

KIND_LABELS = {
    "municipality": "municipality",
    "gp_office": "GP office",
    "specialist": "private specialist",
    "hospital": "hospital",
}


def parties_table(items: Sequence[Mapping[str, Any]]) -> str:
    """Parties of every kind, one per line, with a count under it."""
    rows = [
        (
            p.get("number"),
            p.get("kind"),
            p.get("name"),
            p.get("home_municipality"),
            p.get("health_trust"),
            p.get("staff_count"),
            stage_text(p),
        )
        for p in items
    ]
    text = table(["ID", "KIND", "NAME", "MUNICIPALITY", "HEALTH TRUST", "STAFF", "STAGE"], rows)
    count = len(items)
    return f"{text}\n{count} {'party' if count == 1 else 'parties'}"


def party_details(view: Mapping[str, Any]) -> str:
    """One party: who it is (beyond a municipality's facts), then where it stands."""
    kind = view.get("kind", "municipality")
    if kind == "municipality":
        return municipality_details(view)
    facts: list[tuple[str, object]] = [
        ("Kind", KIND_LABELS.get(str(kind), kind)),
        ("Org number", view.get("org_number")),
        ("Municipality", view.get("municipality_number") or "none"),
    ]
    if view.get("specialty"):
        facts.append(("Specialty", view.get("specialty")))
    if view.get("staff_count") is not None:
        facts.append(("Staff", view.get("staff_count")))
    details = municipality_details(view).split("\n")
    width = max(len(line.split(":", 1)[0]) for line in details) + 1
    width = max(width, max(len(label) for label, _ in facts) + 1)
    head = [f"{label + ':':<{width}} {value}" for label, value in facts]
    # The id first, as for a municipality; then its kind's facts, then its state.
    return "\n".join([details[0], *head, *details[1:]])


def party_registered(view: Mapping[str, Any]) -> str:
    """A registration's answer: the party's id and where it stands."""
    return f"Registered {view.get('number')} {view.get('name')} ({stage_text(view)})."


def parties_imported(result: Mapping[str, Any]) -> str:
    """An import's answer: how many were registered now, and how many were there already."""
    return (
        f"Registered {result.get('registered')} parties; "
        f"{result.get('present')} were registered already."
    )
