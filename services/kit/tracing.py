"""Traces across the processes, the W3C trace context carried in the CloudEvents distributed-
tracing extension (`ce_traceparent`, `ce_tracestate`; events/kafka.py).

Off unless configured (services/kit/tracing_setup.py): each hook here is then one `None` check,
and the only per-message work is the codec copying a command's trace context to its events
(`wrap_events`), so a caller's trace goes on through Pressroom even when Pressroom records none.
On: a span for each command handled, each outbox row sent, each event projected, each one the
child of the trace context the message carries, and the events carry the handling span's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Protocol, TypeVar

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from events.envelope import Envelope, is_traceparent, is_tracestate
from events.replies import CommandOutcome

R = TypeVar("R")
TRACEPARENT, TRACESTATE = "ce_traceparent", "ce_tracestate"
_W3C = TraceContextTextMapPropagator()


class _Tracing:
    """The process's tracer once tracing_setup.configure_tracing turned tracing on, else None."""

    tracer: Tracer | None = None


STATE = _Tracing()


def enabled() -> bool:
    return STATE.tracer is not None


class HasHeaders(Protocol):
    """A Kafka record as the relay reads it from the outbox or the projector consumes it."""

    @property
    def topic(self) -> str: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes | None]]: ...


Records = TypeVar("Records", bound=Sequence[HasHeaders])


async def traced_handle(
    service: str,
    command: Envelope[Any],
    handle: Callable[[Envelope[Any]], Awaitable[CommandOutcome]],
) -> CommandOutcome:
    """`handle(command)` in a span continuing the command's trace; its events carry the span's."""
    tracer = STATE.tracer
    if tracer is None:
        return await handle(command)
    attributes = _messaging(f"pressroom.{service}.commands", "process", command.id)
    attributes |= {"pressroom.type": command.type, "pressroom.subject": command.subject}
    parent = _context(command.traceparent, command.tracestate)
    name = f"process {command.type}"
    with tracer.start_as_current_span(name, parent, SpanKind.CONSUMER, attributes) as span:
        traceparent, tracestate = _carried(span)
        outcome = await handle(
            command.model_copy(update={"traceparent": traceparent, "tracestate": tracestate})
        )
        span.set_attribute("pressroom.outcome", outcome.status.value)
        return outcome


def start_command_spans(
    service: str, commands: Sequence[Envelope[Any]]
) -> tuple[list[Envelope[Any]], list[Span]]:
    """The batch path's (services/kit/batches.py): a span per command, each continuing its
    command's trace, and the commands carrying their span's context so their events do too.
    The caller ends the spans (`end_spans`) once the batch's transaction is done."""
    tracer = STATE.tracer
    if tracer is None:
        return list(commands), []
    carried, spans = [], []
    for command in commands:
        attributes = _messaging(f"pressroom.{service}.commands", "process", command.id)
        attributes |= {"pressroom.type": command.type, "pressroom.subject": command.subject}
        parent = _context(command.traceparent, command.tracestate)
        span = tracer.start_span(f"process {command.type}", parent, SpanKind.CONSUMER, attributes)
        traceparent, tracestate = _carried(span)
        update = {"traceparent": traceparent, "tracestate": tracestate}
        carried.append(command.model_copy(update=update))
        spans.append(span)
    return carried, spans


def current_if_alone(spans: Sequence[Span]) -> AbstractContextManager[object]:
    """A batch of one traced command: its span is the current one, so the batch's statements
    (asyncpg's spans) are its children. Several: the statements serve them all, no parent."""
    if len(spans) == 1:
        return trace.use_span(spans[0], end_on_exit=False)
    return nullcontext()


@contextmanager
def delivery_span(due: Any) -> Iterator[None]:
    """Publication's delivery worker: a PRODUCER span for one attempt (the webhook call or the
    email, and recording its outcome), continuing the trace of the event that planned it."""
    tracer = STATE.tracer
    if tracer is None or due.get("traceparent") is None:
        yield
        return
    parent = _context(due["traceparent"], due["tracestate"])
    attributes: dict[str, str | int] = {
        "pressroom.delivery_id": str(due["delivery_id"]),
        "pressroom.subscriber_id": str(due["subscriber_id"]),
        "pressroom.channel": str(due["channel"]),
        "pressroom.attempt": int(due["attempts"]) + 1,
    }
    name = f"deliver {due['channel']}"
    with tracer.start_as_current_span(name, parent, SpanKind.PRODUCER, attributes):
        yield


def from_request(envelope: Envelope[Any], headers: Mapping[str, str]) -> Envelope[Any]:
    """The gateway's command with the trace context of the HTTP request: the server span's when
    tracing, else the caller's `traceparent` header as it came (or none)."""
    if STATE.tracer is not None:
        traceparent, tracestate = _carried(trace.get_current_span())
    else:
        traceparent = headers.get("traceparent")
        if traceparent is None:
            return envelope
        tracestate = headers.get("tracestate")
    if not is_traceparent(traceparent):
        return envelope
    tracestate = tracestate if is_tracestate(tracestate) else None
    return envelope.model_copy(update={"traceparent": traceparent, "tracestate": tracestate})


def start_sends(rows: Sequence[HasHeaders]) -> list[Span]:
    """The relay's: a PRODUCER span for each row that carries a trace context (none when off)."""
    tracer = STATE.tracer
    if tracer is None:
        return []
    return _spans(tracer, rows, "send", SpanKind.PRODUCER)


def end_spans(spans: Sequence[Span], failure: BaseException | None = None) -> None:
    for span in spans:
        if failure is not None:
            span.record_exception(failure)
            span.set_status(Status(StatusCode.ERROR, type(failure).__name__))
        span.end()


async def traced_batch(records: Records, write: Callable[[Records], Awaitable[R]]) -> R:
    """`write(records)` (one transaction for the batch), with a span for each traced record."""
    tracer = STATE.tracer
    if tracer is None:
        return await write(records)
    spans = _spans(tracer, records, "process", SpanKind.CONSUMER)
    try:
        result = await write(records)
    except BaseException as error:
        end_spans(spans, error)
        raise
    end_spans(spans)
    return result


def _spans(
    tracer: Tracer, records: Sequence[HasHeaders], operation: str, kind: SpanKind
) -> list[Span]:
    spans = []
    for record in records:
        found = dict(record.headers)  # the trace context, ce_type and ce_id, decoded once
        traceparent = found.get(TRACEPARENT)
        if traceparent is None:
            continue  # untraced work gets no span: a root span per event would be noise
        state = found.get(TRACESTATE)
        parent = _context(traceparent.decode(), state.decode() if state else None)
        kind_of = (found.get("ce_type") or b"").decode()
        attributes = _messaging(record.topic, operation, (found.get("ce_id") or b"").decode())
        attributes["pressroom.type"] = kind_of
        spans.append(tracer.start_span(f"{operation} {record.topic}", parent, kind, attributes))
    return spans


def _context(traceparent: str | None, tracestate: str | None) -> Context | None:
    if traceparent is None:
        return None  # a new trace
    carrier = {"traceparent": traceparent}
    if tracestate is not None:
        carrier["tracestate"] = tracestate
    return _W3C.extract(carrier)


def _carried(span: Span) -> tuple[str | None, str | None]:
    carrier: dict[str, str] = {}
    _W3C.inject(carrier, trace.set_span_in_context(span))
    return carrier.get("traceparent"), carrier.get("tracestate")


def _messaging(topic: str, operation: str, message_id: str) -> dict[str, Any]:
    """OpenTelemetry's semantic conventions for messaging spans."""
    return {
        "messaging.system": "kafka",
        "messaging.operation.type": operation,
        "messaging.destination.name": topic,
        "messaging.message.id": message_id,
    }
