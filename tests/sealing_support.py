"""Test-only keys and secrets for webhooks: the test stack's sealing key and a Standard Webhooks
secret, both made for tests and never valid anywhere else."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from services.kit.sealing import SecretBox

# A Fernet key is 32 url-safe base64-encoded bytes; this one is the test stack's.
TEST_SECRET_KEYS = base64.urlsafe_b64encode(b"pressroom-test-stack-key-32bytes").decode()
OTHER_KEY = base64.urlsafe_b64encode(b"another-key-for-rotation-tests!!").decode()
# `whsec_` + base64 of 24 bytes, as Standard Webhooks receivers expect.
SECRET = "whsec_" + base64.b64encode(b"test-webhook-secret-24by").decode()
TEST_BOX = SecretBox((TEST_SECRET_KEYS,))


def sealed_webhook(url: str, secret: str = SECRET) -> dict[str, Any]:
    """RegisterSubscriber v2 fields for a webhook, sealed as the gateway seals them."""
    return {
        "channel": "webhook", "url": url, "sealed_secret": TEST_BOX.seal(secret),
        "secret_fingerprint": TEST_BOX.fingerprint(secret),
    }  # fmt: skip


def new_secret() -> str:
    """A fresh Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
