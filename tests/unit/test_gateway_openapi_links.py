"""The OpenAPI document's links (issue 12): a client, and schemathesis' stateful fuzzing, can go
from a created release through its whole lifecycle with the values each answer gives."""

from __future__ import annotations

from typing import Any

from services.gateway.app import create_app
from services.kit.settings import Settings
from tests.fakes.command_bus import FakeCommandBus
from tests.fakes.read_model import FakeReadModel
from tests.unit.test_gateway_routes import accept

SETTINGS = Settings(demo_tokens=True)


def document() -> dict[str, Any]:
    app = create_app(SETTINGS, bus=FakeCommandBus(respond=accept), reads=FakeReadModel())
    return app.openapi()


def links_of(doc: dict[str, Any], method: str, path: str, status: str) -> dict[str, Any]:
    links: dict[str, Any] = doc["paths"][path][method]["responses"][status]["links"]
    return links


def test_every_link_names_an_operation_of_the_document() -> None:
    doc = document()
    operation_ids = {op["operationId"] for item in doc["paths"].values() for op in item.values()}
    linked = [
        link["operationId"]
        for item in doc["paths"].values()
        for operation in item.values()
        for response in operation["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(linked) >= 35 and set(linked) <= operation_ids


def test_a_release_leads_from_creation_to_approval_and_publication() -> None:
    doc = document()
    created = links_of(doc, "post", "/v1/releases", "201")
    assert created["Submit"]["parameters"]["header.if-match"] == "$response.header.ETag"
    read = links_of(doc, "get", "/v1/releases/{release_id}", "200")
    approve = read["ApprovePolicy"]["requestBody"]
    assert approve == {
        "stage": "policy",
        "revision": "$response.body#/approval/revision",
        "content_hash": "$response.body#/approval/content_hash",
    }
    assert {"ApproveLegal", "SetEmbargo", "Publish", "Withdraw", "Unpublish"} <= set(read)
    published = links_of(doc, "post", "/v1/releases/{release_id}/publish", "200")
    assert published["GetRelease"]["parameters"]["release_id"] == "$response.body#/release_id"
