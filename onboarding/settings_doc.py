"""docs/settings.md, rendered from the Settings class: each variable, its type, default and meaning.

The class (onboarding/settings.py) is the one source: a field's description is
its row's meaning, and a model validator's docstring is a rule across settings.
After changing a setting, regenerate the page:

    .venv/bin/python -m onboarding.settings_doc > docs/settings.md

tests/project/test_settings_doc.py fails while docs/settings.md and this rendering differ.
"""

import inspect
import sys
from enum import Enum
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from onboarding.settings import Settings

REGENERATE = ".venv/bin/python -m onboarding.settings_doc > docs/settings.md"

_TYPE_NAMES: dict[Any, str] = {
    str: "text",
    int: "integer",
    float: "number",
    bool: "`true` or `false`",
    Path: "path",
    SecretStr: "secret",
    dict[str, str]: "JSON object",
}


def variable(name: str) -> str:
    """The environment variable of the field `name`, e.g. ONBOARDING_HOME."""
    return f"{Settings.model_config.get('env_prefix', '')}{name}".upper()


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not NoneType]
        if len(rest) == 1:
            return rest[0]
    return annotation


def type_text(field: FieldInfo) -> str:
    """What the variable takes: a kind of value with its bounds, or the values allowed."""
    annotation = _without_none(field.annotation)
    if get_origin(annotation) is Literal:
        values = [f"`{value}`" for value in get_args(annotation)]
        return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"
    try:
        text = _TYPE_NAMES[annotation]
    except KeyError:
        raise ValueError(f"no name for the type {annotation!r}: add it to _TYPE_NAMES") from None
    low = high = None
    for constraint in field.metadata:
        if isinstance(constraint, Ge):
            low = f">= {_value(constraint.ge)}"
        elif isinstance(constraint, Gt):
            low = f"> {_value(constraint.gt)}"
        elif isinstance(constraint, Le):
            high = f"<= {_value(constraint.le)}"
        elif isinstance(constraint, Lt):
            high = f"< {_value(constraint.lt)}"
    if low is not None and high is not None and low.startswith(">=") and high.startswith("<="):
        return f"{text}, {low[3:]} to {high[3:]}"
    bounds = [bound for bound in (low, high) if bound is not None]
    return f"{text} ({', '.join(bounds)})" if bounds else text


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def default_text(field: FieldInfo) -> str:
    """The default as the variable would spell it; `unset` when there is none."""
    if field.default is None:
        return "unset"
    return f"`{_value(field.default)}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _rules() -> list[str]:
    """The rules across settings: the docstrings of the class's model validators."""
    rules = []
    for name, validator in Settings.__pydantic_decorators__.model_validators.items():
        doc = inspect.getdoc(validator.func)
        if not doc:
            raise ValueError(f"Settings.{name} has no docstring to document its rule")
        rules.append(" ".join(doc.split()))
    return rules


def render() -> str:
    """The whole of docs/settings.md."""
    lines = [
        "# Settings",
        "",
        "<!-- Generated from onboarding/settings.py by onboarding/settings_doc.py; do not edit.",
        f"     Regenerate: {REGENERATE} -->",
        "",
        "Every setting comes from the environment, prefix "
        f"`{Settings.model_config.get('env_prefix', '')}` (`onboarding/settings.py`). The "
        "embedded default (`onboarding up`) needs none of them; production sets the "
        "Temporal address, namespace and database URL ([production](production.md)).",
        "",
        "| variable | takes | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        if not field.description:
            raise ValueError(f"Settings.{name} has no description: give it one (Field(...))")
        lines.append(
            f"| `{variable(name)}` | {type_text(field)} | {default_text(field)} "
            f"| {_cell(field.description)} |"
        )
    lines += [
        "",
        "Checked whenever the settings are read (a command refuses to start otherwise):",
        "",
    ]
    lines += [f"- {rule}" for rule in _rules()]
    lines += [
        "",
        "This page is generated: after changing a setting, run",
        f"`{REGENERATE}`. `tests/project/test_settings_doc.py` fails while the two differ.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Print the page (to redirect into docs/settings.md)."""
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
