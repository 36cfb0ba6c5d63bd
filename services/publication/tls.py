"""The one TLS context a publication process checks its receivers' certificates with: webhook
receivers over https, and mail relays that offer STARTTLS."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def certificate_check() -> ssl.SSLContext:
    """Made once per process as httpx makes it (certifi's authorities, or SSL_CERT_FILE /
    SSL_CERT_DIR as set at the first delivery). Building one loads the whole CA bundle: 28 ms of
    CPU on a 2-CPU machine (2026-12-06), which a client made per delivery for its pinned address
    paid on every webhook attempt, and aiosmtplib's own context on every email to a relay that
    offers STARTTLS. A context is meant to be shared; each connection still checks its own
    receiver's name (the webhook's SNI host, the relay's host name)."""
    return httpx.create_ssl_context()
