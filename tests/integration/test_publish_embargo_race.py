"""Issue 12, hole 1: a PublishRelease and a SetEmbargo for the same approved release, sent at the
same moment straight to Kafka, against the real services. 200 rounds in random order and timing:
every command gets exactly one outcome, exactly one of each pair wins, and nothing embargoed is
published before its lift (invariant 2)."""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer

from events.actor import Actor
from events.embargo import SetEmbargo
from events.envelope import Envelope
from events.kafka import encode
from events.publication import PublishRelease, ReleasePublished, WithdrawRelease
from events.replies import CommandOutcome, OutcomeStatus
from events.topics import EMBARGO_COMMANDS, PUBLICATION_COMMANDS, PUBLICATION_EVENTS, REPLIES
from services.kit.kafka_clients import client_kwargs
from tests.e2e.stack_fixture import Stack
from tests.integration.race_support import approved_releases, envelopes_of
from tests.support import command_envelope, eventually, send_command, signed_record

pytestmark = pytest.mark.integration
ROUNDS = 200
CAROL = Actor(id="carol", roles=["press-officer"], organisation="fco")
PAULA = Actor(id="paula", roles=["press-officer"], organisation="fco")
# Far enough ahead that no lift can come during the test: any edition of an embargoed release
# seen here is an early one, whatever the machine's speed.
LIFT_IN = timedelta(minutes=30)


@pytest_asyncio.fixture(scope="module")
async def bootstrap(stack: Stack) -> str:
    """The stack's publication process answers commands (withdrawing nothing is refused)."""
    probe = WithdrawRelease(release_id="race-probe", actor=CAROL, explanation="Probe.")
    outcome = await send_command(stack.settings.kafka_bootstrap, PUBLICATION_COMMANDS, probe, 120)
    assert outcome.status is OutcomeStatus.CONFLICT
    return stack.settings.kafka_bootstrap


Round = tuple[Envelope[Any], Envelope[Any]]  # (the publish, the embargo) of one release


# Preparing 200 approved releases through drafting and approval, then 400 racing commands, on a
# shared 2-core machine: minutes, not the default 5.
@pytest.mark.timeout(1800)
async def test_a_publish_and_an_embargo_sent_at_once_never_both_win_and_nothing_goes_public_early(
    bootstrap: str,
) -> None:
    seed = int(os.environ.get("PRESSROOM_RACE_SEED", random.randrange(2**32)))
    print(f"race seed: {seed} (PRESSROOM_RACE_SEED={seed} replays the order)")
    releases = [r.release_id for r in await approved_releases(bootstrap, ROUNDS)]
    print(f"race: {len(releases)} approved releases ready at {datetime.now(UTC):%H:%M:%S}")
    lift_at = (datetime.now(UTC) + LIFT_IN).replace(microsecond=0)
    rounds = {release_id: _round(release_id, lift_at) for release_id in releases}
    await _send_racing(bootstrap, list(rounds.values()), random.Random(seed))
    outcomes = await _one_outcome_each(bootstrap, rounds)
    print(f"race: {len(outcomes)} outcomes at {datetime.now(UTC):%H:%M:%S}")

    editions = await _editions_once_published(bootstrap, rounds, outcomes)
    embargoed = {r for r, (_, embargo) in rounds.items() if _accepted(outcomes, embargo)}
    early = [e for r in embargoed for e in editions.get(r, []) if e.time < lift_at]
    assert early == [], f"{len(early)} of {len(embargoed)} embargoed releases published early"
    both = [r for r, pair in rounds.items() if all(_accepted(outcomes, c) for c in pair)]
    neither = [r for r, pair in rounds.items() if not any(_accepted(outcomes, c) for c in pair)]
    assert (both, neither) == ([], []), f"{len(both)} both won, {len(neither)} neither won"
    for publish, embargo in rounds.values():
        _loser_refused_clearly(outcomes[publish.id], outcomes[embargo.id])
    wins = Counter("publish" if _accepted(outcomes, p) else "embargo" for p, _ in rounds.values())
    print(f"race: {dict(wins)} of {ROUNDS} rounds, 0 early, {2 * ROUNDS} outcomes")


def _round(release_id: str, lift_at: datetime) -> Round:
    publish = PublishRelease(release_id=release_id, actor=CAROL)
    embargo = SetEmbargo(release_id=release_id, actor=PAULA, lift_at=lift_at)
    return command_envelope(publish, actor=CAROL.id), command_envelope(embargo, actor=PAULA.id)


async def _send_racing(bootstrap: str, rounds: list[Round], rng: random.Random) -> None:
    """All 400 commands in a random order, in random bursts: some pairs land together, some a
    burst apart, either one first. The two topics are read by two services: the race is real."""
    sends = [(PUBLICATION_COMMANDS if n == 0 else EMBARGO_COMMANDS, pair[n]) for pair in rounds
             for n in (0, 1)]  # fmt: skip
    rng.shuffle(sends)
    producer = AIOKafkaProducer(**client_kwargs(bootstrap), acks="all")
    await producer.start()
    try:
        while sends:
            burst_size = rng.randint(1, 40)
            burst, sends = sends[:burst_size], sends[burst_size:]
            for topic, envelope in burst:
                record = signed_record(encode(envelope))  # the session's key, as a bot signs
                await producer.send(topic, record.value, key=record.key, headers=record.headers)
            await producer.flush()
    finally:
        await producer.stop()


async def _one_outcome_each(bootstrap: str, rounds: dict[str, Round]) -> dict[str, CommandOutcome]:
    """Waits for an outcome of every command id, then holds that there is exactly one each."""
    ids = {envelope.id for pair in rounds.values() for envelope in pair}

    async def answered() -> dict[str, list[Any]] | None:
        replies = await envelopes_of(bootstrap, REPLIES, ids)
        return replies if set(replies) == ids else None

    replies = await eventually(answered, timeout=600, what=f"{len(ids)} outcomes")
    repeated = {command_id: len(r) for command_id, r in replies.items() if len(r) != 1}
    assert repeated == {}, f"commands with more than one outcome: {repeated}"
    return {command_id: r[0].data for command_id, r in replies.items()}


async def _editions_once_published(
    bootstrap: str, rounds: dict[str, Round], outcomes: dict[str, CommandOutcome]
) -> dict[str, list[Envelope[Any]]]:
    """Every edition of the releases, read once each accepted publish's edition is on the topic
    (it is written with the outcome, so it is there or on its way)."""
    won = {r for r, (publish, _) in rounds.items() if _accepted(outcomes, publish)}

    async def all_there() -> dict[str, list[Envelope[Any]]] | None:
        found = await envelopes_of(bootstrap, PUBLICATION_EVENTS, set(rounds))
        editions = {
            r: [e for e in envelopes if isinstance(e.data, ReleasePublished)]
            for r, envelopes in found.items()
        }
        return editions if all(editions.get(r) for r in won) else None

    return await eventually(all_there, timeout=300, what="the edition of every publish that won")


def _accepted(outcomes: dict[str, CommandOutcome], envelope: Envelope[Any]) -> bool:
    return outcomes[envelope.id].status is OutcomeStatus.ACCEPTED


def _loser_refused_clearly(publish: CommandOutcome, embargo: CommandOutcome) -> None:
    """The loser gets a conflict (409 over HTTP) naming why: under embargo, or gone public."""
    loser = embargo if publish.status is OutcomeStatus.ACCEPTED else publish
    assert loser.status is OutcomeStatus.CONFLICT and loser.problem is not None, loser
    expected = {
        "urn:pressroom:problem:under-embargo",
        "urn:pressroom:problem:already-released",
    }
    assert loser.problem.type in expected, loser.problem
