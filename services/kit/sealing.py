"""Seals and opens the secrets Pressroom keeps for others (webhook secrets), with the deployment's
keys: Fernet from `cryptography` (AES-128-CBC + HMAC-SHA256, authenticated, timestamped).

PRESSROOM_SECRET_KEYS holds one or more Fernet keys, comma-separated: the first seals, every one
opens, so a key is rotated by putting a new one first and dropping the old one once nothing
sealed with it is left (docs/deliveries.md)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

FINGERPRINT_LENGTH = 16


class SealingError(ValueError):
    """A key that is not a Fernet key, or a sealed value none of the keys opens."""


@dataclass(frozen=True)
class SecretBox:
    """Seals with the first key, opens with any; fingerprints with a key of its own."""

    keys: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise SealingError("no key: set PRESSROOM_SECRET_KEYS (docs/deliveries.md)")
        try:
            for key in self.keys:
                Fernet(key.encode())
        except ValueError as error:
            raise SealingError(
                "PRESSROOM_SECRET_KEYS holds a value that is not a Fernet key "
                "(32 url-safe base64-encoded bytes; see docs/deliveries.md for how to make one)"
            ) from error

    def seal(self, secret: str) -> str:
        return self._fernet().encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet().decrypt(sealed.encode()).decode()
        except InvalidToken as error:
            raise SealingError("no configured key opens this sealed secret") from error

    def fingerprint(self, secret: str) -> str:
        """Names a secret without revealing it, and without letting anyone who lacks the key
        test a guess against it (a bare hash of a short secret could be brute-forced)."""
        key = hashlib.sha256(b"pressroom-fingerprint:" + self.keys[0].encode()).digest()
        digest = hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()
        return digest[:FINGERPRINT_LENGTH]

    def _fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(key.encode()) for key in self.keys])


def parse_keys(value: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in value.split(",") if key.strip())


def secret_box(keys: str | Sequence[str]) -> SecretBox | None:
    """The box for these keys, or None when none is configured (webhooks are then refused)."""
    parsed = parse_keys(keys) if isinstance(keys, str) else tuple(keys)
    return SecretBox(parsed) if parsed else None


def new_key() -> str:
    return Fernet.generate_key().decode()
