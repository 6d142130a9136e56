"""The Temporal SDK's metrics: a Runtime with a Prometheus endpoint, if a port is set.

The SDK's core (Rust) serves its own endpoint (task latencies, slots in use,
sticky cache hits, poll counts...). A Runtime is per process and must exist
before the first client connects, so `temporal_runtime` is called once by the
command that starts the service and handed to `onboarding.gateway.client.connect`.
"""

from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from onboarding.settings import Settings


def temporal_runtime(settings: Settings) -> Runtime | None:
    """A Runtime serving SDK metrics on temporal_metrics_port; None keeps the SDK default."""
    if settings.temporal_metrics_port is None:
        return None
    address = f"{settings.metrics_host}:{settings.temporal_metrics_port}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))
