"""Who recorded something."""

from pydantic import BaseModel, ConfigDict


class Actor(BaseModel):
    """Who recorded something: a user or token id, its name and role."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    role: str
