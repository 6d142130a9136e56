"""The app's Prometheus metrics (prometheus_client), shared by the worker and the API.

The worker counts what its activities did and serves the counts on
ONBOARDING_METRICS_PORT: a transition is counted by the worker that wrote it
(a retried write that finds its row already there is not counted again); a
message that fell due, once per completed enqueue; the API serves its
process's registry at /metrics. Metric objects are process-wide by design of
prometheus_client: each process (worker or API replica) exposes its own
counts and Prometheus adds them up.
"""

from datetime import UTC, datetime

from prometheus_client import Counter, Histogram, start_http_server

TRANSITIONS_RECORDED = Counter(
    "onboarding_transitions_recorded",
    "Transitions written to the audit log and read model by this worker",
    ["trigger"],
)
MESSAGES_DUE = Counter(
    "onboarding_messages_due",
    "Reminders and escalations that fell due and were put in the outbox (one per message)",
    ["kind"],
)
MESSAGES_SENT = Counter(
    "onboarding_messages_sent",
    "Reminders and escalations the mail relay accepted, one per recipient",
    ["kind"],
)
DELIVERIES = Counter(
    "onboarding_deliveries",
    "Outbox rows handled by delivery, by outcome (sent, held, no_recipient, already_sent)",
    ["outcome"],
)
DELIVERY_FAILURES = Counter(
    "onboarding_delivery_failures",
    "Outbox rows the relay did not take: transient (retried) or permanent (left failed)",
    ["kind"],
)
PROJECTION_LAG = Histogram(
    "onboarding_projection_lag_seconds",
    "From the workflow deciding a transition to the read model holding it",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)
API_REQUESTS = Counter(
    "onboarding_api_requests",
    "API requests by route template, method and status code",
    ["method", "route", "status"],
)


def observe_projection_lag(decided_at: datetime) -> None:
    """Record how long the transition decided at `decided_at` took to reach the read model."""
    lag = (datetime.now(UTC) - decided_at).total_seconds()
    PROJECTION_LAG.observe(max(lag, 0.0))


def serve_metrics(host: str, port: int) -> None:
    """Serve this process's metrics on host:port (/metrics), in a daemon thread."""
    start_http_server(port, addr=host)
