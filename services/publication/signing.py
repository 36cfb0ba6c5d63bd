"""Webhook signatures by the Standard Webhooks convention (https://www.standardwebhooks.com/).

Each delivery carries `webhook-id` (the delivery id: stable across retries, receivers deduplicate
on it), `webhook-timestamp` (seconds; signed afresh at each attempt) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed by the `whsec_` secret). Receivers
verify with the official `standardwebhooks` libraries, which refuse a timestamp more than five
minutes off; we sign with the Python one, so what we send is what they check."""

from __future__ import annotations

from datetime import UTC, datetime

from standardwebhooks import Webhook

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


def signed_headers(secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    when = datetime.fromtimestamp(timestamp, UTC)
    return {
        "Content-Type": "application/json",
        ID_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: Webhook(secret).sign(delivery_id, when, body.decode()),
    }
