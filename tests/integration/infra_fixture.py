"""The session's real Kafka and PostgreSQL: a test stack beside the dev one (own data, ports)."""

from __future__ import annotations

import os
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import pytest

import dev_tools.infra as local_infra
from dev_tools.infra.processes import file_lock, is_alive
from dev_tools.stack import keys as stack_keys
from services.kit.settings import REPO_ROOT, Settings
from tests.integration.kafka_security import MODES, sasl_ssl_data_dir, with_security
from tests.sealing_support import TEST_SECRET_KEYS

# PRESSROOM_TEST_SLOT=N gives a checkout (or an engineer) a test stack of its own: other ports
# and another data folder, so test sessions of different work never stop each other's processes.
SLOT = int(os.environ.get("PRESSROOM_TEST_SLOT", "0"))
# The jar cache stays shared with the dev stack, so the jars download once per machine.
TEST_STACK_ENV = {
    "PRESSROOM_DATA_DIR": str(REPO_ROOT / ".pressroom" / ("test" if SLOT == 0 else f"test-{SLOT}")),
    "PRESSROOM_KAFKA_PORT": str(29092 + 100 * SLOT),
    "PRESSROOM_KAFKA_CONTROLLER_PORT": str(29093 + 100 * SLOT),
    "PRESSROOM_PG_PORT": str(25432 + 100 * SLOT),
    "PRESSROOM_GATEWAY_PORT": str(28080 + 100 * SLOT),
    "PRESSROOM_PG_FAST_UNSAFE": "true",
    # Deliveries: the tests' SMTP server listens here; retries come fast (0.2 s, 0.4 s, 0.8 s…).
    "PRESSROOM_SMTP_PORT": str(21025 + 100 * SLOT),
    "PRESSROOM_SMTP_SECURITY": "plaintext",  # the tests' SMTP server offers no STARTTLS
    "PRESSROOM_DELIVERY_BACKOFF_S": "0.2",
    "PRESSROOM_DELIVERY_BACKOFF_CAP_S": "2",
    "PRESSROOM_DELIVERY_MAX_ATTEMPTS": "5",
    # Webhook secrets are sealed with the test stack's own key; receivers run on 127.0.0.1.
    "PRESSROOM_SECRET_KEYS": TEST_SECRET_KEYS,
    "PRESSROOM_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    # A body that never finishes gets its 408 within a test's patience (default 30 s).
    "PRESSROOM_HTTP_BODY_TIMEOUT_S": "10",
}
# Set to 1 to leave a stack this session started running, for fast reruns.
KEEP_ENV = "PRESSROOM_TEST_KEEP_INFRA"
# What `make up` tells a developer to export: the dev stack's keys. Left in the shell that runs
# `make test`, they made the test stack's services trust the dev stack's keys file while its
# gateway signed with its own key, and every command over HTTP was refused (403).
DEV_STACK_KEY_SETTINGS = (
    "PRESSROOM_COMMAND_KEYS_FILE", "PRESSROOM_COMMAND_SIGNING_KEY",
    "PRESSROOM_COMMAND_SIGNING_KEY_ID", "PRESSROOM_INSECURE_UNSIGNED_COMMANDS",
)  # fmt: skip


@pytest.fixture(scope="session")
def infra() -> Iterator[Settings]:
    """Starts the test stack unless it runs, exporting PRESSROOM_* for subprocesses. Parallel
    sessions share it; the last one out stops it, unless it ran before any session started it."""
    os.environ.update(with_security(TEST_STACK_ENV))  # PRESSROOM_TEST_KAFKA_SECURITY
    settings = Settings()
    sessions = settings.data_dir / "sessions"
    with file_lock(sessions / ".lock"):
        if not all(component.running for component in local_infra.status(settings)):
            local_infra.up(settings)
            (sessions / "started-by-tests").touch()
        (sessions / str(os.getpid())).touch()
        os.environ.update(keys_of_the_test_stack(os.environ))
    settings = Settings()
    yield settings
    with file_lock(sessions / ".lock"):
        _leave(settings, sessions)


def keys_of_the_test_stack(environ: MutableMapping[str, str]) -> dict[str, str]:
    """The command keys of the test stack (in `environ`'s PRESSROOM_DATA_DIR), made at test time
    once per data folder, for its services and the tests' sender: whatever keys the shell names
    are another stack's."""
    for name in DEV_STACK_KEY_SETTINGS:
        environ.pop(name, None)
    return stack_keys.stack_env(Settings(), stack_keys.TEST_KEYS)


def _leave(settings: Settings, sessions: Path) -> None:
    (sessions / str(os.getpid())).unlink(missing_ok=True)
    started_by_tests = sessions / "started-by-tests"
    if _live_sessions(sessions) or not started_by_tests.exists():
        return
    started_by_tests.unlink()  # kept or stopped, the next session finds no marker
    if os.environ.get(KEEP_ENV) != "1":
        local_infra.down(settings)


def _live_sessions(sessions: Path) -> list[Path]:
    leases = [path for path in sessions.iterdir() if path.name.isdigit()]
    for dead in (path for path in leases if not is_alive(int(path.name))):
        dead.unlink(missing_ok=True)
    return [path for path in leases if path.exists()]


def stop_test_stack() -> None:
    """`.ci/run` calls this on exit: stops the test stacks of this slot (plaintext and SASL_SSL)
    unless a live session still uses them."""
    for mode in MODES:
        if mode == "plaintext" or sasl_ssl_data_dir(TEST_STACK_ENV).is_dir():
            _stop(with_security(TEST_STACK_ENV, mode))


def _stop(env: dict[str, str]) -> None:
    os.environ.update(env)
    settings = Settings()
    sessions = settings.data_dir / "sessions"
    with file_lock(sessions / ".lock"):
        if not _live_sessions(sessions):
            local_infra.down(settings)
            (sessions / "started-by-tests").unlink(missing_ok=True)
