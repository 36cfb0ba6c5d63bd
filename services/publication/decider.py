"""Publication's decider: the pure domain bundled for the kit's command handler."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from events.publication import NotePublicationCleared, NotePublicationHeld, PublicationRequested
from services.kit.decider import Decider
from services.publication import domain
from services.publication.rules import Publication


def asks_embargo(events: Sequence[Any]) -> bool:
    """A first edition asked of embargo: its PublishRelease waits for the answer (pending)."""
    return any(isinstance(event, PublicationRequested) for event in events)


def embargo_answered(command: Any) -> bool:
    """Embargo's answer: every PublishRelease pending on the release is decided again."""
    return isinstance(command, NotePublicationCleared | NotePublicationHeld)


PUBLICATION: Decider[Any, Any, Publication] = Decider(
    service="publication",
    initial_state=domain.initial_state,
    evolve=domain.evolve,
    decide=domain.decide,
    asks=asks_embargo,
    answers=embargo_answered,
)
