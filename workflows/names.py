"""Names every side of Temporal agrees on: workflow ids and search attributes.

Workflows, activities and the gateway import these; changing one strands
running workflows, so they stay as they are.
"""

from temporalio.common import SearchAttributeKey

STAGE_ATTRIBUTE = SearchAttributeKey.for_keyword("OnboardingStage")
NUMBER_ATTRIBUTE = SearchAttributeKey.for_keyword("MunicipalityNumber")
SEARCH_ATTRIBUTES = (STAGE_ATTRIBUTE, NUMBER_ATTRIBUTE)


def municipality_workflow_id(number: str) -> str:
    """The workflow id of a municipality: `municipality-<number>`."""
    return f"municipality-{number}"


def wave_workflow_id(wave_id: str) -> str:
    """The workflow id of a production wave: `wave-<id>`."""
    return f"wave-{wave_id}"


def migration_workflow_id(migration_id: str) -> str:
    """The workflow id of a migration run: `migration-<id>`."""
    return f"migration-{migration_id}"
