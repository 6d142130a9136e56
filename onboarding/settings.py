"""All settings in one class, read from the environment (prefix ONBOARDING_).

The embedded default needs nothing set: data lives under ./.onboarding (or
ONBOARDING_HOME), SQLite holds the read model, and `onboarding up` starts its
own Temporal dev server. Production sets the Temporal address, namespace and
database URL.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of the engine, API and CLI."""

    model_config = SettingsConfigDict(env_prefix="ONBOARDING_", extra="ignore")

    home: Path = Field(Path(".onboarding"), description="data dir of the embedded default")
    mode: Literal["embedded", "production"] = "embedded"
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the read model; default SQLite under home"
    )
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "onboarding"
    continue_as_new_after_events: int = Field(2_000, ge=50)
    # CLI side: where the API is and who we are.
    url: str = Field("http://127.0.0.1:8000", description="base URL of the API (CLI)")
    token: str | None = Field(None, description="bearer token (CLI); default home/admin.token")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'onboarding.db').resolve()}"

    @property
    def admin_token_file(self) -> Path:
        return self.home / "admin.token"
