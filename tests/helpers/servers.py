"""The Temporal time-skipping test server, started the one way every test uses.

tests/conftest.py starts one per test module (`env`) and one per test for the
tests that skip months or years (`own_env`); a server skipped ahead moves the
clock of every workflow on it, so those tests must not share one.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from onboarding.embedded.binaries import find_binary
from onboarding.gateway.client import register_search_attributes


@asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping test server with the pydantic converter and our search attributes."""
    path = find_binary("temporal-test-server")
    assert path, "temporal-test-server not found: install the test extras"
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(path), data_converter=pydantic_data_converter
    )
    await register_search_attributes(environment.client)
    async with environment:
        yield environment


async def skip_to(env: WorkflowEnvironment, moment: datetime) -> None:
    """Skip `env`'s clock ahead to `moment` (firing the timers on the way)."""
    now = await env.get_current_time()
    assert moment > now, f"cannot skip back to {moment} from {now}"
    await env.sleep(moment - now)
