"""schemas/: one JSON Schema per message version, the AsyncAPI document, and the drift check."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError  # type: ignore[import-untyped]
from jsonschema.validators import validator_for  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from typer.testing import CliRunner

from dev_tools.cli.schemas import schemas_app
from events.base import Message
from events.catalog import REGISTRY
from events.kafka import encode
from events.schemas.asyncapi import asyncapi
from events.schemas.examples import examples
from events.schemas.files import ASYNCAPI_FILE, drift, render_all, write_all
from events.topics import ALL_TOPICS, COMMAND_TOPICS
from services.kit import dlq

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
MODELS = list(REGISTRY.all_models())
EXAMPLES = examples()


def _committed(relative: str) -> Any:
    text = (SCHEMAS / relative).read_text(encoding="utf-8")
    return yaml.safe_load(text) if relative.endswith(".yaml") else json.loads(text)


def _validator(model: type[Message]) -> Draft202012Validator:
    return Draft202012Validator(
        _committed(model.schema_path()), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def test_committed_schemas_match_the_contract_byte_for_byte() -> None:
    found = drift(SCHEMAS, render_all())
    assert found.clean, f"run `pressroom schemas export`: {found}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.ce_type())
def test_each_json_schema_is_a_2020_12_schema_named_by_its_dataschema(model: type[Message]) -> None:
    schema = _committed(model.schema_path())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert validator_for(schema) is Draft202012Validator
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == model.dataschema()
    assert schema["title"] == f"{model.type_name()} v{model.type_version()}"
    assert model.ce_type() in schema["description"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.ce_type())
def test_each_json_schema_accepts_the_record_value_we_write(model: type[Message]) -> None:
    record = encode(EXAMPLES[model.ce_type()])
    _validator(model).validate(json.loads(record.value or b""))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.ce_type())
def test_each_json_schema_refuses_a_wrong_type(model: type[Message]) -> None:
    data = EXAMPLES[model.ce_type()].data.data()
    with pytest.raises(ValidationError):
        _validator(model).validate(data | {"type": "SomethingElse"})


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.ce_type())
def test_a_command_schema_is_closed_an_event_schema_open_to_new_fields(
    model: type[Message],
) -> None:
    surprising = EXAMPLES[model.ce_type()].data.data() | {"surprise": 1}
    if model.kind == "command":
        with pytest.raises(ValidationError):
            _validator(model).validate(surprising)
    else:
        _validator(model).validate(surprising)


@pytest.mark.parametrize("model", [m for m in MODELS if "content" in m.model_fields], ids=str)
def test_json_schemas_hold_the_release_content_limits(model: type[Message]) -> None:
    data = EXAMPLES[model.ce_type()].data.data()
    broken: dict[str, Any]
    for broken in ({"title": "x" * 301}, {"organisations": []}):
        with pytest.raises(ValidationError):
            _validator(model).validate(data | {"content": data["content"] | broken})


def test_asyncapi_document_is_version_3_with_the_local_broker() -> None:
    document = _committed(ASYNCAPI_FILE)
    assert document["asyncapi"] == "3.0.0"
    server = document["servers"]["local"]
    assert (server["host"], server["protocol"]) == ("127.0.0.1:19092", "kafka")


def test_asyncapi_has_a_channel_for_every_topic() -> None:
    channels = _committed(ASYNCAPI_FILE)["channels"].values()
    assert sorted(c["address"] for c in channels) == sorted(ALL_TOPICS)
    assert all(c["bindings"]["kafka"]["topic"] == c["address"] for c in channels)


def test_asyncapi_lists_every_registered_model_on_its_topic() -> None:
    document = _committed(ASYNCAPI_FILE)
    on_channel = {
        message_id: channel["address"]
        for channel in document["channels"].values()
        for message_id in channel["messages"]
    }
    for model in MODELS:
        assert on_channel[model.ce_type()].split(".")[-1] in {"commands", "events", "replies"}
        message = document["components"]["messages"][model.ce_type()]
        assert message["contentType"] == "application/json"
        assert message["payload"] == {"$ref": f"./{model.schema_path()}"}
        assert (SCHEMAS / model.schema_path()).is_file()


def test_asyncapi_says_pressroom_receives_commands_and_sends_the_rest() -> None:
    document = _committed(ASYNCAPI_FILE)
    for operation in document["operations"].values():
        channel_id = operation["channel"]["$ref"].removeprefix("#/channels/")
        channel = document["channels"][channel_id]
        expected = "receive" if channel["address"] in COMMAND_TOPICS else "send"
        assert operation["action"] == expected
        for ref in operation["messages"]:
            assert ref["$ref"].rsplit("/", 1)[-1] in channel["messages"]
    assert len(document["operations"]) == len(ALL_TOPICS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.ce_type())
def test_asyncapi_header_schema_accepts_the_headers_we_write(model: type[Message]) -> None:
    document = _committed(ASYNCAPI_FILE)
    headers = encode(EXAMPLES[model.ce_type()]).header_texts()
    pointer = f"/components/messages/{model.ce_type()}"
    validator = _asyncapi_validator(document, f"{pointer}/headers")
    validator.validate(headers)
    with pytest.raises(ValidationError):
        validator.validate(headers | {"ce_type": "pressroom.drafting.Other.v1"})
    with pytest.raises(ValidationError):
        validator.validate({k: v for k, v in headers.items() if k != "ce_time"})
    example = document["components"]["messages"][model.ce_type()]["examples"][0]
    assert example["headers"] == headers


def test_asyncapi_dead_letter_names_the_headers_the_dlq_writer_adds() -> None:
    document = _committed(ASYNCAPI_FILE)
    letter = document["components"]["messages"]["pressroom.DeadLetter"]
    assert tuple(letter["headers"]["required"]) == dlq.DLQ_HEADERS
    assert letter["payload"]["format"] == "binary"
    dlq_channels = [c for c in document["channels"].values() if c["address"].endswith(".dlq")]
    assert dlq_channels and all("pressroom.DeadLetter" in c["messages"] for c in dlq_channels)


def test_asyncapi_refuses_a_model_whose_topic_is_not_declared() -> None:
    with pytest.raises(ValueError, match=r"not in topics\.py"):
        asyncapi(MODELS, topics=())


def test_rendering_twice_gives_the_same_text_ending_in_one_newline() -> None:
    first, second = render_all(), render_all()
    assert first == second
    assert all(text.endswith("\n") and not text.endswith("\n\n") for text in first.values())


def test_check_finds_no_drift_after_export_then_changed_missing_and_extra(tmp_path: Path) -> None:
    files = render_all()
    write_all(tmp_path, files)
    assert drift(tmp_path, files).clean
    changed, missing = sorted(files)[1:3]
    (tmp_path / changed).write_text(files[changed] + " ", encoding="utf-8")
    (tmp_path / missing).unlink()
    (tmp_path / "drafting" / "Gone.v1.json").write_text("{}", encoding="utf-8")
    (tmp_path / ".gitkeep").write_text("", encoding="utf-8")
    found = drift(tmp_path, files)
    assert (found.changed, found.missing, found.extra) == (
        [changed],
        [missing],
        ["drafting/Gone.v1.json"],
    )


def test_schemas_export_then_check_passes(tmp_path: Path) -> None:
    runner = CliRunner()
    exported = runner.invoke(schemas_app, ["export", "--out", str(tmp_path)])
    assert exported.exit_code == 0, exported.output
    assert f"Wrote {len(render_all())} files" in exported.output
    checked = runner.invoke(schemas_app, ["check", "--out", str(tmp_path)])
    assert checked.exit_code == 0, checked.output


def test_schemas_check_fails_on_drift_and_says_how_to_fix_it(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(schemas_app, ["export", "--out", str(tmp_path)])
    (tmp_path / ASYNCAPI_FILE).write_text("asyncapi: 3.0.0\n", encoding="utf-8")
    result = runner.invoke(schemas_app, ["check", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert f"differs: {ASYNCAPI_FILE}" in result.output
    assert "pressroom schemas export" in result.output


def _asyncapi_validator(document: dict[str, Any], pointer: str) -> Draft202012Validator:
    """Validates against a schema inside the AsyncAPI document, its `#/components` refs resolved."""
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:asyncapi", resource)
    return Draft202012Validator({"$ref": f"urn:asyncapi#{pointer}"}, registry=registry)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.ce_type())
def test_a_superseded_version_is_announced_deprecated_in_its_schema_and_in_asyncapi(
    model: type[Message],
) -> None:
    superseded = REGISTRY.latest(model.service, model.type_name()) is not model
    assert (model.deprecation is not None) == superseded
    schema = json.loads((SCHEMAS / model.schema_path()).read_bytes())
    assert schema.get("deprecated", False) == superseded
    tags = [tag["name"] for tag in _asyncapi_messages()[model.ce_type()]["tags"]]
    assert ("deprecated" in tags) == superseded


@functools.cache
def _asyncapi_messages() -> dict[str, Any]:
    document = yaml.safe_load((SCHEMAS / ASYNCAPI_FILE).read_text(encoding="utf-8"))
    messages: dict[str, Any] = document["components"]["messages"]
    return messages
