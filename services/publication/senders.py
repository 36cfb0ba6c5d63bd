"""The only I/O of a delivery: one webhook POST or one email, answered by an AttemptResult.

An attempt's `detail` reaches the release's history and its readers, so it says only what
Pressroom saw (a status and its standard reason, a refused address, a timeout), never text the
receiver wrote: a receiver's error page can hold its own secrets. That text goes to the
operators' log, cut short (`webhook_answer` lines)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import aiosmtplib
import httpx
import structlog
from pydantic import SecretStr

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


SmtpSecurity = Literal["starttls", "tls", "plaintext"]


class SmtpSettingsError(ValueError):
    """SMTP settings that cannot work, or would send the relay's password in the clear."""


@dataclass(frozen=True)
class SmtpLogin:
    """What a relay that asks for SMTP AUTH is told; the password never in a repr or a log."""

    username: str
    password: str = field(repr=False)


def smtp_login(username: str, password: SecretStr) -> SmtpLogin | None:
    """The relay's login from the settings: both or neither."""
    secret = password.get_secret_value()
    if not username and not secret:
        return None
    if not (username and secret):
        raise SmtpSettingsError(
            "Set both PRESSROOM_SMTP_USERNAME and PRESSROOM_SMTP_PASSWORD, or neither"
            " (a relay that takes email without a login)."
        )
    return SmtpLogin(username, secret)


@dataclass(frozen=True)
class Senders:
    timeout_s: float
    smtp_host: str
    smtp_port: int
    mail_from: str
    secrets: SecretBox | None = None
    allowed_networks: Sequence[Network] = ()
    smtp_security: SmtpSecurity = "starttls"
    smtp_login: SmtpLogin | None = None

    def __post_init__(self) -> None:
        if self.smtp_login is not None and self.smtp_security == "plaintext":
            raise SmtpSettingsError(
                "PRESSROOM_SMTP_PASSWORD would cross the network in the clear with"
                " PRESSROOM_SMTP_SECURITY=plaintext: set it to starttls or tls."
            )

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
        await aiosmtplib.send(
            message, hostname=self.smtp_host, port=self.smtp_port, timeout=self.timeout_s,
            **self._smtp_transport(),
        )  # fmt: skip
        return AttemptResult(True, "accepted by the SMTP server")

    def _smtp_transport(self) -> dict[str, Any]:
        """TLS as the settings ask, checked with the process's one context (aiosmtplib would
        build one, the whole CA bundle, for every message). STARTTLS is required, not taken
        when offered (aiosmtplib's default): a relay that offers none, or an attacker who strips
        the offer, would get the message in the clear."""
        options: dict[str, Any] = {"tls_context": certificate_check()}
        if self.smtp_security == "tls":
            options["use_tls"] = True
        else:
            options["start_tls"] = self.smtp_security == "starttls"
        if self.smtp_login is not None:
            options.update(username=self.smtp_login.username, password=self.smtp_login.password)
        return options


def _connection_detail(error: Exception) -> str:
    """The kind of failure, without the text of anything the receiver sent."""
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"SMTP {error.code}"
    if isinstance(error, aiosmtplib.SMTPException) and "STARTTLS" in str(error):
        # aiosmtplib's words for a relay without STARTTLS, when PRESSROOM_SMTP_SECURITY asks for it
        return "the SMTP relay offers no STARTTLS: nothing sent in the clear"
    if isinstance(error, httpx.ConnectError | ConnectionRefusedError):
        return "connection refused or unreachable"
    return type(error).__name__
