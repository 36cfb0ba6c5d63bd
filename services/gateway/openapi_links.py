"""OpenAPI links: how one answer leads to the next request of a release's lifecycle (create →
revise → submit → approve → embargo or publish → correct, withdraw, unpublish), so a client, and
schemathesis' stateful fuzzing, can follow them with the ids, ETags and approval details of real
answers instead of guessing them (docs/http-api.md)."""

from __future__ import annotations

from typing import Any

RELEASE = "/v1/releases/{release_id}"
CREATED_ID = {"release_id": "$response.body#/release_id"}
# What a write's answer gives the next request: its release, and the version it reached.
AFTER_WRITE = {**CREATED_ID, "header.Pressroom-Read-After": "$response.header.Pressroom-Read-After"}
AFTER_DRAFTING_WRITE = {**CREATED_ID, "header.if-match": "$response.header.ETag"}


def approve(stage: str) -> dict[str, Any]:
    """Approve the revision the release shows pending, as it shows it (what an approver read)."""
    body = {
        "stage": stage,
        "revision": "$response.body#/approval/revision",
        "content_hash": "$response.body#/approval/content_hash",
    }
    return {
        "operation": ("post", f"{RELEASE}/approve"),
        "parameters": CREATED_ID,
        "requestBody": body,
    }


def to(method: str, path: str, parameters: dict[str, str]) -> dict[str, Any]:
    return {"operation": (method, path), "parameters": parameters}


# From a release as it reads: every command on it, its history and its embargoed copy.
FROM_RELEASE: dict[str, dict[str, Any]] = {
    "Submit": to(
        "post", f"{RELEASE}/submit", {**CREATED_ID, "header.if-match": "$response.header.ETag"}
    ),
    "ApprovePolicy": approve("policy"),
    "ApproveLegal": approve("legal"),
    "Reject": to("post", f"{RELEASE}/reject", CREATED_ID),
    "ForceApprove": to("post", f"{RELEASE}/force-approve", CREATED_ID),
    "RetrospectivelyApprove": to("post", f"{RELEASE}/retrospective-approval", CREATED_ID),
    "SetEmbargo": to("put", f"{RELEASE}/embargo", CREATED_ID),
    "CancelEmbargo": to("delete", f"{RELEASE}/embargo", CREATED_ID),
    "LiftEmbargoEarly": to("post", f"{RELEASE}/embargo/lift", CREATED_ID),
    "Publish": to("post", f"{RELEASE}/publish", CREATED_ID),
    "Withdraw": to("post", f"{RELEASE}/withdraw", CREATED_ID),
    "Unpublish": to("post", f"{RELEASE}/unpublish", CREATED_ID),
    "StartCorrection": to("post", f"{RELEASE}/corrections", CREATED_ID),
    "History": to("get", f"{RELEASE}/history", CREATED_ID),
    "EmbargoedCopy": to("get", "/v1/embargoed/{release_id}", CREATED_ID),
}
READ_IT = {"GetRelease": to("get", RELEASE, AFTER_WRITE)}
DRAFTING_NEXT = {
    **READ_IT,
    "Revise": to("patch", RELEASE, AFTER_DRAFTING_WRITE),
    "Submit": to("post", f"{RELEASE}/submit", AFTER_DRAFTING_WRITE),
    "Discard": to("delete", RELEASE, AFTER_DRAFTING_WRITE),
}
SUBSCRIBER = "/v1/subscribers/{subscriber_id}"
SUBSCRIBER_ID = {"subscriber_id": "$response.body#/subscriber_id"}
RELEASE_COMMANDS = (
    "submit", "approve", "reject", "force-approve", "retrospective-approval", "embargo/lift",
    "publish", "withdraw", "unpublish", "corrections",
)  # fmt: skip
# (method, path, status) of an answer → its links, by name.
LINKS: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {
    ("post", "/v1/releases", "201"): DRAFTING_NEXT,
    ("patch", RELEASE, "200"): DRAFTING_NEXT,
    ("get", RELEASE, "200"): FROM_RELEASE,
    ("put", f"{RELEASE}/embargo", "200"): READ_IT,
    ("delete", f"{RELEASE}/embargo", "200"): READ_IT,
    **{("post", f"{RELEASE}/{command}", "200"): READ_IT for command in RELEASE_COMMANDS},
    ("post", "/v1/subscribers", "201"): {
        "GetSubscriber": to("get", SUBSCRIBER, SUBSCRIBER_ID),
        "Redeliver": to("post", f"{SUBSCRIBER}/redeliver", SUBSCRIBER_ID),
        "RemoveSubscriber": to("delete", SUBSCRIBER, SUBSCRIBER_ID),
    },
}


def with_links(document: dict[str, Any]) -> dict[str, Any]:
    """The document with LINKS on its answers, each naming its target by operationId."""
    paths = document["paths"]
    for (method, path, status), links in LINKS.items():
        response = paths[path][method]["responses"][status]
        response["links"] = {name: _link(paths, link) for name, link in links.items()}
    return document


def _link(paths: dict[str, Any], link: dict[str, Any]) -> dict[str, Any]:
    method, path = link["operation"]
    resolved = {"operationId": paths[path][method]["operationId"], "parameters": link["parameters"]}
    if "requestBody" in link:
        resolved["requestBody"] = link["requestBody"]
    return resolved
