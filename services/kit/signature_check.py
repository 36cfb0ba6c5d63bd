"""A command's Ed25519 signature checked with libsodium (PyNaCl), over the payload the contract
defines (events/signing.py): every command a service takes is checked, and OpenSSL's Ed25519
verify took 139 µs a command here against libsodium's 61 — a quarter of drafting's CPU in the
pipeline benchmark (docs/benchmarks.md). libsodium is the stricter of the two (it refuses
non-canonical signatures and small-order keys), which no signer of ours produces."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from events.kafka import KafkaRecord
from events.signing import BadSignature, payload_of, signature_in


def check_signature(record: KafkaRecord, public_key: Ed25519PublicKey) -> None:
    """Raises BadSignature unless the record was signed with the key it names."""
    check_signature_of(record.header_texts(), record.value, public_key)


def check_signature_of(
    texts: Mapping[str, str], value: bytes | None, public_key: Ed25519PublicKey
) -> None:
    """`check_signature` of a record's `header_texts()` and value, for a caller that reads
    other headers too (services/kit/command_auth.py)."""
    key_id, signature = signature_in(texts)
    try:
        verify_key(public_key.public_bytes_raw()).verify(
            payload_of(texts, value, key_id), signature
        )
    except (BadSignatureError, ValueError) as error:
        raise BadSignature(f"the signature does not match key {key_id!r}") from error


@lru_cache(maxsize=64)  # a service knows a handful of keys, two at once while one is replaced
def verify_key(raw: bytes) -> VerifyKey:
    return VerifyKey(raw)
