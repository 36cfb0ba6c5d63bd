"""Publication's email sender against real SMTP relays on loopback (no Kafka or PostgreSQL
needed): the mail goes over TLS, checked against the authorities the process trusts, with the CA
bundle loaded once per process, not once per message; never in the clear unless asked by name."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr

from dev_tools.infra.kafka_tls import ensure_broker_tls
from services.publication.senders import (
    Senders,
    SmtpLogin,
    SmtpSecurity,
    SmtpSettingsError,
    smtp_login,
)
from services.publication.tls import certificate_check
from tests.integration.delivery_support import Mailbox
from tests.integration.serve_support import free_port

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Relay:
    port: int
    mailbox: Mailbox
    ca_file: Path


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
    ok = isinstance(auth, LoginPassword) and (auth.login, auth.password) == (b"press", b"s3cret")
    return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[Relay]:
    """aiosmtpd with a certificate for 127.0.0.1 from a CA of its own; it refuses MAIL before
    STARTTLS, so a message it accepts came over TLS. It takes a login (press / s3cret), and mail
    without one too."""
    tls = ensure_broker_tls(tmp_path / "tls", "127.0.0.1")
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(tls.keystore)
    mailbox, port = Mailbox(), free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, tls_context=server_side, require_starttls=True,
        authenticator=_authenticate,
    )  # fmt: skip
    controller.start()
    try:
        yield Relay(port, mailbox, tls.ca_file)
    finally:
        controller.stop()


@pytest.fixture
def plain_relay() -> Iterator[Relay]:
    """A relay that offers no STARTTLS, as the local mailsink."""
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Relay(port, mailbox, Path("/nonexistent"))
    finally:
        controller.stop()


@pytest.fixture
def trusted(relay: Relay, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The relay's CA as the process's authorities (SSL_CERT_FILE), read afresh by this test."""
    monkeypatch.setenv("SSL_CERT_FILE", str(relay.ca_file))
    certificate_check.cache_clear()
    yield
    certificate_check.cache_clear()  # later tests build theirs from their own environment


def email_due(n: int) -> dict[str, Any]:
    payload = {
        "notice": "published", "delivery_id": f"d-{n}", "title": "UK and Japan", "edition": 1,
        "summary": "Talks.", "body": "The two countries met.", "url": "https://press.example/x",
    }  # fmt: skip
    return {"delivery_id": f"d-{n}", "channel": "email", "email": "desk@news.example",
            "payload": json.dumps(payload)}  # fmt: skip


def senders(
    port: int, security: SmtpSecurity = "starttls", login: SmtpLogin | None = None
) -> Senders:
    return Senders(
        timeout_s=5.0, smtp_host="127.0.0.1", smtp_port=port, mail_from="press@gov.example",
        smtp_security=security, smtp_login=login,
    )  # fmt: skip


@pytest.mark.usefixtures("trusted")
async def test_emails_go_over_starttls_and_load_the_authorities_once(
    relay: Relay, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiosmtplib built a context of its own for each message, loading the whole CA bundle (the
    28 ms of CPU a webhook attempt paid until 2026-12-06): three messages, three loads."""
    loads: list[str] = []
    load, defaults = ssl.SSLContext.load_verify_locations, ssl.SSLContext.set_default_verify_paths

    def counted_load(context: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append("load_verify_locations")
        load(context, *args, **kwargs)

    def counted_defaults(context: ssl.SSLContext) -> None:
        loads.append("set_default_verify_paths")
        defaults(context)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted_load)
    monkeypatch.setattr(ssl.SSLContext, "set_default_verify_paths", counted_defaults)

    results = [await senders(relay.port).send(email_due(n)) for n in range(3)]

    assert [r.detail for r in results] == ["accepted by the SMTP server"] * 3
    assert [m["X-Pressroom-Delivery"] for m in relay.mailbox.to("desk@news.example")] == [
        "d-0", "d-1", "d-2",
    ]  # fmt: skip
    assert len(loads) == 1, loads


async def test_a_relay_whose_certificate_nobody_vouches_for_gets_no_email(relay: Relay) -> None:
    """Without the relay's CA among the authorities the TLS upgrade fails: the attempt fails,
    nothing is sent in the clear instead."""
    certificate_check.cache_clear()  # certifi's authorities, which do not hold the test CA
    try:
        result = await senders(relay.port).send(email_due(0))
    finally:
        certificate_check.cache_clear()

    assert not result.succeeded
    assert relay.mailbox.messages == []


async def test_a_relay_that_offers_no_starttls_gets_nothing_by_default(plain_relay: Relay) -> None:
    """aiosmtplib's default takes STARTTLS only when offered: a relay without it (or an attacker
    who strips the offer) got every message in the clear."""
    result = await senders(plain_relay.port).send(email_due(0))

    assert (result.succeeded, result.detail) == (
        False, "the SMTP relay offers no STARTTLS: nothing sent in the clear",
    )  # fmt: skip
    assert plain_relay.mailbox.messages == []


async def test_plain_text_only_when_asked_for_by_name(plain_relay: Relay) -> None:
    result = await senders(plain_relay.port, "plaintext").send(email_due(0))

    assert result.succeeded
    assert len(plain_relay.mailbox.to("desk@news.example")) == 1


@pytest.mark.usefixtures("trusted")
async def test_a_relay_that_asks_for_a_login_gets_it_after_starttls(relay: Relay) -> None:
    right = senders(relay.port, login=SmtpLogin("press", "s3cret"))
    wrong = senders(relay.port, login=SmtpLogin("press", "guess"))

    assert (await right.send(email_due(0))).succeeded
    refused = await wrong.send(email_due(1))
    assert (refused.succeeded, refused.detail) == (False, "SMTP 535")
    assert "guess" not in repr(wrong) and "s3cret" not in repr(right)
    assert [m["X-Pressroom-Delivery"] for m in relay.mailbox.to("desk@news.example")] == ["d-0"]


def test_a_password_is_never_sent_in_the_clear_nor_half_a_login_accepted() -> None:
    with pytest.raises(SmtpSettingsError, match="PRESSROOM_SMTP_SECURITY=plaintext"):
        senders(25, "plaintext", SmtpLogin("press", "s3cret"))
    with pytest.raises(SmtpSettingsError, match="both PRESSROOM_SMTP_USERNAME"):
        smtp_login("press", SecretStr(""))
    with pytest.raises(SmtpSettingsError, match="both PRESSROOM_SMTP_USERNAME"):
        smtp_login("", SecretStr("s3cret"))
    assert smtp_login("", SecretStr("")) is None
