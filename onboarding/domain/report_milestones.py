"""Milestones as reports count them: each kind of party's own road, and every kind together.

A municipality's milestones are the program's (vocabulary.MILESTONES: the
collaboration agreement, the option, preparation, the service agreement,
ready, live), ranked in the read model (audit_event.reached_rank). Those
are municipality stages: a GP office never exercises an option, so counting
its preparation as "option exercised" would be false. Every other kind's
milestones are the stages of its own process's main road after
`prospective` (a GP office: agreement_offered, agreement_signed, preparing,
ready, live; a hospital: preparing, ready, live), and a party has reached one
once a transition in force took it there or further along its road.

Together, a milestone counts every party whose road has it and that reached
it on its own road: "live" counts every kind, "option_exercised" only
municipalities, "agreement_signed" only GP offices and specialists.
"""

from functools import cache

from onboarding.domain.parties.process import process_key
from onboarding.domain.party import PartyKind
from onboarding.domain.process.registry import latest, versions
from onboarding.domain.vocabulary import MILESTONES, Stage

# The binding signature of each kind's road, for the headline `signed`. A
# hospital signs nothing of its own: its trust owns the platform.
SIGNATURES: dict[PartyKind, Stage] = {
    PartyKind.MUNICIPALITY: Stage.SERVICE_AGREEMENT_SIGNED,
    PartyKind.GP_OFFICE: Stage.AGREEMENT_SIGNED,
    PartyKind.SPECIALIST: Stage.AGREEMENT_SIGNED,
}


@cache
def milestones_of(kind: PartyKind) -> tuple[Stage, ...]:
    """The milestones of `kind`'s road, in order (see the module docstring)."""
    if kind is PartyKind.MUNICIPALITY:
        return MILESTONES
    road = latest(process_key(kind)).main_road
    return tuple(stage for stage in road if stage is not Stage.PROSPECTIVE)


def rank_on_road(kind: PartyKind, stage: Stage) -> int:
    """How far `stage` is along `kind`'s milestones (1 = the first; 0 = none of them)."""
    road = milestones_of(kind)
    return road.index(stage) + 1 if stage in road else 0


@cache
def milestones_together(kinds: tuple[PartyKind, ...] = tuple(PartyKind)) -> tuple[Stage, ...]:
    """Every milestone of `kinds`, each once, in road order.

    A municipality's milestones first; each other kind's own milestone goes
    just before the first later stage of its road that is already listed (a
    GP office's agreement_offered and agreement_signed before preparing).
    """
    merged: list[Stage] = []
    for kind in kinds:
        road = milestones_of(kind)
        for index, stage in enumerate(road):
            if stage in merged:
                continue
            later = [s for s in road[index + 1 :] if s in merged]
            merged.insert(merged.index(later[0]) if later else len(merged), stage)
    return tuple(merged)


def milestones_for(kind: PartyKind | None) -> tuple[Stage, ...]:
    """The milestones a report on `kind` counts (None: every kind together)."""
    return milestones_of(kind) if kind is not None else milestones_together()


@cache
def stages_for(kind: PartyKind | None) -> tuple[Stage, ...]:
    """The stages a report on `kind` lists (None: every stage, each kind's in turn).

    In the order of the newest version's stages, then those only older
    versions have: a party on an old version still stands in one.
    """
    if kind is None:
        listed = [stage for each in PartyKind for stage in stages_for(each)]
        return tuple(dict.fromkeys([*listed, *Stage]))
    newest_first = reversed(versions(process_key(kind)))
    return tuple(dict.fromkeys(stage for d in newest_first for stage in d.stages))
