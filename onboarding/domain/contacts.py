"""Contacts: who a municipality's messages, and the program's, go to.

A contact list belongs to one municipality (roles in MUNICIPALITY_ROLES) or to
the program (roles in PROGRAM_ROLES) and is replaced as a whole. The checks
here are the domain's: the API runs them while parsing the body (so a fault is
named `[1].email`), and the store runs them again before it writes.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, ClassVar

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from onboarding.domain.errors import RequestRejected
from onboarding.domain.notifications import MUNICIPALITY_ROLES, PROGRAM_ROLES, RecipientRole

# More than anyone would keep for one municipality; bounds a request's size.
MAX_CONTACTS = 100


def normalized_email(value: str) -> str:
    """The address in its normal form (domain lower-cased, Unicode normalized).

    Raises ValueError naming what is wrong. Deliverability (DNS) is not checked:
    a validation that depends on the network would refuse a good address offline.
    """
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as err:
        raise ValueError(f"{value!r} is not a valid email address: {err}") from None


def check_role(role: object, allowed: Sequence[RecipientRole], *, scope: str) -> RecipientRole:
    """`role` if it is one of `allowed`; ValueError naming the allowed ones otherwise."""
    names = ", ".join(r.value for r in allowed)
    if isinstance(role, str) and role in {r.value for r in allowed}:
        return RecipientRole(role)
    if isinstance(role, str) and role in {r.value for r in RecipientRole}:
        raise ValueError(f"{role!r} is not a {scope} role; allowed: {names}")
    raise ValueError(f"unknown role {role!r}; allowed: {names}")


def _contact_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    # The document says what the validators below accept: this list's roles only,
    # a name that is not blank, an email address.
    roles: Sequence[RecipientRole] = getattr(model, "allowed_roles", tuple(RecipientRole))
    properties = schema["properties"]
    properties["role"] = {"type": "string", "enum": [r.value for r in roles], "title": "Role"}
    properties["name"]["pattern"] = r"\S"
    properties["email"]["format"] = "email"


class ContactIn(BaseModel):
    """One contact as a coordinator gives it: role, name, email."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_contact_schema)

    #: the roles this kind of list may hold, and what to call them in messages
    allowed_roles: ClassVar[tuple[RecipientRole, ...]] = tuple(RecipientRole)
    scope: ClassVar[str] = "known"

    role: RecipientRole
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    email: Annotated[str, Field(max_length=320, examples=["kari.nordmann@trondheim.kommune.no"])]

    @field_validator("role", mode="before")
    @classmethod
    def _role_in_scope(cls, value: Any) -> RecipientRole:
        try:
            return check_role(value, cls.allowed_roles, scope=cls.scope)
        except ValueError as err:
            # A custom error keeps our message (the enum's would list every role).
            raise PydanticCustomError("role", "{message}", {"message": str(err)}) from None

    @field_validator("email")
    @classmethod
    def _email_is_an_address(cls, value: str) -> str:
        try:
            return normalized_email(value)
        except ValueError as err:
            raise PydanticCustomError("email", "{message}", {"message": str(err)}) from None


class MunicipalityContactIn(ContactIn):
    """A contact of one municipality."""

    allowed_roles = MUNICIPALITY_ROLES
    scope = "municipality"


class ProgramContactIn(ContactIn):
    """A contact of the program as a whole (coordinator, director, council)."""

    allowed_roles = PROGRAM_ROLES
    scope = "program"


class Contact(BaseModel):
    """A stored contact, with who set the list it belongs to and when."""

    role: RecipientRole
    name: str
    email: str
    updated_at: datetime
    updated_by: str


def check_contact_list(contacts: Sequence[ContactIn], *, program: bool) -> None:
    """Refuse a list with a role out of scope or the same person twice in a role.

    Raises RequestRejected naming the entry, e.g. `[1].email`.
    """
    allowed = PROGRAM_ROLES if program else MUNICIPALITY_ROLES
    scope = "program" if program else "municipality"
    if len(contacts) > MAX_CONTACTS:
        raise RequestRejected("body", f"at most {MAX_CONTACTS} contacts per list")
    seen: dict[tuple[str, str], int] = {}
    for index, contact in enumerate(contacts):
        try:
            check_role(contact.role.value, allowed, scope=scope)
        except ValueError as err:
            raise RequestRejected(f"[{index}].role", str(err)) from None
        pair = (contact.role.value, contact.email.lower())
        if pair in seen:
            raise RequestRejected(
                f"[{index}].email",
                f"{contact.email} is already listed as {contact.role.value} at [{seen[pair]}]",
            )
        seen[pair] = index
