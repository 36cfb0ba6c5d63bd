"""Command keys for the local stack and the test stack, made on the spot in their data folder.
LOCAL DEVELOPMENT AND TESTS ONLY: a deployment makes its own keys (docs/security.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from services.kit.settings import Settings

KEYS_FILE = "command-keys.yaml"
BOT_COMMANDS = ["pressroom.approval.ApproveStage", "pressroom.approval.RejectRelease"]


@dataclass(frozen=True)
class KeySpec:
    key_id: str
    principals: list[str]
    roles: list[str]
    commands: list[str]


ANYTHING = ["*"]
GATEWAY = KeySpec("gateway-local", ANYTHING, ANYTHING, ANYTHING)
# The pressroom CLI, the benches and the tests on a local stack act for anyone.
DEV_TOOLS = KeySpec("dev-tools-local", ANYTHING, ANYTHING, ANYTHING)
BOT = KeySpec("banned-words-bot-local", ["compliance-bot"], ["approver:compliance"], BOT_COMMANDS)
LOCAL_KEYS = (GATEWAY, DEV_TOOLS, BOT)
# The test stack also holds the key that replaces dev-tools-local, to show a rotation.
NEXT_DEV_TOOLS = KeySpec("dev-tools-next", ANYTHING, ANYTHING, ANYTHING)
TEST_KEYS = (*LOCAL_KEYS, NEXT_DEV_TOOLS)


def keys_dir(settings: Settings) -> Path:
    return settings.data_dir / "keys"


def private_key_file(settings: Settings, key_id: str) -> Path:
    return keys_dir(settings) / f"{key_id}.pem"


def ensure_keys(settings: Settings, specs: tuple[KeySpec, ...] = LOCAL_KEYS) -> Path:
    """Makes each missing private key (mode 0600), then writes the keys file; its path."""
    folder = keys_dir(settings)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    entries = {
        spec.key_id: _entry(spec, _private_key(folder / f"{spec.key_id}.pem")) for spec in specs
    }
    keys_file = folder / KEYS_FILE
    header = "# LOCAL DEVELOPMENT AND TESTS ONLY: made by dev_tools/stack/keys.py; rewritten.\n"
    keys_file.write_text(header + yaml.safe_dump({"keys": entries}, sort_keys=False))
    return keys_file


def _private_key(path: Path) -> Ed25519PrivateKey:
    if path.is_file():
        key = load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    return key


def _entry(spec: KeySpec, key: Ed25519PrivateKey) -> dict[str, object]:
    public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return {
        "public_key": public.decode("ascii"),
        "principals": list(spec.principals),  # copies: no YAML anchors between keys
        "roles": list(spec.roles),
        "commands": list(spec.commands),
    }


def signing_env(settings: Settings, spec: KeySpec) -> dict[str, str]:
    """The settings that make a process sign with `spec`'s key."""
    return {
        "PRESSROOM_COMMAND_SIGNING_KEY": str(private_key_file(settings, spec.key_id)),
        "PRESSROOM_COMMAND_SIGNING_KEY_ID": spec.key_id,
    }


def tool_signing_env(settings: Settings) -> dict[str, str]:
    """For a tool run beside the local stack (`pressroom bench`): it signs as dev-tools with the
    key the stack made, unless a signing key is configured or insecure mode asked for. Only
    reads: nothing when the stack never made its keys (then the tool says what to set)."""
    if settings.command_signing_key is not None or settings.insecure_unsigned_commands:
        return {}
    if not private_key_file(settings, DEV_TOOLS.key_id).is_file():
        return {}
    return signing_env(settings, DEV_TOOLS)


def stack_env(settings: Settings, specs: tuple[KeySpec, ...] = LOCAL_KEYS) -> dict[str, str]:
    """For a stack's processes and tools: the keys file, signing as dev-tools. Nothing when
    keys are configured already (or insecure mode is asked for): those settings stand."""
    if settings.command_keys_file is not None or settings.insecure_unsigned_commands:
        return {}
    keys_file = ensure_keys(settings, specs)
    return {"PRESSROOM_COMMAND_KEYS_FILE": str(keys_file), **signing_env(settings, DEV_TOOLS)}


def process_env(settings: Settings, name: str, keys: dict[str, str]) -> dict[str, str]:
    """A stack process's key settings (`keys` from stack_env): the gateway signs as itself."""
    if name == "gateway" and keys:
        return {**keys, **signing_env(settings, GATEWAY)}
    return keys
