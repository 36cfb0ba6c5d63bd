"""The files of schemas/: rendered in memory, written to a folder, or compared with one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from events.catalog import REGISTRY
from events.registry import Registry
from events.schemas.asyncapi import asyncapi, render_yaml
from events.schemas.json_schema import json_schema, render_json
from events.topics import ALL_TOPICS

ASYNCAPI_FILE = "asyncapi.yaml"


def render_all(
    registry: Registry = REGISTRY, topics: tuple[str, ...] = ALL_TOPICS
) -> dict[str, str]:
    """Relative path (POSIX) → file text: one JSON Schema per model version, plus the AsyncAPI."""
    models = list(registry.all_models())
    files = {model.schema_path(): render_json(json_schema(model)) for model in models}
    files[ASYNCAPI_FILE] = render_yaml(asyncapi(models, topics))
    return dict(sorted(files.items()))


def write_all(out: Path, files: dict[str, str]) -> list[Path]:
    """Writes every file as UTF-8 with LF endings, whatever the platform; returns what it wrote."""
    written = []
    for relative, text in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


@dataclass(frozen=True)
class Drift:
    """How a folder differs from what the contract renders: byte for byte."""

    changed: list[str]
    missing: list[str]
    extra: list[str]

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.extra)


def drift(folder: Path, files: dict[str, str]) -> Drift:
    """Compares `folder` with the rendered files; hidden files (.gitkeep) are not extra."""
    on_disk = {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }
    changed = [
        name
        for name, text in files.items()
        if name in on_disk and (folder / name).read_bytes() != text.encode("utf-8")
    ]
    return Drift(
        changed=changed,
        missing=sorted(set(files) - on_disk),
        extra=sorted(on_disk - set(files)),
    )
