"""Many approved releases at once, through the real drafting and approval services (the path
`embargo_support.approved_by_people` takes for one), and their records read in bulk."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from events.approval import ApprovalRequested, ApproveStage
from events.catalog import REGISTRY
from events.content import ReleaseContent
from events.drafting import CreateDraft, SubmitDraft
from events.envelope import Envelope
from events.kafka import KafkaRecord, decode
from events.replies import OutcomeStatus
from events.topics import APPROVAL_COMMANDS, APPROVAL_EVENTS, DRAFTING_COMMANDS, PUBLICATION_EVENTS
from tests.integration.embargo_support import ALICE, APPROVERS, read_records, send_all
from tests.support import eventually


async def envelopes_of(
    bootstrap: str, topic: str, keys: set[str]
) -> dict[str, list[Envelope[Any]]]:
    """Every record on `topic` keyed by one of `keys`, decoded, in log order per key."""
    found: dict[str, list[Envelope[Any]]] = defaultdict(list)
    for r in await read_records(bootstrap, topic, {key.encode() for key in keys}):
        envelope = decode(KafkaRecord(r.key, r.value, list(r.headers or ())), REGISTRY)
        found[r.key.decode()].append(envelope)
    return found


async def approved_releases(bootstrap: str, count: int) -> list[ApprovalRequested]:
    """`count` releases alice writes and submits, approved at both fco stages by erin and frank,
    returned once publication has noted each approval and its content."""
    ids = [f"race-{uuid.uuid4()}" for _ in range(count)]
    content = ReleaseContent(title="UK and Japan", body="Talks.", organisations=["fco"])
    drafts = [
        command
        for release_id in ids
        for command in (
            CreateDraft(release_id=release_id, actor=ALICE, content=content),
            SubmitDraft(release_id=release_id, actor=ALICE),
        )
    ]
    await _all_accepted(bootstrap, drafts, DRAFTING_COMMANDS)
    requests = await eventually(lambda: _requests(bootstrap, ids), what="every approval request")
    for stage in ("policy", "legal"):  # fco's policy: policy, then legal
        approvals = [_approval(r, stage) for r in requests]
        await _all_accepted(bootstrap, approvals, APPROVAL_COMMANDS)
    await eventually(lambda: _publishable(bootstrap, ids), what="publication noting every approval")
    return requests


def _approval(request: ApprovalRequested, stage: str) -> ApproveStage:
    return ApproveStage(
        release_id=request.release_id, actor=APPROVERS[stage], stage=stage,
        revision=request.revision, content_hash=request.content_hash,
    )  # fmt: skip


async def _all_accepted(bootstrap: str, commands: list[Any], topic: str) -> None:
    outcomes = await send_all(bootstrap, commands, topic)
    refused = [o for o in outcomes if o.status is not OutcomeStatus.ACCEPTED]
    assert refused == [], refused[:3]


async def _requests(bootstrap: str, ids: list[str]) -> list[ApprovalRequested] | None:
    found = await envelopes_of(bootstrap, APPROVAL_EVENTS, set(ids))
    requests = {
        key: next((e.data for e in envelopes if isinstance(e.data, ApprovalRequested)), None)
        for key, envelopes in found.items()
    }
    ready = [requests.get(release_id) for release_id in ids]
    return None if None in ready else [r for r in ready if r is not None]


async def _publishable(bootstrap: str, ids: list[str]) -> bool:
    """Publication holds each approval and its content: a publish now is a real race."""
    found = await envelopes_of(bootstrap, PUBLICATION_EVENTS, set(ids))
    needed = {"ApprovedRevisionNoted", "RevisionContentNoted"}
    return all(needed <= {e.data.type for e in found.get(release_id, [])} for release_id in ids)
