"""Webhook signatures: HMAC-SHA256 over the timestamp and the raw body (docs/publication.md).

Receivers check `Pressroom-Signature` against their secret, refuse a timestamp outside the replay
window, and deduplicate on `Pressroom-Delivery`. `verify` is here so our tests verify exactly what
a receiver would; the scheme is Stripe's, so receivers' existing code mostly fits."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

DELIVERY_HEADER = "Pressroom-Delivery"
TIMESTAMP_HEADER = "Pressroom-Timestamp"
SIGNATURE_HEADER = "Pressroom-Signature"
SIGNATURE_VERSION = "v1"
# A receiver refuses a delivery signed longer ago than this (seconds): a captured request
# replayed later fails, yet a retry (signed afresh at each attempt) passes.
REPLAY_WINDOW_S = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signed_headers(secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        DELIVERY_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> bool:
    """True when the body is ours, unaltered, and signed within the replay window."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        timestamp = int(lowered[TIMESTAMP_HEADER.lower()])
        sent = lowered[SIGNATURE_HEADER.lower()]
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > REPLAY_WINDOW_S:
        return False
    return hmac.compare_digest(sent, signature(secret, timestamp, body))
