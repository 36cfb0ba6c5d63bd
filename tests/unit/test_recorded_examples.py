"""Recorded examples as a contract test: every event version's record, as the relay wrote it when
it was recorded, must still decode to what it meant then (data upcast to the latest version)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from dev_tools.contract.recorded import meaning_of, recorded_versions, replay
from events.catalog import REGISTRY
from events.kafka import decode, encode
from events.registry import TypeName

RECORDED = Path(__file__).parent.parent / "data" / "recorded"


def _recorded(version: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((RECORDED / f"{version}.json").read_bytes())
    return loaded


def test_every_event_version_has_a_recorded_example() -> None:
    on_disk = {p.relative_to(RECORDED).with_suffix("").as_posix() for p in RECORDED.rglob("*.json")}
    assert on_disk == set(recorded_versions())


def _added_since(data: dict[str, Any], recorded: dict[str, Any], ce_type: str) -> set[str]:
    """Optional fields added in place since the recording (the gate allows that) that hold
    their default: not a change of what the record means."""
    name = TypeName.parse(ce_type)
    fields = REGISTRY.latest(name.service, name.name).model_fields
    return {
        name
        for name, value in data.items()
        if name not in recorded
        and name in fields
        and not fields[name].is_required()
        and value == fields[name].default
    }


def _same_meaning(meaning: dict[str, Any], recorded: dict[str, Any], ce_type: str) -> bool:
    added = _added_since(meaning["data"], recorded["data"], ce_type)
    data = {k: v for k, v in meaning["data"].items() if k not in added}
    return {**meaning, "data": data} == recorded


@pytest.mark.parametrize("version", recorded_versions())
def test_a_recorded_record_still_decodes_to_the_same_meaning(version: str) -> None:
    recorded = _recorded(version)
    decoded = decode(replay(recorded), REGISTRY)
    assert _same_meaning(meaning_of(decoded), recorded["meaning"], recorded["ce_type"])


@pytest.mark.parametrize("version", recorded_versions())
def test_a_recording_holds_the_relays_headers_and_names_its_own_version(version: str) -> None:
    recorded = _recorded(version)
    headers = dict(recorded["headers"])
    assert headers["ce_type"] == recorded["ce_type"] == "pressroom." + version.replace("/", ".")
    assert headers["ce_dataschema"] == f"urn:pressroom:schemas:{version}.json"
    assert json.loads(recorded["value"])["version"] == int(version.rsplit(".v", 1)[1])
    # The relay's own header (consumers ignore it): its row key, or, recorded earlier, its row id.
    assert RELAY_HEADERS & set(headers)


RELAY_HEADERS = {"pressroom_outbox_row", "pressroom_outbox_id"}

# The versions Pressroom still writes (an old version is only read, as its latest).
WRITTEN = [
    m.schema_path().removesuffix(".json")
    for m in REGISTRY.all_models()
    if m.kind == "event" and REGISTRY.latest(m.service, m.type_name()) is m
]


@pytest.mark.parametrize("version", WRITTEN)
def test_todays_codec_writes_a_latest_version_byte_for_byte_as_recorded(version: str) -> None:
    recorded = _recorded(version)
    decoded = decode(replay(recorded), REGISTRY)
    written = encode(decoded)
    relay_headers = [(n, v) for n, v in replay(recorded).headers if n not in RELAY_HEADERS]
    assert (written.key, written.headers) == (recorded["key"].encode(), relay_headers)
    value, was = json.loads(cast(bytes, written.value)), json.loads(recorded["value"])
    added = _added_since(value, was, recorded["ce_type"])
    if not added:  # byte for byte, unless an optional field was added in place since
        assert written.value == recorded["value"].encode()
    assert {k: v for k, v in value.items() if k not in added} == was
