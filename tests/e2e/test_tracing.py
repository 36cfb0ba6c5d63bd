"""Traces end to end: a release created and published over HTTP, every process exporting to an
OTLP/HTTP receiver on 127.0.0.1; one trace id links the gateway's request, the command's handling,
the relay's send and the projector's write. With tracing off (the session's stack) nothing is
traced and the events carry the caller's traceparent, unchanged, or none."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from events.topics import DRAFTING_EVENTS
from services.kit.tracing_setup import wanted
from tests.e2e.stack_fixture import (
    Stack,
    assert_all_alive,
    drafting_answers,
    gateway_ready,
    process_env,
)
from tests.e2e.test_approval_http import APPROVAL_WAIT_S, draft_and_submit, sample_body
from tests.e2e.test_publication_http import approved_by_both, published_by
from tests.e2e.told import Told
from tests.integration.delivery_support import Mailbox, Receiver
from tests.otlp_receiver import Received, ReceivedSpan, otlp_receiver
from tests.support import eventually, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]  # restarts the stack twice
SERVER, CLIENT, PRODUCER, CONSUMER = 2, 3, 4, 5  # OTLP's span kinds
SPANS_WAIT_S = 120.0
LIFT_IN_S = 5  # ahead of the embargo's own handling, even on a slow machine
# Spans leave in batches every 200 ms instead of 5 s: the test waits less, never on a clock.
TRACED_ENV = {"OTEL_BSP_SCHEDULE_DELAY": "200", "OTEL_TRACES_SAMPLER": "parentbased_always_on"}


@dataclass(frozen=True)
class Caller:
    """A client's own trace context, as its HTTP library would send it."""

    trace_id: str
    span_id: str

    @classmethod
    def new(cls) -> Caller:
        return cls(secrets.token_hex(16), secrets.token_hex(8))

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-01"


async def restart(stack: Stack, env: Mapping[str, str]) -> None:
    for process in reversed(stack.processes.values()):
        process.stop()
    for name, process in stack.processes.items():
        process.start({**process_env(stack.settings, name), **env})
    await gateway_ready(stack)
    await drafting_answers(stack.settings)
    assert_all_alive(stack)


@pytest_asyncio.fixture(scope="module")
async def traced(stack: Stack) -> AsyncIterator[tuple[Stack, Received]]:
    """The session's stack started again exporting to a receiver; as it was afterwards."""
    with otlp_receiver() as (endpoint, received):
        await restart(stack, {**TRACED_ENV, "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint})
        try:
            yield stack, received
        finally:
            await restart(stack, {})


async def draft_created(stack: Stack, release_id: str) -> dict[str, str]:
    """The headers of the release's DraftCreated on Kafka."""
    bootstrap, key = stack.settings.kafka_bootstrap, release_id.encode()

    async def probe() -> dict[str, str] | None:
        records = await read_topic(bootstrap, DRAFTING_EVENTS, lambda r: r.key == key)
        created = [r for r in records if (r.header("ce_type") or "").endswith(".DraftCreated.v1")]
        return created[0].header_texts() if created else None

    return await eventually(probe, APPROVAL_WAIT_S, f"DraftCreated of {release_id}")


async def create(stack: Stack, traceparent: str | None) -> str:
    async with stack.client() as alice:
        headers = {"traceparent": traceparent} if traceparent else {}
        created = await alice.post("/v1/releases", json=sample_body(""), headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["release_id"])


async def test_with_tracing_off_events_carry_the_callers_traceparent_unchanged(
    stack: Stack,
) -> None:
    assert not wanted(os.environ)  # the session's stack inherits it: it exports nothing
    caller = Caller.new()
    traced_release = await create(stack, caller.traceparent)
    untraced_release = await create(stack, None)
    assert (await draft_created(stack, traced_release))["ce_traceparent"] == caller.traceparent
    assert "ce_traceparent" not in await draft_created(stack, untraced_release)


def found(spans: list[ReceivedSpan], service: str, name: str, kind: int) -> ReceivedSpan | None:
    matching = [s for s in spans if s.service == service and s.name.startswith(name)]
    return next((s for s in matching if s.kind == kind), None)


async def trace_of(
    received: Received, trace_id: str, wanted_spans: dict[str, tuple[str, str, int]]
) -> dict[str, ReceivedSpan]:
    """Each wanted span (by role: service, name prefix, kind) of the trace, once all arrived."""

    async def probe() -> dict[str, ReceivedSpan] | None:
        spans = received.spans(trace_id)
        got = {role: found(spans, *what) for role, what in wanted_spans.items()}
        complete = {role: span for role, span in got.items() if span is not None}
        return complete if len(complete) == len(wanted_spans) else None

    return await eventually(probe, SPANS_WAIT_S, f"the spans of trace {trace_id}")


async def test_one_trace_links_http_the_command_the_relay_and_the_projector(
    traced: tuple[Stack, Received],
) -> None:
    stack, received = traced
    caller = Caller.new()
    release_id = await create(stack, caller.traceparent)
    spans = await trace_of(
        received,
        caller.trace_id,
        {
            "request": ("pressroom-gateway", "POST", SERVER),
            "handling": ("pressroom-drafting", "process pressroom.drafting.CreateDraft", CONSUMER),
            "send": ("pressroom-drafting", "send pressroom.drafting.events", PRODUCER),
            "projection": ("pressroom-projector", "process pressroom.drafting.events", CONSUMER),
        },
    )
    request, handling = spans["request"], spans["handling"]
    assert request.parent_id == caller.span_id  # the caller's trace goes on
    trace = received.spans(caller.trace_id)
    gateway_spans = {s.span_id for s in trace if s.service == request.service}
    assert handling.parent_id in gateway_spans
    assert spans["send"].parent_id == handling.span_id == spans["projection"].parent_id
    assert handling.attributes["pressroom.subject"] == release_id
    headers = await draft_created(stack, release_id)
    assert headers["ce_traceparent"] == f"00-{caller.trace_id}-{handling.span_id}-01"


async def test_a_release_published_over_http_is_traced_through_publication(
    traced: tuple[Stack, Received], receiver: Receiver, mailbox: Mailbox
) -> None:
    stack, received = traced
    async with stack.client() as alice, stack.client("dev-carol") as carol:
        told = await Told.subscribe(carol, receiver, mailbox)
        release_id = await draft_and_submit(alice, f" (traced {uuid.uuid4().hex[:8]})")
        await approved_by_both(stack, alice, release_id)
        caller = Caller.new()
        carol.headers["traceparent"] = caller.traceparent
        await published_by(carol, release_id, {})
        try:
            await traced_deliveries(received, caller.trace_id)
        finally:
            del carol.headers["traceparent"]
            await told.unsubscribe(carol)
    spans = await trace_of(
        received,
        caller.trace_id,
        {
            "request": ("pressroom-gateway", "POST", SERVER),
            "handling": ("pressroom-publication", "process pressroom.publication.", CONSUMER),
            "send": ("pressroom-publication", "send pressroom.publication.events", PRODUCER),
            "projection": ("pressroom-projector", "process pressroom.publication.events", CONSUMER),
        },
    )
    handling = spans["handling"]
    assert spans["projection"].parent_id == handling.span_id
    # asyncpg's instrumentation: the handling's statements are its children.
    statements = [s for s in received.spans(caller.trace_id) if s.parent_id == handling.span_id]
    assert [s for s in statements if s.kind == CLIENT and s.attributes.get("db.system")]


async def test_a_lift_the_scheduler_fires_begins_a_trace_that_goes_on_to_publication(
    traced: tuple[Stack, Received],
) -> None:
    """No request starts a lift: embargo's scheduler does. Its command is the root of a trace of
    its own, which the EmbargoLifted carries to publication and the projector. Before, a lift
    (and an approval deadline) had no span, and nothing after it was traced."""
    stack, received = traced
    async with stack.client() as alice, stack.client("dev-carol") as carol:
        release_id = await draft_and_submit(alice, f" (lift traced {uuid.uuid4().hex[:8]})")
        await approved_by_both(stack, alice, release_id)
        lift_at = datetime.now(UTC) + timedelta(seconds=LIFT_IN_S)
        terms = {"lift_at": lift_at.isoformat(), "recipients": ["rita"]}
        embargoed = await carol.put(f"/v1/releases/{release_id}/embargo", json=terms)
        assert embargoed.status_code == 200, embargoed.text

    async def lift_span() -> ReceivedSpan | None:
        lifts = [
            s for s in received.spans()
            if s.service == "pressroom-embargo" and s.kind == CONSUMER
            and s.name.startswith("process pressroom.embargo.LiftEmbargo.v")
            and s.attributes.get("pressroom.subject") == release_id
        ]  # fmt: skip
        return lifts[0] if lifts else None

    lift = await eventually(lift_span, LIFT_IN_S + SPANS_WAIT_S, f"the lift of {release_id}")
    assert lift.parent_id == ""  # a trace begins with it
    spans = await trace_of(
        received,
        lift.trace_id,
        {
            "send": ("pressroom-embargo", "send pressroom.embargo.events", PRODUCER),
            "publication": ("pressroom-publication", "process pressroom.publication.", CONSUMER),
            "projection": ("pressroom-projector", "process pressroom.embargo.events", CONSUMER),
        },
    )
    assert spans["send"].parent_id == lift.span_id == spans["projection"].parent_id


async def traced_deliveries(received: Received, trace_id: str) -> None:
    """The webhook's and the email's attempts continue the trace of the publish that planned
    them (the delivery rows keep the event's trace context), each inside publication."""
    spans = await trace_of(
        received,
        trace_id,
        {
            "webhook": ("pressroom-publication", "deliver webhook", PRODUCER),
            "email": ("pressroom-publication", "deliver email", PRODUCER),
        },
    )
    publication = {
        s.span_id for s in received.spans(trace_id) if s.service == "pressroom-publication"
    }
    for span in spans.values():
        assert span.parent_id in publication  # the handling that planned it
