"""A reform plan checked before any party is asked: the parts its kind needs (pure)."""

from onboarding.domain.errors import RequestRejected
from onboarding.domain.process.reform_plan import ReformKind, ReformPlan


def check_plan(plan: ReformPlan) -> None:
    """Refuse a plan whose parts do not fit its kind, naming the field and what is allowed.

    renumbering: one party and `new_number`; merger: one or more parties and one
    new municipality; split: one party and at least one part (new or existing);
    boundary_transfer: two parties (from, to); joined, left: one party.
    """
    kind = plan.kind
    counts = {
        ReformKind.RENUMBERING: (1, 1),
        ReformKind.SPLIT: (1, 1),
        ReformKind.BOUNDARY_TRANSFER: (2, 2),
        ReformKind.JOINED: (1, 1),
        ReformKind.LEFT: (1, 1),
        ReformKind.MERGER: (1, 20),
    }
    low, high = counts[kind]
    if not low <= len(plan.parties) <= high:
        wanted = f"exactly {low}" if low == high else f"{low} to {high}"
        raise RequestRejected("parties", f"a {kind.value} names {wanted} part(y/ies)")
    if len(set(plan.parties)) != len(plan.parties):
        raise RequestRejected("parties", "a party is named twice")
    if (plan.new_number is not None) != (kind is ReformKind.RENUMBERING):
        raise RequestRejected("new_number", "only a renumbering names a new number, and it must")
    news = len(plan.new_municipalities)
    if kind is ReformKind.MERGER and news != 1:
        raise RequestRejected("new_municipalities", "a merger creates exactly one municipality")
    if kind is ReformKind.SPLIT and news + len(plan.existing_parts) < 1:
        raise RequestRejected(
            "new_municipalities", "a split names its parts: new municipalities or existing_parts"
        )
    if kind not in (ReformKind.MERGER, ReformKind.SPLIT) and news:
        raise RequestRejected(
            "new_municipalities", f"a {kind.value} creates no municipality; only mergers and splits"
        )
    if kind is not ReformKind.SPLIT and plan.existing_parts:
        raise RequestRejected("existing_parts", "only a split has existing parts")
    numbers = [m.number for m in plan.new_municipalities]
    if len(set(numbers)) != len(numbers):
        raise RequestRejected("new_municipalities", "a number is given twice")
    overlap = set(plan.existing_parts) & set(plan.parties)
    if overlap:
        raise RequestRejected(
            "existing_parts", f"{', '.join(sorted(overlap))} is the divided party itself"
        )
