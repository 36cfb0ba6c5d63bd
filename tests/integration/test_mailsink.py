"""The local stack's SMTP server as a real process: an email sent to it lands as an .eml file in
the data folder, and the process stops on SIGTERM."""

from __future__ import annotations

import socket
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from dev_tools.stack.processes import AppProcess
from services.kit.settings import Settings
from tests.support import eventually

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_email_sent_to_the_mailsink_is_kept_as_a_file(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(data_dir=tmp_path, smtp_port=port)
    sink = AppProcess("mailsink", settings)
    sink.start({"PRESSROOM_DATA_DIR": str(tmp_path), "PRESSROOM_SMTP_PORT": str(port)})
    try:
        message = EmailMessage()
        message["From"], message["To"] = "press@pressroom.invalid", "desk@news.example"
        message["Subject"] = "UK and Japan"
        message.set_content("Talks.")

        async def sent() -> bool:
            try:
                await aiosmtplib.send(message, hostname="127.0.0.1", port=port, timeout=5)
            except (aiosmtplib.SMTPException, OSError):
                return False
            return True

        await eventually(sent, 60, "the mailsink to accept an email")

        async def mail_files() -> list[Path]:
            return sorted((tmp_path / "mail").glob("*.eml"))

        files = await eventually(mail_files, 30, "the file")
        assert b"Subject: UK and Japan" in files[0].read_bytes()
    finally:
        sink.stop()
    assert sink.pid() is None
