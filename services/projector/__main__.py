"""`python -m services.projector [--group ID]`: runs the projector until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal

from services.kit.logging import configure_logging
from services.kit.settings import Settings, load_settings
from services.projector.bootstrap import run_projector
from services.projector.consumer import GROUP_ID


def main() -> None:
    """Parses the arguments, configures logging and runs the loop."""
    parser = argparse.ArgumentParser(prog="python -m services.projector", description=__doc__)
    parser.add_argument("--group", default=GROUP_ID, help="consumer group, also the offsets' owner")
    args = parser.parse_args()
    settings = load_settings()
    configure_logging(settings, "projector")
    asyncio.run(_run_until_signalled(settings, args.group))


async def _run_until_signalled(settings: Settings, group_id: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Finish the batch in flight, then leave the group cleanly.
        loop.add_signal_handler(sig, stop.set)
    await run_projector(settings, stop, group_id=group_id)


if __name__ == "__main__":
    main()
