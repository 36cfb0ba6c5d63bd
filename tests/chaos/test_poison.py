"""Poison input on every topic a Pressroom process consumes (issue 12): while whole lifecycles run
over HTTP, malformed records go to every commands topic, every events topic and the replies topic
(random bytes, truncated or nested JSON, unknown types and versions, schema-invalid, oversized,
missing, forged, null or NUL headers, wrong keys, messages of another topic). Every one must be in
the DLQ of every consumer of its topic with its reason, every process still alive (the same pid,
never restarted, the gateway's reply listener never reconnected) and ready, every load command
answered and the read model complete. PRESSROOM_POISON_COUNT sets how many (1,000 by default;
`make chaos` sends more), PRESSROOM_POISON_SEED replays a run; the figures are printed."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter

import httpx
import pytest

from tests.chaos.poison_dlq import CONSUMERS, dead_letters, missing, send_poison
from tests.chaos.poison_load import read_model_complete, run_load
from tests.chaos.poison_messages import poisons
from tests.e2e.stack_fixture import Stack
from tests.support import eventually

COUNT = int(os.environ.get("PRESSROOM_POISON_COUNT", "1000"))
LIFECYCLES = int(os.environ.get("PRESSROOM_POISON_LIFECYCLES", "8"))
SEED = int(os.environ.get("PRESSROOM_POISON_SEED", str(random.randrange(1_000_000))))
DLQ_WAIT_S = 300.0 + COUNT * 0.3  # generous: the machine is shared and slow
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900 + COUNT)]
# Lines a process writes when it stopped listening or something crashed inside it.
TROUBLE = ("replies_listener_assigned", "rashed", "kafka_connection_failed")


def trouble_in_logs(stack: Stack) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for name, process in stack.processes.items():
        text = process.log_file.read_text(errors="replace") if process.log_file.exists() else ""
        for marker in TROUBLE:
            found[(name, marker)] += text.count(marker)
    return found


async def all_ready(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url) as http:
        ready = await http.get("/readyz")
    assert ready.status_code == 200, ready.text


async def test_poison_on_every_topic_is_dead_lettered_and_the_load_is_unaffected(
    stack: Stack,
) -> None:
    print(f"\npoison: seed {SEED} (PRESSROOM_POISON_SEED={SEED} replays it), {COUNT} records")
    batch = poisons(COUNT, SEED)
    pids = {name: process.pid() for name, process in stack.processes.items()}
    trouble_before = trouble_in_logs(stack)
    started = time.monotonic()

    load = asyncio.create_task(run_load(stack, LIFECYCLES))
    sent = await send_poison(stack.settings, batch, pause_s=0.01)
    figures = await load

    async def all_dead_lettered() -> bool:
        return not missing(sent, await dead_letters(stack.settings))

    try:
        await eventually(all_dead_lettered, DLQ_WAIT_S, "every poisoned record in its DLQs")
    finally:  # what is missing, by kind and DLQ, if anything
        gaps = Counter(missing(sent, await dead_letters(stack.settings)))
        print(f"poison: {sum(gaps.values())} dead letters missing: {sorted(gaps)[:40]}")
    await read_model_complete(stack, figures.releases)
    elapsed = time.monotonic() - started

    assert {name: process.pid() for name, process in stack.processes.items()} == pids
    assert trouble_in_logs(stack) == trouble_before
    await all_ready(stack)
    assert figures.commands == LIFECYCLES * 6 and set(figures.answers) <= {200, 201}
    kinds = Counter(s.poison.kind.split(",")[0] for s in sent)
    print(
        f"poison: {len(sent)} records on {len(CONSUMERS)} topics, every one in each of its"
        f" consumers' DLQs ({sum(len(CONSUMERS[s.poison.topic]) for s in sent)} dead letters);"
        f" {LIFECYCLES} lifecycles, {figures.commands} commands all answered; {elapsed:.0f} s;"
        f" kinds {dict(kinds)}"
    )
