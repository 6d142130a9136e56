"""The CLI starts fast: `--help` and the local commands import none of the heavy modules.

Issue #21 asks for first output within 200 ms (bench/cli_start.py measures it:
`python -m bench --only cli`). Wall time depends on the machine; what these
commands import does not, so that is what is checked here, in a fresh
interpreter each (`python -X importtime` lists every module it imported).
"""

import subprocess
import sys

import pytest

# The client, the engine, the database, the web stack, the settings: loaded by
# the commands that talk to something, never by --help or the local commands.
HEAVY = frozenset(
    {
        "httpx",
        "temporalio",
        "sqlalchemy",
        "sqlmodel",
        "fastapi",
        "uvicorn",
        "jinja2",
        "pydantic_settings",
        "onboarding.settings",
        "cryptography",
    }
)


def imported(*argv: str) -> set[str]:
    """Every module `onboarding *argv` imports, in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "onboarding", *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[1].strip() for line in lines[1:]}


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["list", "--help"], ["diagram"], ["keys", "new", "--id", "startup"]],
    ids=" ".join,
)
def test_help_and_local_commands_import_nothing_heavy(argv: list[str]) -> None:
    modules = imported(*argv)
    assert "onboarding.cli.main" in modules  # the listing is real
    assert sorted(modules & HEAVY) == []


def test_the_top_level_help_imports_neither_pydantic_nor_asyncio() -> None:
    modules = imported("--help")
    assert sorted(modules & {"pydantic", "asyncio", "onboarding.domain.process.model"}) == []


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["list", "--help"], ["keys", "new", "--id", "startup"]],
    ids=" ".join,
)
def test_commands_that_need_no_model_import_no_pydantic(argv: list[str]) -> None:
    # Typer converts values through pydantic; onboarding/cli/coercion.py puts that
    # off until a value needs converting (~70 ms of these commands' start-up).
    modules = imported(*argv)
    assert "onboarding.cli.main" in modules
    assert sorted(modules & {"pydantic", "pydantic_core", "typer._adapters", "zoneinfo"}) == []


def test_the_diagram_reads_the_road_without_pydantic() -> None:
    # The road (road.py) is all a diagram needs; the rules the registry builds
    # with it are pydantic models, ~90 ms of start-up the diagram does not spend.
    modules = imported("diagram")
    assert "transitions" in modules  # the listing is real: the machine drew it
    assert "onboarding.domain.process.road" in modules
    unwanted = {
        "pydantic",
        "pydantic_core",
        "typer._adapters",
        "onboarding.domain.process.model",
        "onboarding.domain.process.registry",
        "onboarding.domain.notifications",
        "onboarding.domain.party",
    }
    assert sorted(modules & unwanted) == []
