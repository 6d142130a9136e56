"""up's worker child (onboarding/embedded/worker_process.py) and up's watch over its services."""

import asyncio
from pathlib import Path

import pytest

from onboarding.embedded.errors import ServiceFailed
from onboarding.embedded.signals import ShutdownSignals
from onboarding.embedded.worker_process import (
    running_worker_process,
    worker_command,
    worker_environment,
)
from onboarding.settings import Settings
from tests.helpers.ports import free_port


def embedded(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path / "data",
        temporal_address=f"127.0.0.1:{free_port()}",
        url="http://127.0.0.1:18000",
        temporal_ui_url="http://127.0.0.1:18233",
    )


def test_the_child_gets_ups_choices_and_none_of_a_clusters_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "ONBOARDING_TEMPORAL_TLS": "true",
        "ONBOARDING_TEMPORAL_API_KEY": "cloud-key",
        "ONBOARDING_METRICS_PORT": "9464",
        "ONBOARDING_TEMPORAL_ADDRESS": "cluster.example:7233",
        "ONBOARDING_TASK_QUEUE": "onboarding-east",
    }.items():
        monkeypatch.setenv(name, value)
    settings = embedded(tmp_path)
    env = worker_environment(settings)
    # Its dev server speaks plain gRPC and up serves no metrics.
    assert not {"ONBOARDING_TEMPORAL_TLS", "ONBOARDING_TEMPORAL_API_KEY"} & env.keys()
    assert "ONBOARDING_METRICS_PORT" not in env
    assert env["ONBOARDING_TEMPORAL_ADDRESS"] == settings.temporal_address
    assert env["ONBOARDING_URL"] == settings.url  # the links in its messages
    assert env["ONBOARDING_TASK_QUEUE"] == "onboarding-east"  # the rest as the user set it
    assert env["ONBOARDING_LOG_LEVEL"] == "WARNING"
    command = worker_command(settings)
    assert command[1] == "-P" and command[-2:] == ["--data-dir", str(settings.home)]


async def test_a_child_that_cannot_start_is_reported_and_gone(tmp_path: Path) -> None:
    # No read model in the data dir: `onboarding worker` refuses to start.
    settings = embedded(tmp_path)
    settings.home.mkdir()
    async with running_worker_process(settings) as worker:
        with pytest.raises(ServiceFailed, match="exited with code 1 before it polled"):
            await worker.wait_ready(timeout=60)
    assert worker.process is not None and worker.process.returncode == 1


async def test_a_service_that_ends_during_a_step_ends_the_step_with_its_reason() -> None:
    # How up loads the region: until(load, the services it needs).
    signals = ShutdownSignals()

    async def dies() -> None:
        await asyncio.sleep(0.01)
        raise ServiceFailed("the worker process was killed by SIGKILL")

    async def long_step() -> int:
        await asyncio.sleep(60)
        return 1

    service = asyncio.create_task(dies())
    with pytest.raises(ServiceFailed, match="killed by SIGKILL"):
        await signals.until(long_step(), {"worker": service})

    async def quick_step() -> int:
        return 2

    running = asyncio.create_task(asyncio.sleep(60))
    assert await signals.until(quick_step(), {"worker": running}) == 2
    running.cancel()
