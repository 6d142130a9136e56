"""Typer's conversion of parameter values, put off until a value needs converting.

Typer converts every value it parses through a pydantic TypeAdapter, built for
a parameter the first time it sees a value: even None (an option not given,
the `--help` of a group before its command) or a str for a str parameter,
which come out as they went in. Importing pydantic for those was most of the
start-up of `onboarding list --help` and `keys new` (~70 ms of ~180 ms;
bench/cli_start.py, issue #21).

So each parameter's converter is first a stand-in: None, and a str for a plain
str parameter, pass as Typer passes them; any other value builds Typer's own
converter and goes through it, so conversions and error messages stay Typer's
(tests/cli/test_cli_coercion.py holds the two to the same answers). Typer's
parameter class is internal: where it lacks what is used here, the parameter is
left as it is, and only the start-up is slower (tests/cli/test_cli_startup.py).
"""

from typing import Any

# What this uses of Typer's parameter type descriptor.
_DESCRIPTOR = ("annotation", "parameter_info", "file_annotation")


class DeferredConversion:
    """A parameter's converter until a value needs one: then Typer's, built once."""

    def __init__(self, param: Any) -> None:
        self._param = param
        descriptor = param.type_descriptor
        # Typer makes str(value) of it and pydantic's str validation keeps that.
        self.keeps_str: bool = (
            descriptor.annotation is str
            and descriptor.parameter_info.parser is None
            and descriptor.file_annotation is None
        )

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        """What Typer's converter answers for `value`, without pydantic where none is needed."""
        several = param.multiple or param.nargs == -1
        if value is None:
            return () if several else None
        if self.keeps_str and not several and type(value) is str:
            return value
        return typer_conversion(self._param).coerce(value, param=param, ctx=ctx)


def typer_conversion(param: Any) -> Any:
    """Typer's own converter of `param` (built, with pydantic, on first use)."""
    return type(param).get_runtime_param(param)


def defer_conversion(param: Any) -> None:
    """Give `param` the stand-in converter, if it is a Typer parameter as this version has them."""
    descriptor = getattr(param, "type_descriptor", None)
    if not callable(getattr(type(param), "get_runtime_param", None)) or not all(
        hasattr(descriptor, name) for name in _DESCRIPTOR
    ):
        return
    if "get_runtime_param" in vars(param):
        return  # deferred already
    deferred = DeferredConversion(param)
    # An instance attribute in front of the class's method: Typer's process_value
    # asks self.get_runtime_param() for the converter.
    param.get_runtime_param = lambda: deferred


def defer_help_option_conversion(command: Any) -> None:
    """Defer the conversion of `command`'s --help too, which click makes when a context asks."""
    if "get_help_option" in vars(command):
        return  # deferred already
    make_help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make_help_option(ctx)
        if option is not None:
            defer_conversion(option)
        return option

    command.get_help_option = get_help_option
