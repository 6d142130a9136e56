"""`--help` of every command: plain text, no type placeholders for flags, within 120 columns."""

import re

import pytest
from typer.testing import CliRunner

from onboarding.cli.main import app

COMMANDS = [
    ["process", "show"],
    ["migration"],
    ["reform"],
    ["reform", "dry-run"],
    ["signin"],
    [],
    ["list"],
    ["show"],
    ["transition"],
    ["report"],
    ["audit"],
    ["users", "add"],
    ["deadline", "set"],
    ["wave", "show"],
    ["checklist", "done"],
    ["notifications"],
    ["up"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "onboarding")
def test_help_is_plain_and_fits(command: list[str]) -> None:
    result = CliRunner(env={"COLUMNS": "120"}).invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "╭" not in result.output  # no boxes: it survives pipes and grep
    assert max(len(line) for line in result.output.splitlines()) <= 120


def _every_command() -> list[list[str]]:
    from typer.main import get_command

    def walk(command: object, path: list[str]) -> list[list[str]]:
        found = [path]
        for name, sub in getattr(command, "commands", {}).items():
            found += walk(sub, [*path, name])
        return found

    return walk(get_command(app), [])


@pytest.mark.parametrize("command", _every_command(), ids=lambda c: " ".join(c) or "onboarding")
def test_no_help_names_a_python_type(command: list[str]) -> None:
    """`--port PORT`, `NUMBER`: what a value is, never `<int>` or `<str>`."""
    result = CliRunner(env={"COLUMNS": "120"}).invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert re.findall(r"<[a-z_]+>", result.output) == []
    assert max(len(line) for line in result.output.splitlines()) <= 120
