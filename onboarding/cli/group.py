"""The top-level command group, with usage errors as one line like every other error.

Typer would print the usage, a hint and the error in a box over several lines;
scripts that keep the last line of stderr, and people, are better served by
`error: Missing parameter: trigger (see 'onboarding transition --help')`.
Only Typer's public names are used: it vendors click, and its internals move.
"""

import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import typer
from typer.core import TyperArgument, TyperGroup

from onboarding.cli.coercion import defer_conversion, defer_help_option_conversion


class OneLineErrorsGroup(TyperGroup):
    """A TyperGroup whose usage errors are one line on stderr (exit code 2).

    Its help names what a value is (`--stage STAGE`, `--port PORT`), never its
    Python type (`<str>`, `<int>`): every parameter without a metavar of its own
    gets its name as one. Its parameters convert values without pydantic where
    no conversion is needed (coercion.py), so `--help` and the local commands
    start fast.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        _prepare_parameters(self)
        if not standalone_mode:
            return super().main(
                args, prog_name, complete_var, standalone_mode, windows_expand_args, **extra
            )
        try:
            # Not standalone: errors are raised to us, and exit codes returned.
            result = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except typer.TyperException as error:
            _exit_with(error)
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _prepare_parameters(command: Any) -> None:
    """Name each value of `command` and its subcommands by itself, and defer its conversion.

    An option without a metavar gets its name (`--reason REASON`); an argument,
    listed under its name already (`NUMBER`), shows no type beside it.
    """
    defer_help_option_conversion(command)
    for param in getattr(command, "params", ()):
        defer_conversion(param)
        if isinstance(param, TyperArgument):
            setattr(param, "display_type_rich", _no_type)  # noqa: B010 (an instance's own)
        if param.metavar is None and not getattr(param, "is_flag", False) and param.name:
            param.metavar = param.name.upper()
    for sub in getattr(command, "commands", {}).values():
        _prepare_parameters(sub)


def _no_type(ctx: Any) -> None:
    return None


def _exit_with(error: typer.TyperException) -> NoReturn:
    message = error.format_message()
    show = getattr(error, "show", None)
    if "\n" in message.strip() and callable(show):
        # A group called without a command "fails" with its help text: show it whole.
        show()
        sys.exit(error.exit_code)
    command_path = getattr(getattr(error, "ctx", None), "command_path", None)
    hint = f" (see '{command_path} --help')" if isinstance(command_path, str) else ""
    typer.echo(f"error: {' '.join(message.split())}{hint}", err=True)
    sys.exit(error.exit_code)
