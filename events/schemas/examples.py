"""One example per registered message, wrapped in its envelope: shown in the AsyncAPI document.

The story is the fixture release (UK and Japan, January 2016): created, revised, submitted; and a
second draft that was discarded. Tests validate every example against its schema. The parts of
the story import only examples_story (what they share); this module assembles them, so nothing
imports in a circle.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from events import approval, drafting, embargo, publication, subscribers
from events.base import Message
from events.envelope import Envelope, deterministic_id, source_of
from events.schemas.examples_approval import APPROVAL_STORY
from events.schemas.examples_drafting import DRAFTING_STORY
from events.schemas.examples_embargo import EMBARGO_STORY
from events.schemas.examples_publication import PUBLICATION_STORY
from events.schemas.examples_story import CONTENT, RELEASE_ID, START

__all__ = ["CONTENT", "RELEASE_ID", "START", "STORY", "examples"]

# (message, command id, stream version or None for commands and replies), in story order.
STORY: list[tuple[Message, str, int | None]] = [
    *DRAFTING_STORY,
    *APPROVAL_STORY,
    *EMBARGO_STORY,
    *PUBLICATION_STORY,
]


def examples() -> dict[str, Envelope[Message]]:
    """Every example envelope, by ce_type (an old version's example is an old log record)."""
    story = STORY
    commands = (
        drafting.DraftingCommand,
        approval.ApprovalCommand,
        embargo.EmbargoCommand,
        publication.PublicationCommand,
        subscribers.SubscriberCommand,
    )
    actors = {cid: m.actor.id for m, cid, _ in story if isinstance(m, commands)}
    return {
        message.ce_type(): _envelope(
            message, command_id, sequence, START + timedelta(minutes=n), actors[command_id]
        )
        for n, (message, command_id, sequence) in enumerate(story)
    }


def _envelope(
    message: Message, command_id: str, sequence: int | None, time: datetime, actor: str
) -> Envelope[Message]:
    subject = getattr(message, "release_id", None) or RELEASE_ID
    if isinstance(message, subscribers.SubscriberCommand | subscribers.SubscriberEvent):
        subject = message.subscriber_id  # a subscriber is a stream of its own
    if message.kind == "command":
        # A command's own id is the command id; the gateway is its source in this example.
        return Envelope[Message](
            id=command_id,
            source=source_of("gateway"),
            time=time,
            subject=subject,
            data=message,
            correlation_id=command_id,
            actor=actor,
        )
    is_reply = message.kind == "reply"
    return Envelope[Message](
        # As the services derive them: from the command id and the stream version.
        id=f"{command_id}:outcome" if is_reply else deterministic_id(command_id, str(sequence)),
        source=source_of(getattr(message, "service", "drafting")),
        time=time,
        subject=command_id if is_reply else subject,  # a reply is keyed by its command id
        data=message,
        sequence=sequence,
        correlation_id=command_id,
        causation_id=command_id,
        actor=actor,
    )
