"""Only an approved hash is ever public: each edition's content hash is one approval granted for
that release before it, and the hash of the content it carries."""

from __future__ import annotations

from events.approval import ReleaseApproved, ReleaseForceApproved
from events.content import content_hash
from events.publication import ReleasePublished
from tests.chaos.invariants import Verdict
from tests.chaos.world import World


def only_approved_public(world: World) -> Verdict:
    verdict = Verdict("only an approved hash is public")
    approved: dict[str, list[tuple[str, object]]] = {}
    for e in world.events["approval"]:
        if isinstance(e.envelope.data, ReleaseApproved | ReleaseForceApproved):
            approved.setdefault(e.envelope.subject, []).append(
                (e.envelope.data.content_hash, e.envelope.time)
            )
    for e in world.events["publication"]:
        edition = e.envelope.data
        if not isinstance(edition, ReleasePublished):
            continue
        verdict.checked += 1
        release = e.envelope.subject
        granted = {h for h, at in approved.get(release, []) if at <= e.envelope.time}  # type: ignore[operator]
        if edition.content_hash not in granted:
            verdict.fail(
                f"{release} edition {edition.edition}: {edition.content_hash} not approved"
            )
        if content_hash(edition.content) != edition.content_hash:
            verdict.fail(f"{release} edition {edition.edition}: content is not its hash")
    return verdict
