"""aiokafka on uvloop: a request written to a connection the broker has just reset.

When the broker dies its sockets are reset. uvloop closes the transport, and the stream's reader
holds the error rather than an end of stream, so aiokafka still counts the connection as
connected until its read task runs. A request written in that moment meets a closed handle, and
uvloop raises RuntimeError ("unable to perform operation on <TCPTransport closed=True ...>; the
handler is closed") where asyncio's own loop raises nothing; aiokafka catches only OSError there
(`AIOKafkaConnection.send`, aio-libs/aiokafka#1038, open for aiokafka 0.14). Raised in the
client's metadata task, the error ended that task, and every metadata refresh after it waited
for ever: the consumer never looked up its group coordinator again and read nothing more. That
is the stall `make chaos` met in the projector (its `waiting_on` showed the ended task) and, by
the same signature, twice in approval (docs/reliability.md, "The stall's cause"); the group
watch then restarted the process a minute later.

`mend_closed_connection_writes` makes such a write what aiokafka already does with a broken
connection: the connection closed, and KafkaConnectionError raised, which every caller handles
(another node, a new connection, a retry). Every process that runs Kafka clients on uvloop calls
it before its first client starts (`run_on_uvloop`, `services/kit/worker.py::use_uvloop`)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any, TypeVar

import uvloop
from aiokafka.conn import AIOKafkaConnection, CloseReason
from aiokafka.errors import KafkaConnectionError

T = TypeVar("T")
_MENDED = "_pressroom_mended"


def mend_closed_connection_writes() -> None:
    """Idempotent: aiokafka's two ways of writing to a broker, mended once per process."""
    for name in ("send", "_send_sasl_token"):
        write = getattr(AIOKafkaConnection, name)
        if not getattr(write, _MENDED, False):
            setattr(AIOKafkaConnection, name, _broken_if_closed(write))


def _broken_if_closed(write: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(write)
    def mended(conn: AIOKafkaConnection, *args: Any, **kwargs: Any) -> Any:
        try:
            return write(conn, *args, **kwargs)
        except RuntimeError as error:
            if not _transport_closed(conn):
                raise  # not the closed handle: someone else's error, left as it was
            conn.close(reason=CloseReason.CONNECTION_BROKEN, exc=error)
            raise KafkaConnectionError(
                f"Connection at {conn._host}:{conn._port} broken: {error}"
            ) from error

    setattr(mended, _MENDED, True)
    return mended


def _transport_closed(conn: AIOKafkaConnection) -> bool:
    writer = conn._writer
    return writer is not None and writer.transport.is_closing()


def run_on_uvloop(main: Coroutine[Any, Any, T]) -> T:
    """`uvloop.run`, aiokafka mended first (the gateway's and the projector's loop)."""
    mend_closed_connection_writes()
    return uvloop.run(main)


__all__ = ["mend_closed_connection_writes", "run_on_uvloop"]
