"""The mend of aiokafka on uvloop (services/kit/kafka_on_uvloop.py), its logic alone: only the
RuntimeError of a closed transport becomes a broken connection; installed once. The write
itself against the real broker, and each way a process starts its loop: tests/integration/."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka.conn import AIOKafkaConnection
from aiokafka.errors import KafkaConnectionError

from services.kit.kafka_on_uvloop import _broken_if_closed, mend_closed_connection_writes


@dataclass
class Transport:
    closing: bool

    def is_closing(self) -> bool:
        return self.closing


@dataclass
class Writer:
    transport: Transport


@dataclass
class Connection:
    """What the mend reads of an AIOKafkaConnection, and what it calls."""

    _writer: Writer | None
    _host: str = "broker"
    _port: int = 9092
    closed: list[Any] = field(default_factory=list)

    def close(self, reason: Any = None, exc: Any = None) -> None:
        self.closed.append(reason)
        self._writer = None


def failing(error: Exception) -> Any:
    def write(conn: Any, *args: Any, **kwargs: Any) -> Any:
        raise error

    return write


def test_a_write_on_a_closed_transport_closes_the_connection_and_says_broken() -> None:
    conn = Connection(Writer(Transport(closing=True)))
    closed_handle = RuntimeError("unable to perform operation on <TCPTransport closed=True>")
    with pytest.raises(KafkaConnectionError, match="broker:9092 broken") as raised:
        _broken_if_closed(failing(closed_handle))(conn, "request")
    assert raised.value.__cause__ is closed_handle
    assert len(conn.closed) == 1 and conn._writer is None


def test_any_other_runtime_error_goes_through_as_it_was() -> None:
    conn = Connection(Writer(Transport(closing=False)))
    other = RuntimeError("Event loop is closed")
    with pytest.raises(RuntimeError) as raised:
        _broken_if_closed(failing(other))(conn, "request")
    assert raised.value is other and conn.closed == []


def test_what_the_write_returns_is_returned() -> None:
    conn = Connection(Writer(Transport(closing=False)))
    assert _broken_if_closed(lambda c, r, expect_response=True: (r, expect_response))(
        conn, "request", expect_response=False
    ) == ("request", False)


def test_mending_twice_wraps_once() -> None:
    mend_closed_connection_writes()
    send = AIOKafkaConnection.send
    mend_closed_connection_writes()
    assert AIOKafkaConnection.send is send
