"""A command's Ed25519 signature checked with libsodium (PyNaCl), over the payload the contract
defines (events/signing.py): every command a service takes is checked, and OpenSSL's Ed25519
verify took 139 µs a command here against libsodium's 61 — a quarter of drafting's CPU in the
pipeline benchmark (docs/benchmarks.md). libsodium is the stricter of the two (it refuses
non-canonical signatures and small-order keys), which no signer of ours produces."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from events.kafka import KafkaRecord
from events.signing import BadSignature, signature_of, signed_payload


def check_signature(record: KafkaRecord, public_key: Ed25519PublicKey) -> None:
    """Raises BadSignature unless the record was signed with the key it names."""
    key_id, signature = signature_of(record)
    try:
        VerifyKey(public_key.public_bytes_raw()).verify(signed_payload(record, key_id), signature)
    except (BadSignatureError, ValueError) as error:
        raise BadSignature(f"the signature does not match key {key_id!r}") from error
