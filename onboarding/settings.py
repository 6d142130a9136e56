"""All settings in one class, read from the environment (prefix ONBOARDING_).

The embedded default needs nothing set: data lives under ./.onboarding (or
ONBOARDING_HOME), SQLite holds the read model, and `onboarding up` starts its
own Temporal dev server. Production sets the Temporal address, namespace and
database URL.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

from email_validator import EmailNotValidError, validate_email
from pydantic import Field, SecretStr, model_validator

if TYPE_CHECKING:
    from onboarding.policy import ReminderPolicy
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
    policy_file: Path | None = Field(
        None, description="JSON reminder policy for new workflows (default: the built-in one)"
    )
    # CLI side: where the API is and who we are.
    url: str = Field("http://127.0.0.1:8000", description="base URL of the API (CLI)")
    token: str | None = Field(None, description="bearer token (CLI); default home/admin.token")
    # Notifications: links in messages, and the mail relay. No smtp_host (the
    # embedded default) keeps every message `held` in the outbox, visible in the API.
    public_url: str | None = Field(
        None, description="base URL of links in notifications; default `url`"
    )
    smtp_host: str | None = Field(None, description="SMTP relay; unset: notifications are held")
    smtp_port: int = Field(587, ge=1, le=65_535)
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls (587), tls (implicit, 465) or none (trusted relay)"
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str | None = Field(None, description="From address; required with smtp_host")
    smtp_ca_file: Path | None = Field(
        None, description="CA bundle to verify the relay (default: the system's)"
    )
    smtp_timeout_seconds: float = Field(30.0, gt=0, le=600)

    @model_validator(mode="after")
    def _smtp_is_complete(self) -> Self:
        # Refused at start-up rather than at the first reminder, perhaps months later.
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError(
                "ONBOARDING_SMTP_USERNAME and ONBOARDING_SMTP_PASSWORD go together: "
                "set both or neither"
            )
        if self.smtp_host is None:
            return self
        if not self.smtp_sender:
            raise ValueError("ONBOARDING_SMTP_SENDER is required when ONBOARDING_SMTP_HOST is set")
        try:
            validate_email(self.smtp_sender, check_deliverability=False)
        except EmailNotValidError as err:
            raise ValueError(
                f"ONBOARDING_SMTP_SENDER: {self.smtp_sender!r} is not an email address: {err}"
            ) from None
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'onboarding.db').resolve()}"

    @property
    def resolved_public_url(self) -> str:
        """Where links in notifications point: `public_url`, else the API's `url`."""
        return (self.public_url or self.url).rstrip("/")

    def reminder_policy(self) -> "ReminderPolicy":
        """The reminder policy new workflows start with (policy_file, else the default)."""
        from onboarding.policy import load_policy

        return load_policy(self.policy_file)

    @property
    def admin_token_file(self) -> Path:
        return self.home / "admin.token"
