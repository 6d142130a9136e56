"""Links into the Temporal web UI (the admin's view of the engine itself)."""

from urllib.parse import quote

from onboarding.settings import Settings
from workflows.names import party_workflow_id


def workflows_url(settings: Settings) -> str | None:
    """The namespace's workflow list, or None when no UI URL is configured."""
    if not settings.temporal_ui_url:
        return None
    base = settings.temporal_ui_url.rstrip("/")
    return f"{base}/namespaces/{quote(settings.temporal_namespace)}/workflows"


def workflow_url(settings: Settings, number: str) -> str | None:
    """The page of a municipality's workflow, or None when no UI URL is configured."""
    listing = workflows_url(settings)
    if listing is None:
        return None
    return f"{listing}/{quote(party_workflow_id(number))}"
