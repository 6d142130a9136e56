"""The actor columns every append-only table of recorded events has, and how they are filled.

Seven tables say who recorded a row (audit_event, correction, deadline_change,
wave_event, checklist_completion, token_event, contact_change): one mixin
declares their `actor_id`, `actor_name` and `actor_role` columns, and
`actor_columns` is the one place an `Actor` becomes those three values.
"""

from typing import TypedDict

from sqlmodel import SQLModel

from onboarding.domain.actor import Actor


class ActorColumns(SQLModel):
    """Who recorded the row: a user or token id, its name and role (an `Actor`)."""

    actor_id: str
    actor_name: str
    actor_role: str

    @property
    def actor(self) -> Actor:
        """The actor these columns name."""
        return Actor(id=self.actor_id, name=self.actor_name, role=self.actor_role)


class ActorValues(TypedDict):
    """The actor columns' values (a TypedDict, so `**` into a row is type-checked)."""

    actor_id: str
    actor_name: str
    actor_role: str


def actor_columns(actor: Actor) -> ActorValues:
    """The values of the actor columns for `actor`, as keyword arguments or SQL parameters."""
    return {"actor_id": actor.id, "actor_name": actor.name, "actor_role": actor.role}
