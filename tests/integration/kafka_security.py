"""The test stack's Kafka security, chosen by PRESSROOM_TEST_KAFKA_SECURITY: `plaintext` (the
default) or `sasl_ssl`. With `sasl_ssl` the broker's only client listener is SASL_SSL (SCRAM-SHA-512
over TLS; the CA, the broker's certificate and the password made at test time), and the session
exports the PRESSROOM_KAFKA_* settings every client reads: the services' faust apps, the relays,
the gateway, the projector, the CLI and the tests' own producers and consumers
(services/kit/kafka_clients.py). docs/security.md, "Running the tests over SASL_SSL"."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

SECURITY_ENV = "PRESSROOM_TEST_KAFKA_SECURITY"
MODES = ("plaintext", "sasl_ssl")
# Its own ports and data folder: a slot's plaintext and SASL_SSL stacks never share a broker
# (each formats its storage for its own listener) and can both be up at once.
PORT_SHIFT = 20
SHIFTED_PORTS = (
    "PRESSROOM_KAFKA_PORT", "PRESSROOM_KAFKA_CONTROLLER_PORT", "PRESSROOM_PG_PORT",
    "PRESSROOM_GATEWAY_PORT", "PRESSROOM_SMTP_PORT",
)  # fmt: skip
USERNAME = "pressroom"
PASSWORD_FILE = "kafka-password"


def security_mode() -> str:
    mode = os.environ.get(SECURITY_ENV, "").strip().lower() or "plaintext"
    if mode not in MODES:
        raise pytest.UsageError(f"{SECURITY_ENV}={mode!r}: use one of {', '.join(MODES)}")
    return mode


def with_security(env: dict[str, str], mode: str | None = None) -> dict[str, str]:
    """The test stack's settings for `mode` (the chosen one by default; plaintext: unchanged)."""
    if (mode or security_mode()) == "plaintext":
        return env
    data_dir = sasl_ssl_data_dir(env)
    shifted = {name: str(int(env[name]) + PORT_SHIFT) for name in SHIFTED_PORTS}
    return {
        **env,
        **shifted,
        "PRESSROOM_DATA_DIR": str(data_dir),
        "PRESSROOM_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "PRESSROOM_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "PRESSROOM_KAFKA_USERNAME": USERNAME,
        "PRESSROOM_KAFKA_PASSWORD": stack_password(data_dir),
        # Written by dev_tools/infra/kafka_tls.py when the broker first starts.
        "PRESSROOM_KAFKA_SSL_CAFILE": str(data_dir / "kafka" / "tls" / "ca.pem"),
    }


def sasl_ssl_data_dir(env: dict[str, str]) -> Path:
    return Path(env["PRESSROOM_DATA_DIR"] + "-sasl-ssl")


def stack_password(data_dir: Path) -> str:
    """Made once per data folder (mode 0600): the broker's storage is formatted with it, so a
    stack kept between sessions (PRESSROOM_TEST_KEEP_INFRA=1) takes the same password again."""
    path = data_dir / PASSWORD_FILE
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    password = secrets.token_urlsafe(24)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(password + "\n")
    return password
