"""Sending one email over SMTP, with the relay, TLS and credentials from Settings.

    MailError             the relay could not take the message; `permanent` says
                          whether trying again can help (a 5xx for the recipient or
                          the message) or not (everything else: connection, TLS,
                          authentication, 4xx)

Authentication and TLS failures count as transient on purpose: they are
configuration faults an operator fixes, and the retries still pending then go
through.
"""

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Literal

from pydantic import SecretStr

from onboarding.settings import Settings

Security = Literal["starttls", "tls", "none"]


class MailError(Exception):
    """The relay did not take the message; the message says why, in one line."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to hand messages over."""

    host: str
    port: int
    security: Security
    sender: str
    username: str | None = None
    password: SecretStr | None = None
    ca_file: Path | None = None
    timeout_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpConfig | None":
        """The relay the settings name; None when none is configured (messages are held)."""
        if settings.smtp_host is None:
            return None
        # Settings refuses a host without a sender, so this holds.
        assert settings.smtp_sender is not None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            ca_file=settings.smtp_ca_file,
            timeout_seconds=settings.smtp_timeout_seconds,
        )


@dataclass(frozen=True)
class OutgoingMail:
    """One message to one person."""

    to_email: str
    to_name: str | None
    subject: str
    body: str
    # Stable per outbox row: the Message-ID is derived from it, so if the
    # at-least-once window ever sends a row twice, mail systems see one message.
    key: str


def build_message(mail: OutgoingMail, *, sender: str) -> EmailMessage:
    """The RFC 5322 message: plain UTF-8 text, a stable Message-ID, marked automatic."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(display_name=mail.to_name or "", addr_spec=mail.to_email)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    domain = sender.rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(mail.key.encode("utf-8")).hexdigest()[:40]
    message["Message-ID"] = f"<onboarding.{digest}@{domain}>"
    # RFC 3834: out-of-office replies must not answer an automatic message.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    return message


class SmtpMailer:
    """Sends through the configured relay, one connection per message.

    A connection per message keeps failures independent (one bad recipient
    never poisons a session) and costs nothing at the volume of reminders.
    """

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def send(self, mail: OutgoingMail) -> None:
        """Hand the message to the relay; MailError if it did not take it."""
        config = self.config
        where = f"{config.host}:{config.port}"
        message = build_message(mail, sender=config.sender)
        try:
            with self._connect() as smtp:
                if config.security == "starttls":
                    smtp.starttls(context=self._tls_context())
                if config.username is not None and config.password is not None:
                    smtp.login(config.username, config.password.get_secret_value())
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _ in err.recipients.values()]
            reasons = "; ".join(
                f"{rcpt}: {code} {_text(text)}" for rcpt, (code, text) in err.recipients.items()
            )
            raise MailError(
                f"{where} refused the recipient: {reasons}",
                permanent=all(code >= 500 for code in codes),
            ) from None
        except smtplib.SMTPDataError as err:
            raise MailError(
                f"{where} refused the message: {err.smtp_code} {_text(err.smtp_error)}",
                permanent=err.smtp_code >= 500,
            ) from None
        except smtplib.SMTPResponseException as err:
            raise MailError(f"{where}: {err.smtp_code} {_text(err.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as err:
            # OSError covers refused connections, timeouts, DNS and TLS failures.
            raise MailError(f"{where}: {type(err).__name__}: {err}") from None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        if config.security == "tls":
            return smtplib.SMTP_SSL(
                config.host,
                config.port,
                timeout=config.timeout_seconds,
                context=self._tls_context(),
            )
        return smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)

    def _tls_context(self) -> ssl.SSLContext:
        # Certificates and host names are always verified; an internal CA is
        # trusted by naming its bundle (smtp_ca_file), never by turning checks off.
        ca_file = str(self.config.ca_file) if self.config.ca_file is not None else None
        return ssl.create_default_context(cafile=ca_file)


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())
