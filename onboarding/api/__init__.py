"""The REST API: FastAPI over the municipality workflows and the SQL read model."""

from onboarding.api.app import create_app

__all__ = ["create_app"]
