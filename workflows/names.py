"""Names every side of Temporal agrees on: workflow ids and search attributes.

Workflows, activities and the gateway import these; changing one strands
running workflows, so they stay as they are.
"""

from temporalio.common import SearchAttributeKey

# Kept current only by runs recorded before 2026-12-05 (PartyWorkflow._stage_searchable);
# still registered, so those runs can finish.
STAGE_ATTRIBUTE = SearchAttributeKey.for_keyword("OnboardingStage")
# A municipality's own number; for a GP office or specialist, the municipality
# it practises in (so Temporal lists a municipality's offices beside it).
NUMBER_ATTRIBUTE = SearchAttributeKey.for_keyword("MunicipalityNumber")
KIND_ATTRIBUTE = SearchAttributeKey.for_keyword("PartyKind")
SEARCH_ATTRIBUTES = (STAGE_ATTRIBUTE, NUMBER_ATTRIBUTE, KIND_ATTRIBUTE)


def party_workflow_id(party: str) -> str:
    """The workflow id of a party: `municipality-<number>`, or the party id itself.

    A municipality's id is its number, and its workflow has been
    `municipality-<number>` from the start; other kinds' ids (`gp-923609016`)
    already say what they are.
    """
    return f"municipality-{party}" if party.isdigit() else party


def party_of_workflow_id(workflow_id: str) -> str | None:
    """The party id a party workflow's id names; None for any other workflow."""
    if workflow_id.startswith("municipality-"):
        return workflow_id.removeprefix("municipality-")
    if workflow_id.split("-", 1)[0] in ("gp", "specialist", "hospital"):
        return workflow_id
    return None


def wave_workflow_id(wave_id: str) -> str:
    """The workflow id of a production wave: `wave-<id>`."""
    return f"wave-{wave_id}"


def migration_workflow_id(migration_id: str) -> str:
    """The workflow id of a migration run: `migration-<id>`."""
    return f"migration-{migration_id}"
