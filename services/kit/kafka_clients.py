"""The one place that says how a Kafka client connects: bootstrap servers, security protocol,
SASL/SCRAM credentials and TLS, from the settings. Every aiokafka client and every faust app
is built from it (docs/security.md, "Kafka: authentication, TLS and ACLs")."""

from __future__ import annotations

import ssl
from typing import Any

import faust

from services.kit.settings import Settings, load_settings

TLS_PROTOCOLS = ("SSL", "SASL_SSL")
SASL_PROTOCOLS = ("SASL_PLAINTEXT", "SASL_SSL")


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """Verifies the brokers against the configured CA (the system's when unset); presents a
    client certificate when one is configured (mutual TLS)."""
    cafile = str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if settings.kafka_ssl_certfile is not None:
        keyfile = settings.kafka_ssl_keyfile
        context.load_cert_chain(settings.kafka_ssl_certfile, keyfile)
    return context


def security_kwargs(settings: Settings) -> dict[str, Any]:
    """aiokafka's security keyword arguments (none beyond the protocol for PLAINTEXT)."""
    protocol = settings.kafka_security_protocol
    kwargs: dict[str, Any] = {"security_protocol": protocol}
    if protocol in TLS_PROTOCOLS:
        kwargs["ssl_context"] = ssl_context(settings)
    if protocol in SASL_PROTOCOLS:
        kwargs["sasl_mechanism"] = settings.kafka_sasl_mechanism
        kwargs["sasl_plain_username"] = settings.kafka_username
        kwargs["sasl_plain_password"] = settings.kafka_password.get_secret_value()
    return kwargs


def client_kwargs(bootstrap: str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """`bootstrap_servers` and security for any AIOKafkaProducer/Consumer/AdminClient.
    Callers holding only a bootstrap string (operators' tools, tests) get the security of the
    PRESSROOM_* environment, as every process of a deployment shares it."""
    settings = settings or load_settings()
    return {"bootstrap_servers": bootstrap or settings.kafka_bootstrap, **security_kwargs(settings)}


def consumer_kwargs(
    bootstrap: str | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """client_kwargs, and the longest a service's consumer long-polls: a partition whose records
    are still in hand waits for the fetch in flight on the others (services/kit/faust_fetch.py
    says why; aiokafka's own wait is 500 ms)."""
    settings = settings or load_settings()
    return {**client_kwargs(bootstrap, settings), "fetch_max_wait_ms": settings.kafka_fetch_wait_ms}


def faust_credentials(settings: Settings) -> faust.auth.Credentials | None:
    """faust's `broker_credentials` for the same settings; None for PLAINTEXT."""
    protocol = settings.kafka_security_protocol
    if protocol in SASL_PROTOCOLS:
        return faust.SASLCredentials(
            username=settings.kafka_username,
            password=settings.kafka_password.get_secret_value(),
            ssl_context=ssl_context(settings) if protocol == "SASL_SSL" else None,
            mechanism=settings.kafka_sasl_mechanism,
        )
    if protocol == "SSL":
        return faust.SSLCredentials(ssl_context(settings))
    return None
