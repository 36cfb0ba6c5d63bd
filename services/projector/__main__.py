"""`python -m services.projector [--group ID]`: runs the projector until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal

from services.kit.group_watch import EXIT_GROUP_LOST
from services.kit.health import HealthServer, Readiness
from services.kit.heap import settle_heap, trim_heap_every
from services.kit.kafka_on_uvloop import run_on_uvloop
from services.kit.logging import configure_logging
from services.kit.settings import Settings, load_settings
from services.projector.bootstrap import ConsumerGroupLost, run_projector
from services.projector.consumer import GROUP_ID


def main() -> None:
    """Parses the arguments, then serves."""
    parser = argparse.ArgumentParser(prog="python -m services.projector", description=__doc__)
    parser.add_argument("--group", default=GROUP_ID, help="consumer group, also the offsets' owner")
    serve(parser.parse_args().group)


def serve(group_id: str = GROUP_ID) -> None:
    """Configures logging, starts the health port if one is set, and runs the loop."""
    settings = load_settings()
    configure_logging(settings, "projector")
    readiness = Readiness(("postgres", "kafka")) if settings.health_port else None
    health = HealthServer("projector", readiness) if readiness else None
    if health is not None:
        health.start_or_exit(settings.health_host, settings.health_port)
    settle_heap()  # services/kit/heap.py: the collector leaves what bootstrap made alone
    trim_heap_every(settings.heap_trim_interval_s)
    try:
        run_on_uvloop(_run_until_signalled(settings, group_id, readiness))
    except ConsumerGroupLost:  # said in the log already (consumer_group_lost): start again
        raise SystemExit(EXIT_GROUP_LOST) from None
    finally:
        if health is not None:
            health.stop()


async def _run_until_signalled(
    settings: Settings, group_id: str, readiness: Readiness | None
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Finish the batch in flight, then leave the group cleanly.
        loop.add_signal_handler(sig, stop.set)
    await run_projector(settings, stop, group_id=group_id, readiness=readiness)


if __name__ == "__main__":
    main()
