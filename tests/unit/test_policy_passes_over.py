"""A reaction's policy may read past the event types its reaction never acts on, on the ce_type
header alone: approval passed over DraftCreated and its CPU per created draft fell from 0.15 to
0.11 ms (docs/benchmarks.md). Passing over must never change what a reaction does: each type
passed over, as the relay recorded it, calls for no command; the types it acts on are still
decoded, and so refused when they do not decode."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dev_tools.contract.recorded import recorded_versions, replay
from events.catalog import REGISTRY
from events.drafting import DraftRevised, DraftSubmitted
from events.kafka import KafkaRecord, decode
from events.topics import DRAFTING_EVENTS
from services.approval.agents import PASSED_OVER
from services.approval.policies import parse_policies
from services.approval.reactions import reaction_to_drafting
from services.kit.dlq import RecordOrigin
from services.kit.policy import Policy, passed_over
from tests.unit.given_when_then import NOW

RECORDED = Path(__file__).parent.parent / "data" / "recorded"
ORIGIN = RecordOrigin(DRAFTING_EVENTS, 0, 7)
POLICIES = parse_policies(
    {"version": 1, "default": {"stages": [{"name": "policy", "roles": ["approver:policy"]}]}},
    "test",
)


def _recorded(ce_type: str) -> KafkaRecord:
    service, name, version = ce_type.split(".")[1:]
    recorded: dict[str, Any] = json.loads(
        (RECORDED / service / f"{name}.{version}.json").read_bytes()
    )
    return replay(recorded)


def _policy() -> Policy:
    # What Policy.read asks of a handler: no database, no Kafka.
    handler: Any = SimpleNamespace(
        store=SimpleNamespace(registry=REGISTRY), service="approval", clock=lambda: NOW
    )
    return Policy("approval", handler, reaction_to_drafting(POLICIES), PASSED_OVER)


def test_every_version_of_every_drafting_event_but_submissions_and_revisions() -> None:
    drafting_events = {
        f"pressroom.{version.replace('/', '.')}" for version in recorded_versions()
        if version.startswith("drafting/")
    }  # fmt: skip
    acted_on = {t for t in drafting_events if ".DraftSubmitted." in t or ".DraftRevised." in t}

    assert passed_over(REGISTRY, "drafting", (DraftSubmitted, DraftRevised)) == PASSED_OVER
    assert drafting_events - acted_on == PASSED_OVER
    assert {"pressroom.drafting.DraftRevised.v1", "pressroom.drafting.DraftRevised.v2"} <= acted_on


@pytest.mark.parametrize("ce_type", sorted(PASSED_OVER))
def test_approvals_reaction_calls_for_nothing_on_a_type_it_passes_over(ce_type: str) -> None:
    event = decode(_recorded(ce_type), REGISTRY)

    assert reaction_to_drafting(POLICIES)(event) is None


def test_a_passed_over_record_is_not_decoded() -> None:
    record = _recorded("pressroom.drafting.DraftCreated.v1")
    garbled = KafkaRecord(record.key, b"{not json", record.headers)

    item = _policy().read(garbled, ORIGIN)

    assert item.command is None and not item.set_aside


def test_a_record_of_a_type_acted_on_is_still_decoded_and_refused_when_it_does_not() -> None:
    record = _recorded("pressroom.drafting.DraftSubmitted.v2")
    garbled = KafkaRecord(record.key, b"{not json", record.headers)

    assert _policy().read(record, ORIGIN).command is not None
    assert _policy().read(garbled, ORIGIN).unreadable is not None
