"""The projector's NOTIFY payload stays under PostgreSQL's 8,000 bytes whatever ids a batch
holds: fifty command ids of 200 characters made a 10,000-byte payload, and its refusal failed
the batch's transaction (the projector stopped)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.projector.batch import BatchPlan
from services.projector.batch_io import NOTIFY_MAX_IDS, notice
from services.projector.outcomes import OutcomeRow

NOTIFY_LIMIT_BYTES = 8_000
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def _plan(command_ids: list[str]) -> BatchPlan:
    plan = BatchPlan()
    plan.outcomes = [
        OutcomeRow(
            command_id=c,
            command_type="t",
            release_id=None,
            status="accepted",
            stream_version=1,
            events=[],
            problem=None,
            received_at=NOW,
        )
        for c in command_ids
    ]
    return plan


def test_long_ids_are_left_out_and_the_notice_says_so() -> None:
    ids = [f"{n:03d}" + "c" * 197 for n in range(50)]
    releases = {f"r-{n}" + "é" * 95 for n in range(50)}  # JSON writes each é as \\u00e9
    payload = notice("pressroom-projector", releases, _plan(ids))
    assert len(json.dumps(payload).encode()) < NOTIFY_LIMIT_BYTES
    assert payload["truncated"] is True
    assert payload["commands"] == ids[: len(payload["commands"])]  # the first ones, in order


def test_an_ordinary_batch_names_every_release_and_command() -> None:
    ids = [f"0190f8e2-8c1a-7d3e-9b4f-{n:012d}" for n in range(NOTIFY_MAX_IDS)]
    releases = {f"0190f8e2-8c1a-7d3e-9b4f-{n:012x}" for n in range(NOTIFY_MAX_IDS)}
    payload = notice("pressroom-projector", releases, _plan(ids))
    assert payload["truncated"] is False
    assert payload["commands"] == ids and payload["releases"] == sorted(releases)
    assert len(json.dumps(payload).encode()) < NOTIFY_LIMIT_BYTES
