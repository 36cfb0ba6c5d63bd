"""The only I/O of a delivery: one webhook POST or one email, answered by an AttemptResult."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiosmtplib
import httpx
import structlog

from services.publication.email_render import render_email
from services.publication.signing import signed_headers

log = structlog.get_logger()


@dataclass(frozen=True)
class AttemptResult:
    succeeded: bool
    detail: str  # for people: "HTTP 200", "HTTP 503: busy", "connection refused"


@dataclass(frozen=True)
class Senders:
    timeout_s: float
    smtp_host: str
    smtp_port: int
    mail_from: str

    async def send(self, due: Any) -> AttemptResult:
        """Never raises for the subscriber's failings: they are the attempt's result."""
        payload = json.loads(due["payload"])
        try:
            if due["channel"] == "email":
                return await self._email(payload, due["email"])
            return await self._webhook(payload, due["url"], due["secret"])
        except (httpx.HTTPError, aiosmtplib.SMTPException, OSError) as error:
            return AttemptResult(False, f"{type(error).__name__}: {error}"[:1000])
        except Exception as error:  # our bug, not the subscriber's: recorded, so it fails visibly
            log.exception("delivery_send_failed", delivery_id=due["delivery_id"])
            return AttemptResult(False, f"internal error: {error!r}"[:1000])

    async def _webhook(self, payload: Mapping[str, Any], url: str, secret: str) -> AttemptResult:
        # Signed afresh at each attempt (a new timestamp); the body is the same bytes every time.
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        headers = signed_headers(secret, payload["delivery_id"], int(time.time()), body)
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            response = await client.post(url, content=body, headers=headers)
        detail = f"HTTP {response.status_code}"
        if not response.is_success:
            detail += f": {response.text[:200]}"
        return AttemptResult(response.is_success, detail)

    async def _email(self, payload: Mapping[str, Any], address: str) -> AttemptResult:
        message = render_email(payload, address, self.mail_from)
        await aiosmtplib.send(
            message, hostname=self.smtp_host, port=self.smtp_port, timeout=self.timeout_s
        )
        return AttemptResult(True, "accepted by the SMTP server")
