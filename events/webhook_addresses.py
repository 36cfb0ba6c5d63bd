"""Where a webhook may point: pure checks of URLs and addresses, no I/O.

A webhook makes Pressroom open a connection where a registrant says, so a registrant could aim
it at the cloud's metadata service, the database or an intranet admin page (server-side request
forgery). Public addresses only, unless the deployment allows networks by name
(PRESSROOM_WEBHOOK_ALLOWED_NETWORKS, for local development and tests). The registration checks
the URL; the sender checks every address the name resolves to, at each attempt, and connects
only to an address it checked (docs/deliveries.md)."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

Address = IPv4Address | IPv6Address
Network = str  # a CIDR such as "127.0.0.0/8"
NAT64 = IPv6Network("64:ff9b::/96")


def literal_address(host: str) -> Address | None:
    """The address a host names literally, in any notation a resolver would accept
    (`2852039166`, `0xa9fea9fe`, `0251.0376.0251.0376`, `[::ffff:a9fe:a9fe]`); None for a name."""
    bare = host.strip("[]")
    try:
        return ip_address(bare)
    except ValueError:
        pass
    if not bare or not all(c in "0123456789abcdefxABCDEFX." for c in bare):
        return None
    try:  # the C library's inet_aton: the same leniency as the resolver the sender uses
        return IPv4Address(socket.inet_aton(bare))
    except OSError:
        return None


def embedded(address: Address) -> Address:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), else itself."""
    if isinstance(address, IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_refusal(address: Address, allowed: Sequence[Network] = ()) -> str | None:
    """Why no webhook may go to this address, or None. Allowed networks win over the rules."""
    if any(address in ip_network(net, strict=False) for net in allowed):
        return None
    inner = embedded(address)
    if inner != address and any(inner in ip_network(net, strict=False) for net in allowed):
        return None
    kind = _never_public(inner) or _never_public(address)
    return None if kind is None else f"{address} is {kind}: webhooks go to public addresses"


def never_a_receiver(address: Address) -> str | None:
    """Addresses no deployment may allow: link-local (cloud metadata), multicast, unspecified."""
    inner = embedded(address)
    for candidate in (inner, address):
        if candidate.is_link_local:
            return f"{address} is link-local (where cloud metadata services live)"
        if candidate.is_multicast or candidate.is_unspecified:
            return f"{address} is multicast or unspecified: no webhook lives there"
    return None


def url_problem(url: str) -> str | None:
    """What is wrong with a webhook URL as written, before any name is resolved."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("http", "https"):
        return f"a webhook needs an absolute https URL, not {url!r}"
    if parts.username or parts.password:
        return "put no credentials in the webhook URL: the signature authenticates Pressroom"
    address = literal_address(parts.hostname)
    if address is not None and str(address) != parts.hostname.strip("[]").lower():
        return f"write the address {parts.hostname!r} in its usual form ({address})"
    if parts.scheme == "http" and address is None and parts.hostname != "localhost":
        return f"a webhook off this machine needs https, not {url!r}"
    return None if address is None else never_a_receiver(address)


def _never_public(address: Address) -> str | None:
    checks = (
        ("loopback", address.is_loopback),
        ("private", address.is_private),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("unspecified", address.is_unspecified),
        ("not globally routable", not address.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)
