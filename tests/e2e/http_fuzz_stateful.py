"""Stateful HTTP fuzzing: schemathesis' state machine over the OpenAPI links of the gateway's own
document (services/gateway/openapi_links.py), each request sent with the token of the role whose
step it is (a writer creates, revises and submits; each approver signs their stage; the press
officer embargoes and publishes; the managing editor unpublishes), so whole lifecycles are
reached. Every answer is held to the document; figures and the lifecycle states reached are
kept in a `StatefulReport`."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky, FlakyStrategyDefinition
from schemathesis import Case
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput

# The writer creates, the approvers approve their own stage, the press officer embargoes and
# publishes, the managing editor force-approves and unpublishes; anything else goes round the
# roles (and no token at all), as the stateless fuzzing does.
WRITER, PRESS_OFFICER, EDITOR = "dev-alice", "dev-carol", "dev-dave"
BY_OPERATION = {
    "POST /v1/releases": WRITER,
    "PATCH /v1/releases/{release_id}": WRITER,
    "POST /v1/releases/{release_id}/submit": WRITER,
    "DELETE /v1/releases/{release_id}": WRITER,
    "POST /v1/releases/{release_id}/corrections": WRITER,
    "POST /v1/releases/{release_id}/force-approve": EDITOR,
    "POST /v1/releases/{release_id}/retrospective-approval": "dev-frank",
    "PUT /v1/releases/{release_id}/embargo": PRESS_OFFICER,
    "DELETE /v1/releases/{release_id}/embargo": PRESS_OFFICER,
    "POST /v1/releases/{release_id}/embargo/lift": PRESS_OFFICER,
    "POST /v1/releases/{release_id}/publish": PRESS_OFFICER,
    "POST /v1/releases/{release_id}/withdraw": PRESS_OFFICER,
    "POST /v1/releases/{release_id}/unpublish": EDITOR,
    "POST /v1/subscribers": PRESS_OFFICER,
}
APPROVERS = {"policy": "dev-erin", "legal": "dev-frank"}
ROUND = [None, WRITER, PRESS_OFFICER, EDITOR, "dev-erin", "dev-frank", "dev-olga", "dev-rita"]
REQUEST_TIMEOUT_S = 60.0


@dataclass
class StatefulReport:
    statuses: Counter[int] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    links: Counter[str] = field(default_factory=Counter)  # followed, with their values applied
    accepted: Counter[str] = field(default_factory=Counter)  # 2xx answers per operation
    states: set[str] = field(default_factory=set)  # release statuses seen in GET answers
    findings: list[str] = field(default_factory=list)
    scenarios: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def summary(self) -> str:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return (
            f"{self.requests} requests over {len(self.operations)} operations, {len(self.links)}"
            f" links followed ({sum(self.links.values())} times) in"
            f" {time.monotonic() - self.started:.0f} s; statuses {statuses}; release states"
            f" reached {sorted(self.states)}; accepted {dict(self.accepted)};"
            f" {len(self.findings)} findings"
        )


def token_for(case: Case[Any], turn: int) -> str | None:
    label = case.operation.label
    if label.endswith("/approve") and isinstance(case.body, dict):
        return APPROVERS.get(str(case.body.get("stage")), ROUND[turn % len(ROUND)])
    return BY_OPERATION.get(label, ROUND[turn % len(ROUND)])


def machine(
    base_url: str, hook_url: str, report: StatefulReport, checks: list[Any], steer: Any
) -> Any:
    """The state machine class: steps sent with their role's token, answers checked and counted."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    session = requests.Session()

    class Lifecycles(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            report.scenarios += 1

        def step(self, input: StepInput) -> StepOutput:
            if input.transition is not None and input.is_applied:
                report.links[input.transition.id] += 1
            output: StepOutput = super().step(input)
            return output

        def before_call(self, case: Case[Any]) -> None:
            steer(case.body, hook_url)

        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            token = token_for(case, report.requests)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return {"base_url": base_url, "session": session, "headers": headers,
                    "timeout": REQUEST_TIMEOUT_S}  # fmt: skip

        def after_call(self, response: Any, case: Case[Any]) -> None:
            label = case.operation.label
            report.statuses[response.status_code] += 1
            report.operations[label] += 1
            if response.status_code < 300:
                report.accepted[label] += 1
            if label == "GET /v1/releases/{release_id}" and response.status_code == 200:
                report.states.add(str(response.json().get("status")))

        def validate_response(self, response: Any, case: Case[Any], **kwargs: Any) -> None:
            try:
                case.validate_response(response, checks=checks, headers=kwargs.get("headers"))
            except FailureGroup as failures:
                report.findings.append(f"{case.operation.label}: {failures}")

    return Lifecycles


def run_stateful(
    base_url: str, hook_url: str, scenarios: int, checks: list[Any], steer: Any
) -> StatefulReport:
    """Runs `scenarios` scenarios. The server's state decides which links a scenario can take,
    so Hypothesis may find a replayed prefix drawing differently (FlakyStrategyDefinition): as
    schemathesis' own runner does, the fuzzing then goes on in a fresh session."""
    report = StatefulReport()
    Lifecycles = machine(base_url, hook_url, report, checks, steer)
    for _ in range(scenarios * 3):
        remaining = scenarios - report.scenarios
        if remaining <= 0:
            break
        try:
            Lifecycles.run(settings=_settings(remaining))
        except (FlakyStrategyDefinition, Flaky):
            continue
    return report


def _settings(scenarios: int) -> settings:
    return settings(
        max_examples=scenarios,
        stateful_step_count=25,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
