"""Approval policies: a versioned YAML file naming the stages each organisation's releases pass."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from events.actor import Role
from events.approval import StageName, StagePlan
from events.content import Identifier

DEFAULT_POLICY_FILE = Path(__file__).with_name("policies.yaml")
DEFAULT = "default"

# ISO 8601 durations of fixed length only: years and months vary, so they are not accepted.
_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


class PolicyFileError(ValueError):
    """A policy file that cannot be read or breaks a rule; the message names file and field."""


def parse_deadline(value: Any) -> timedelta:
    """`PT24H`, `P2D`, `PT90M`, … or a number of hours."""
    if isinstance(value, bool):
        raise ValueError("a deadline is an ISO 8601 duration like PT24H, or a number of hours")
    if isinstance(value, int | float):
        duration = timedelta(hours=value)
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value.strip().upper())):
        parts = {unit: int(amount) for unit, amount in match.groupdict(default="0").items()}
        duration = timedelta(**parts)
    else:
        raise ValueError(
            f"{value!r} is not a duration: use ISO 8601 weeks, days, hours, minutes or seconds"
            " (PT24H, P2D, PT1H30M) or a number of hours"
        )
    if duration <= timedelta(0):
        raise ValueError("a deadline must be longer than zero")
    return duration


Deadline = Annotated[timedelta, BeforeValidator(parse_deadline)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageRule(_Strict):
    """One stage as configured: who may sign it, when it runs, how long it may take."""

    name: StageName
    roles: Annotated[list[Role], Field(min_length=1, max_length=10)]
    step: Annotated[int, Field(ge=0)] | None = None
    deadline: Deadline | None = None


class Policy(_Strict):
    """The stages of one organisation's releases: ordered, parallel, or explicit steps."""

    mode: Literal["ordered", "parallel"] | None = None
    stages: Annotated[list[StageRule], Field(min_length=1, max_length=10)]
    one_person_may_fill_several_stages: bool = False

    @model_validator(mode="after")
    def _steps_are_consistent(self) -> Policy:
        names = [stage.name for stage in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must differ: {', '.join(names)}")
        explicit = [stage.step is not None for stage in self.stages]
        if any(explicit) and not all(explicit):
            raise ValueError("give every stage a `step`, or none (then `mode` decides)")
        if all(explicit) and self.mode is not None:
            raise ValueError("give either `mode` or a `step` per stage, not both")
        return self

    def steps(self) -> list[int]:
        """The step of each stage: stages sharing a step run in parallel."""
        if self.mode == "parallel":
            return [0] * len(self.stages)
        if self.mode is None and self.stages[0].step is not None:
            return [stage.step or 0 for stage in self.stages]
        return list(range(len(self.stages)))  # ordered, the default

    def plan(self, now: datetime) -> list[StagePlan]:
        """The stages of a request made at `now`: deadlines count from the request, in UTC."""
        now = now.astimezone(UTC)
        return [
            StagePlan(
                name=stage.name,
                roles=stage.roles,
                step=step,
                deadline_at=None if stage.deadline is None else now + stage.deadline,
            )
            for stage, step in zip(self.stages, self.steps(), strict=True)
        ]


class PolicyFile(_Strict):
    """The whole file: its version, the default policy and the organisations' own."""

    version: Annotated[int, Field(ge=1)]
    default: Policy
    organisations: dict[Identifier, Policy] = {}

    def policy_for(self, organisation: str) -> tuple[str, Policy]:
        """The organisation's own policy if it has one, else the default; with its name."""
        own = self.organisations.get(organisation)
        return (organisation, own) if own is not None else (DEFAULT, self.default)


class Plan(NamedTuple):
    """What a RequestApproval carries from the policy: its label, stages and four-eyes rule."""

    policy: str
    stages: list[StagePlan]
    one_person_may_fill_several_stages: bool


def load_policies(path: str | os.PathLike[str] = DEFAULT_POLICY_FILE) -> PolicyFile:
    """Reads and validates a policy file; any problem raises PolicyFileError naming it."""
    source = Path(path)
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyFileError(f"approval policy file {source}: cannot read it ({error})") from error
    except yaml.YAMLError as error:
        raise PolicyFileError(f"approval policy file {source}: not valid YAML ({error})") from error
    return parse_policies(document, str(source))


def parse_policies(document: Any, source: str) -> PolicyFile:
    """Validates a parsed policy document; `source` names it in error messages."""
    if not isinstance(document, dict):
        raise PolicyFileError(
            f"approval policy file {source}: expected a mapping with `version:` and `default:`"
        )
    try:
        return PolicyFile.model_validate(document)
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'file'}: "
            f"{problem['msg'].removeprefix('Value error, ')}"
            for problem in error.errors()
        )
        raise PolicyFileError(f"approval policy file {source}: {reasons}") from error


def plan_for(
    policy_file: PolicyFile | str | os.PathLike[str], organisation: str, now: datetime
) -> Plan:
    """The plan for a request made at `now` for a release led by `organisation`."""
    if now.utcoffset() is None:
        raise ValueError("`now` must carry a UTC offset")  # deadlines are compared across zones
    policies = policy_file if isinstance(policy_file, PolicyFile) else load_policies(policy_file)
    name, policy = policies.policy_for(organisation)
    return Plan(
        policy=f"{name}@{policies.version}",
        stages=policy.plan(now),
        one_person_may_fill_several_stages=policy.one_person_may_fill_several_stages,
    )
