"""`onboarding up`: a Temporal dev server, the worker and the API, on one data dir.

Startup runs in order (lock, ports, dev server, schema, admin token, worker,
region, API), each step undone in reverse by one exit stack, so whatever
stops us (Ctrl-C, SIGTERM, a failure half-way) leaves no process behind. The
worker runs as a child process (worker_process.py); the dev server goes last,
after the worker has stopped polling it.

The dev server is launched first, before this process imports the API's
modules and migrates the read model: those take seconds of CPU,
and the dev server boots meanwhile in a process of its own (#21).
"""

import asyncio
import contextlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from onboarding.embedded.datadir import DataDir, ensure_fresh_data_dir
from onboarding.embedded.devserver import DevServer, DevServerOptions, temporal_binary
from onboarding.embedded.heap import settle_api_after_startup
from onboarding.embedded.ports import ensure_port_free, reserve_port
from onboarding.embedded.signals import ShutdownSignals, run_until_stopped
from onboarding.settings import Settings

Say = Callable[[str], None]


@dataclass(frozen=True)
class UpOptions:
    """What `onboarding up` runs; `settings.home` is the data dir."""

    settings: Settings
    api_port: int = 8000
    temporal_port: int = 7233
    ui_port: int | None = None
    host: str = "127.0.0.1"
    # Load the demo region (docs/demo-region.md) once the API answers; fresh data dir only.
    demo: bool = False

    @property
    def resolved_ui_port(self) -> int:
        """The web UI's port: as given, else the Temporal port + 1000 (Temporal's own rule)."""
        return self.ui_port if self.ui_port is not None else self.temporal_port + 1000

    @property
    def api_url(self) -> str:
        """Where the API answers."""
        return f"http://{self.host}:{self.api_port}"


def run_up(options: UpOptions, say: Say) -> None:
    """Run everything until SIGINT or SIGTERM; raise EmbeddedError if it cannot start or run."""
    data = DataDir(options.settings.home.resolve())
    if options.demo:
        ensure_fresh_data_dir(data)
    data.create()
    run_until_stopped(lambda signals: _run(options, data, signals, say))
    say("Stopped.")


async def _run(options: UpOptions, data: DataDir, signals: ShutdownSignals, say: Say) -> None:
    settings = options.settings.model_copy(
        update={
            "home": data.root,
            "temporal_address": f"{options.host}:{options.temporal_port}",
            "url": options.api_url,
            # The dev server's own UI, unless ONBOARDING_TEMPORAL_UI_URL names another.
            "temporal_ui_url": options.settings.temporal_ui_url
            if "temporal_ui_url" in options.settings.model_fields_set
            else f"http://{options.host}:{options.resolved_ui_port}",
        }
    )
    # The dev server's UI decodes payloads through a path only it knows, new each
    # start (onboarding/api/routes/codec.py); other callers need an admin token.
    ui_codec_secret = secrets.token_urlsafe(32)
    dev_options = DevServerOptions(
        binary=temporal_binary(),
        db_file=data.temporal_db,
        log_file=data.temporal_log,
        port=options.temporal_port,
        ui_port=options.resolved_ui_port,
        namespace=settings.temporal_namespace,
        host=options.host,
        ui_codec_endpoint=f"{options.api_url}/api/codec/ui/{ui_codec_secret}",
    )
    async with contextlib.AsyncExitStack() as stack:
        stack.enter_context(data.lock())
        api_socket = stack.enter_context(
            reserve_port(options.host, options.api_port, what="API", option="--port")
        )
        ensure_port_free(
            options.host, options.temporal_port, what="Temporal", option="--temporal-port"
        )
        ensure_port_free(
            options.host, dev_options.ui_port, what="Temporal web UI", option="--ui-port"
        )

        say(f"Starting Temporal on {dev_options.address} (log: {data.temporal_log}) ...")
        dev = stack.enter_context(DevServer(dev_options))
        # While it boots: the API's modules, and the read model.
        from onboarding.embedded.app import create_app
        from onboarding.embedded.bootstrap import load_region_once, prepare_database
        from onboarding.embedded.demo import ensure_empty_audit_log, load_demo_region
        from onboarding.embedded.services import running_api
        from onboarding.embedded.worker_process import running_worker_process
        from onboarding.gateway.client import register_search_attributes
        from onboarding.gateway.codec import EncryptionCodec, configured_key_ring
        from onboarding.store.tokens import ensure_admin_token

        engine = prepare_database(settings)
        stack.callback(engine.dispose)
        if options.demo:
            ensure_empty_audit_log(engine)
        new_token = ensure_admin_token(engine, settings.admin_token_file)
        if new_token is not None:
            # Said now, not in the banner: a start interrupted later must not lose it.
            say(f"Created the admin token (saved in {settings.admin_token_file}): {new_token}")

        # The worker in a process of its own (worker_process.py), started now: it
        # imports on the other core while the dev server boots, and connects once
        # the server answers, while this process builds the app.
        worker = await stack.enter_async_context(running_worker_process(settings))
        codec = EncryptionCodec(configured_key_ring(settings))
        client = await signals.until(dev.wait_ready(codec=codec))
        watch = asyncio.create_task(dev.watch(), name="dev server watch")
        stack.callback(watch.cancel)
        await register_search_attributes(client)
        app = create_app(settings, client=client, engine=engine, ui_codec_secret=ui_codec_secret)
        await signals.until(worker.wait_ready())
        worker_watch = asyncio.create_task(worker.watch(), name="worker watch")
        stack.callback(worker_watch.cancel)
        # What the region's load needs: one of them dying ends the load with why.
        needs = {"worker": worker_watch, "Temporal dev server": watch}
        if not options.demo:
            # The demo registers the region of 2015 instead, and the reforms since.
            await signals.until(
                load_region_once(client, engine, data=data, settings=settings, say=say),
                needs,
            )
        # Served once the region is in: an API that answers has every municipality.
        api = await signals.until(
            stack.enter_async_context(
                running_api(app, host=options.host, port=options.api_port, sock=api_socket)
            )
        )
        if options.demo:
            loaded = await signals.until(
                load_demo_region(engine, api_url=options.api_url, say=say), needs
            )
            data.mark_region_loaded(loaded.municipalities)
        settle_api_after_startup()
        _announce(options, settings, dev_options, say)
        await signals.stopped({**needs, "API": api})
        say("Stopping ...")


def _announce(
    options: UpOptions,
    settings: Settings,
    dev_options: DevServerOptions,
    say: Say,
) -> None:
    say("")
    say(f"Onboarding is up. Data: {settings.home}")
    say(f"  Web pages:    {options.api_url}/ (sign in with a token)")
    say(f"  API:          {options.api_url}")
    say(f"  API docs:     {options.api_url}/docs")
    say(f"  Temporal UI:  {dev_options.ui_url}")
    say(f"  Temporal:     {dev_options.address} (namespace {settings.temporal_namespace})")
    say(f"  Admin token:  {settings.admin_token_file}")
    # The CLI finds this instance by ONBOARDING_URL and ONBOARDING_HOME; say so when
    # their current values (or defaults) would point elsewhere.
    cli = Settings()
    if cli.url.rstrip("/") != options.api_url or cli.home.resolve() != settings.home:
        say(
            "For the CLI in another shell: "
            f"export ONBOARDING_URL={options.api_url} ONBOARDING_HOME={settings.home}"
        )
    say("Press Ctrl-C to stop.")
