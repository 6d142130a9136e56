"""Running a command against the configured API, and reading the settings it needs."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec

import typer

from onboarding.cli.errors import CliError

# httpx and pydantic-settings cost a third of a second: loaded when a command
# runs, not for --help (onboarding/cli/lazy.py).
if TYPE_CHECKING:
    from onboarding.cli.client import ApiClient
    from onboarding.settings import Settings

P = ParamSpec("P")


def fail(error: Exception) -> typer.Exit:
    """Report `error` as one line on stderr; the caller raises the returned Exit(1)."""
    typer.echo(f"error: {' '.join(str(error).split())}", err=True)
    return typer.Exit(1)


def remote(
    action: "Callable[Concatenate[ApiClient, P], None]", *args: P.args, **kwargs: P.kwargs
) -> None:
    """Run `action` against the configured API; any CliError is one line and exit 1."""
    from onboarding.cli.client import ApiClient

    try:
        with ApiClient.from_settings(settings()) as api:
            action(api, *args, **kwargs)
    except CliError as error:
        raise fail(error) from None


def settings(data_dir: Path | None = None) -> "Settings":
    """Settings from the environment, with the command's options on top."""
    from pydantic import ValidationError

    from onboarding.settings import Settings

    try:
        loaded = Settings()
    except ValidationError as err:
        first = err.errors()[0]
        # Checks across settings (the SMTP ones) name no single variable.
        name = "ONBOARDING_" + "_".join(str(p) for p in first["loc"]).upper()
        message = first["msg"].removeprefix("Value error, ")
        raise CliError(f"{name}: {message}" if first["loc"] else message) from None
    if data_dir is not None:
        loaded = loaded.model_copy(update={"home": data_dir})
    return loaded
