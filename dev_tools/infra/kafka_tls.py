"""A throwaway certificate authority and broker certificate for a local SASL_SSL broker, made on
the spot with `cryptography`. LOCAL AND TEST STACKS ONLY: a real cluster has its own PKI."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from cryptography.x509.oid import NameOID

VALID_FOR = timedelta(days=30)


@dataclass(frozen=True)
class BrokerTls:
    ca_file: Path  # what clients trust (PRESSROOM_KAFKA_SSL_CAFILE)
    keystore: Path  # the broker's private key and certificate chain, PEM
    ca_key: Path  # kept (0600) to issue client certificates for mutual TLS


@dataclass(frozen=True)
class ClientTls:
    certfile: Path  # PRESSROOM_KAFKA_SSL_CERTFILE
    keyfile: Path  # PRESSROOM_KAFKA_SSL_KEYFILE


def tls_paths(folder: Path) -> BrokerTls:
    return BrokerTls(folder / "ca.pem", folder / "broker.pem", folder / "ca-key.pem")


def ensure_broker_tls(folder: Path, host: str) -> BrokerTls:
    """Makes the CA and a certificate for `host` (an IP or a name) unless they exist."""
    paths = tls_paths(folder)
    if all(path.is_file() for path in (paths.ca_file, paths.keystore, paths.ca_key)):
        return paths
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca_key, broker_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = _certificate(
        _name("Pressroom local CA"), _name("Pressroom local CA"), ca_key, ca_key, None
    )
    broker = _certificate(_name(host), ca.subject, broker_key.public_key(), ca_key, host)
    pem_key = broker_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    _write_private(
        paths.keystore, pem_key + broker.public_bytes(Encoding.PEM) + ca.public_bytes(Encoding.PEM)
    )
    paths.ca_file.write_bytes(ca.public_bytes(Encoding.PEM))
    _write_private(
        paths.ca_key, ca_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    return paths


def ensure_client_tls(folder: Path, common_name: str) -> ClientTls:
    """A client certificate (subject CN=`common_name`, the principal a broker maps it to) signed
    by the CA of `ensure_broker_tls` in the same folder, unless it exists."""
    paths = ClientTls(folder / f"{common_name}.pem", folder / f"{common_name}-key.pem")
    if paths.certfile.is_file() and paths.keyfile.is_file():
        return paths
    ca_paths = tls_paths(folder)
    ca = x509.load_pem_x509_certificate(ca_paths.ca_file.read_bytes())
    ca_key = load_pem_private_key(ca_paths.ca_key.read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(_name(common_name), ca.subject, key.public_key(), ca_key, None, leaf=True)
    _write_private(
        paths.keyfile, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    paths.certfile.write_bytes(cert.public_bytes(Encoding.PEM))
    return paths


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey,
    signing_key: ec.EllipticCurvePrivateKey,
    host: str | None,
    leaf: bool = False,
) -> x509.Certificate:
    """A CA certificate when `host` is None (and not `leaf`: a client's), else a server
    certificate for `host`."""
    now = datetime.now(UTC)
    key = (
        public_key.public_key()
        if isinstance(public_key, ec.EllipticCurvePrivateKey)
        else public_key
    )
    is_ca = host is None and not leaf
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer).public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )  # fmt: skip
    if host is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([_san(host)]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _write_private(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
