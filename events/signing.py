"""Signed commands on the wire: an Ed25519 signature over a command's CloudEvents attributes and
a digest of its data, carried in two extension headers so any CloudEvents SDK still reads it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.kafka import KafkaRecord

# CloudEvents extension names: lowercase letters and digits only.
SIGNATURE_HEADER = "ce_signature"
KEY_ID_HEADER = "ce_signingkeyid"
SCHEME = "pressroom-command-signature-v1"
# What the signature binds: who, what, on which stream, when; the data by its SHA-256.
SIGNED_HEADERS = ("ce_id", "ce_type", "ce_source", "ce_subject", "ce_time", "ce_actor")


def signed_payload(record: KafkaRecord, key_id: str) -> bytes:
    """The bytes signed: a JSON array, so no header value can pass itself off as another."""
    return payload_of(record.header_texts(), record.value, key_id)


def payload_of(texts: Mapping[str, str], value: bytes | None, key_id: str) -> bytes:
    """`signed_payload` of a record's `header_texts()` and value."""
    fields = [texts.get(name) or "" for name in SIGNED_HEADERS]
    digest = hashlib.sha256(value or b"").hexdigest()
    return json.dumps([SCHEME, key_id, *fields, f"sha256:{digest}"]).encode("utf-8")


@dataclass(frozen=True)
class CommandSigner:
    """A sender's key: it signs the commands it produces."""

    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, record: KafkaRecord) -> KafkaRecord:
        """The record with its signature headers (any earlier ones replaced)."""
        signature = self.private_key.sign(signed_payload(record, self.key_id))
        kept = [(k, v) for k, v in record.headers if k not in (SIGNATURE_HEADER, KEY_ID_HEADER)]
        headers = [
            *kept,
            (KEY_ID_HEADER, self.key_id.encode("utf-8")),
            (SIGNATURE_HEADER, base64.urlsafe_b64encode(signature).rstrip(b"=")),
        ]
        return KafkaRecord(record.key, record.value, headers)


def carry_signature(original: KafkaRecord, rewritten: KafkaRecord) -> KafkaRecord | None:
    """`rewritten` with `original`'s signature, if what it signs is unchanged (a re-drive that
    needed no upcast); None when unsigned or changed: then someone must sign it anew."""
    key_id, signature = original.header(KEY_ID_HEADER), original.header(SIGNATURE_HEADER)
    if not key_id or not signature:
        return None
    if signed_payload(original, key_id) != signed_payload(rewritten, key_id):
        return None
    headers = [(KEY_ID_HEADER, key_id.encode()), (SIGNATURE_HEADER, signature.encode())]
    return KafkaRecord(rewritten.key, rewritten.value, [*rewritten.headers, *headers])


class BadSignature(ValueError):
    """The record is unsigned, or its signature is not valid: the reason says which."""


def claimed_key_id(record: KafkaRecord) -> str:
    """The key id the sender names; raises BadSignature when the record is unsigned."""
    return claimed_key_id_of(record.header_texts())


def claimed_key_id_of(texts: Mapping[str, str]) -> str:
    """`claimed_key_id` of a record's `header_texts()`."""
    key_id, signature = texts.get(KEY_ID_HEADER), texts.get(SIGNATURE_HEADER)
    if not key_id or not signature:
        raise BadSignature(f"the command is not signed (no {KEY_ID_HEADER}/{SIGNATURE_HEADER})")
    return key_id


def signature_of(record: KafkaRecord) -> tuple[str, bytes]:
    """(key id, signature) as the sender claims them; raises BadSignature when the record is
    unsigned or its signature is not base64."""
    return signature_in(record.header_texts())


def signature_in(texts: Mapping[str, str]) -> tuple[str, bytes]:
    """`signature_of` a record's `header_texts()`."""
    key_id = claimed_key_id_of(texts)
    encoded = texts.get(SIGNATURE_HEADER) or ""
    try:
        return key_id, base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError) as error:
        raise BadSignature(f"the signature does not match key {key_id!r}") from error


def verify_signature(record: KafkaRecord, public_key: Ed25519PublicKey) -> None:
    """Raises BadSignature unless the record was signed with the key it names. (The services
    check with libsodium, over the same payload: services/kit/signature_check.py.)"""
    key_id, signature = signature_of(record)
    try:
        public_key.verify(signature, signed_payload(record, key_id))
    except (InvalidSignature, ValueError) as error:
        raise BadSignature(f"the signature does not match key {key_id!r}") from error
