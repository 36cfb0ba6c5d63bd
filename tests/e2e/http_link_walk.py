"""One release walked from creation to publication by the OpenAPI links alone: each request is
built from a link of the gateway's document and the answer before it (ids, ETags, the pending
approval's revision and hash), sent with the role's token and held to the document by
schemathesis. Where the random state machine rarely strings the right steps together, this
shows that the links lead through the whole lifecycle."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from schemathesis import Case, Response
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.e2e.http_fuzz_stateful import StatefulReport

RELEASE = "/v1/releases/{release_id}"
EMBARGO_AHEAD_S = 20  # set, seen scheduled, then lifted by the embargo service's own clock
WAIT_S = 180.0  # approval and publication hear of each step through Kafka, on a loaded machine
Step = tuple[str, str, str]  # (method, path, status) of the answer a link starts from


def evaluate(expression: Any, response: Response) -> Any:
    """A link's runtime expression ($response.body#/pointer, $response.header.Name) or literal."""
    if isinstance(expression, dict):
        return {key: evaluate(value, response) for key, value in expression.items()}
    if not isinstance(expression, str) or not expression.startswith("$response."):
        return expression
    if expression.startswith("$response.header."):
        # schemathesis keeps header names in lower case, each with its list of values.
        found = response.headers.get(expression.removeprefix("$response.header.").lower())
        return found[0] if found else None
    value: Any = response.json()
    for part in expression.split("#/", 1)[1].split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class LinkWalker:
    def __init__(
        self, schema: OpenApiSchema, base_url: str, checks: list[Any], report: StatefulReport
    ) -> None:
        self.schema, self.base_url, self.checks, self.report = schema, base_url, checks, report
        self.document: dict[str, Any] = schema.raw_schema
        self.session = requests.Session()

    def send(self, case: Case[Any], token: str) -> Response:
        headers = {"Authorization": f"Bearer {token}"}
        response: Response = case.call(
            base_url=self.base_url, session=self.session, headers=headers, timeout=60
        )
        label = case.operation.label
        self.report.statuses[response.status_code] += 1
        self.report.operations[label] += 1
        if response.status_code < 300:
            self.report.accepted[label] += 1
        if label == "GET /v1/releases/{release_id}" and response.status_code == 200:
            body = response.json()
            self.report.states.add(str(body.get("status")))
            if embargo := (body.get("embargo") or {}).get("status"):
                self.report.states.add(f"embargo {embargo}")
        try:
            case.validate_response(response, checks=self.checks, headers=headers)
        except FailureGroup as failures:
            self.report.findings.append(f"{label} (link walk): {failures}")
        return response

    def follow(
        self, start: Step, answer: Response, name: str, token: str, body: Any = None
    ) -> Response:
        method, path, status = start
        link = self.document["paths"][path][method]["responses"][status]["links"][name]
        operation = self.schema.find_operation_by_id(link["operationId"])
        values = evaluate(link["parameters"], answer)
        # A link whose expression finds nothing in the answer is broken, not optional.
        missing = sorted(k for k, v in values.items() if v is None)
        assert not missing, f"{name}: {missing} found nothing in the {status} answer"
        headers = {
            k.removeprefix("header."): v for k, v in values.items() if k.startswith("header.")
        }
        path_parameters = {k: v for k, v in values.items() if not k.startswith("header.")}
        kwargs: dict[str, Any] = {"path_parameters": path_parameters, "headers": headers}
        if "requestBody" in link or body is not None:
            kwargs["body"] = evaluate(link.get("requestBody", body), answer)
            kwargs["media_type"] = "application/json"
        self.report.links[name] += 1
        return self.send(operation.Case(**kwargs), token)

    def until(self, start: Step, answer: Response, name: str, token: str, done: Any,
              body: Any = None) -> Response:  # fmt: skip
        """Follows the link again (new requests, same values) until `done(answer)` holds."""
        deadline = time.monotonic() + WAIT_S
        while True:
            response = self.follow(start, answer, name, token, body)
            if done(response):
                return response
            assert time.monotonic() < deadline, f"{name}: {response.status_code} {response.text}"
            time.sleep(0.5)  # a poll's pace, not a wait for something to happen


def status_is(wanted: str, approval: str | None = None) -> Any:
    def done(response: Response) -> bool:
        body = response.json() if response.status_code == 200 else {}
        reached = body.get("status") == wanted
        return reached and (
            approval is None or (body.get("approval") or {}).get("status") == approval
        )

    return done


def walk_to_publication(walker: LinkWalker) -> None:
    """Created, submitted, approved by both stages, published at once."""
    read, shown = walk_to_approval(walker)
    published = walker.until(
        read, shown, "Publish", "dev-carol", lambda r: r.status_code == 200, body={}
    )
    after_publish: Step = ("post", f"{RELEASE}/publish", "200")
    walker.until(after_publish, published, "GetRelease", "dev-alice", status_is("published"))


def walk_through_embargo(walker: LinkWalker) -> None:
    """Created, submitted, approved, embargoed a few seconds ahead, public at its lift."""
    read, shown = walk_to_approval(walker)
    lift_at = (datetime.now(UTC) + timedelta(seconds=EMBARGO_AHEAD_S)).isoformat()
    embargoed = walker.until(
        read, shown, "SetEmbargo", "dev-carol", lambda r: r.status_code == 200,
        body={"lift_at": lift_at},
    )  # fmt: skip
    after_embargo: Step = ("put", f"{RELEASE}/embargo", "200")
    walker.until(after_embargo, embargoed, "GetRelease", "dev-alice", embargo_is("scheduled"))
    walker.until(after_embargo, embargoed, "GetRelease", "dev-alice", status_is("published"))


def embargo_is(wanted: str) -> Any:
    def done(response: Response) -> bool:
        body = response.json() if response.status_code == 200 else {}
        return bool((body.get("embargo") or {}).get("status") == wanted)

    return done


def walk_to_approval(walker: LinkWalker) -> tuple[Step, Response]:
    """A new release walked to `approved`; the read step and the answer that shows it."""
    release = RELEASE
    create = walker.schema.find_operation_by_label("POST /v1/releases")
    assert create is not None
    content: dict[str, Any] = {
        "title": f"Link walk {uuid.uuid4().hex[:8]}",
        "organisations": ["fco"],
    }
    created = walker.send(
        create.Case(body={"content": content}, media_type="application/json"), "dev-alice"
    )
    assert created.status_code == 201, created.text
    start: Step = ("post", "/v1/releases", "201")
    walker.until(start, created, "GetRelease", "dev-alice", status_is("draft"))
    submitted = walker.follow(start, created, "Submit", "dev-alice")
    assert submitted.status_code == 200, submitted.text
    after_submit: Step = ("post", f"{release}/submit", "200")
    pending = walker.until(
        after_submit, submitted, "GetRelease", "dev-alice", status_is("submitted", "pending")
    )
    read: Step = ("get", release, "200")
    assert walker.follow(read, pending, "ApprovePolicy", "dev-erin").status_code == 200
    approved = walker.follow(read, pending, "ApproveLegal", "dev-frank")
    assert approved.status_code == 200, approved.text
    after_approve: Step = ("post", f"{release}/approve", "200")
    shown = walker.until(after_approve, approved, "GetRelease", "dev-alice", status_is("approved"))
    return read, shown
