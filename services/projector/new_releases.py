"""A release's first row, claimed before anything else of the batch is written.

A batch locks the rows of the releases it touches (`ProjectionStore.lock_releases_held`), but a
row nobody has committed yet cannot be locked: two projector instances (one holding drafting's
partition of a release, the other approval's) may both find no row, both fold from nothing, and
the later commit would overwrite the earlier one's whole row. The chaos suite found exactly that
(seed 335234594: rows that had lost every column another instance had written).

So a batch writes the rows of its new releases first, `ON CONFLICT DO NOTHING`: the second
writer's insert waits for the first's commit and then inserts nothing. That batch rolls back and
runs again, now finding (and locking) the row the first one wrote. Rows the table held go with
the rest of the batch, as before (`unnest_sql`): the claim costs a round trip only to a batch
that begins a release.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

import structlog

from services.kit.transient import StreamContended

log = structlog.get_logger()
T = TypeVar("T")
# Another attempt finds the beaten rows and locks them; only a release begun elsewhere during
# that attempt too beats it again. Past this many, the caller's backoff for contention applies.
ATTEMPTS = 5


class ReleasesBegunElsewhere(Exception):
    """Another writer committed the first row of releases this batch folded from nothing: the
    batch must roll back and be folded again over those rows."""

    def __init__(self, release_ids: Collection[str]) -> None:
        self.release_ids = sorted(release_ids)
        super().__init__(f"releases begun by another writer: {', '.join(self.release_ids)}")


async def again_if_begun_elsewhere(attempt: Callable[[], Awaitable[T]], writer: str) -> T:
    """Runs `attempt` (one whole transaction: lock, fold, write) until no other writer has begun
    one of its new releases first; after ATTEMPTS, raises StreamContended (waited out)."""
    for n in range(1, ATTEMPTS + 1):
        try:
            return await attempt()
        except ReleasesBegunElsewhere as beaten:
            log.info("releases_begun_elsewhere", writer=writer, attempt=n,
                     releases=beaten.release_ids[:10])  # fmt: skip
            last = beaten
    raise StreamContended(f"{writer}: {last}") from last
