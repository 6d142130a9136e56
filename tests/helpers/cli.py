"""The CLI against a served API: `Served` (what the `served` fixture gives) and output checks."""

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from onboarding.cli.main import app as cli
from onboarding.domain.vocabulary import Trigger
from onboarding.store.tokens import Role
from tests.helpers import Harness

OPTION = "exercise_option"


@dataclass
class Served:
    """The API on a port, the harness that starts municipalities, a token per role."""

    url: str
    secrets: dict[Role, str]
    harness: Harness

    @property
    def engine(self) -> Engine:
        return self.harness.engine

    async def signed(self) -> str:
        """A fresh municipality with its collaboration signed: exercise_option is open."""
        place, _ = await self.harness.start()
        await self.harness.move(place.number, Trigger.SIGN_COLLABORATION)
        return place.number

    async def prospective(self) -> str:
        """A fresh municipality with no obligation open."""
        place, _ = await self.harness.start()
        return place.number

    async def run(self, *args: str, role: Role = Role.COORDINATOR) -> Result:
        """Run `onboarding <args>` against the API (in a thread: the API serves on this loop)."""
        runner = CliRunner(env={"ONBOARDING_URL": self.url, "ONBOARDING_TOKEN": self.secrets[role]})
        return await asyncio.to_thread(lambda: runner.invoke(cli, list(args)))

    async def obligation(self, number: str) -> dict[str, Any]:
        """exercise_option as `obligations --json` shows it."""
        result = await self.run("obligations", number, "--json", role=Role.VIEWER)
        assert result.exit_code == 0, result.output
        [found] = [o for o in json.loads(result.stdout) if o["id"] == OPTION]
        assert isinstance(found, dict)
        return found


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]
