"""Rule errors and checks every service's pure domain shares (same problem type everywhere)."""

from __future__ import annotations

from collections.abc import Sequence

from events.actor import Actor
from events.replies import OutcomeStatus, Rejection

SYSTEM = "system"  # the role of the services' own policies and schedulers


class NotAllowed(Rejection):
    status = OutcomeStatus.FORBIDDEN
    problem_type = "urn:pressroom:problem:forbidden"
    title = "You may not do this"


def require_role(actor: Actor, roles: Sequence[str], doing: str) -> None:
    """Refuses unless the actor holds one of `roles`; the message names them."""
    if not any(actor.has_role(role) for role in roles):
        raise NotAllowed(f"{actor.id} may not {doing}: it takes one of {', '.join(roles)}")
