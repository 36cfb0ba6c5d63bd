"""`ops.redriven`: a dead letter is claimed before it is sent, so it is never re-driven twice."""

from __future__ import annotations

from dataclasses import dataclass

from operator_tools.dead_letters import DeadLetter
from services.kit.db import Connection

SENDING = "sending"  # claimed, not acknowledged yet
DONE = "redriven"
# What happened to a dead letter in one run.
REDRIVEN, WOULD, SKIPPED, FAILED = DONE, "would re-drive", "skipped", "failed"


@dataclass(frozen=True)
class RedriveOutcome:
    letter: DeadLetter
    result: str  # REDRIVEN, WOULD, SKIPPED or FAILED
    detail: str


async def claim(conn: Connection, letter: DeadLetter) -> bool:
    """False when another run (or an earlier one) already claimed this dead letter."""
    claimed = await conn.fetchval(
        'INSERT INTO ops.redriven (topic, partition, "offset", result) VALUES ($1, $2, $3, $4)'
        " ON CONFLICT DO NOTHING RETURNING true",
        letter.topic,
        letter.partition,
        letter.offset,
        SENDING,
    )
    return bool(claimed)


async def settle(conn: Connection, letter: DeadLetter, detail: str) -> None:
    await conn.execute(
        "UPDATE ops.redriven SET result = $4, detail = $5, redriven_at = now()"
        ' WHERE topic = $1 AND partition = $2 AND "offset" = $3',
        letter.topic,
        letter.partition,
        letter.offset,
        DONE,
        detail,
    )


async def release_claim(conn: Connection, letter: DeadLetter) -> None:
    await conn.execute(
        'DELETE FROM ops.redriven WHERE topic = $1 AND partition = $2 AND "offset" = $3',
        letter.topic,
        letter.partition,
        letter.offset,
    )
