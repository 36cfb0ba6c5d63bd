"""Size limits: what a command would write is measured in bytes at decide time, and the
producer's and the topics' limits agree, so Kafka never meets a record it refuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from events.catalog import REGISTRY
from events.content import ReleaseContent, content_hash
from events.drafting import DraftRevised
from events.kafka import encode
from events.replies import OutcomeStatus
from services.kit.decider import Decider
from services.kit.eventstore import EventStore
from services.kit.handler import CommandHandler, Known
from services.kit.limits import (
    MAX_EVENT_BYTES,
    PRODUCER_MAX_REQUEST_BYTES,
    TOPIC_MAX_MESSAGE_BYTES,
    record_bytes,
)
from tests.unit.given_when_then import NOW
from tests.unit.test_kit_pure import CONTENT, RELEASE, command

# A record batch of one record: 61 bytes of batch header, about 30 for the record's own framing.
BATCH_OVERHEAD = 61 + 30


def revised_with_body(chars: int) -> DraftRevised:
    """Control characters are one character each and six bytes each in JSON (\\u0001)."""
    body = ReleaseContent.model_construct(**{**CONTENT.model_dump(), "body": "\x01" * chars})
    return DraftRevised(
        release_id=RELEASE,
        revision=3,
        content=body,
        content_hash=content_hash(CONTENT),
        changed_fields=["body"],
        revised_by="alice",
    )


def handler_deciding(event: DraftRevised) -> CommandHandler:
    def decide(_command: Any, _state: int, _now: datetime) -> list[DraftRevised]:
        return [event]

    decider: Decider[Any, Any, int] = Decider("drafting", lambda: 0, lambda n, _: n + 1, decide)
    # decide() does no I/O: the handler's pool is never touched.
    return CommandHandler(
        cast(Any, None), EventStore("drafting", REGISTRY), decider, clock=lambda: NOW
    )


def test_the_producer_and_the_topics_take_any_event_decide_lets_through() -> None:
    assert MAX_EVENT_BYTES + BATCH_OVERHEAD <= PRODUCER_MAX_REQUEST_BYTES
    assert PRODUCER_MAX_REQUEST_BYTES <= TOPIC_MAX_MESSAGE_BYTES


def test_a_command_whose_event_is_over_the_limit_in_bytes_is_refused_naming_it() -> None:
    decision = handler_deciding(revised_with_body(200_000)).decide(command(), Known(None, []))
    assert decision.events == []
    assert decision.outcome.status is OutcomeStatus.INVALID
    problem = decision.outcome.problem
    assert problem is not None and problem.type == "urn:pressroom:problem:event-too-large"
    assert f"{MAX_EVENT_BYTES} bytes" in (problem.detail or "")


def test_a_command_whose_event_fits_is_accepted() -> None:
    decision = handler_deciding(revised_with_body(100_000)).decide(command(), Known(None, []))
    assert decision.outcome.status is OutcomeStatus.ACCEPTED and len(decision.events) == 1
    assert 600_000 < record_bytes(encode(decision.events[0])) <= MAX_EVENT_BYTES
