"""aiokafka on uvloop, as every Pressroom process runs it, against the real broker: a request
written to a connection the broker has just closed, before aiokafka has read that it closed.
uvloop raises RuntimeError there where asyncio's loop raises nothing, and aiokafka caught only
OSError: raised in the client's metadata task, it ended that task, and the consumer never looked
up its group coordinator again (`make chaos`, 2026-12-07: the projector's `consumer_group_lost`
said `metadata_sync: ended: RuntimeError('unable to perform operation on <TCPTransport
closed=True ...>; the handler is closed')`). services/kit/kafka_on_uvloop.py mends it."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import uvloop
from aiokafka.client import AIOKafkaClient
from aiokafka.conn import AIOKafkaConnection
from aiokafka.errors import KafkaConnectionError
from aiokafka.protocol.metadata import MetadataRequest

from services.kit.kafka_clients import client_kwargs
from services.kit.kafka_on_uvloop import mend_closed_connection_writes
from services.kit.settings import Settings

pytestmark = pytest.mark.integration
WAIT_S = 30.0


def a_live_connection(client: AIOKafkaClient) -> AIOKafkaConnection:
    return next(conn for conn in client._conns.values() if conn.connected())


def reset_by_the_kernel(conn: AIOKafkaConnection) -> None:
    """As when the broker dies: the kernel aborts the connection's socket (`ss -K`, as root),
    while the loop waits, so that uvloop reads the error at its next poll."""
    assert conn._writer is not None
    host, port = conn._writer.transport.get_extra_info("sockname")[:2]
    family = "-6" if ":" in host else "-4"
    assert shutil.which("ss"), "this test resets a socket with `ss -K`: install iproute2"
    done = subprocess.run(
        ["ss", family, "-K", "src", host, "sport", "=", f":{port}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert f":{port} " in done.stdout, f"ss -K aborted no socket: {done.stdout}{done.stderr}"


async def until_uvloop_has_closed_it(conn: AIOKafkaConnection) -> None:
    """uvloop sees the error at its next poll and closes the transport; a turn later the handle
    is closed and the reader holds the error (a reset is no end of stream: `at_eof()` stays
    False, so aiokafka still counts the connection as connected); aiokafka's read task hears of
    it a turn after that. Whatever writes in between, as the metadata task did, meets the
    closed handle."""
    assert conn._writer is not None
    transport = conn._writer.transport
    for _ in range(1000):
        if transport.is_closing():
            break
        await asyncio.sleep(0)
    assert transport.is_closing(), "uvloop never saw the aborted socket"
    await asyncio.sleep(0)
    assert conn._reader is not None and conn._reader.exception() is not None
    assert conn.connected(), "aiokafka already noticed: the window this test needs is gone"


@asynccontextmanager
async def a_connection_just_reset(
    settings: Settings,
) -> AsyncIterator[tuple[AIOKafkaClient, AIOKafkaConnection]]:
    """A client whose live connection the broker's side has just reset, in the window."""
    client = AIOKafkaClient(**client_kwargs(settings=settings))
    await client.bootstrap()
    try:
        assert await asyncio.wait_for(client.force_metadata_update(), WAIT_S)
        conn = a_live_connection(client)
        reset_by_the_kernel(conn)
        await until_uvloop_has_closed_it(conn)
        yield client, conn
    finally:
        await client.close()


async def metadata_after_a_reset(settings: Settings) -> tuple[str, bool]:
    async with a_connection_just_reset(settings) as (client, _):
        # What the client's metadata task runs when a consumer asks for its coordinator.
        try:
            await client._metadata_update(client.cluster, [])
            outcome = "handled"
        except Exception as error:  # what ended the metadata task before the mend
            outcome = f"raised {error!r}"
        # The client still serves metadata: over a new connection.
        updated = await asyncio.wait_for(client.force_metadata_update(), WAIT_S)
        return outcome, updated


async def send_after_a_reset(settings: Settings) -> str:
    async with a_connection_just_reset(settings) as (_, conn):
        try:
            await conn.send(MetadataRequest([]))
        except KafkaConnectionError:
            return f"KafkaConnectionError, connected={conn.connected()}"
        except Exception as error:
            return f"raised {error!r}"
        return "sent"


async def test_the_metadata_task_survives_a_write_to_a_connection_the_broker_reset(
    infra: Settings,
) -> None:
    mend_closed_connection_writes()
    outcome, updated = await asyncio.to_thread(uvloop.run, metadata_after_a_reset(infra))
    assert outcome == "handled"
    assert updated is True


async def test_a_write_to_a_connection_the_broker_reset_is_a_broken_connection_to_aiokafka(
    infra: Settings,
) -> None:
    mend_closed_connection_writes()
    outcome = await asyncio.to_thread(uvloop.run, send_after_a_reset(infra))
    assert outcome == "KafkaConnectionError, connected=False"


@pytest.mark.parametrize(
    "start",
    [
        "from services.kit.worker import use_uvloop; use_uvloop()",
        "import services.kit.kafka_on_uvloop as k, asyncio; k.run_on_uvloop(asyncio.sleep(0))",
    ],
)
def test_each_way_a_process_starts_its_loop_mends_aiokafka_first(start: str) -> None:
    check = (
        f"{start}\nfrom aiokafka.conn import AIOKafkaConnection as C\n"
        "print(all(getattr(getattr(C, n), '_pressroom_mended', False)"
        " for n in ('send', '_send_sasl_token')))"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.stdout.strip() == "True", done.stderr
