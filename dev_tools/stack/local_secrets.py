"""What the local stack asks for by name that a deployment would configure: a sealing key for
webhook secrets (made once, kept in the stack's data folder), webhooks to this machine, and
email in plain text to the local mailsink."""

from __future__ import annotations

import os

from events.webhook_addresses import literal_address
from services.kit.sealing import new_key
from services.kit.settings import Settings

LOCAL_WEBHOOK_NETWORKS = "127.0.0.0/8,::1/128"


def local_secret_env(settings: Settings) -> tuple[dict[str, str], list[str]]:
    """The environment the local processes get, and warnings to print about it."""
    env: dict[str, str] = {}
    warnings: list[str] = []
    if not settings.secret_keys.get_secret_value():
        key_file = settings.data_dir / "secret-keys"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(new_key() + "\n")
            os.chmod(key_file, 0o600)
        env["PRESSROOM_SECRET_KEYS"] = key_file.read_text().strip()
        warnings.append(f"webhook secrets sealed with a local key kept in {key_file}")
    if not settings.webhook_allowed_networks:
        env["PRESSROOM_WEBHOOK_ALLOWED_NETWORKS"] = LOCAL_WEBHOOK_NETWORKS
        warnings.append(f"webhooks may reach this machine ({LOCAL_WEBHOOK_NETWORKS}): local only")
    if not os.environ.get("PRESSROOM_SMTP_SECURITY") and on_this_machine(settings.smtp_host):
        env["PRESSROOM_SMTP_SECURITY"] = "plaintext"  # the mailsink offers no STARTTLS
        warnings.append(
            f"email goes to {settings.smtp_host}:{settings.smtp_port} in plain text: local only"
        )
    return env, warnings


def on_this_machine(host: str) -> bool:
    """A loopback address (in any notation webhooks' checks read) or `localhost`: what never
    leaves the machine. A name is never resolved for it."""
    address = literal_address(host)
    return host == "localhost" or (address is not None and address.is_loopback)
