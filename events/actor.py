"""Who sends a command: the principal the gateway authenticated, or a bot's own identity."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from events.base import Contract
from events.content import Identifier

# writer, press-officer, managing-editor, operator, recipient, approver:<stage>
Role = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]*(:[a-z][a-z0-9-]*)?$")]


class Actor(Contract):
    id: Identifier
    roles: Annotated[list[Role], Field(max_length=20)] = []
    organisation: Identifier | None = None

    def has_role(self, role: str) -> bool:
        return role in self.roles
