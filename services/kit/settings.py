"""Settings from the environment (prefix PRESSROOM_), with defaults for the local stack."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Every knob of a Pressroom process; each one is an environment variable PRESSROOM_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PRESSROOM_", frozen=True, extra="ignore")

    # Where the local stack keeps its data and logs (ignored by git).
    data_dir: Path = REPO_ROOT / ".pressroom" / "dev"
    # Resolved Kafka jars, outside the data folder so `infra down --wipe` keeps them.
    cache_dir: Path = REPO_ROOT / ".pressroom" / "cache"

    kafka_host: str = "127.0.0.1"
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    kafka_version: str = "4.1.1"
    topic_partitions: int = 4
    # How every Kafka client connects (docs/security.md, "Kafka: authentication, TLS and ACLs"):
    # PLAINTEXT for the local stack on 127.0.0.1, SASL_SSL (SCRAM-SHA-512) for a real cluster.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_username: str = ""
    kafka_password: SecretStr = SecretStr("")
    # TLS: the CA that signed the brokers' certificates; a client certificate and key (mTLS).
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None

    pg_host: str = "127.0.0.1"
    pg_port: int = 15432
    pg_user: str = "pressroom"
    pg_password: str = "pressroom"
    pg_database: str = "pressroom"
    pg_bin_dir: Path = Path("/usr/lib/postgresql/15/bin")
    # Tests only: fsync/synchronous_commit/full_page_writes off; a crash may lose data.
    pg_fast_unsafe: bool = False

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 18080
    # Seconds the gateway waits for a command's outcome before answering 202 with a link to poll.
    reply_timeout_s: float = 10.0
    # Bearer tokens and principals: a YAML file (docs/auth.md); unset means the demo tokens.
    tokens_file: Path | None = None
    # The approval policy file (format: services/approval/policies.yaml); unset: that file.
    approval_policies: Path | None = None

    # Signed commands (docs/security.md, "Signed commands"): the public keys and scopes services
    # accept; this process's own signing key (PEM, Ed25519) and the id the keys file knows it by.
    command_keys_file: Path | None = None
    command_signing_key: Path | None = None
    command_signing_key_id: str = ""
    # Throwaway development stacks only: services take unsigned commands, senders send unsigned.
    insecure_unsigned_commands: bool = False

    # Deliveries (docs/publication.md): attempts per round before DeliveryFailed, the backoff's
    # first delay and its cap (seconds), how long one attempt may take, workers per process.
    delivery_max_attempts: int = 5
    delivery_backoff_s: float = 30.0
    delivery_backoff_cap_s: float = 3600.0
    delivery_timeout_s: float = 10.0
    delivery_workers: int = 4
    # Where email deliveries go out (an SMTP relay; `make up` has none: see docs/publication.md).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    mail_from: str = "Pressroom <press-office@pressroom.invalid>"
    # The public address the links in deliveries point at; unset: the gateway's own address.
    public_base_url: str = ""

    # Processes a rebuild into a fresh schema folds with, one group of partition numbers each
    # (`pressroom replay`, docs/operations.md); 0: one per CPU.
    rebuild_workers: int = Field(default=0, ge=0)

    # Crash points for the crash-recovery tests only: "relay-off" (commit, never publish) or
    # "kill-after-publish" (SIGKILL after Kafka acked, before the outbox row is marked).
    fault: str = ""

    log_level: str = "INFO"
    log_json: bool = False

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.kafka_host}:{self.kafka_port}"

    @property
    def public_url(self) -> str:
        return self.public_base_url or f"http://{self.gateway_host}:{self.gateway_port}"

    @property
    def pg_dsn(self) -> str:
        return (
            f"postgresql://{self.pg_user}:{self.pg_password}"
            f"@{self.pg_host}:{self.pg_port}/{self.pg_database}"
        )


def load_settings() -> Settings:
    """Reads the environment now; call once per process in bootstrap."""
    return Settings()
