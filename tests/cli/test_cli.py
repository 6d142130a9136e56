"""The command line without a server: local checks, messages and exit codes.

Every client command is pointed at a port nothing listens on, so a check that
passes locally shows up as the "cannot reach" message, and one that fails
locally shows its own message instead: either way nothing was sent.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onboarding.cli.main import app
from onboarding.domain.process.machine import mermaid_diagram
from onboarding.domain.process.registry import MUNICIPALITY, latest
from onboarding.embedded.datadir import DataDir
from tests.helpers.ports import free_port


@pytest.fixture
def unreachable_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def runner(tmp_path: Path, unreachable_url: str) -> CliRunner:
    # An empty home: no admin token of a real local instance is picked up.
    return CliRunner(
        env={
            "ONBOARDING_URL": unreachable_url,
            "ONBOARDING_HOME": str(tmp_path),
            "ONBOARDING_TOKEN": None,
        }
    )


def one_line_error(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {stderr!r}"
    assert lines[0].startswith("error: ")
    return lines[0]


def test_diagram_is_printed_without_a_server(runner: CliRunner) -> None:
    result = runner.invoke(app, ["diagram"])

    assert result.exit_code == 0, result.output
    assert result.stdout == mermaid_diagram(latest(MUNICIPALITY))
    assert "prospective --> collaboration_signed: sign_collaboration" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["transition", "5001", "exercise_option", "--evidence", "case_ref"],
            "error: --evidence: 'case_ref' is not key=value",
        ),
        (
            ["transition", "5001", "exercise_option", "--evidence", "=2021/12"],
            "error: --evidence: '=2021/12' is not key=value",
        ),
        (
            ["transition", "5001", "pause", "--evidence", "reason=a", "--evidence", "reason=b"],
            "error: --evidence: reason is given twice",
        ),
        (
            ["transition", "5001", "exercise_option", "--on", "2021-02-30"],
            "error: --on: '2021-02-30' is not a date (use YYYY-MM-DD",
        ),
        (
            ["transition", "5001", "exercise_option", "--on", "17.06.2021"],
            "error: --on: '17.06.2021' is not a date",
        ),
        (["report", "--as-of", "20240101"], "error: --as-of: '20240101' is not a date"),
        (["show", "501"], "error: NUMBER: '501' is not a 4-digit municipality number"),
        (["history", "Trondheim"], "error: NUMBER: 'Trondheim' is not a 4-digit"),
        (["list", "--stage", "golive"], "error: --stage: unknown stage 'golive' (allowed: "),
    ],
)
def test_malformed_input_is_rejected_before_any_request(
    runner: CliRunner, args: list[str], expected: str
) -> None:
    result = runner.invoke(app, args)

    assert result.exit_code == 1
    assert one_line_error(result.stderr).startswith(expected)
    assert result.stdout == ""


def test_well_formed_input_goes_to_the_api(runner: CliRunner, unreachable_url: str) -> None:
    result = runner.invoke(
        app,
        [
            "transition",
            "5001",
            "exercise_option",
            "--evidence",
            "case_ref=2019/8=29",  # '=' inside the value is the value's
            "--on",
            "2019-08-29",
        ],
    )

    assert result.exit_code == 1
    assert one_line_error(result.stderr) == (
        f"error: cannot reach the API at {unreachable_url} (is 'onboarding up' running?)"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--json"],
        ["show", "5001"],
        ["history", "5001", "--json"],
        ["report"],
        ["seed"],
        ["users", "list"],
        ["users", "add", "Kari", "--role", "viewer"],
    ],
)
def test_unreachable_api_is_one_line(
    runner: CliRunner, unreachable_url: str, args: list[str]
) -> None:
    result = runner.invoke(app, args)

    assert result.exit_code == 1
    assert one_line_error(result.stderr) == (
        f"error: cannot reach the API at {unreachable_url} (is 'onboarding up' running?)"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["transition", "5001"],
            "error: Missing argument 'TRIGGER'. (see 'onboarding transition --help')",
        ),
        (["users", "add", "Kari"], "error: Missing option '--role'. (see 'onboarding users add"),
        (["up", "--port", "http"], "error: Invalid value for '--port': "),
        (["lsit"], "error: No such command 'lsit'."),
    ],
)
def test_usage_errors_are_one_line_too(runner: CliRunner, args: list[str], expected: str) -> None:
    result = runner.invoke(app, args, prog_name="onboarding")

    assert result.exit_code == 2
    assert one_line_error(result.stderr).startswith(expected)


def _run_module(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ONBOARDING_HOME": str(tmp_path / "home")}
    env.pop("ONBOARDING_URL", None)
    env.pop("ONBOARDING_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "onboarding", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_python_dash_m_runs_the_same_cli(tmp_path: Path) -> None:
    result = _run_module("diagram", tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == mermaid_diagram(latest(MUNICIPALITY))


def test_up_refuses_a_taken_port_before_starting_anything(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run_module(
            "up",
            "--data-dir",
            str(tmp_path / "data"),
            "--port",
            str(port),
            "--temporal-port",
            str(free_port()),
            tmp_path=tmp_path,
        )

    assert result.returncode == 1
    assert one_line_error(result.stderr) == (
        f"error: port {port} (API) on 127.0.0.1 is already in use; "
        "stop what uses it or choose another with --port"
    )
    assert not (tmp_path / "data" / "temporal.db").exists()


def test_up_refuses_a_data_dir_in_use(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    data.create()
    with data.lock():
        result = _run_module(
            "up",
            "--data-dir",
            str(data.root),
            "--port",
            str(free_port()),
            "--temporal-port",
            str(free_port()),
            tmp_path=tmp_path,
        )

    assert result.returncode == 1
    assert one_line_error(result.stderr) == (
        f"error: another 'onboarding up' is running on {data.root}; stop it first"
    )
