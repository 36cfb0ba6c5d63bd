"""Keeps every email it receives as an .eml file under <data_dir>/mail, newest last, and logs a
line per email: what `pressroom up` gives email deliveries instead of a real relay."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from aiosmtpd.controller import Controller

from services.kit.listening import CannotListen, cannot_listen

log = structlog.get_logger()


class MailFolder:
    """The aiosmtpd handler: one file per message, named by time and a counter."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    # aiosmtpd calls handle_DATA by this name.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            number = next(self._numbers)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.folder / f"{stamp}-{number:05d}.eml"
        path.write_bytes(envelope.content)
        log.info("mail_received", to=list(envelope.rcpt_tos), file=str(path))
        return "250 Message accepted for delivery"


def serve(host: str, port: int, folder: Path, stop: threading.Event) -> None:
    """Until `stop` is set (the process's SIGTERM). CannotListen names the setting to change
    when the port is taken (aiosmtpd raises the bare OSError from its server thread)."""
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(MailFolder(folder), hostname=host, port=port)
    try:
        controller.start()
    except OSError as error:
        raise CannotListen(cannot_listen(host, port, "PRESSROOM_SMTP_PORT", error)) from None
    log.info("mailsink_listening", host=host, port=port, folder=str(folder))
    try:
        stop.wait()
    finally:
        controller.stop()
