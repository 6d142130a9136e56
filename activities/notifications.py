"""Activities that write the notification outbox and deliver it by email."""

from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import interfaces
from onboarding.domain.notifications import DeliveryInput, DeliveryResult, DueMessage, EnqueueResult
from onboarding.mail import MailError, OutgoingMail, SmtpConfig, SmtpMailer
from onboarding.observability.metrics import (
    DELIVERIES,
    DELIVERY_FAILURES,
    MESSAGES_DUE,
    MESSAGES_SENT,
)
from onboarding.settings import Settings
from onboarding.store import outbox
from onboarding.store.tables.notifications import NotificationRow

# The ApplicationError types a workflow may see from deliver_notifications.
DELIVERY_FAILED = "delivery_failed"
UNKNOWN_NOTIFICATION = "unknown_notification"


class NotificationActivities(interfaces.Notifications):
    """Outbox and delivery on behalf of the workflows (which must not do I/O).

    Without an SMTP relay in the settings (the embedded default) every message
    is `held`: written, visible in the API, never sent.
    """

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._base_url = settings.resolved_public_url
        config = SmtpConfig.from_settings(settings)
        self._mailer = SmtpMailer(config) if config is not None else None

    @activity.defn(name="enqueue_notifications")
    def enqueue_notifications(self, due: DueMessage) -> EnqueueResult:
        """Write one outbox row per recipient of `due` (idempotent); their ids."""
        ids = outbox.enqueue(self._engine, due, base_url=self._base_url)
        MESSAGES_DUE.labels(kind=due.kind.value).inc()
        return EnqueueResult(notification_ids=ids)

    @activity.defn(name="deliver_notifications")
    def deliver_notifications(self, input: DeliveryInput) -> DeliveryResult:
        """Send each row not yet sent; raise (and so be retried) if any failed for now.

        Every row is tried even when an earlier one failed, so one unreachable
        recipient delays nobody else; a retry skips the rows already sent. A
        permanent refusal (5xx for the recipient or the message) stays `failed`
        in the outbox and is counted in `rejected`: retrying cannot help.
        """
        result = DeliveryResult()
        transient: list[str] = []
        send = self._send if self._mailer is not None else None
        for notification_id in input.notification_ids:
            # Each row may wait up to smtp_timeout_seconds on the relay: a workflow
            # that sets a heartbeat timeout then learns early of a stuck worker.
            activity.heartbeat(notification_id)
            try:
                outcome = outbox.deliver(self._engine, notification_id, send=send)
            except outbox.UnknownNotification as err:
                # Ids come from enqueue_notifications; a missing row is a bug, not a blip.
                raise ApplicationError(
                    str(err), type=UNKNOWN_NOTIFICATION, non_retryable=True
                ) from None
            except MailError as err:
                if err.permanent:
                    activity.logger.warning("notification %s refused: %s", notification_id, err)
                    result.rejected += 1
                else:
                    transient.append(f"{notification_id}: {err}")
                DELIVERY_FAILURES.labels(kind="permanent" if err.permanent else "transient").inc()
                continue
            DELIVERIES.labels(outcome=outcome.value).inc()
            match outcome:
                case outbox.Outcome.SENT:
                    result.sent += 1
                case outbox.Outcome.ALREADY_SENT:
                    result.already_sent += 1
                case outbox.Outcome.HELD:
                    result.held += 1
                case outbox.Outcome.NO_RECIPIENT:
                    result.no_recipient += 1
        if transient:
            # Retryable: Temporal tries again with the workflow's backoff; the rows
            # show `failed`, their attempts and last_error meanwhile.
            raise ApplicationError(
                f"{len(transient)} of {len(input.notification_ids)} not delivered: "
                + "; ".join(transient),
                type=DELIVERY_FAILED,
            )
        return result

    def _send(self, row: NotificationRow) -> None:
        assert self._mailer is not None, "only called with a relay configured"
        if row.recipient_email is None:  # only no_recipient rows lack one
            raise MailError(f"notification {row.id} has no recipient address", permanent=True)
        self._mailer.send(
            OutgoingMail(
                to_email=row.recipient_email,
                to_name=row.recipient_name,
                subject=row.subject,
                body=row.body,
                key=row.key,
            )
        )
        MESSAGES_SENT.labels(kind=row.kind).inc()
