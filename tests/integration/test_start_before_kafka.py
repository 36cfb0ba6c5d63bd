"""A process started before Kafka answers waits for it, saying so, instead of exiting (issue 12,
hole 4: found by the chaos suite, where a process restarted during a broker restart died with
`KafkaConnectionError: Unable to bootstrap` and only the injector brought it back)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from services.kit.settings import Settings
from tests.integration.serve_support import free_port, serve
from tests.support import eventually

pytestmark = pytest.mark.integration


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


async def forward(port: int, host: str, target: int) -> asyncio.Server:
    """The broker's bootstrap address, opened late: a TCP forwarder to the real broker."""

    async def on_client(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        broker_r, broker_w = await asyncio.open_connection(host, target)
        await asyncio.gather(_pipe(client_r, broker_w), _pipe(broker_r, client_w))

    return await asyncio.start_server(on_client, "127.0.0.1", port)


@pytest.mark.parametrize("process", ["drafting", "projector"])
async def test_a_process_started_before_kafka_answers_waits_for_it_then_serves(
    infra: Settings, tmp_path: Path, process: str
) -> None:
    port = free_port()  # nothing listens there yet: the "broker" is still starting
    log = tmp_path / f"{process}.log"
    served = serve(process, log, PRESSROOM_KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{port}")
    server: asyncio.Server | None = None
    try:

        async def waiting() -> bool:
            assert served.process.poll() is None, log.read_text()[-3000:]
            return "waiting_for_kafka" in log.read_text()

        await eventually(waiting, 180, f"{process} to say it waits for Kafka")
        server = await forward(port, infra.kafka_host, infra.kafka_port)

        async def ready() -> object:
            assert served.process.poll() is None, log.read_text()[-3000:]
            return await asyncio.to_thread(served.readyz)

        body = await eventually(ready, 240, f"{process}'s /readyz once Kafka answers")
        assert isinstance(body, dict) and body["status"] == "ready"
    finally:
        served.stop()
        if server is not None:
            server.close()
