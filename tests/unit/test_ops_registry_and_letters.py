"""The memoised registry answers as the contract's; dead letters are filtered and ordered."""

from __future__ import annotations

from datetime import UTC, datetime

from events.catalog import REGISTRY
from operator_tools.dead_letters import KAFKA, PROJECTOR, DeadLetter, DeadLetterFilter
from operator_tools.deciders import DECIDERS
from operator_tools.redrive import in_log_order
from operator_tools.registry_cache import memoised
from services.kit.consumer_groups import GROUPS, SERVICES, service_group


def test_the_memoised_registry_reads_every_type_as_the_contract_does() -> None:
    fast = memoised()
    for service, name, _ in REGISTRY.models:
        assert fast.latest(service, name) is REGISTRY.latest(service, name)
    assert fast.upcasters == REGISTRY.upcasters


def test_every_service_with_a_decider_is_folded() -> None:
    assert DECIDERS["drafting"].service == "drafting"
    assert all(service == decider.service for service, decider in DECIDERS.items())


def test_every_service_with_a_decider_has_its_consumer_group_named() -> None:
    assert set(DECIDERS) == set(SERVICES)
    assert (
        *(service_group(s) for s in ("approval", "drafting", "embargo", "publication")),
        "pressroom-projector",
    ) == GROUPS


def letter(store: str, topic: str, offset: int, ce_type: str, release: str) -> DeadLetter:
    headers = (("ce_type", ce_type.encode()),)
    return DeadLetter(
        store,
        topic,
        0,
        offset,
        release.encode(),
        b"{}",
        headers,
        "why",
        datetime.now(UTC),
        (topic, 0, offset),
    )


def test_filters_by_type_release_and_pending() -> None:
    revised = letter(KAFKA, "pressroom.drafting.dlq", 1, "pressroom.drafting.DraftRevised.v1", "r1")
    created = letter(KAFKA, "pressroom.drafting.dlq", 2, "pressroom.drafting.DraftCreated.v1", "r2")
    assert DeadLetterFilter(where="DraftRevised").accepts(revised)
    assert not DeadLetterFilter(where="DraftRevised").accepts(created)
    assert DeadLetterFilter(release="r2").accepts(created)
    done = DeadLetter(**{**revised.__dict__, "redriven": "redriven"})
    assert not DeadLetterFilter(pending_only=True).accepts(done)


def test_ids_and_order_follow_the_log() -> None:
    later = letter(KAFKA, "pressroom.drafting.dlq", 9, "t", "r1")
    earlier = letter(KAFKA, "pressroom.drafting.dlq", 3, "t", "r1")
    parked = letter(PROJECTOR, "pressroom.drafting.events", 5, "t", "r1")
    assert [x.offset for x in in_log_order([parked, later, earlier])] == [3, 9, 5]
    assert earlier.ref == "pressroom.drafting.dlq:0:3"
    assert parked.ref == "projector:pressroom.drafting.events:0:5"
