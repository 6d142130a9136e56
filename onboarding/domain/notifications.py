"""What the workflows hand to the notification activities, and the roles they address.

The workflows decide *when* a reminder or escalation is due and *which roles*
it goes to; the activities resolve roles to people (contacts live in SQL, never
in workflow history), write one outbox row per recipient under a unique key,
and deliver by SMTP.
"""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from onboarding.domain.party import Party
from onboarding.domain.vocabulary import RecipientRole as RecipientRole

# RecipientRole is defined with the process's words (vocabulary.py): obligation
# rules (policy.py) name roles without importing the models below, which the
# CLI's `diagram` does not need. It is still imported from here everywhere else.

MUNICIPALITY_ROLES: tuple[RecipientRole, ...] = (
    RecipientRole.MUNICIPALITY_CONTACT,
    RecipientRole.MUNICIPAL_DIRECTOR,
)
PROGRAM_ROLES: tuple[RecipientRole, ...] = (
    RecipientRole.PROGRAM_COORDINATOR,
    RecipientRole.PROGRAM_DIRECTOR,
    RecipientRole.COUNCIL,
)


class MessageKind(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"


class NotificationStatus(StrEnum):
    """Where one outbox row stands.

    pending       written, not yet handed to delivery
    sent          accepted by the SMTP relay (`sent_at`)
    held          no SMTP configured: kept in the outbox, visible in the API
    failed        the last attempt failed (`last_error`, `attempts`); a transient
                  failure is retried by Temporal, a permanent refusal is not
    no_recipient  nobody holds the addressed role (`last_error` names it)
    """

    PENDING = "pending"
    SENT = "sent"
    HELD = "held"
    FAILED = "failed"
    NO_RECIPIENT = "no_recipient"


class DueMessage(BaseModel):
    """One reminder or escalation that fell due for one obligation.

    `message_key` names the message within its obligation and deadline
    ("reminder-60d", "escalation-2"); together with the municipality, the
    obligation and the deadline it makes the outbox key, so a retry or a replay
    never writes (or sends) it twice, while a moved deadline gets fresh keys.
    """

    municipality: Party  # the party (any kind); the name payloads have always used
    obligation_id: str
    obligation_label: str
    kind: MessageKind
    message_key: str
    level: int | None = Field(None, description="escalation level (escalations only)")
    offset_days: int | None = Field(None, description="days before the deadline (reminders)")
    deadline: date
    due_at: datetime
    recipient_roles: list[RecipientRole]


class EnqueueResult(BaseModel):
    """The outbox rows of one due message (existing ones included, on a retry)."""

    notification_ids: list[int]


class DeliveryInput(BaseModel):
    notification_ids: list[int]


class DeliveryResult(BaseModel):
    """How many were sent now, were already sent, or are held (no SMTP configured).

    `rejected` rows were refused for good by the relay (a 5xx for the recipient
    or the message): retrying cannot help, so they stay `failed` in the outbox
    instead of failing the activity. `no_recipient` rows have nobody to go to.
    Transient failures never show up here: the activity raises and is retried.
    """

    sent: int = 0
    already_sent: int = 0
    held: int = 0
    rejected: int = 0
    no_recipient: int = 0
