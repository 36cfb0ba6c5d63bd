"""Base classes of every message: frozen, a literal type, an integer version.

Commands refuse unknown fields (Pressroom is their reader: a typo is an error, not a no-op).
Events and replies ignore unknown top-level fields, so that a consumer built on an older copy
of the contract keeps reading a version that gained an optional field (docs/contract.md).
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

# What Pressroom writes and others read (events, replies): unknown top-level fields are ignored.
TOLERANT_READER = ConfigDict(extra="ignore")


class Contract(BaseModel):
    """A value object of the contract: immutable and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


class Message(Contract):
    """A command or an event. Subclasses set `type` and `version` as Literal fields."""

    # The service whose topic carries the message: drafting, approval, embargo, publication.
    service: ClassVar[str]
    kind: ClassVar[str]  # "command" or "event"
    # Set on a version that is being retired: why, and until when it is written or accepted.
    # Shown as `deprecated: true` in its JSON Schema and a `deprecated` tag in AsyncAPI.
    deprecation: ClassVar[str | None] = None

    type: str
    version: int

    @classmethod
    def type_name(cls) -> str:
        return _type_name(cls)

    @classmethod
    def type_version(cls) -> int:
        return _type_version(cls)

    @classmethod
    def ce_type(cls) -> str:
        """The CloudEvents `type`: pressroom.<service>.<Name>.v<N>."""
        return _ce_type(cls)

    @classmethod
    def schema_path(cls) -> str:
        """Where the JSON Schema lives under schemas/."""
        return f"{cls.service}/{cls.type_name()}.v{cls.type_version()}.json"

    @classmethod
    def dataschema(cls) -> str:
        """The CloudEvents `dataschema`: an absolute URI naming the file under schemas/."""
        return _dataschema(cls)

    def data(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Command(Message):
    kind: ClassVar[str] = "command"
    release_id: str

    def stream_id(self) -> str:
        """The stream the command is decided on: its key and its `ce_subject`."""
        return self.release_id


class Event(Message):
    """Something that happened. Read tolerantly: unknown top-level fields are ignored."""

    model_config = TOLERANT_READER
    kind: ClassVar[str] = "event"
    release_id: str


# A message class's type, version and CloudEvents type never change (Literal fields), and every
# encode, decode and outcome asks for them: each is worked out once per class (2 µs each time
# before: pydantic's field table, then an f-string).
@functools.cache
def _type_name(cls: type[Message]) -> str:
    return str(cls.model_fields["type"].default)


@functools.cache
def _type_version(cls: type[Message]) -> int:
    return int(cls.model_fields["version"].default)


@functools.cache
def _dataschema(cls: type[Message]) -> str:
    return f"urn:pressroom:schemas:{cls.schema_path()}"


@functools.cache
def _ce_type(cls: type[Message]) -> str:
    return f"pressroom.{cls.service}.{_type_name(cls)}.v{_type_version(cls)}"
