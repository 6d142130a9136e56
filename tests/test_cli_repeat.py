"""Writes from the command line carry an idempotency key, and say how to repeat a lost one.

Against two small real HTTP servers on free ports: one that answers every
request as the API does when the engine did not answer in time (503
engine_unavailable), and one that takes the connection and never answers.
"""

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from onboarding.cli import actions
from onboarding.cli.client import ApiClient
from onboarding.cli.errors import ApiTimedOut
from onboarding.cli.main import app

UNAVAILABLE = {
    "error": "engine_unavailable",
    "message": "the workflow engine did not answer in time",
}


class EngineTimesOut(BaseHTTPRequestHandler):
    """Answers every write with the API's 503, keeping the bodies it was sent."""

    bodies: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (the http.server naming)
        length = int(self.headers["Content-Length"])
        self.bodies.append(json.loads(self.rfile.read(length)))
        payload = json.dumps(UNAVAILABLE).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_PUT = do_POST

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def unavailable_url() -> Iterator[str]:
    EngineTimesOut.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), EngineTimesOut)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def cli(url: str, home: Path, *args: str) -> Any:
    env = {"ONBOARDING_URL": url, "ONBOARDING_HOME": str(home), "ONBOARDING_TOKEN": "t"}
    return CliRunner(env=env).invoke(app, list(args))


def error_line(result: Any) -> str:
    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    return str(line)


def test_a_transition_carries_a_fresh_key_and_a_503_says_how_to_repeat_it(
    unavailable_url: str, tmp_path: Path
) -> None:
    args = ("transition", "5001", "exercise_option", "--evidence", "case_ref=2021/1234")
    first = error_line(cli(unavailable_url, tmp_path, *args))
    second = error_line(cli(unavailable_url, tmp_path, *args))

    keys = [body["idempotency_key"] for body in EngineTimesOut.bodies]
    assert len(keys) == 2 and keys[0] != keys[1], keys
    assert all(key.startswith("cli-") for key in keys)
    assert first == (
        "error: the API failed (HTTP 503): the workflow engine did not answer in time; "
        f"it may have been recorded: repeat the command with --key {keys[0]} to learn its outcome"
    )
    assert second.endswith(f"--key {keys[1]} to learn its outcome")


def test_the_key_given_is_sent_and_named(unavailable_url: str, tmp_path: Path) -> None:
    for args in (
        ("transition", "5001", "start_preparation", "--key", "prep-5001"),
        ("deadline", "set", "5001", "exercise_option", "--on", "2031-01-10", "--reason", "later"),
        ("correct", "5001", "7", "--reason", "wrong date", "--on", "2021-02-03"),
    ):
        given = [*args, "--key", "prep-5001"] if "--key" not in args else list(args)
        line = error_line(cli(unavailable_url, tmp_path, *given))
        assert line.endswith("repeat the command with --key prep-5001 to learn its outcome"), line
    assert [body["idempotency_key"] for body in EngineTimesOut.bodies] == ["prep-5001"] * 3


def test_a_write_the_api_took_but_never_answered_says_how_to_repeat_it(
    silent_url: str,
) -> None:
    with (
        ApiClient(silent_url, "t", timeout=httpx.Timeout(0.5)) as api,
        pytest.raises(ApiTimedOut) as raised,
    ):
        actions.record_transition(
            api,
            number="5001",
            trigger="sign_collaboration",
            effective_on=None,
            evidence=[],
            comment=None,
            idempotency_key="sign-5001",
            json=False,
        )
    assert str(raised.value) == (
        f"the API at {silent_url} did not answer in time; it may have been recorded: "
        "repeat the command with --key sign-5001 to learn its outcome"
    )
