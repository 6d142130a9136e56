"""`onboarding up` end to end: real dev server, worker, API and CLI, stopped and started again.

Starts `python -m onboarding up` on a fresh data dir with free ports, drives it
with the CLI, stops it with SIGTERM, checks that nothing is left running, and
starts it again on the same data dir to check that everything recorded is
still there and the region was not loaded twice.

Select it with `pytest tests/e2e/test_up_e2e.py`; skip it with
`--deselect tests/e2e/test_up_e2e.py` (it takes about half a minute).
"""

import asyncio
import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from onboarding.cli.main import app
from onboarding.embedded.binaries import find_binary
from onboarding.gateway.client import connect
from tests.helpers.ports import free_port
from tests.helpers.temporal_ui import check_workflow_page
from tests.helpers.up import START_TIMEOUT, STOP_TIMEOUT, Up, processes_mentioning
from workflows.names import party_workflow_id

# A safety net, not a measure: two starts of `up`, each with its own deadline
# (START_TIMEOUT); beside a second CI run one test took over 150 s.
pytestmark = [pytest.mark.devserver, pytest.mark.timeout(480)]


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    instance = Up(tmp_path / "data")
    try:
        yield instance
    finally:
        instance.kill_leftovers()
        # Shown by pytest only if the test failed: what `up` said, run by run.
        for log in sorted(tmp_path.glob("up-*.log")):
            print(f"--- {log.name} ---\n{log.read_text()}")
        temporal_log = instance.data_dir / "temporal.log"
        if temporal_log.exists():
            print(f"--- temporal.log (tail) ---\n{temporal_log.read_text()[-3000:]}")


def cli(env: dict[str, str | None], *args: str) -> Any:
    """Run a CLI command in-process against the instance; returns the result."""
    return CliRunner(env=env).invoke(app, list(args))


def cli_json(env: dict[str, str | None], *args: str) -> Any:
    result = cli(env, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def refused(result: Any, starts_with: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(starts_with), lines[0]


async def workflow_ids_listed(address: str, query: str) -> set[str]:
    """Poll the dev server's visibility (eventually consistent) for the workflows `query` lists."""
    client = await connect(address, "default")
    deadline = time.monotonic() + 15
    while True:
        ids = {w.id async for w in client.list_workflows(query)}
        if ids or time.monotonic() > deadline:
            return ids
        await asyncio.sleep(0.3)


def check_standalone_services(up: Up, token: str) -> None:
    """`onboarding worker` and `onboarding api` start against up's Temporal and stop on SIGTERM."""
    api_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ONBOARDING_")},
        "ONBOARDING_TEMPORAL_ADDRESS": up.temporal_address,
        "ONBOARDING_HOME": str(up.data_dir),
    }
    module = [sys.executable, "-m", "onboarding"]
    processes = {
        "worker": subprocess.Popen(
            [*module, "worker"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        ),
        "api": subprocess.Popen(
            [*module, "api", "--port", str(api_port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        ),
    }
    try:
        worker = processes["worker"]
        assert worker.stdout is not None
        assert worker.stdout.readline().startswith("Worker polling task queue 'onboarding'")
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert processes["api"].poll() is None, processes["api"].communicate()[0]
            try:
                answer = httpx.get(
                    f"http://127.0.0.1:{api_port}/api/municipalities/5001",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=5,
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the standalone API did not start"
                time.sleep(0.2)
        assert answer.json()["stage"] == "collaboration_signed"
        for name, process in processes.items():
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=STOP_TIMEOUT)
            assert process.returncode == 0, f"{name}: {output}"
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=10)


async def test_up_runs_everything_and_keeps_it_across_a_restart(up: Up) -> None:
    up.start()
    up.wait_healthy()
    up.wait_announced()
    first_output = up.output()
    token_file = up.data_dir / "admin.token"
    admin_token = token_file.read_text().strip()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert f"Created the admin token (saved in {token_file}): {admin_token}" in first_output
    for line in (f"API:          {up.url}", f"API docs:     {up.url}/docs", "Temporal UI:  "):
        assert line in first_output
    admin = {"ONBOARDING_URL": up.url, "ONBOARDING_TOKEN": admin_token, "ONBOARDING_HOME": None}

    # The region is loaded and listed.
    municipalities = cli_json(admin, "list")
    assert len(municipalities) == 67
    assert {m["stage"] for m in municipalities} == {"prospective"}
    listed = cli(admin, "list")
    assert listed.stdout.splitlines()[-1] == "67 municipalities"

    # The pages are served beside the API: signed out, / leads to the sign-in form.
    assert f"Web pages:    {up.url}/" in first_output
    front = httpx.get(f"{up.url}/", follow_redirects=True, timeout=10)
    assert front.status_code == 200 and str(front.url).endswith("/signin?next=/")
    assert 'name="token"' in front.text

    # A transition with evidence, shown afterwards.
    moved = cli(
        admin,
        "transition",
        "5001",
        "sign_collaboration",
        "--evidence",
        "agreement_version=2022",
        "--evidence",
        "document_ref=ARK-2022/17",
        "--on",
        "2022-03-01",
        "--comment",
        "signed after the 2022 revision",
        "--key",
        "e2e-5001-sign",
    )
    assert moved.exit_code == 0, moved.output
    assert "5001 Trondheim: prospective -> collaboration_signed" in moved.stdout
    shown = cli_json(admin, "show", "5001")
    assert shown["stage"] == "collaboration_signed"
    assert "exercise_option" in shown["allowed_triggers"]

    # The dev server's own UI decodes the sealed payloads out of the box (its codec
    # path), and shows the municipality's summary and its stage as current details.
    await check_workflow_page(
        f"http://127.0.0.1:{up.ui_port}",
        party_workflow_id("5001"),
        shows=["Trondheim (5001)", "Stage: collaboration_signed"],
    )

    # Refusals: one line, non-zero, nothing recorded.
    refused(
        cli(admin, "transition", "5001", "go_live"),
        "error: go_live is not allowed in stage collaboration_signed (",
    )
    refused(
        cli(admin, "transition", "5001", "exercise_option"),
        "error: evidence.case_ref: is required for exercise_option",
    )
    refused(cli(admin, "show", "9999"), "error: no municipality with number 9999")

    history = cli_json(admin, "history", "5001")
    assert [(r["seq"], r["trigger"], r["to_stage"]) for r in history] == [
        (1, "sign_collaboration", "collaboration_signed")
    ]
    assert history[0]["evidence"] == {
        "agreement_version": "2022",
        "document_ref": "ARK-2022/17",
    }
    assert history[0]["effective_on"] == "2022-03-01"

    # The funnel by effective date.
    after = cli_json(admin, "report", "--as-of", "2022-03-01")
    before = cli_json(admin, "report", "--as-of", "2022-02-28")
    assert after["total"] == 67
    assert after["stages"]["collaboration_signed"] == 1
    assert before["stages"]["collaboration_signed"] == 0
    assert cli(admin, "report", "--as-of", "2022-03-01").exit_code == 0

    # A viewer token: shown once, reads, may not record.
    added = cli(admin, "users", "add", "Kari Viewer", "--role", "viewer")
    assert added.exit_code == 0, added.output
    viewer_token = added.stdout.splitlines()[-1]
    assert viewer_token.startswith("onb_")
    viewer = {**admin, "ONBOARDING_TOKEN": viewer_token}
    assert len(cli_json(viewer, "list")) == 67
    refused(
        cli(viewer, "transition", "5001", "exercise_option", "--evidence", "case_ref=2022/9"),
        "error: this needs one of the roles admin, coordinator; the token is viewer",
    )
    assert "Kari Viewer" in cli(admin, "users", "list").stdout

    # Temporal's own CLI finds a party by its search attributes (its stage is in the read model).
    query = "PartyKind='municipality' AND MunicipalityNumber='5001'"
    ids = await workflow_ids_listed(up.temporal_address, query)
    assert ids == {party_workflow_id("5001")}

    # The installed script is the same CLI, as a real process.
    script = find_binary("onboarding")
    assert script is not None
    shown_by_script = subprocess.run(
        [str(script), "show", "5001"],
        capture_output=True,
        text=True,
        env={**os.environ, "ONBOARDING_URL": up.url, "ONBOARDING_TOKEN": admin_token},
        timeout=30,
    )
    assert shown_by_script.returncode == 0, shown_by_script.stderr
    assert "collaboration_signed" in shown_by_script.stdout

    # The production shape: `worker` and `api` as processes of their own, same Temporal.
    check_standalone_services(up, admin_token)

    # SIGTERM stops everything cleanly: exit 0, no dev server left behind.
    assert up.terminate() == 0, up.output()
    assert "Stopped." in up.output()
    assert processes_mentioning(str(up.data_dir)) == []

    # Started again on the same data dir: everything is still there, nothing reloaded.
    up.start()
    up.wait_healthy()
    up.wait_announced()
    second_output = up.output()
    assert "Loading the region" not in second_output
    assert "Created the admin token" not in second_output
    assert f"Admin token:  {token_file}" in second_output
    assert len(cli_json(admin, "list")) == 67
    assert cli_json(admin, "show", "5001")["stage"] == "collaboration_signed"
    assert cli_json(admin, "history", "5001") == history
    assert cli_json(admin, "report", "--as-of", "2022-03-01") == after

    assert up.terminate() == 0, up.output()
    assert processes_mentioning(str(up.data_dir)) == []
