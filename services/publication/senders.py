"""The only I/O of a delivery: one webhook POST or one email, answered by an AttemptResult.

An attempt's `detail` reaches the release's history and its readers, so it says only what
Pressroom saw (a status and its standard reason, a refused address, a timeout), never text the
receiver wrote: a receiver's error page can hold its own secrets. That text goes to the
operators' log, cut short (`webhook_answer` lines)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiosmtplib
import httpx
import structlog

from events.webhook_addresses import Network
from services.kit.sealing import SealingError, SecretBox
from services.publication.email_render import render_email
from services.publication.signing import signed_headers
from services.publication.tls import certificate_check
from services.publication.webhook_client import AddressRefused, post_webhook

log = structlog.get_logger()


@dataclass(frozen=True)
class AttemptResult:
    succeeded: bool
    detail: str  # for people: "HTTP 200 OK", "HTTP 503 Service Unavailable", "timed out"


@dataclass(frozen=True)
class Senders:
    timeout_s: float
    smtp_host: str
    smtp_port: int
    mail_from: str
    secrets: SecretBox | None = None
    allowed_networks: Sequence[Network] = ()

    async def send(self, due: Any) -> AttemptResult:
        """Never raises for the subscriber's failings: they are the attempt's result."""
        payload = json.loads(due["payload"])
        try:
            if due["channel"] == "email":
                return await self._email(payload, due["email"])
            return await self._webhook(payload, due["url"], due["secret"])
        except AddressRefused as refused:
            return AttemptResult(False, f"address refused: {refused}"[:1000])
        except httpx.TimeoutException:
            return AttemptResult(False, f"no answer within {self.timeout_s:g} s")
        except (httpx.HTTPError, aiosmtplib.SMTPException, OSError) as error:
            return AttemptResult(False, _connection_detail(error))
        except Exception as error:  # our bug, not the subscriber's: recorded, so it fails visibly
            log.exception("delivery_send_failed", delivery_id=due["delivery_id"])
            return AttemptResult(False, f"internal error: {type(error).__name__}")

    async def _webhook(self, payload: Mapping[str, Any], url: str, sealed: str) -> AttemptResult:
        secret = self._open(sealed)
        if secret is None:
            return AttemptResult(False, "the webhook's secret cannot be opened: see the logs")
        # Signed afresh at each attempt (a new timestamp); the body is the same bytes every time.
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        headers = signed_headers(secret, payload["delivery_id"], int(time.time()), body)
        answer = await post_webhook(url, body, headers, self.allowed_networks, self.timeout_s)
        if not answer.succeeded:
            log.warning(
                "webhook_answer", delivery_id=payload["delivery_id"], status=answer.status,
                body_excerpt=answer.body_excerpt,
            )  # fmt: skip
        return AttemptResult(answer.succeeded, answer.detail)

    def _open(self, sealed: str) -> str | None:
        if self.secrets is None:
            log.error("webhook_secret_unopened", reason="PRESSROOM_SECRET_KEYS is not set")
            return None
        try:
            return self.secrets.open(sealed)
        except SealingError as error:
            log.error("webhook_secret_unopened", reason=str(error))
            return None

    async def _email(self, payload: Mapping[str, Any], address: str) -> AttemptResult:
        message = render_email(payload, address, self.mail_from)
        # STARTTLS when the relay offers it (aiosmtplib's default), checked with the process's
        # one context: aiosmtplib would build one, the whole CA bundle, for every message.
        await aiosmtplib.send(
            message, hostname=self.smtp_host, port=self.smtp_port, timeout=self.timeout_s,
            tls_context=certificate_check(),
        )  # fmt: skip
        return AttemptResult(True, "accepted by the SMTP server")


def _connection_detail(error: Exception) -> str:
    """The kind of failure, without the text of anything the receiver sent."""
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"SMTP {error.code}"
    if isinstance(error, httpx.ConnectError | ConnectionRefusedError):
        return "connection refused or unreachable"
    return type(error).__name__
