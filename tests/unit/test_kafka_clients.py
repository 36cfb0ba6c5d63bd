"""How clients connect (services/kit/kafka_clients.py) and the broker config the local infra
writes for it (dev_tools/infra/kafka_config.py), pure."""

from __future__ import annotations

import ssl
from pathlib import Path

import faust
from cryptography import x509
from pydantic import SecretStr

from dev_tools.infra.kafka_config import scram_format_args, server_properties
from dev_tools.infra.kafka_tls import ensure_broker_tls, ensure_client_tls
from services.kit.kafka_clients import client_kwargs, faust_credentials
from services.kit.settings import Settings

PLAIN = Settings(kafka_security_protocol="PLAINTEXT")


def sasl_ssl(tmp_path: Path) -> Settings:
    tls = ensure_broker_tls(tmp_path / "tls", "127.0.0.1")
    return Settings(
        kafka_security_protocol="SASL_SSL", kafka_username="pressroom",
        kafka_password=SecretStr("s3cret"), kafka_ssl_cafile=tls.ca_file,
    )  # fmt: skip


def test_plaintext_clients_get_the_bootstrap_servers_and_nothing_else() -> None:
    assert client_kwargs(settings=PLAIN) == {
        "bootstrap_servers": PLAIN.kafka_bootstrap,
        "security_protocol": "PLAINTEXT",
    }
    assert faust_credentials(PLAIN) is None


def test_sasl_ssl_clients_get_scram_credentials_and_a_verifying_tls_context(
    tmp_path: Path,
) -> None:
    settings = sasl_ssl(tmp_path)
    kwargs = client_kwargs("broker:9093", settings)
    assert kwargs["bootstrap_servers"] == "broker:9093"
    assert kwargs["security_protocol"] == "SASL_SSL"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == ("pressroom", "s3cret")
    context: ssl.SSLContext = kwargs["ssl_context"]
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    credentials = faust_credentials(settings)
    assert isinstance(credentials, faust.SASLCredentials)
    assert (
        credentials.protocol.value == "SASL_SSL" and credentials.mechanism.value == "SCRAM-SHA-512"
    )


def test_the_password_never_shows_in_the_settings_repr(tmp_path: Path) -> None:
    assert "s3cret" not in repr(sasl_ssl(tmp_path))


def test_a_sasl_ssl_broker_listens_only_with_scram_over_tls(tmp_path: Path) -> None:
    settings = sasl_ssl(tmp_path)
    tls = ensure_broker_tls(tmp_path / "tls", "127.0.0.1")
    lines = dict(
        line.split("=", 1)
        for line in server_properties(settings, tmp_path / "data", tls).splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert lines["listeners"].startswith(f"SASL_SSL://127.0.0.1:{settings.kafka_port},")
    assert lines["advertised.listeners"] == f"SASL_SSL://127.0.0.1:{settings.kafka_port}"
    assert lines["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert lines["ssl.keystore.location"] == str(tls.keystore)
    assert "PLAINTEXT://" not in lines["listeners"].replace("CONTROLLER://", "")
    assert scram_format_args(settings) == [
        "--add-scram", "SCRAM-SHA-512=[name=pressroom,password=s3cret]",
    ]  # fmt: skip
    assert scram_format_args(PLAIN) == []


def test_an_ssl_broker_requires_client_certificates_its_ca_signed(tmp_path: Path) -> None:
    tls = ensure_broker_tls(tmp_path / "tls", "127.0.0.1")
    client = ensure_client_tls(tmp_path / "tls", "pressroom")
    settings = Settings(
        kafka_security_protocol="SSL", kafka_ssl_cafile=tls.ca_file,
        kafka_ssl_certfile=client.certfile, kafka_ssl_keyfile=client.keyfile,
    )  # fmt: skip
    text = server_properties(settings, tmp_path / "data", tls, {"super.users": "User:admin"})
    entries = [line for line in text.splitlines() if "=" in line and not line.startswith("#")]
    lines = dict(line.split("=", 1) for line in entries)
    assert lines["listeners"].startswith(f"SSL://127.0.0.1:{settings.kafka_port},")
    assert lines["ssl.client.auth"] == "required"
    assert lines["super.users"] == "User:admin"  # the extra entries a variant adds
    ca = x509.load_pem_x509_certificate(tls.ca_file.read_bytes())
    issued = x509.load_pem_x509_certificate(client.certfile.read_bytes())
    assert issued.issuer == ca.subject and "CN=pressroom" in issued.subject.rfc4514_string()
    assert client.keyfile.stat().st_mode & 0o077 == 0
    assert isinstance(faust_credentials(settings), faust.SSLCredentials)
    assert isinstance(client_kwargs(settings=settings)["ssl_context"], ssl.SSLContext)
