"""All settings in one class, read from the environment (prefix ONBOARDING_).

The embedded default needs nothing set: data lives under ./.onboarding (or
ONBOARDING_HOME), SQLite holds the read model, and `onboarding up` starts its
own Temporal dev server. Production sets the Temporal address, namespace and
database URL.
"""

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

from email_validator import EmailNotValidError, validate_email
from pydantic import Field, SecretStr, model_validator

from onboarding.domain.party import PARTY_ID_PATTERN

if TYPE_CHECKING:
    from onboarding.domain.policy import ReminderPolicy
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values copied from documentation or examples; production refuses to start with them.
# A role of ONBOARDING_OIDC_ROLES (parsed into roles in onboarding/sso/roles.py): a staff
# role, or the municipality role with a scope of party ids, as a token's scope takes them.
_PARTY_ID = PARTY_ID_PATTERN.removeprefix("^").removesuffix("$")
_OIDC_ROLE = re.compile(rf"viewer|coordinator|admin|municipality:{_PARTY_ID}(\s*,\s*{_PARTY_ID})*")
PLACEHOLDER_MARKERS = ("changeme", "change-me", "change_me", "placeholder", "example", "secret")


class Settings(BaseSettings):
    """Settings of the engine, API and CLI."""

    model_config = SettingsConfigDict(env_prefix="ONBOARDING_", extra="ignore")

    home: Path = Field(
        Path(".onboarding"),
        description="data dir of the embedded default (`onboarding up`): the SQLite read model, "
        "the dev server's state, the admin token and the encryption keys",
    )
    mode: Literal["embedded", "production"] = Field(
        "embedded",
        description="`production` refuses insecure settings (docs/personal-data.md) and an "
        "unmigrated schema instead of migrating it",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the read model, e.g. "
        "`postgresql+psycopg://user@host/db`; unset: SQLite `onboarding.db` in the data dir",
    )
    temporal_address: str = Field(
        "localhost:7233",
        description="Temporal frontend, host:port (production; `onboarding up` runs its own "
        "dev server)",
    )
    temporal_namespace: str = Field("default", description="Temporal namespace")
    temporal_connect_wait_seconds: float = Field(
        0.0,
        ge=0,
        le=600,
        description="how long a worker or API keeps trying to reach Temporal at start before "
        "it gives up (0: one try); `onboarding up` gives its worker 60 s, started while its "
        "dev server boots",
    )
    # A cluster behind TLS, or Temporal Cloud: mTLS (cert + key) or an API key.
    temporal_tls: bool = Field(
        False, description="connect to the Temporal frontend over TLS (the system's CAs)"
    )
    temporal_tls_ca_file: Path | None = Field(
        None, description="CA of the Temporal frontend (default: the system's)"
    )
    temporal_tls_cert_file: Path | None = Field(
        None, description="client certificate (mTLS); set with the key file, or neither"
    )
    temporal_tls_key_file: Path | None = Field(
        None, description="the client certificate's private key (mTLS)"
    )
    temporal_tls_server_name: str | None = Field(
        None, description="server name to verify, if not the address's host"
    )
    temporal_api_key: SecretStr | None = Field(
        None, description="API key (Temporal Cloud); implies TLS"
    )
    task_queue: str = Field("onboarding", description="task queue the workers poll")
    continue_as_new_after_events: int = Field(
        2_000,
        ge=50,
        description="history length at which a workflow continues as new, carrying its state",
    )
    policy_file: Path | None = Field(
        None,
        description="JSON reminder policy for new workflows (docs/deadlines.md); unset: the "
        "built-in one",
    )
    temporal_ui_url: str = Field(
        "http://127.0.0.1:8233",
        description="base URL of the Temporal web UI: links to a workflow's raw history from "
        "the API and the admin pages, and the one origin the codec endpoint answers "
        "(`onboarding up`: its dev server's UI)",
    )
    # CLI side: where the API is and who we are.
    url: str = Field("http://127.0.0.1:8000", description="base URL of the API, for the CLI")
    token: str | None = Field(
        None, description="bearer token, for the CLI; unset: the data dir's `admin.token`"
    )
    # Notifications: links in messages, and the mail relay. No smtp_host (the
    # embedded default) keeps every message `held` in the outbox, visible in the API.
    public_url: str | None = Field(
        None,
        description="base of the links in notifications (`<url>/municipalities/<number>`); "
        "unset: `ONBOARDING_URL`",
    )
    smtp_host: str | None = Field(
        None, description="the mail relay; unset: notifications are `held` in the outbox"
    )
    smtp_port: int = Field(587, ge=1, le=65_535, description="the mail relay's port")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls (587), tls (implicit, 465) or none (trusted relay)"
    )
    smtp_username: str | None = Field(
        None, description="user name at the relay; set with the password, or neither"
    )
    smtp_password: SecretStr | None = Field(None, description="password at the relay")
    smtp_sender: str | None = Field(
        None, description="the From address; required with `ONBOARDING_SMTP_HOST`"
    )
    smtp_ca_file: Path | None = Field(
        None, description="CA bundle to verify an internal relay (default: the system's)"
    )
    smtp_timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="network timeout talking to the relay, per message"
    )
    # Pages: how long a page session lives.
    session_idle_minutes: int = Field(
        30, ge=1, le=24 * 60, description="a page session ends after this long unused"
    )
    session_absolute_hours: int = Field(
        12, ge=1, le=24 * 30, description="a page session ends this long after sign-in"
    )
    # Single sign-on for the pages (OpenID Connect, docs/sso.md). Unset issuer: people sign
    # in with a token, as in the embedded default.
    oidc_issuer: str | None = Field(
        None,
        description="issuer URL of the OpenID provider (its discovery document is "
        "`<issuer>/.well-known/openid-configuration`); unset: no single sign-on, the pages "
        "take a token",
    )
    oidc_client_id: str | None = Field(
        None, description="this app's client id at the provider; required with the issuer"
    )
    oidc_client_secret: SecretStr | None = Field(
        None, description="the client's secret at the provider; unset: a public client (PKCE)"
    )
    oidc_cli_client_id: str | None = Field(
        None,
        description="a public client's id at the provider for `onboarding signin` (the device "
        "authorization flow); the API then takes that client's ID tokens as bearer tokens; "
        "unset: the CLI and the API take API tokens only",
    )
    oidc_scopes: str = Field(
        "openid profile email", description="scopes asked for at sign-in, space-separated"
    )
    oidc_role_claim: str = Field(
        "groups",
        description="the ID token claim (a list or a string) whose values `ONBOARDING_OIDC_ROLES` "
        "maps to roles, e.g. `groups` (Entra ID) or `roles` (app roles)",
    )
    oidc_roles: dict[str, str] | None = Field(
        None,
        description="JSON object from a value of the role claim to a role: `viewer`, "
        "`coordinator`, `admin` or `municipality:5001,5006` (a scope of municipality numbers "
        "or other parties' ids, e.g. `municipality:gp-923609016`), e.g. "
        '`{"onboarding-admins": "admin", "kommune-5001": "municipality:5001"}`; a person '
        "with several gets the highest staff role; one with none is refused",
    )
    oidc_name_claim: str = Field(
        "name",
        description="the ID token claim that names the person in the audit log (then "
        "`preferred_username`, `email`, the subject)",
    )
    token_cache_seconds: float = Field(
        1.0,
        ge=0,
        le=60,
        description="the API reads an active bearer token again after this long: a token "
        "revoked through another API process or replica works in this one for at most this "
        "long, one revoked through this API or its pages stops at once; 0: read on every "
        "request",
    )
    # Worker tuning (`onboarding worker`; sizing in deploy/README.md). The SDK's
    # defaults suit one worker; a fleet tunes these per pod.
    worker_max_concurrent_workflow_tasks: int = Field(
        100, ge=1, description="workflow tasks one worker runs at once"
    )
    worker_max_concurrent_activities: int = Field(
        8, ge=1, description="activities one worker runs at once (its thread pool)"
    )
    worker_max_cached_workflows: int = Field(
        1_000,
        ge=0,
        description="workflows a worker keeps in memory between tasks (the sticky cache, "
        "measured ~270 KB each); fewer saves memory and costs a replay at an evicted "
        "workflow's next task",
    )
    worker_graceful_shutdown_seconds: float = Field(
        30.0, ge=0, description="on SIGTERM, how long running activities may take to finish"
    )
    # Observability. Ports unset: nothing is served (the embedded default).
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65_535,
        description="worker: the app's Prometheus metrics on this port (`/metrics`)",
    )
    temporal_metrics_port: int | None = Field(
        None,
        ge=1,
        le=65_535,
        description="worker and API: the Temporal SDK's Prometheus metrics on this port",
    )
    metrics_host: str = Field(
        "127.0.0.1", description="interface of both metrics ports (`0.0.0.0` in containers)"
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="json: one object per line, with workflow_id and municipality"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="the services' log level"
    )

    @model_validator(mode="after")
    def _temporal_tls_is_complete(self) -> Self:
        """`ONBOARDING_TEMPORAL_TLS_CERT_FILE` and `ONBOARDING_TEMPORAL_TLS_KEY_FILE` go
        together: both or neither."""
        if (self.temporal_tls_cert_file is None) != (self.temporal_tls_key_file is None):
            raise ValueError(
                "ONBOARDING_TEMPORAL_TLS_CERT_FILE and ONBOARDING_TEMPORAL_TLS_KEY_FILE go "
                "together: set both or neither"
            )
        return self

    # Temporal payload encryption (onboarding/gateway/codec.py). The embedded default makes
    # a key file in the data dir; production must give its keys.
    encryption_keys: SecretStr | None = Field(
        None,
        description="payload encryption keys, `id:base64key` entries separated by commas or "
        "lines; the first seals new payloads, every one opens old ones; unset (embedded): "
        "the data dir's `encryption.keys`",
    )
    encryption_keys_file: Path | None = Field(
        None, description="the same keys from a file of `id:base64key` lines (a mounted secret)"
    )
    temporal_allow_plaintext: bool = Field(
        False,
        description="production only: accept a Temporal connection without TLS or API key "
        "(a private network the operator vouches for)",
    )

    @model_validator(mode="after")
    def _smtp_is_complete(self) -> Self:
        """`ONBOARDING_SMTP_USERNAME` and `ONBOARDING_SMTP_PASSWORD` go together: both or
        neither. With `ONBOARDING_SMTP_HOST` set, `ONBOARDING_SMTP_SENDER` is required and
        must be an email address."""
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

    @model_validator(mode="after")
    def _oidc_is_complete(self) -> Self:
        """`ONBOARDING_OIDC_ISSUER` and `ONBOARDING_OIDC_CLIENT_ID` go together, and
        `ONBOARDING_OIDC_ROLES` is required with them (nobody would get a role otherwise);
        each of its roles is `viewer`, `coordinator`, `admin` or `municipality:` followed by
        party ids separated by commas (4-digit municipality numbers, or `gp-`,
        `specialist-` or `hospital-` and a 9-digit organisation number)."""
        if (self.oidc_issuer is None) != (self.oidc_client_id is None):
            raise ValueError(
                "ONBOARDING_OIDC_ISSUER and ONBOARDING_OIDC_CLIENT_ID go together: "
                "set both or neither"
            )
        if self.oidc_issuer is None:
            return self
        if not self.oidc_roles:
            raise ValueError(
                "ONBOARDING_OIDC_ROLES is required with ONBOARDING_OIDC_ISSUER, e.g. "
                '{"onboarding-admins": "admin"}: without it nobody gets a role'
            )
        for value, role in self.oidc_roles.items():
            if not _OIDC_ROLE.fullmatch(role.strip()):
                raise ValueError(
                    f"ONBOARDING_OIDC_ROLES: {value!r} maps to {role!r}; allowed: viewer, "
                    "coordinator, admin, or municipality: and party ids, e.g. "
                    "municipality:5001,5006 or municipality:gp-923609016"
                )
        return self

    @model_validator(mode="after")
    def _production_is_locked_down(self) -> Self:
        """With `ONBOARDING_MODE=production`: encryption keys are required; no secret (keys,
        SMTP password, Temporal API key, OpenID client secret) may be a placeholder such as
        `changeme` or `example`; the Temporal connection needs TLS or an API key, unless
        `ONBOARDING_TEMPORAL_ALLOW_PLAINTEXT=true` (a private network the operator vouches
        for); an OpenID issuer must be https."""
        if self.mode != "production":
            return self
        problems = []
        if self.encryption_keys is None and self.encryption_keys_file is None:
            problems.append(
                "ONBOARDING_ENCRYPTION_KEYS or ONBOARDING_ENCRYPTION_KEYS_FILE is required "
                "(Temporal payloads hold personal data)"
            )
        if self.oidc_issuer is not None and not self.oidc_issuer.startswith("https://"):
            problems.append("ONBOARDING_OIDC_ISSUER must be an https:// URL")
        for name in ("encryption_keys", "smtp_password", "temporal_api_key", "oidc_client_secret"):
            value = getattr(self, name)
            if value is not None and _is_placeholder(value.get_secret_value()):
                problems.append(f"ONBOARDING_{name.upper()} is a placeholder: set a real secret")
        if (
            not self.temporal_tls
            and self.temporal_api_key is None
            and not self.temporal_allow_plaintext
        ):
            problems.append(
                "the Temporal connection is unauthenticated: set ONBOARDING_TEMPORAL_TLS=true "
                "(with ONBOARDING_TEMPORAL_TLS_CERT_FILE/_KEY_FILE for mTLS) or "
                "ONBOARDING_TEMPORAL_API_KEY"
            )
        if problems:
            raise ValueError("refusing to start in production mode: " + "; ".join(problems))
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
        from onboarding.domain.policy import load_policy

        return load_policy(self.policy_file)

    @property
    def admin_token_file(self) -> Path:
        return self.home / "admin.token"

    @property
    def person_token_file(self) -> Path:
        """Where `onboarding signin` keeps the person's ID token (mode 600)."""
        return self.home / "person.token"


def _is_placeholder(value: str) -> bool:
    lowered = value.lower()
    return not value.strip() or any(marker in lowered for marker in PLACEHOLDER_MARKERS)
