"""Posts one webhook, connecting only to an address it has checked (events/webhook_addresses.py).

The name is resolved here, every address it resolves to is checked (one forbidden address
refuses the attempt: a name that answers both public and private addresses is a rebinding
attack's shape), and the request goes to the checked address itself, with the name in the Host
header and in TLS (SNI and the certificate check), so no second lookup can lead elsewhere.
Redirects are never followed: a 3xx is a failed attempt."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import SplitResult, urlsplit, urlunsplit

import httpx

from events.webhook_addresses import Address, Network, address_refusal
from events.webhook_addresses import literal_address as parse_literal
from services.publication.tls import certificate_check


class AddressRefused(Exception):
    """The webhook's host resolves to an address no webhook may go to."""


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body_excerpt: str  # for operators' logs only: a receiver's page may hold its secrets

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300

    @property
    def detail(self) -> str:
        """What writers may see: the status and its standard reason, never the receiver's text."""
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "non-standard status"
        suffix = " (redirects are not followed)" if 300 <= self.status < 400 else ""
        return f"HTTP {self.status} {phrase}{suffix}"


async def post_webhook(
    url: str, body: bytes, headers: Mapping[str, str], allowed: Sequence[Network], timeout: float
) -> WebhookAnswer:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = await _checked_addresses(host, port, allowed)
    if parts.scheme == "http" and any(address_refusal(a, ()) is None for a in addresses):
        raise AddressRefused(f"{host} is public: a webhook off this machine needs https")
    target = _with_address(parts, addresses[0])
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, verify=certificate_check())
    async with client:
        response = await client.post(
            target, content=body, headers={**headers, "Host": parts.netloc.rpartition("@")[2]},
            extensions=extensions,
        )  # fmt: skip
    return WebhookAnswer(response.status_code, response.text[:300])


async def _checked_addresses(host: str, port: int, allowed: Sequence[Network]) -> list[Address]:
    literal = parse_literal(host)
    if literal is not None:
        found = [literal]
    else:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
        found = list(dict.fromkeys(_address_of(str(info[4][0])) for info in infos))
    if not found:
        raise AddressRefused(f"{host} resolves to no address")
    refusals = [r for r in (address_refusal(a, allowed) for a in found) if r is not None]
    if refusals:
        raise AddressRefused(f"{host}: {refusals[0]}")
    return found


def _address_of(text: str) -> Address:
    address = parse_literal(text.split("%", 1)[0])  # an IPv6 scope (fe80::1%eth0) is no help
    if address is None:
        raise AddressRefused(f"the resolver answered {text!r}, not an address")
    return address


def _with_address(parts: SplitResult, address: Address) -> str:
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
