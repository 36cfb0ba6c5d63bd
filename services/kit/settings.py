"""Settings from the environment (prefix PRESSROOM_), with defaults for the local stack."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


# A TCP port a process listens on or connects to.
Port = Annotated[int, Field(ge=1, le=65535)]


class Settings(BaseSettings):
    """Every knob of a Pressroom process; each one is an environment variable PRESSROOM_<NAME>."""

    # An empty value is no value (compose's env file and the chart list every setting, most of
    # them empty): a file path of "" must not become the current directory.
    model_config = SettingsConfigDict(
        env_prefix="PRESSROOM_", frozen=True, extra="ignore", env_ignore_empty=True
    )

    # Where the local stack keeps its data and logs (ignored by git).
    data_dir: Path = REPO_ROOT / ".pressroom" / "dev"
    # Resolved Kafka jars, outside the data folder so `infra down --wipe` keeps them.
    cache_dir: Path = REPO_ROOT / ".pressroom" / "cache"

    # A real cluster: the bootstrap list "h1:9092,h2:9092"; empty means kafka_host:kafka_port
    # (the local stack, which also starts its broker on that port).
    kafka_bootstrap_servers: str = ""
    kafka_host: str = "127.0.0.1"
    kafka_port: Port = 19092
    kafka_controller_port: Port = 19093
    kafka_version: str = "4.1.1"
    # Topics as `pressroom topics apply` and each process's start create them (docs/deployment.md).
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)
    topic_min_insync_replicas: int = Field(default=1, ge=1)
    # Commands are spent once handled (decisions live in PostgreSQL): a week, Kafka's default.
    command_retention_ms: int = Field(default=7 * 24 * 3600 * 1000, ge=-1)
    # Dead letters wait for an operator: kept until re-driven, never deleted by age (-1).
    dlq_retention_ms: int = Field(default=-1, ge=-1)
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
    # The longest a service's consumer long-polls the broker (faust's own is a fixed 1,500 ms,
    # aiokafka's 500). A partition whose records are still being handled is left out of the
    # fetch in flight, so its next records wait for that fetch to run out: this bounds that wait
    # (services/kit/faust_fetch.py). Lower: less latency, more empty fetches while idle; the
    # whole idle stack used 3.7% of a CPU at 1,500 ms, 8.9% at 100, 14.4% at 50 (benchmarks.md).
    kafka_fetch_wait_ms: int = Field(default=100, ge=1, le=1500)

    pg_host: str = "127.0.0.1"
    pg_port: Port = 15432
    pg_user: str = "pressroom"
    pg_password: str = "pressroom"
    pg_database: str = "pressroom"
    # A full DSN for every process, overriding the parts above; TLS goes in its query string:
    # postgresql://user:pw@host/db?sslmode=verify-full&sslrootcert=/etc/pressroom/pg-ca.pem
    database_url: str = ""
    # Per process (each service's schema may live in its own database); empty: database_url.
    drafting_database_url: str = ""
    approval_database_url: str = ""
    embargo_database_url: str = ""
    publication_database_url: str = ""
    projector_database_url: str = ""
    # The gateway's queries only: may point at a read replica. Its LISTEN for read-your-writes
    # and the operations gauges go to the projector's database (a replica accepts neither).
    gateway_reads_database_url: str = ""
    # Connections per process: a service's pool, and the gateway's query pool. The minimum is 0
    # by default: asyncpg's background refill of a minimum can hand out a connection it was
    # still making while PostgreSQL shut down (asyncpg#784; docs/reliability.md).
    pg_pool_min_size: int = Field(default=0, ge=0)
    pg_pool_max_size: int = Field(default=8, ge=1)
    gateway_pg_pool_max_size: int = Field(default=10, ge=1)
    pg_bin_dir: Path = Path("/usr/lib/postgresql/15/bin")
    # Tests only: fsync/synchronous_commit/full_page_writes off; a crash may lose data.
    pg_fast_unsafe: bool = False

    gateway_host: str = "127.0.0.1"
    gateway_port: Port = 18080
    # How long the gateway keeps an idle HTTP connection open. Longer than the idle timeouts of
    # common clients' pools and load balancers (httpx 5 s, aiohttp 15 s, an AWS ALB 60 s), so the
    # client closes first and never sends a request on a connection the server is closing.
    gateway_keep_alive_s: int = Field(default=75, ge=1)
    # Seconds the gateway waits for a command's outcome before answering 202 with a link to poll.
    reply_timeout_s: float = 10.0
    # Request bodies (docs/http-api.md): larger ones get 413 before they are read, and a body
    # not complete this many seconds after the request began gets 408. 1 MiB holds any valid
    # command: a larger one could not fit in a Kafka message anyway.
    http_max_body_bytes: int = Field(default=1_048_576, ge=1)
    http_body_timeout_s: float = Field(default=30.0, gt=0)
    # Bearer tokens and principals: a YAML file (docs/auth.md).
    tokens_file: Path | None = None
    # The public demo tokens (services/gateway/demo_tokens.yaml), for a local stack only: off
    # unless asked for. With no tokens file, no OIDC issuer and no demo, the gateway refuses to
    # start.
    demo_tokens: bool = False
    # OIDC/JWT bearer tokens from the press office's identity provider (docs/security.md): the
    # issuer (`iss`), this API's audience (`aud`), where its keys are (JWKS), which asymmetric
    # algorithms to accept, the clock skew allowed, and the claims naming id, roles and organisation
    # (dotted paths reach nested claims, e.g. realm_access.roles).
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    oidc_algorithms: tuple[str, ...] = ("RS256", "PS256", "ES256", "EdDSA")
    oidc_leeway_s: float = Field(default=30.0, ge=0, le=300)
    oidc_jwks_cache_s: float = Field(default=300.0, gt=0)
    # An unknown `kid` refetches the keys once, at most once per this many seconds.
    oidc_jwks_refresh_cooldown_s: float = Field(default=30.0, ge=0)
    oidc_id_claim: str = "sub"
    oidc_roles_claim: str = "roles"
    oidc_organisation_claim: str = "organisation"
    # Rate limits, per gateway instance (docs/security.md): failed authentications per client
    # address, and writes per principal and per client address, in each window; 0: no limit.
    rate_limit_window_s: float = Field(default=60.0, gt=0)
    rate_limit_failed_auth: int = Field(default=30, ge=0)
    rate_limit_writes_per_principal: int = Field(default=600, ge=0)
    rate_limit_writes_per_address: int = Field(default=3000, ge=0)
    # /metrics: require an operator's bearer token, and/or serve it on its own port (0: the
    # gateway's port; another port serves only /metrics, on gateway_host).
    metrics_require_token: bool = False
    metrics_port: int = Field(default=0, ge=0, le=65535)
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
    smtp_port: Port = 1025
    # How email reaches the relay (docs/deliveries.md, "Email"): `starttls` upgrades the
    # connection and sends nothing to a relay that cannot; `tls` connects over TLS (port 465);
    # `plaintext` sends in the clear, only when asked for by name (the local mailsink).
    smtp_security: Literal["starttls", "tls", "plaintext"] = "starttls"
    # A relay that asks for a login (SMTP AUTH, after TLS; never in the clear).
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    mail_from: str = "Pressroom <press-office@pressroom.invalid>"
    # Keys that seal webhook secrets (Fernet, comma-separated; the first seals, all open). Unset:
    # webhook registrations are refused (email still works). docs/deliveries.md.
    secret_keys: SecretStr = SecretStr("")
    # Networks webhooks may reach beyond public addresses (CIDRs, comma-separated), e.g.
    # "127.0.0.0/8" for a receiver on this machine in development. Unset: public addresses only.
    webhook_allowed_networks: str = ""
    # The public address the links in deliveries point at; unset: the gateway's own address.
    public_base_url: str = ""

    # Processes a rebuild into a fresh schema folds with, one group of partition numbers each
    # (`pressroom replay`, docs/operations.md); 0: one per CPU.
    rebuild_workers: int = Field(default=0, ge=0)

    # /healthz, /readyz and /metrics of a non-HTTP process (the gateway serves them on its own
    # port): 0 = no health server. Containers set a port and 0.0.0.0.
    health_host: str = "127.0.0.1"
    health_port: int = Field(default=0, ge=0, le=65535)

    # A consumer without its group coordinator this long while a broker answers has lost its
    # group for good: its process stops and exits with status 3 (services/kit/group_watch.py).
    group_lost_after_s: float = Field(default=60.0, gt=0)

    # Every so many seconds a service hands glibc's free memory back to the system (0: never):
    # services/kit/heap.py.
    heap_trim_interval_s: float = Field(default=10.0, ge=0)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_json: bool = False

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def webhook_networks(self) -> tuple[str, ...]:
        return tuple(n.strip() for n in self.webhook_allowed_networks.split(",") if n.strip())

    @property
    def kafka_bootstrap(self) -> str:
        """What every Kafka client is given as bootstrap servers."""
        return self.kafka_bootstrap_servers or f"{self.kafka_host}:{self.kafka_port}"

    @property
    def public_url(self) -> str:
        return self.public_base_url or f"http://{self.gateway_host}:{self.gateway_port}"

    @property
    def pg_dsn(self) -> str:
        """The DSN of every process without one of its own (operators' tools included)."""
        return self.database_url or (
            f"postgresql://{self.pg_user}:{self.pg_password}"
            f"@{self.pg_host}:{self.pg_port}/{self.pg_database}"
        )

    def dsn_for(self, process: str) -> str:
        """The process's own DSN if set (drafting ... projector, gateway_reads), else pg_dsn.
        The gateway's reads fall back to the projector's database, where the read models are."""
        own: str = getattr(self, f"{process}_database_url")
        if not own and process == "gateway_reads":
            return self.dsn_for("projector")
        return own or self.pg_dsn


def invalid_settings(error: ValidationError) -> str:
    """What is wrong with the PRESSROOM_* environment, a line a variable, and never its value: a
    DSN or a password may be in it."""
    lines = [
        f"  PRESSROOM_{'_'.join(str(part) for part in problem['loc']).upper()}: {problem['msg']}"
        for problem in error.errors(include_url=False, include_input=False)
    ]
    return "invalid PRESSROOM_* setting (fix it, or unset it for the default):\n" + "\n".join(lines)


def load_settings() -> Settings:
    """Reads the environment now; call once per process in bootstrap."""
    return Settings()
