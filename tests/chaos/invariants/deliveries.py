"""Deliveries: one notice to one subscriber has one delivery id, however often it is attempted
(webhook calls, emails, publication's table, the read model), and each subscriber hears a
release's notices in order (edition, then published < withdrawn < unpublished)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tests.chaos.invariants import Verdict
from tests.chaos.world import World

RANK = {"published": 0, "withdrawn": 1, "unpublished": 2}


def deliveries_once_in_order(world: World) -> Verdict:
    verdict = Verdict("deliveries: same id, in order")
    notices: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    for row in world.deliveries:
        key = (row["subscriber_id"], row["release_id"], row["edition"], row["notice"])
        notices[key].add(row["delivery_id"])
    received: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    # In the order the calls arrived: a slow answer finishes after a later call, and a sender
    # that lost its transaction (PostgreSQL restarted) while the receiver was still answering
    # sends the same delivery again from another worker: its repeat comes after it.
    for call in sorted(world.calls, key=lambda call: call.at):
        body = call.body
        key = (call.path, body["release_id"], body["edition"], body["notice"])
        notices[key].add(body["delivery_id"])
        if call.status == 200:
            received[(call.path, body["release_id"])].append(_order(body))
    for row in world.sent:
        key = (row["subscriber_id"], row["release_id"], row["edition"], row["notice"])
        notices[key].add(row["delivery_id"])
    by_id = {row["delivery_id"]: row for row in world.sent}
    for address, delivery_id in world.mails:
        mailed = by_id.get(delivery_id)
        if mailed is None:
            verdict.fail(f"an email to {address} carries {delivery_id!r}, no delivery of ours")
            continue
        received[(address, mailed["release_id"])].append(_order(mailed))
    for key, ids in notices.items():
        verdict.checked += 1
        if len(ids) > 1:
            verdict.fail(f"{key}: {len(ids)} delivery ids {sorted(ids)}")
    for (who, release), order in received.items():
        if order != sorted(order):
            verdict.fail(f"{who} heard {release}'s notices out of order: {order}")
    return verdict


def _order(notice: dict[str, Any]) -> tuple[int, int]:
    return int(notice["edition"]), RANK[str(notice["notice"])]
