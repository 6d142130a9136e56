"""Form helpers: errors by field, the way the API names fields, and the form's own values."""

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError
from starlette.datastructures import FormData

from onboarding.api.errors import field_errors


@dataclass
class FormErrors:
    """Errors of one submitted form: per field (dotted, as the API names it) and overall."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    @property
    def status(self) -> int:
        """The answer's status: 422 for a wrong field, 409 for a refusal, 200 for none."""
        return 422 if self.fields else (409 if self.general else 200)

    def add(self, name: str, message: str) -> None:
        """Keep the first error of each field."""
        self.fields.setdefault(name, message)

    def translated(self, text: Callable[[str], str]) -> "FormErrors":
        """The same errors with every message passed through `text` (the page's language)."""
        return FormErrors(
            {name: text(message) for name, message in self.fields.items()},
            [text(message) for message in self.general],
        )

    def add_validation(self, err: ValidationError) -> None:
        """Every fault of a pydantic validation, named as the API names them."""
        for fault in field_errors(err.errors()):
            self.add(fault.field, fault.message)


def text(form: FormData, name: str) -> str:
    """A text field, stripped; empty when absent."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def field_id(name: str, scope: str = "") -> str:
    """The HTML id of the input for a dotted field name (`evidence.case_ref`, `[1].email`).

    `scope` keeps ids apart when one page holds several forms with the same field names.
    """
    cleaned = name.replace("[", "").replace("]", "").replace(".", "-")
    return f"f-{scope}-{cleaned}" if scope else f"f-{cleaned}"
