"""The embargo service as a real process on real Kafka and PostgreSQL, driven through Kafka only:
copies before the lift and the lift never before lift_at, a crash across the lift time, two
instances at once, moved and cancelled embargoes, poison commands."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from dev_tools.infra.processes import tail
from events.actor import Actor
from events.embargo import CancelEmbargo, ChangeEmbargo, SetEmbargo
from events.kafka import KafkaRecord, encode
from events.replies import OutcomeStatus
from events.topics import EMBARGO_COMMANDS
from services.kit.settings import REPO_ROOT
from tests.e2e.stack_fixture import Stack
from tests.integration.embargo_support import (
    PAULA,
    Logged,
    approved_and_embargoed,
    approved_by_people,
    dead_lettered,
    embargo_events,
    events_of,
    new_release,
    send_all,
    whole_seconds_from_now,
)
from tests.support import command_envelope, eventually, send_command, wall_clock_past

pytestmark = pytest.mark.integration
JOURNALISTS = ["jo-bbc", "kim-reuters"]


@pytest_asyncio.fixture(scope="module")
async def bootstrap(stack: Stack) -> str:
    """The stack's embargo process answers commands (a cancel of nothing is refused)."""
    await embargo_answers(stack.settings.kafka_bootstrap)
    return stack.settings.kafka_bootstrap


async def embargo_answers(bootstrap: str) -> None:
    probe = CancelEmbargo(release_id=new_release(), actor=PAULA)
    outcome = await send_command(bootstrap, EMBARGO_COMMANDS, probe, timeout=120)
    assert outcome.status is OutcomeStatus.NOT_FOUND


async def test_an_approved_release_gets_its_copies_before_the_lift_and_lifts_only_after_it(
    bootstrap: str,
) -> None:
    request = await approved_by_people(bootstrap)
    release_id = request.release_id
    await events_of(bootstrap, "ApprovedRevisionNoted", release_id)  # through embargo's policy
    pre_release_at, lift_at = whole_seconds_from_now(3), whole_seconds_from_now(8)
    embargo = SetEmbargo(
        release_id=release_id, actor=PAULA, lift_at=lift_at,
        recipients=JOURNALISTS, pre_release_at=pre_release_at,
    )  # fmt: skip
    assert (await send_command(bootstrap, EMBARGO_COMMANDS, embargo)).status == "accepted"
    copies = await events_of(bootstrap, "EmbargoedCopyIssued", release_id, count=2)
    assert sorted(copy.data.recipient for copy in copies) == JOURNALISTS
    assert all(pre_release_at <= copy.logged_at < lift_at for copy in copies)
    assert {copy.data.content_hash for copy in copies} == {request.content_hash}
    [lifted] = await events_of(bootstrap, "EmbargoLifted", release_id)
    assert lifted.data.lift_at == lift_at and lifted.data.revision == request.revision
    # Never early: not when decided (lifted_at, the record's ce_time), not when on the topic.
    assert lift_at <= lifted.data.lifted_at == lifted.time and lift_at <= lifted.logged_at
    assert lifted.data.lateness_ms == (lifted.data.lifted_at - lift_at) // timedelta(milliseconds=1)


async def test_a_lift_that_falls_while_the_service_is_down_happens_once_at_restart_late(
    bootstrap: str, stack: Stack
) -> None:
    release_id, lift_at = new_release(), whole_seconds_from_now(4)
    outcomes = await send_all(bootstrap, approved_and_embargoed(release_id, lift_at))
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    embargo = stack.processes["embargo"]
    embargo.kill()
    try:
        await wall_clock_past(lift_at + timedelta(seconds=1))  # the lift time falls while down
        assert await _lifts(bootstrap, release_id) == []  # nobody lifted it while it was down
    finally:
        restarted = datetime.now(UTC)
        embargo.start()
    [lifted] = await events_of(bootstrap, "EmbargoLifted", release_id)
    assert lifted.data.lift_at == lift_at
    assert lifted.data.lifted_at >= restarted and lifted.logged_at >= restarted
    assert lifted.data.lateness_ms >= (restarted - lift_at) // timedelta(milliseconds=1)
    await handled_after(bootstrap, release_id)
    assert len(await _lifts(bootstrap, release_id)) == 1, tail(embargo.log_file)


@pytest.fixture
def second_instance(bootstrap: str, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Another `python -m services.embargo` with the same settings: same group, same schema."""
    with (tmp_path / "embargo-2.log").open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.embargo"], cwd=REPO_ROOT, env=dict(os.environ),
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        process.wait(30)


async def test_two_instances_lift_thirty_embargoes_due_at_one_instant_exactly_once_each(
    bootstrap: str, second_instance: subprocess.Popen[bytes], tmp_path: Path, stack: Stack
) -> None:
    logs = (stack.processes["embargo"].log_file, tmp_path / "embargo-2.log")
    await both_handle_commands(bootstrap, logs)  # the group has settled with both in it
    releases, lift_at = [new_release() for _ in range(30)], whole_seconds_from_now(15)
    commands = [c for release in releases for c in approved_and_embargoed(release, lift_at)]
    outcomes = await send_all(bootstrap, commands)
    assert {o.status for o in outcomes} == {"accepted"}
    shares = [await _handled(log, {o.command_id for o in outcomes}) for log in logs]
    assert all(shares), f"each instance handled some of the commands: {list(map(len, shares))}"
    await events_of(bootstrap, "EmbargoLifted", *releases, count=30)
    await handled_after(bootstrap, *releases)
    lifts = await _lifts(bootstrap, *releases)
    assert sorted(lift.data.release_id for lift in lifts) == sorted(releases)
    assert all(lift.data.lifted_at >= lift_at for lift in lifts)
    assert second_instance.poll() is None  # both instances still run
    fired = [(await asyncio.to_thread(log.read_text)).count("LiftEmbargo") for log in logs]
    print(f"commands handled by each instance: {list(map(len, shares))}; lifts fired: {fired}")


async def both_handle_commands(bootstrap: str, logs: tuple[Path, Path]) -> None:
    """Probes on fresh releases (spread over the partitions) until each instance's log shows one
    handled: the consumer group has given partitions to both."""

    async def both() -> bool:
        probes = [CancelEmbargo(release_id=new_release(), actor=PAULA) for _ in range(8)]
        ids = {o.command_id for o in await send_all(bootstrap, probes)}
        return all([await _handled(log, ids) for log in logs])

    await eventually(both, timeout=120, what="both instances handling commands")


async def handled_after(bootstrap: str, *release_ids: str) -> None:
    """A positive marker: a later command on each release (refused: lifted or cancelled) and its
    outcome, decided after and relayed after everything the release's stream had before it."""
    cancels = [CancelEmbargo(release_id=release_id, actor=PAULA) for release_id in release_ids]
    outcomes = await send_all(bootstrap, cancels)
    assert OutcomeStatus.ACCEPTED not in {o.status for o in outcomes}, outcomes


async def _handled(log: Path, command_ids: set[str]) -> set[str]:
    lines = (await asyncio.to_thread(log.read_text, errors="replace")).splitlines()
    handled = [line for line in lines if "commands_handled" in line]
    return {i for i in command_ids if any(i in line for line in handled)}


async def test_a_moved_embargo_lifts_once_at_its_new_time_and_a_cancelled_one_never(
    bootstrap: str,
) -> None:
    moved, cancelled, marker = new_release(), new_release(), new_release()
    first, later = whole_seconds_from_now(4), whole_seconds_from_now(8)
    commands = [
        *approved_and_embargoed(marker, first),  # lifts at the old time: that time has passed
        *approved_and_embargoed(moved, first),
        *approved_and_embargoed(cancelled, first),
        ChangeEmbargo(release_id=moved, actor=PAULA, lift_at=later),
        CancelEmbargo(release_id=cancelled, actor=PAULA, reason="Talks postponed."),
    ]
    assert {o.status for o in await send_all(bootstrap, commands)} == {"accepted"}
    await events_of(bootstrap, "EmbargoLifted", marker)  # the old time has come and gone ...
    assert await _lifts(bootstrap, moved, cancelled) == []  # ... lifting neither
    [lifted] = await events_of(bootstrap, "EmbargoLifted", moved)
    assert lifted.data.lift_at == later <= lifted.data.lifted_at
    await handled_after(bootstrap, moved, cancelled)
    assert len(await _lifts(bootstrap, moved, cancelled)) == 1


async def test_poison_commands_get_a_clear_answer_and_the_service_goes_on(bootstrap: str) -> None:
    release_id = new_release()
    naive = encode(command_envelope(SetEmbargo(release_id=release_id, actor=PAULA,
                                               lift_at=whole_seconds_from_now(3600))))  # fmt: skip
    value = {**json.loads(naive.value or b""), "lift_at": "2030-01-09T00:01:00"}
    naive_record = KafkaRecord(naive.key, json.dumps(value).encode(), naive.headers)
    await dead_lettered(bootstrap, naive_record, "timezone")
    garbage = KafkaRecord(b"k", b"\x00\xffnot json", [("ce_specversion", b"1.0"),
                          ("ce_id", b"g"), ("ce_source", b"/t"), ("ce_type", b"x")])  # fmt: skip
    await dead_lettered(bootstrap, garbage, "")
    writer = Actor(id="alice", roles=["writer"], organisation="fco")
    refused = await send_all(bootstrap, [
        CancelEmbargo(release_id=f"unknown-{uuid.uuid4()}", actor=PAULA),
        SetEmbargo(release_id=release_id, actor=writer, lift_at=whole_seconds_from_now(60)),
        SetEmbargo(release_id=release_id, actor=PAULA, lift_at=whole_seconds_from_now(-60)),
    ])  # fmt: skip
    assert [o.status for o in refused] == ["not_found", "forbidden", "invalid"]
    assert [o.problem.type.rsplit(":", 1)[1] for o in refused if o.problem] == [
        "embargo-not-found", "forbidden", "invalid-embargo"
    ]  # fmt: skip
    fine = SetEmbargo(release_id=release_id, actor=PAULA, lift_at=whole_seconds_from_now(60))
    assert (await send_command(bootstrap, EMBARGO_COMMANDS, fine)).status == "accepted"


async def _lifts(bootstrap: str, *release_ids: str) -> list[Logged]:
    events = await embargo_events(bootstrap, *release_ids)
    return [e for e in events if e.data.type in ("EmbargoLifted", "EmbargoLiftedEarly")]
