"""One example per registered message, wrapped in its envelope: shown in the AsyncAPI document.

The story is the fixture release (UK and Japan, January 2016): created, revised, submitted; and a
second draft that was discarded. Tests validate every example against its schema.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events import approval, drafting, embargo, publication, subscribers
from events.actor import Actor
from events.base import Message
from events.content import ContentChanges, ReleaseContent, content_hash
from events.envelope import Envelope, deterministic_id, source_of
from events.replies import CommandOutcome, OutcomeStatus

RELEASE_ID = "2016-01-08-uk-japan-security"
DISCARDED_ID = "2016-01-08-uk-japan-draft-2"
START = datetime(2016, 1, 8, 7, 0, tzinfo=UTC)
WRITER = Actor(id="h.jones", roles=["writer"], organisation="fco")
PRESS_OFFICER = Actor(id="s.patel", roles=["press-officer"], organisation="fco")

CONTENT = ReleaseContent(
    title="Foreign Secretary visits Japan to strengthen security cooperation",
    summary="Talks in Tokyo on deepening the UK-Japan security and defence partnership.",
    body="Foreign Secretary Philip Hammond has arrived in Tokyo for important talks.",
    organisations=["fco"],
    people=["Philip Hammond", "Fumio Kishida"],
    locations=["Tokyo"],
    language="en-GB",
)
CHANGES = ContentChanges(topics=["Defence and armed forces", "Foreign affairs"])
REVISED = CHANGES.apply_to(CONTENT)
# The ids a gateway would give four commands; event ids derive from them, as in the services.
CREATE, REVISE, SUBMIT, DISCARD = (deterministic_id("example", str(n)) for n in range(1, 5))

# (message, command id, stream version or None for commands and replies)
_STORY: list[tuple[Message, str, int | None]] = [
    (drafting.CreateDraft(release_id=RELEASE_ID, actor=WRITER, content=CONTENT), CREATE, None),
    (
        drafting.DraftCreated(
            release_id=RELEASE_ID,
            revision=1,
            content=CONTENT,
            content_hash=content_hash(CONTENT),
            created_by=WRITER.id,
            organisation="fco",
        ),
        CREATE,
        1,
    ),
    (
        drafting.ReviseDraft(
            release_id=RELEASE_ID, actor=WRITER, expected_version=1, changes=CHANGES
        ),
        REVISE,
        None,
    ),
    (
        drafting.DraftRevisedV1(
            release_id=RELEASE_ID, revision=2, content=REVISED, revised_by=WRITER.id
        ),
        REVISE,
        2,
    ),
    (
        drafting.DraftRevised(
            release_id=RELEASE_ID,
            revision=2,
            content=REVISED,
            content_hash=content_hash(REVISED),
            changed_fields=["topics"],
            revised_by=WRITER.id,
        ),
        REVISE,
        2,
    ),
    (drafting.SubmitDraft(release_id=RELEASE_ID, actor=WRITER, expected_version=2), SUBMIT, None),
    (
        drafting.DraftSubmittedV1(
            release_id=RELEASE_ID,
            revision=2,
            content_hash=content_hash(REVISED),
            submitted_by=WRITER.id,
            organisation="fco",
        ),
        SUBMIT,
        3,
    ),
    (
        drafting.DraftSubmitted(
            release_id=RELEASE_ID,
            revision=2,
            content_hash=content_hash(REVISED),
            submitted_by=WRITER.id,
            organisation="fco",
            authors=[WRITER.id],
        ),
        SUBMIT,
        3,
    ),
    (
        drafting.DiscardDraft(
            release_id=DISCARDED_ID, actor=PRESS_OFFICER, reason="Duplicate of the first draft."
        ),
        DISCARD,
        None,
    ),
    (
        drafting.DraftDiscarded(
            release_id=DISCARDED_ID,
            discarded_by=PRESS_OFFICER.id,
            reason="Duplicate of the first draft.",
        ),
        DISCARD,
        2,
    ),
    (
        CommandOutcome(
            command_id=SUBMIT,
            command_type=drafting.SubmitDraft.ce_type(),
            release_id=RELEASE_ID,
            status=OutcomeStatus.ACCEPTED,
            stream_version=3,
            events=[deterministic_id(SUBMIT, "3")],
        ),
        SUBMIT,
        None,
    ),
]


def examples() -> dict[str, Envelope[Message]]:
    """Every example envelope, by ce_type (an old version's example is an old log record)."""
    from events.schemas.examples_approval import APPROVAL_STORY
    from events.schemas.examples_embargo import EMBARGO_STORY
    from events.schemas.examples_publication import PUBLICATION_STORY

    story = [*_STORY, *APPROVAL_STORY, *EMBARGO_STORY, *PUBLICATION_STORY]
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
