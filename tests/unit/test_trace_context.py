"""The W3C trace context in the CloudEvents distributed-tracing extension: optional, read by the
CloudEvents SDKs, passed from command to events, dropped (never refused) when malformed."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.v1 import kafka as ce_kafka_v1
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from events.catalog import REGISTRY
from events.drafting import DraftCreated, SubmitDraft
from events.envelope import Envelope
from events.kafka import Headers, KafkaRecord, decode, encode
from events.replies import CommandOutcome
from events.schemas.examples import examples
from services.kit import outcomes, tracing
from services.kit.decider import wrap_events
from services.kit.tracing_setup import wanted
from tests.support import header_bytes

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACESTATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
EXAMPLE = cast("Envelope[DraftCreated]", examples()[DraftCreated.ce_type()])
COMMAND = examples()[SubmitDraft.ce_type()]


def traced(envelope: Envelope[Any], **trace: str | None) -> Envelope[Any]:
    return envelope.model_copy(update=trace)


def with_headers(record: KafkaRecord, **headers: str) -> KafkaRecord:
    added = [(name, value.encode()) for name, value in headers.items()]
    return KafkaRecord(record.key, record.value, [*record.headers, *added])


def test_an_untraced_message_has_no_trace_headers() -> None:
    names = {name for name, _ in encode(EXAMPLE).headers}
    assert not names & {"ce_traceparent", "ce_tracestate"}


def test_the_trace_context_travels_in_the_ce_headers_and_reads_back() -> None:
    envelope = traced(EXAMPLE, traceparent=TRACEPARENT, tracestate=TRACESTATE)
    record = encode(envelope)
    assert record.header("ce_traceparent") == TRACEPARENT
    assert record.header("ce_tracestate") == TRACESTATE
    assert decode(record, REGISTRY) == envelope


def test_both_cloudevents_sdks_read_it_as_the_distributed_tracing_extension() -> None:
    record = encode(traced(EXAMPLE, traceparent=TRACEPARENT, tracestate=TRACESTATE))
    message = ce_kafka.KafkaMessage(
        headers=header_bytes(record), key=record.key, value=cast(bytes, record.value)
    )
    event = ce_kafka.from_binary_event(message)
    assert event.get_extension("traceparent") == TRACEPARENT
    assert event.get_extension("tracestate") == TRACESTATE
    old = ce_kafka_v1.KafkaMessage(
        headers=header_bytes(record), key=record.key, value=cast(bytes, record.value)
    )
    v1 = ce_kafka_v1.from_binary(old, data_unmarshaller=json.loads)
    assert (v1.get("traceparent"), v1.get("tracestate")) == (TRACEPARENT, TRACESTATE)


@pytest.mark.parametrize(
    "garbage", ["", "not-a-traceparent", "00-" + "g" * 32 + "-00f067aa0ba902b7-01", "x" * 5000]
)
def test_a_malformed_traceparent_is_dropped_not_refused(garbage: str) -> None:
    record = with_headers(encode(COMMAND), ce_traceparent=garbage, ce_tracestate="a=b")
    decoded = decode(record, REGISTRY)
    assert decoded.traceparent is None and decoded.data == COMMAND.data


def test_an_oversized_or_unprintable_tracestate_is_dropped() -> None:
    for bad in ("k=" + "v" * 600, "a=b\nc=d"):
        record = with_headers(encode(COMMAND), ce_traceparent=TRACEPARENT, ce_tracestate=bad)
        decoded = decode(record, REGISTRY)
        assert (decoded.traceparent, decoded.tracestate) == (TRACEPARENT, None)


def test_a_commands_events_carry_its_trace_context() -> None:
    command = traced(COMMAND, traceparent=TRACEPARENT, tracestate=TRACESTATE)
    events = wrap_events(command, [EXAMPLE.data, EXAMPLE.data], 0, datetime.now(UTC))
    assert [(e.traceparent, e.tracestate) for e in events] == [(TRACEPARENT, TRACESTATE)] * 2
    assert all(e.traceparent is None for e in wrap_events(COMMAND, [EXAMPLE.data], 0, COMMAND.time))


async def test_with_tracing_off_a_command_is_handled_as_it_came() -> None:
    assert not tracing.enabled()
    seen: list[Envelope[Any]] = []
    command = traced(COMMAND, traceparent=TRACEPARENT)

    async def handle(envelope: Envelope[Any]) -> CommandOutcome:
        seen.append(envelope)
        raise LookupError("handled")

    with pytest.raises(LookupError):
        await tracing.traced_handle("drafting", command, handle)
    assert seen == [command] and seen[0] is command
    assert tracing.start_sends([]) == []


def test_with_tracing_off_the_gateway_passes_the_callers_traceparent_on_unchanged() -> None:
    headers = {"traceparent": TRACEPARENT, "tracestate": TRACESTATE}
    passed = tracing.from_request(COMMAND, headers)
    assert (passed.traceparent, passed.tracestate) == (TRACEPARENT, TRACESTATE)
    assert tracing.from_request(COMMAND, {}) is COMMAND
    assert tracing.from_request(COMMAND, {"traceparent": "bogus"}).traceparent is None


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ""}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, False),
    ],
)
def test_tracing_is_on_only_with_an_otlp_endpoint(environ: dict[str, str], on: bool) -> None:
    assert wanted(environ) is on


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on, in this process only while the test runs, into memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.STATE.tracer = provider.get_tracer("test")
    try:
        yield exporter
    finally:
        tracing.STATE.tracer = None


def accepted(envelope: Envelope[Any]) -> CommandOutcome:
    return outcomes.accepted(envelope, 1, [])


async def test_with_tracing_on_the_handling_is_a_child_and_its_events_carry_it(
    spans: InMemorySpanExporter,
) -> None:
    seen: list[Envelope[Any]] = []

    async def handle(envelope: Envelope[Any]) -> CommandOutcome:
        seen.append(envelope)
        return accepted(envelope)

    await tracing.traced_handle("drafting", traced(COMMAND, traceparent=TRACEPARENT), handle)
    [span] = spans.get_finished_spans()
    assert span.parent is not None and f"{span.parent.span_id:016x}" == "00f067aa0ba902b7"
    assert f"{span.context.trace_id:032x}" == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert seen[0].traceparent == f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-01"
    assert span.attributes is not None and span.attributes["pressroom.outcome"] == "accepted"


async def test_with_tracing_on_only_traced_records_get_a_span_and_a_failure_marks_them(
    spans: InMemorySpanExporter,
) -> None:
    traced_row = with_headers(encode(EXAMPLE), ce_traceparent=TRACEPARENT)
    rows = [Row("pressroom.drafting.events", traced_row.headers), Row("t", encode(EXAMPLE).headers)]
    tracing.end_spans(tracing.start_sends(rows))
    [sent] = spans.get_finished_spans()
    assert sent.name == "send pressroom.drafting.events" and sent.kind is SpanKind.PRODUCER

    async def write(_: Sequence[Row]) -> None:
        raise ConnectionError("PostgreSQL away")

    with pytest.raises(ConnectionError):
        await tracing.traced_batch(rows, write)
    projected = spans.get_finished_spans()[-1]
    assert projected.kind is SpanKind.CONSUMER and not projected.status.is_ok


@dataclass(frozen=True)
class Row:
    topic: str
    headers: Headers
