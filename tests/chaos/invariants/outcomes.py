"""Exactly one outcome per command id: every command that reached a command topic was answered
on pressroom.replies, every answer to one command id says the same, and the service recorded
one outcome for it (the answer)."""

from __future__ import annotations

from tests.chaos.invariants import Verdict
from tests.chaos.world import World


def one_outcome_per_command(world: World) -> Verdict:
    verdict = Verdict("one outcome per command id")
    recorded = {cid: row for rows in world.outcomes.values() for cid, row in rows.items()}
    for command_id, kind in world.ledger.commands.items():
        verdict.checked += 1
        answers = world.replies.get(command_id, [])
        if not answers:
            verdict.fail(f"{kind} {command_id}: no outcome on pressroom.replies")
            continue
        said = {(a.status, a.stream_version, tuple(a.events)) for a in answers}
        if len(said) > 1:
            verdict.fail(f"{kind} {command_id}: {len(said)} different outcomes: {sorted(said)}")
        row = recorded.get(command_id)
        if row is not None and row["status"] != answers[0].status:
            verdict.fail(
                f"{kind} {command_id}: stored {row['status']}, answered {answers[0].status}"
            )
    return verdict
