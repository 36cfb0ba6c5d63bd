"""`python -m dev_tools.mailsink`: the local SMTP server `pressroom up` starts (not for production:
point PRESSROOM_SMTP_HOST/PORT at a real relay there)."""

from __future__ import annotations

import signal
import threading

from dev_tools.mailsink.sink import serve
from services.kit.logging import configure_logging
from services.kit.settings import load_settings


def main() -> None:
    settings = load_settings()
    configure_logging(settings, service="mailsink")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    serve(settings.smtp_host, settings.smtp_port, settings.data_dir / "mail", stop)


if __name__ == "__main__":
    main()
