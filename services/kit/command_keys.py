"""The command keys file (YAML): each key's Ed25519 public key and what it may act as. Services
hold public keys only; each sender keeps its private key (PEM) to itself (docs/security.md)."""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from events.signing import CommandSigner

Patterns = Annotated[list[str], Field(min_length=1)]


class KeysFileError(ValueError):
    """The keys file (or a signing key) cannot be used; the message says what to fix."""


class KeyScope(BaseModel):
    """What commands signed with one key may claim; `fnmatch` patterns, `*` for anything."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    public_key: str  # PEM, as `openssl pkey -pubout` writes it
    principals: Patterns  # actor ids it may act as
    commands: Patterns  # command types without version, e.g. pressroom.approval.ApproveStage
    roles: list[str] = []  # roles the actor may claim; none by default
    organisations: list[str] = ["*"]  # organisations the actor may belong to

    def allows_principal(self, actor_id: str) -> bool:
        return _any_match(actor_id, self.principals)

    def allows_command(self, type_name: str) -> bool:
        return _any_match(type_name, self.commands)

    def allows_roles(self, roles: list[str]) -> bool:
        return all(_any_match(role, self.roles) for role in roles)

    def allows_organisation(self, organisation: str | None) -> bool:
        return organisation is None or _any_match(organisation, self.organisations)


class KeysFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    keys: dict[str, KeyScope] = Field(min_length=1)


def _any_match(value: str, patterns: list[str]) -> bool:
    return any(fnmatchcase(value, pattern) for pattern in patterns)


class KeyRing:
    """The keys a service accepts, by key id: two at once while one replaces the other."""

    def __init__(self, scopes: dict[str, KeyScope]) -> None:
        self.scopes = scopes
        self.public_keys = {key_id: _public_key(key_id, s) for key_id, s in scopes.items()}

    def key(self, key_id: str) -> tuple[Ed25519PublicKey, KeyScope] | None:
        public_key = self.public_keys.get(key_id)
        return None if public_key is None else (public_key, self.scopes[key_id])


def load_key_ring(path: Path) -> KeyRing:
    """Raises KeysFileError naming the file and the fault."""
    try:
        parsed = KeysFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise KeysFileError(f"command keys file {path}: {error}") from error
    return KeyRing(dict(parsed.keys))


def _public_key(key_id: str, scope: KeyScope) -> Ed25519PublicKey:
    try:
        key = load_pem_public_key(scope.public_key.encode("ascii"))
    except ValueError as error:
        raise KeysFileError(f"key {key_id!r}: not a PEM public key: {error}") from error
    if not isinstance(key, Ed25519PublicKey):
        raise KeysFileError(f"key {key_id!r}: an Ed25519 public key is required")
    return key


def load_signer(path: Path, key_id: str) -> CommandSigner:
    """A sender's signing key from its PEM file (PKCS#8, unencrypted, readable by it alone)."""
    if not key_id:
        raise KeysFileError(f"signing key {path}: its key id is not set")
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise KeysFileError(f"signing key {path}: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise KeysFileError(f"signing key {path}: an Ed25519 private key is required")
    return CommandSigner(key_id, key)
