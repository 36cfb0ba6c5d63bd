"""Which model reads which CloudEvents type, and how old versions are raised to the current one."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from events.base import Message

JsonObject = dict[str, Any]
Upcaster = Callable[[JsonObject], JsonObject]

_CE_TYPE = re.compile(
    r"^pressroom\.(?P<service>[a-z]+)\.(?P<name>[A-Za-z]+)\.v(?P<version>[0-9]+)$"
)


class UnknownType(LookupError):
    """No model is registered for a ce_type."""


@dataclass(frozen=True)
class TypeName:
    service: str
    name: str
    version: int

    @classmethod
    def parse(cls, ce_type: str) -> TypeName:
        match = _CE_TYPE.match(ce_type)
        if match is None:
            raise UnknownType(
                f"{ce_type!r} is not a Pressroom type (pressroom.<service>.<Name>.v<N>)"
            )
        return cls(match["service"], match["name"], int(match["version"]))


@dataclass
class Registry:
    """Every (service, name, version) → model, plus upcasters from version n to n + 1."""

    models: dict[tuple[str, str, int], type[Message]] = field(default_factory=dict)
    upcasters: dict[tuple[str, str, int], Upcaster] = field(default_factory=dict)
    # ce_type → the model it is read as and the upcasters on the way: parsing the name and
    # finding the latest version again for every record was a tenth of decoding one.
    _readers: dict[str, tuple[type[Message], tuple[Upcaster, ...]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def register(self, *models: type[Message]) -> None:
        self._readers.clear()
        for model in models:
            self.models[(model.service, model.type_name(), model.type_version())] = model

    def register_upcaster(self, model: type[Message], from_version: int, fn: Upcaster) -> None:
        self._readers.clear()
        self.upcasters[(model.service, model.type_name(), from_version)] = fn

    def latest(self, service: str, name: str) -> type[Message]:
        versions = [m for (s, n, _), m in self.models.items() if (s, n) == (service, name)]
        if not versions:
            raise UnknownType(f"no model for pressroom.{service}.{name}")
        return max(versions, key=lambda m: m.type_version())

    def read(self, ce_type: str, data: JsonObject) -> Message:
        """Validates `data` as the latest version of its type, upcasting older versions first."""
        target, upcasters = self._reader_of(ce_type)
        for upcast in upcasters:
            data = upcast(data)
        return target.model_validate(data)

    def read_json(
        self, ce_type: str, value: bytes, parse: Callable[[bytes], JsonObject]
    ) -> Message:
        """`read(ce_type, parse(value))`, the same model or the same error: a latest version is
        validated from the JSON text in one pass of pydantic-core, without building the dict
        first (a quarter of decoding a record); older versions are parsed for their upcasters,
        and so is a value that fails to validate, so that `parse` says what is wrong with it
        (not JSON, not an object) just as before."""
        target, upcasters = self._reader_of(ce_type)
        if not upcasters:
            try:
                return target.model_validate_json(value)
            except ValidationError:
                pass  # read again below, for the error `read` gives
        return self.read(ce_type, parse(value))

    def _reader_of(self, ce_type: str) -> tuple[type[Message], tuple[Upcaster, ...]]:
        reader = self._readers.get(ce_type)
        if reader is None:
            reader = self._readers[ce_type] = self._reader(ce_type)
        return reader

    def _reader(self, ce_type: str) -> tuple[type[Message], tuple[Upcaster, ...]]:
        name = TypeName.parse(ce_type)
        if (name.service, name.name, name.version) not in self.models:
            raise UnknownType(f"unknown type {ce_type!r}")
        target = self.latest(name.service, name.name)
        versions = range(name.version, target.type_version())
        return target, tuple(self.upcasters[(name.service, name.name, v)] for v in versions)

    def all_models(self) -> Iterable[type[Message]]:
        return sorted(
            self.models.values(), key=lambda m: (m.service, m.kind, m.type_name(), m.type_version())
        )
