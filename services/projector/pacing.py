"""How many records the projector takes in one batch: few when caught up, many when behind.

Caught up, a small batch commits soon, so a read-your-writes waiter wakes soon. Behind, one
transaction per few records spends the time on round trips and commits (issue 15): the batch
grows with the lag, up to a ceiling that keeps one transaction's locks and memory bounded.
docs/scaling.md gives the figures measured.
"""

from __future__ import annotations

MIN_RECORDS = 100
MAX_RECORDS = 5000


def next_batch_size(lag: int) -> int:
    """The next poll's limit for `lag` records still waiting behind the batch in hand."""
    return max(MIN_RECORDS, min(MAX_RECORDS, lag))
