"""The contract's models: immutable, strict, versioned; and the limits of release content."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Literal, get_args, get_origin

import pytest
from pydantic import ValidationError

from events.base import Message
from events.catalog import REGISTRY
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import DraftCreated, DraftRevised, DraftRevisedV1
from events.envelope import Envelope, deterministic_id
from events.registry import TypeName, UnknownType
from events.schemas.examples import CONTENT, examples

MODELS = list(REGISTRY.all_models())
EXAMPLES = examples()


def _sample(model: type[Message]) -> Message:
    return EXAMPLES[model.ce_type()].data


def test_every_registered_model_has_an_example_to_test_and_document_it() -> None:
    assert set(EXAMPLES) == {model.ce_type() for model in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.ce_type())
def test_every_model_is_frozen(model: type[Message]) -> None:
    message = _sample(model)
    assert model.model_config.get("frozen") is True
    with pytest.raises(ValidationError, match="frozen"):
        message.type = "Other"  # type: ignore[misc]


COMMANDS = [model for model in MODELS if model.kind == "command"]
WRITTEN_BY_PRESSROOM = [model for model in MODELS if model.kind != "command"]


@pytest.mark.parametrize("model", COMMANDS, ids=lambda m: m.ce_type())
def test_every_command_refuses_unknown_fields(model: type[Message]) -> None:
    assert model.model_config.get("extra") == "forbid"
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        model.model_validate({**_sample(model).data(), "surprise": True})


@pytest.mark.parametrize("model", WRITTEN_BY_PRESSROOM, ids=lambda m: m.ce_type())
def test_every_event_and_reply_ignores_unknown_top_level_fields(model: type[Message]) -> None:
    # A consumer on an older contract must read a version that gained an optional field.
    assert model.model_validate({**_sample(model).data(), "surprise": True}) == _sample(model)
    assert "additionalProperties" not in model.model_json_schema()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.ce_type())
def test_every_model_has_a_literal_type_and_an_integer_version(model: type[Message]) -> None:
    type_annotation = model.model_fields["type"].annotation
    version_annotation = model.model_fields["version"].annotation
    assert get_origin(type_annotation) is Literal
    assert get_args(type_annotation) == (model.type_name(),)
    assert get_origin(version_annotation) is Literal
    assert get_args(version_annotation) == (model.type_version(),)
    assert isinstance(model.type_version(), int)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.ce_type())
def test_ce_type_schema_path_and_dataschema_name_the_same_version(model: type[Message]) -> None:
    name = TypeName.parse(model.ce_type())
    assert (name.service, name.name, name.version) == (
        model.service,
        model.type_name(),
        model.type_version(),
    )
    assert model.schema_path() == f"{model.service}/{model.type_name()}.v{name.version}.json"
    assert model.dataschema() == f"urn:pressroom:schemas:{model.schema_path()}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.ce_type())
def test_every_model_reads_back_what_it_dumps(model: type[Message]) -> None:
    message = _sample(model)
    assert model.model_validate(message.data()) == message


def test_release_content_refuses_a_title_over_300_characters() -> None:
    with pytest.raises(ValidationError, match="at most 300 characters"):
        ReleaseContent(title="x" * 301, organisations=["fco"])
    assert len(ReleaseContent(title="x" * 300, organisations=["fco"]).title) == 300


def test_release_content_refuses_empty_organisations() -> None:
    with pytest.raises(ValidationError, match="at least 1 item"):
        ReleaseContent(title="A title", organisations=[])


def test_release_content_refuses_a_blank_title() -> None:
    with pytest.raises(ValidationError, match="at least 1 character"):
        ReleaseContent(title="   ", organisations=["fco"])


def test_events_refuse_content_beyond_the_limits() -> None:
    created = _sample(DraftCreated).data()
    too_long = {**created, "content": {**created["content"], "title": "x" * 301}}
    no_organisation = {**created, "content": {**created["content"], "organisations": []}}
    for data in (too_long, no_organisation):
        with pytest.raises(ValidationError):
            DraftCreated.model_validate(data)


def test_a_content_change_can_never_produce_invalid_content() -> None:
    with pytest.raises(ValidationError):
        ContentChanges(organisations=[])
    with pytest.raises(ValidationError):
        ContentChanges(title="x" * 301)
    assert ContentChanges(title="New").apply_to(CONTENT).organisations == CONTENT.organisations


def test_equal_content_has_equal_hashes_and_a_change_changes_the_hash() -> None:
    same = ReleaseContent.model_validate(CONTENT.model_dump())
    assert content_hash(same) == content_hash(CONTENT)
    assert content_hash(ContentChanges(title="Other").apply_to(CONTENT)) != content_hash(CONTENT)
    assert content_hash(CONTENT).startswith("sha256:")


def test_registry_raises_a_draft_revised_v1_to_v2_with_the_content_hash() -> None:
    old = _sample(DraftRevisedV1)
    read = REGISTRY.read(old.ce_type(), old.data())
    assert isinstance(read, DraftRevised)
    assert read.version == 2
    assert read.content == old.content  # type: ignore[attr-defined]
    assert read.content_hash == content_hash(old.content)  # type: ignore[attr-defined]
    assert read.changed_fields == []


def test_registry_refuses_types_it_does_not_know() -> None:
    for ce_type in ("pressroom.drafting.DraftRevised.v9", "com.example.Thing", "pressroom.x.Y.v1"):
        with pytest.raises(UnknownType):
            REGISTRY.read(ce_type, {})


def test_registry_reads_every_type_as_its_latest_version() -> None:
    assert REGISTRY.latest("drafting", "DraftRevised") is DraftRevised


def test_envelope_refuses_naive_times_and_stores_utc() -> None:
    example = EXAMPLES[DraftCreated.ce_type()]
    fields = example.model_dump() | {"data": example.data}
    with pytest.raises(ValidationError, match="timezone"):
        Envelope[Message](**(fields | {"time": datetime(2016, 1, 8, 9, 0)}))
    tokyo = datetime(2016, 1, 8, 18, 0, tzinfo=timezone(timedelta(hours=9)))
    stored = Envelope[Message](**(fields | {"time": tokyo}))
    assert stored.time == tokyo and stored.time.tzinfo == UTC


def test_event_ids_derived_from_the_same_command_and_position_are_equal() -> None:
    assert deterministic_id("cmd", "1") == deterministic_id("cmd", "1")
    assert deterministic_id("cmd", "1") != deterministic_id("cmd", "2")
