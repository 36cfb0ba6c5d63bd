"""`python -m dev_tools.mailsink`: the local SMTP server `pressroom up` starts (not for production:
point PRESSROOM_SMTP_HOST/PORT at a real relay there)."""

from __future__ import annotations

import signal
import threading

import structlog

from dev_tools.mailsink.sink import serve
from services.kit.listening import CannotListen
from services.kit.logging import configure_logging
from services.kit.settings import load_settings


def main() -> None:
    settings = load_settings()
    configure_logging(settings, service="mailsink")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        serve(settings.smtp_host, settings.smtp_port, settings.data_dir / "mail", stop)
    except CannotListen as error:  # as every Pressroom process refuses a taken port: exit 2
        structlog.get_logger().error("refusing_to_start", reason=str(error))
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
