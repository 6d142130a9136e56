"""Writes from the command line carry an idempotency key, and say how to repeat a lost one.

Against two small real HTTP servers on free ports: one that answers every
request as the API does when the engine did not answer in time (503
engine_unavailable), and one that takes the connection and never answers.
"""

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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
from tests.helpers.dates import oslo_day

OUTCOME_UNKNOWN = {
    "error": "engine_unavailable",
    "message": "the workflow engine did not answer in time",
    "outcome": "unknown",
}


class EngineTimesOut(BaseHTTPRequestHandler):
    """Answers writes as the API does when the engine's answers are lost, keeping the bodies.

    A single write gets 503 with `outcome: unknown` (or `answer`, when set); a
    bulk request gets 200 with one municipality's outcome unknown.
    """

    bodies: list[dict[str, Any]] = []
    answer: dict[str, Any] = OUTCOME_UNKNOWN

    def do_POST(self) -> None:  # noqa: N802 (the http.server naming)
        length = int(self.headers["Content-Length"])
        self.bodies.append(json.loads(self.rfile.read(length)))
        status, answer = 503, self.answer
        if self.path == "/api/bulk/deadlines":
            status, answer = 200, BULK_ANSWER
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_PUT = do_POST

    def log_message(self, *_: Any) -> None:
        pass


# A deadline the API would take: ahead of the wall clock, never a named year.
LATER = (oslo_day(datetime.now(UTC)) + timedelta(days=100)).isoformat()

BULK_ANSWER = {
    "obligation_id": "exercise_option",
    "requested": 2,
    "succeeded": 0,
    "failed": 2,
    "results": [
        {"number": "5001", "ok": False, "error": OUTCOME_UNKNOWN},
        {"number": "5006", "ok": False, "error": {"error": "not_found", "message": "no 5006"}},
    ],
}


@pytest.fixture
def unavailable_url() -> Iterator[str]:
    EngineTimesOut.bodies = []
    EngineTimesOut.answer = OUTCOME_UNKNOWN
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
        ("deadline", "set", "5001", "exercise_option", "--on", LATER, "--reason", "later"),
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


def test_a_503_that_changed_nothing_gets_no_hint(unavailable_url: str, tmp_path: Path) -> None:
    EngineTimesOut.answer = {"error": "engine_unavailable", "message": "the engine is down"}
    line = error_line(cli(unavailable_url, tmp_path, "transition", "5001", "start_preparation"))
    assert line == "error: the API failed (HTTP 503): the engine is down"


def test_a_bulk_request_names_its_key_for_the_municipalities_whose_outcome_is_unknown(
    unavailable_url: str, tmp_path: Path
) -> None:
    args = ("deadline", "bulk", "exercise_option", "--numbers", "5001,5006")
    result = cli(unavailable_url, tmp_path, *args, "--on", LATER, "--reason", "later")
    [body] = EngineTimesOut.bodies
    assert error_line(result) == (
        "error: exercise_option: 2 of 2 municipalities failed; for 1 of them it may have been "
        f"recorded: repeat the command with --key {body['idempotency_key']} to learn its outcome"
    )
