"""The services check a command's signature with libsodium (services/kit/signature_check.py), the
contract's `verify_signature` with OpenSSL (events/signing.py): over the same payload they must
take and refuse the same records, with the same reason."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.kafka import Headers, KafkaRecord
from events.signing import (
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    BadSignature,
    CommandSigner,
    verify_signature,
)
from services.kit.signature_check import check_signature

SIGNER = CommandSigner("gateway", Ed25519PrivateKey.generate())
KEY = SIGNER.private_key.public_key()
OTHER_KEY = Ed25519PrivateKey.generate().public_key()
HEADERS: Headers = [("ce_id", b"c-1"), ("ce_type", b"pressroom.drafting.CreateDraft"),
           ("ce_subject", b"r-1"), ("ce_actor", b"alice")]  # fmt: skip
SIGNED = SIGNER.sign(KafkaRecord(b"r-1", b'{"title": "Talks"}', HEADERS))
Check = Callable[[KafkaRecord, Ed25519PublicKey], None]
CHECKS = pytest.mark.parametrize("check", [check_signature, verify_signature])


def with_header(record: KafkaRecord, name: str, value: bytes) -> KafkaRecord:
    kept = [(k, v) for k, v in record.headers if k != name]
    return KafkaRecord(record.key, record.value, [*kept, (name, value)])


def reason(check: Check, record: KafkaRecord, key: Ed25519PublicKey = KEY) -> str | None:
    try:
        check(record, key)
    except BadSignature as error:
        return str(error)
    return None


@CHECKS
def test_a_record_signed_with_the_key_passes(check: Check) -> None:
    assert reason(check, SIGNED) is None


def refused_records() -> dict[str, tuple[KafkaRecord, Ed25519PublicKey]]:
    raw = base64.urlsafe_b64decode((SIGNED.header(SIGNATURE_HEADER) or "") + "==")
    short = base64.urlsafe_b64encode(raw[:40])
    flipped = base64.urlsafe_b64encode(bytes([raw[0] ^ 1]) + raw[1:])
    key_id_only: Headers = [*HEADERS, (KEY_ID_HEADER, b"gateway")]
    return {
        "data changed": (KafkaRecord(SIGNED.key, b'{"title": "Talk"}', SIGNED.headers), KEY),
        "actor changed": (with_header(SIGNED, "ce_actor", b"mallory"), KEY),
        "another key": (SIGNED, OTHER_KEY),
        "not base64": (with_header(SIGNED, SIGNATURE_HEADER, b"!!not base64!!"), KEY),
        "cut short": (with_header(SIGNED, SIGNATURE_HEADER, short), KEY),
        "one bit off": (with_header(SIGNED, SIGNATURE_HEADER, flipped), KEY),
        "unsigned": (KafkaRecord(SIGNED.key, SIGNED.value, HEADERS), KEY),
        "key id only": (KafkaRecord(SIGNED.key, SIGNED.value, key_id_only), KEY),
    }


@pytest.mark.parametrize("case", list(refused_records()))
def test_both_refuse_the_same_records_with_the_same_reason(case: str) -> None:
    record, key = refused_records()[case]
    by_libsodium = reason(check_signature, record, key)
    by_openssl = reason(verify_signature, record, key)
    assert by_libsodium is not None
    assert by_libsodium == by_openssl
