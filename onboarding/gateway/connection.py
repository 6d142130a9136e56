"""Connecting to the configured Temporal: address, namespace, TLS or mTLS, API key.

Used by every production client (worker, API); the embedded default and the
tests connect to their own dev server with `onboarding.gateway.client.connect`.
"""

import asyncio
import time

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import RPCError, TLSConfig

from onboarding.gateway.client import connect
from onboarding.gateway.codec import EncryptionCodec, configured_key_ring
from onboarding.settings import Settings


class TemporalUnreachable(Exception):
    """No Temporal server answered at the configured address (one line for the user)."""


def tls_config(settings: Settings) -> TLSConfig | bool:
    """The TLS set-up the settings ask for: False, True (system CAs) or a TLSConfig."""
    files = (
        settings.temporal_tls_ca_file,
        settings.temporal_tls_cert_file,
        settings.temporal_tls_key_file,
    )
    if all(f is None for f in files) and settings.temporal_tls_server_name is None:
        # An API key (Temporal Cloud) only ever travels over TLS.
        return settings.temporal_tls or settings.temporal_api_key is not None
    ca, cert, key = (f.read_bytes() if f is not None else None for f in files)
    return TLSConfig(
        server_root_ca_cert=ca,
        client_cert=cert,
        client_private_key=key,
        domain=settings.temporal_tls_server_name,
    )


# Between two tries while `temporal_connect_wait_seconds` lasts.
RETRY_EVERY = 0.2


async def connect_to(settings: Settings, runtime: Runtime | None = None) -> Client:
    """A client of the configured Temporal, or TemporalUnreachable saying where we looked.

    Tried again every RETRY_EVERY seconds for `temporal_connect_wait_seconds`
    (a worker started beside its server, as `onboarding up` starts its own);
    then it also waits for the namespace, which a server starting up serves a
    moment after it accepts connections.
    """
    api_key = settings.temporal_api_key
    waiting = settings.temporal_connect_wait_seconds > 0
    deadline = time.monotonic() + settings.temporal_connect_wait_seconds
    while True:
        try:
            client = await connect(
                settings.temporal_address,
                settings.temporal_namespace,
                tls=tls_config(settings),
                api_key=api_key.get_secret_value() if api_key is not None else None,
                runtime=runtime,
                # Payloads hold personal data: sealed before they leave the process.
                codec=EncryptionCodec(configured_key_ring(settings)),
            )
            if waiting:
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace=settings.temporal_namespace)
                )
            return client
        except (RuntimeError, OSError, RPCError) as err:
            if time.monotonic() + RETRY_EVERY > deadline:
                waited = settings.temporal_connect_wait_seconds
                raise TemporalUnreachable(
                    f"cannot connect to Temporal at {settings.temporal_address} "
                    f"(namespace {settings.temporal_namespace})"
                    f"{f' in {waited:g} s' if waited else ''}: {err}"
                ) from None
        await asyncio.sleep(RETRY_EVERY)
