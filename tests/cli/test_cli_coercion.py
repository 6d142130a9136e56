"""The deferred conversion (onboarding/cli/coercion.py) answers as Typer's own does.

Every parameter of the real command line, --help options included, is asked
for the values the stand-in answers by itself (None, and a str for a str
parameter), and the answer is compared with that of Typer's pydantic converter.
Values that need converting go to Typer's converter: its errors are checked
through the command line.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from onboarding.cli.coercion import DeferredConversion, defer_conversion, typer_conversion
from onboarding.cli.main import app


def _parameters(command: Any, ctx: typer.Context) -> Iterator[tuple[Any, typer.Context]]:
    for param in command.get_params(ctx):
        yield param, ctx
    for name, sub in getattr(command, "commands", {}).items():
        yield from _parameters(sub, typer.Context(sub, info_name=name, parent=ctx))


def _every_parameter() -> list[tuple[Any, typer.Context]]:
    root = get_command(app)
    found = list(_parameters(root, typer.Context(root, info_name="onboarding")))
    assert len(found) > 100  # the whole command line, not a corner of it
    return found


@pytest.mark.parametrize("value", [None, "5001", "", " spaced "])
def test_the_stand_in_answers_as_typer_does(value: str | None) -> None:
    checked = 0
    for param, ctx in _every_parameter():
        deferred = DeferredConversion(param)
        if value is not None and not deferred.keeps_str:
            continue  # the stand-in hands such a value to Typer's converter
        expected = typer_conversion(param).coerce(value, param=param, ctx=ctx)
        assert deferred.coerce(value, param=param, ctx=ctx) == expected, param.name
        checked += 1
    assert checked > 20


def test_a_value_that_needs_converting_goes_to_typer() -> None:
    root = get_command(app)
    diagram = root.commands["diagram"]  # type: ignore[attr-defined]
    ctx = typer.Context(diagram, info_name="diagram")
    version = next(p for p in diagram.params if p.name == "version")
    defer_conversion(version)
    assert isinstance(version.get_runtime_param(), DeferredConversion)

    # Only Typer's converter makes an int of it.
    assert version.process_value(ctx, "2") == 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["diagram", "--version", "0"],
            "error: Invalid value for '--version': Input should be greater than or equal to 1"
            " (see 'onboarding diagram --help')",
        ),
        (
            ["diagram", "--version", "x"],
            "error: Invalid value for '--version': Input should be a valid integer, unable to"
            " parse string as an integer (see 'onboarding diagram --help')",
        ),
    ],
)
def test_typers_errors_are_unchanged(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(app, args, prog_name="onboarding")

    assert result.exit_code == 2
    assert result.stderr.strip() == expected
