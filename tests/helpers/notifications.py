"""Helpers for the contact, outbox and mail tests: municipalities, due messages, a real SMTP server.

The SMTP server is aiosmtpd's `Controller` on a free localhost port, in a
thread of its own, keeping every message it accepts. TLS tests get a
self-signed certificate from the openssl command line (skipped without it).
"""

import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.domain.actor import Actor
from onboarding.domain.contacts import MunicipalityContactIn, ProgramContactIn
from onboarding.domain.municipality import Municipality
from onboarding.domain.notifications import DueMessage, MessageKind, RecipientRole
from onboarding.domain.parties.models import RegistrationInput
from onboarding.embedded.app import create_app
from onboarding.settings import Settings
from onboarding.store import contacts, projection, tokens
from onboarding.store.tokens import STAFF_ROLES, Role
from tests.helpers.ports import free_port  # noqa: F401  (re-exported to the tests)

ACTOR = Actor(id="token:1", name="Kari Koordinator", role="coordinator")
DEADLINE = date(2025, 3, 15)


def municipality(number: str = "5001", name: str = "Trondheim") -> Municipality:
    return Municipality(
        number=number, name=name, county="Trøndelag", health_trust="St. Olavs hospital HF"
    )


def register(engine: Engine, place: Municipality) -> None:
    """The read-model row a workflow would have written."""
    projection.register_municipality(
        engine, RegistrationInput(municipality=place, workflow_id="w", run_id="r")
    )


def set_contacts(engine: Engine, number: str | None, *people: tuple[str, str, str]) -> None:
    """Replace a list with (role, name, email) triples."""
    model = ProgramContactIn if number is None else MunicipalityContactIn
    items = [model(role=RecipientRole(r), name=n, email=e) for r, n, e in people]
    contacts.replace_contacts(engine, municipality_number=number, contacts=items, actor=ACTOR)


def due_message(place: Municipality, **overrides: Any) -> DueMessage:
    """A reminder 30 days before DEADLINE to the municipality contact and the coordinator."""
    values: dict[str, Any] = {
        "municipality": place,
        "obligation_id": "power_of_attorney",
        "obligation_label": "Fullmakt / power of attorney",
        "kind": MessageKind.REMINDER,
        "message_key": "reminder-30d",
        "offset_days": 30,
        "deadline": DEADLINE,
        "due_at": datetime(2025, 2, 13, 7, 0, tzinfo=UTC),
        "recipient_roles": [
            RecipientRole.MUNICIPALITY_CONTACT,
            RecipientRole.PROGRAM_COORDINATOR,
        ],
    }
    values.update(overrides)
    return DueMessage(**values)


# -- the API in-process -------------------------------------------------------------


@dataclass
class Api:
    """The app over httpx's ASGI transport, with a token per role."""

    http: httpx.AsyncClient
    engine: Engine
    secrets: dict[Role, str]

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[role]}"}

    async def get(
        self, path: str, role: Role = Role.VIEWER, params: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.http.get(path, headers=self.auth(role), params=params)

    async def put(self, path: str, body: Any, role: Role = Role.COORDINATOR) -> httpx.Response:
        return await self.http.put(path, json=body, headers=self.auth(role))


def role_tokens(engine: Engine, prefix: str) -> dict[Role, str]:
    """A token for every role, named `<prefix> <role>`."""
    return {
        role: tokens.create_token(engine, name=f"{prefix} {role.value}", role=role)[1]
        for role in STAFF_ROLES
    }


@asynccontextmanager
async def api_client(client: Client, engine: Engine, home: Path) -> AsyncIterator[Api]:
    """The API on `engine` (Trondheim registered), called in-process."""
    register(engine, municipality())
    app = create_app(Settings(home=home), client=client, engine=engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as http:
        yield Api(http, engine, role_tokens(engine, "test"))


def assert_rejected(response: httpx.Response, field: str, *fragments: str) -> None:
    """A 422 naming `field`, its message holding each fragment."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["field"] == field, body
    for fragment in fragments:
        assert fragment in body["message"], body


# -- a real SMTP server --------------------------------------------------------------


@dataclass
class Sink:
    """An aiosmtpd handler that keeps what it accepts and refuses chosen recipients."""

    refuse: set[str] = field(default_factory=set)
    envelopes: list[Envelope] = field(default_factory=list)
    port: int = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        """The accepted messages, parsed."""
        parsed = []
        for envelope in self.envelopes:
            content = envelope.content
            raw = content if isinstance(content, bytes) else str(content).encode()
            message = message_from_bytes(raw, policy=policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed


class Authenticator:
    """Accepts one username and password (AUTH LOGIN / PLAIN)."""

    def __init__(self, username: str, password: str) -> None:
        self.credentials = (username.encode(), password.encode())
        self.logins: list[str] = []

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and (data.login, data.password) == self.credentials:
            self.logins.append(data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@contextmanager
def smtp_server(port: int | None = None, sink: Sink | None = None, **smtp: Any) -> Iterator[Sink]:
    """A real SMTP server on 127.0.0.1:`port` until the block exits."""
    sink = sink if sink is not None else Sink()
    controller = Controller(
        sink, hostname="127.0.0.1", port=port or free_port(), ready_timeout=10, **smtp
    )
    controller.start()
    sink.port = controller.port
    try:
        yield sink
    finally:
        controller.stop()


def smtp_settings(port: int, **overrides: Any) -> Settings:
    """Settings that send through 127.0.0.1:`port` in plain text (a trusted relay)."""
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_sender": "onboarding@helseplattformen.example",
        "public_url": "https://onboarding.example.no",
        "smtp_timeout_seconds": 5,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def self_signed_certificate(directory: Path) -> Certificate:
    """Make one with the openssl command line; skip the test where there is none."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: TLS tests skipped")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return Certificate(cert=cert, key=key)
