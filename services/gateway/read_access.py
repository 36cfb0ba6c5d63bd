"""What every read shares: read-your-writes waits and the 404 for releases you may not read."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import Header

from services.gateway.access import can_read
from services.gateway.auth import Principal
from services.gateway.deps import Gateway
from services.gateway.preconditions import ReadAfter, read_after
from services.gateway.problems import ProblemError
from services.read_models.model import has_reached

READ_AFTER_WAIT_S = 5.0
STALE_HEADER = "Pressroom-Stale"
ReadAfterHeader = Annotated[
    str | None,
    Header(
        alias="Pressroom-Read-After",
        description=(
            "'<release_id>:<version>' (drafting) or '<release_id>:<service>:<version>', e.g."
            " 'r1:approval:3': wait (≤ 5 s) until the read model reached it."
        ),
    ),
]


async def catch_up(
    gateway: Gateway, wanted: ReadAfter | None, principal: Principal, copies: bool = False
) -> dict[str, str]:
    """Waits for read-your-writes; the headers to add (Pressroom-Stale when it gave up).

    A release the read model does not know, or that the caller may not read, is answered at
    once and stale, the same way: nothing to wait for, and how long the answer takes says
    nothing about whether it exists. Only a release written through this gateway lately is
    waited for before the read model knows it (read-your-writes right after a create); a caller
    who turns out not to read it waits the full time, as for any release written lately.
    `copies`: an embargoed copy issued to the caller makes its release theirs to wait for too."""
    headers, _ = await catch_up_reading(gateway, wanted, principal, copies)
    return headers


async def catch_up_reading(
    gateway: Gateway, wanted: ReadAfter | None, principal: Principal, copies: bool = False
) -> tuple[dict[str, str], dict[str, Any] | None]:
    """`catch_up`, and the release's row as last read when the caller may read it (else None):
    a route that answers with that row needs no read of its own. A release the read model
    already has at the version asked for is answered from the one read, without a wait; one
    still behind is read again after each notice of the projector about it, and that row is the
    answer: a GET that waits once costs two queries (issue 15: it was four)."""
    if wanted is None:
        return {}, None
    async with gateway.reads.watching(wanted.release_id) as watch:
        release = await gateway.reads.release(wanted.release_id)
        readable = await _may_wait_for(gateway, principal, wanted.release_id, release, copies)
        if not readable and not gateway.recent_writes.knows(wanted.release_id):
            return {STALE_HEADER: "true"}, None
        reached = has_reached(release, wanted.version, wanted.service)
        if reached and release is not None and can_read(principal, release):
            return {}, release
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + READ_AFTER_WAIT_S
        reached, release = await watch.until(
            wanted.version, wanted.service, READ_AFTER_WAIT_S, release
        )
    if not readable and not await _may_wait_for(
        gateway, principal, wanted.release_id, release, copies
    ):
        await asyncio.sleep(max(0.0, give_up_at - loop.time()))
        return {STALE_HEADER: "true"}, None
    headers = {} if reached else {STALE_HEADER: "true"}
    return headers, release if release is not None and can_read(principal, release) else None


async def _may_wait_for(
    gateway: Gateway,
    principal: Principal,
    release_id: str,
    release: dict[str, Any] | None,
    copies: bool,
) -> bool:
    if release is not None and can_read(principal, release):
        return True
    copy = await gateway.reads.embargoed_copy(release_id, principal.id) if copies else None
    return copy is not None


def release_not_found(release_id: str) -> ProblemError:
    # The same answer for "missing" and "not yours": ids must not be probeable.
    return ProblemError(404, f"No release {release_id!r}.", slug="release-not-found")


async def visible_release(
    gateway: Gateway, principal: Principal, release_id: str
) -> dict[str, Any]:
    """The release's row when the caller may read it; a 404 problem otherwise."""
    release = await gateway.reads.release(release_id)
    if release is None or not can_read(principal, release):
        raise release_not_found(release_id)
    return release


async def readable_release(
    gateway: Gateway, principal: Principal, release_id: str, read_after_header: str | None
) -> dict[str, Any]:
    """For command routes: a release the caller may not read is a 404 too (and nothing is sent),
    so a refusal never reveals that it exists."""
    await catch_up(gateway, read_after(read_after_header), principal)
    return await visible_release(gateway, principal, release_id)
