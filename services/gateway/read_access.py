"""What every read shares: read-your-writes waits and the 404 for releases you may not read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header

from services.gateway.access import can_read
from services.gateway.auth import Principal
from services.gateway.deps import Gateway
from services.gateway.preconditions import ReadAfter, read_after
from services.gateway.problems import ProblemError

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


async def catch_up(gateway: Gateway, wanted: ReadAfter | None) -> dict[str, str]:
    """Waits for read-your-writes; the headers to add (Pressroom-Stale when it gave up)."""
    if wanted is None:
        return {}
    wait_s = READ_AFTER_WAIT_S
    if not gateway.recent_writes.knows(wanted.release_id):
        # Unknown to the read model and not written here lately: nothing to wait for.
        wait_s = 0.0 if await gateway.reads.release(wanted.release_id) is None else wait_s
    caught_up = await gateway.reads.caught_up(
        wanted.release_id, wanted.version, wait_s, wanted.service
    )
    return {} if caught_up else {STALE_HEADER: "true"}


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
    await catch_up(gateway, read_after(read_after_header))
    return await visible_release(gateway, principal, release_id)
