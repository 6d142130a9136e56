"""up's worker child (onboarding/embedded/worker_process.py) and up's watch over its services."""

import asyncio
from pathlib import Path

import pytest

from onboarding.embedded.devserver import DevServer, DevServerOptions, temporal_binary
from onboarding.embedded.errors import ServiceFailed
from onboarding.embedded.signals import ShutdownSignals
from onboarding.embedded.worker_process import (
    running_worker_process,
    worker_command,
    worker_environment,
)
from onboarding.gateway.connection import TemporalUnreachable, connect_to
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
    # Started while the dev server boots: it keeps trying until the server answers.
    assert float(env["ONBOARDING_TEMPORAL_CONNECT_WAIT_SECONDS"]) >= 30
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


async def test_a_worker_waits_for_its_temporal_as_long_as_it_is_told(tmp_path: Path) -> None:
    nobody = embedded(tmp_path)
    started = asyncio.get_running_loop().time()
    with pytest.raises(TemporalUnreachable, match="cannot connect to Temporal"):
        await connect_to(nobody)
    at_once = asyncio.get_running_loop().time() - started
    patient = nobody.model_copy(update={"temporal_connect_wait_seconds": 1.0})
    started = asyncio.get_running_loop().time()
    with pytest.raises(TemporalUnreachable, match=r"in 1 s"):
        await connect_to(patient)
    waited = asyncio.get_running_loop().time() - started
    assert waited >= 0.8 > at_once

    # A server that comes up while it waits is found.
    dev = DevServer(
        DevServerOptions(
            binary=temporal_binary(),
            db_file=tmp_path / "temporal.db",
            log_file=tmp_path / "temporal.log",
            port=free_port(),
            ui_port=free_port(),
        )
    )
    later = nobody.model_copy(
        update={"temporal_address": dev.options.address, "temporal_connect_wait_seconds": 60.0}
    )
    waiting = asyncio.create_task(connect_to(later))
    await asyncio.sleep(0.5)
    assert not waiting.done()
    with dev:
        client = await asyncio.wait_for(waiting, timeout=60)
        assert await client.service_client.check_health()
