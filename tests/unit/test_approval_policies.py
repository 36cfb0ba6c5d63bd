"""Approval policy files: the shipped one, the three ways to order stages, deadlines, bad files."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from events.approval import RequestApproval, StagePlan
from services.approval.policies import (
    DEFAULT_POLICY_FILE,
    PolicyFile,
    PolicyFileError,
    load_policies,
    parse_deadline,
    parse_policies,
    plan_for,
)
from services.gateway.auth import DEMO_TOKENS_FILE
from tests.unit.given_when_then import NOW

DOCS = Path(__file__).parents[2] / "docs" / "approval-policies.md"
SHIPPED = load_policies(DEFAULT_POLICY_FILE)


def policies(**organisations: Any) -> PolicyFile:
    """A policy file with a one-stage default and the given organisations' policies."""
    default = {"stages": [{"name": "policy", "roles": ["approver:policy"]}]}
    return parse_policies({"version": 3, "default": default, "organisations": organisations}, "t")


def stage(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "roles": [f"approver:{name}"], **extra}


def refusal(document: Any, tmp_path: Path) -> str:
    path = tmp_path / "policies.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(PolicyFileError) as refused:
        load_policies(path)
    assert str(path) in str(refused.value)
    return str(refused.value)


# --- the shipped file ------------------------------------------------------------------------


def test_the_shipped_file_loads_at_version_one() -> None:
    assert SHIPPED.version == 1


def test_the_default_policy_is_policy_within_a_day_then_press_office() -> None:
    policy = StagePlan(
        name="policy", roles=["approver:policy"], step=0, deadline_at=NOW + timedelta(hours=24)
    )
    press = StagePlan(name="press-office", roles=["approver:press-office", "press-officer"], step=1)
    assert plan_for(SHIPPED, "some-organisation", NOW) == ("default@1", [policy, press], False)


def test_fco_signs_policy_within_eight_hours_then_legal() -> None:
    label, stages, several = plan_for(SHIPPED, "fco", NOW)
    assert (label, several) == ("fco@1", False)
    assert [(s.name, s.roles, s.step, s.deadline_at) for s in stages] == [
        ("policy", ["approver:policy"], 0, NOW + timedelta(hours=8)),
        ("legal", ["approver:legal"], 1, None),
    ]


def test_the_demo_approvers_hold_the_roles_of_the_fco_stages() -> None:
    tokens = yaml.safe_load(DEMO_TOKENS_FILE.read_text(encoding="utf-8"))["tokens"]
    roles = {entry["id"]: entry["roles"] for entry in tokens.values()}
    policy, legal = plan_for(SHIPPED, "fco", NOW).stages
    assert set(roles["erin"]) & set(policy.roles) and set(roles["frank"]) & set(legal.roles)


def test_the_shipped_file_shows_parallel_stages_and_one_person_filling_several() -> None:
    plans = [plan_for(SHIPPED, name, NOW) for name in SHIPPED.organisations]
    assert any(len({s.step for s in plan.stages}) < len(plan.stages) for plan in plans)
    assert any(plan.one_person_may_fill_several_stages for plan in plans)


@pytest.mark.parametrize("organisation", ["fco", "mod", "ukti", "anyone-else"])
def test_every_shipped_plan_makes_a_valid_request(organisation: str) -> None:
    plan = plan_for(SHIPPED, organisation, NOW)
    RequestApproval(
        release_id="r", actor={"id": "pressroom-approval", "roles": ["system"]}, revision=1,
        content_hash="sha256:" + "0" * 64, organisation=organisation, submitted_by="bob",
        authors=["alice"], stages=plan.stages, policy=plan.policy,
        one_person_may_fill_several_stages=plan.one_person_may_fill_several_stages,
    )  # fmt: skip


def test_the_example_in_the_docs_is_a_valid_policy_file() -> None:
    [example] = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    parse_policies(yaml.safe_load(example), str(DOCS))


# --- choosing and ordering stages ------------------------------------------------------------


def test_an_organisation_without_its_own_policy_gets_the_default() -> None:
    plan = plan_for(policies(fco={"stages": [stage("legal")]}), "dfid", NOW)
    assert (plan.policy, [s.name for s in plan.stages]) == ("default@3", ["policy"])


def test_an_organisations_own_policy_is_labelled_with_its_name_and_the_file_version() -> None:
    assert plan_for(policies(fco={"stages": [stage("legal")]}), "fco", NOW).policy == "fco@3"


def test_ordered_mode_gives_each_stage_its_own_step() -> None:
    file = policies(fco={"mode": "ordered", "stages": [stage("a"), stage("b"), stage("c")]})
    assert [s.step for s in plan_for(file, "fco", NOW).stages] == [0, 1, 2]


def test_stages_are_ordered_when_no_mode_is_given() -> None:
    file = policies(fco={"stages": [stage("a"), stage("b")]})
    assert [s.step for s in plan_for(file, "fco", NOW).stages] == [0, 1]


def test_parallel_mode_puts_every_stage_in_step_zero() -> None:
    file = policies(fco={"mode": "parallel", "stages": [stage("a"), stage("b"), stage("c")]})
    assert [s.step for s in plan_for(file, "fco", NOW).stages] == [0, 0, 0]


def test_explicit_steps_are_kept_as_written() -> None:
    stages = [stage("a", step=0), stage("b", step=0), stage("c", step=2)]
    assert [s.step for s in plan_for(policies(fco={"stages": stages}), "fco", NOW).stages] == [
        0, 0, 2
    ]  # fmt: skip


def test_one_person_may_fill_several_stages_only_where_the_policy_says_so() -> None:
    file = policies(fco={"stages": [stage("a")], "one_person_may_fill_several_stages": True})
    assert plan_for(file, "fco", NOW).one_person_may_fill_several_stages
    assert not plan_for(file, "other", NOW).one_person_may_fill_several_stages


def test_plan_for_also_reads_a_policy_file_from_its_path() -> None:
    assert plan_for(DEFAULT_POLICY_FILE, "fco", NOW) == plan_for(SHIPPED, "fco", NOW)


# --- deadlines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "duration"),
    [
        ("PT24H", timedelta(hours=24)),
        ("pt8h", timedelta(hours=8)),
        ("P1D", timedelta(days=1)),
        ("P1W", timedelta(weeks=1)),
        ("PT90M", timedelta(minutes=90)),
        ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
        ("PT45S", timedelta(seconds=45)),
        (8, timedelta(hours=8)),
        (1.5, timedelta(minutes=90)),
    ],
)
def test_a_deadline_is_an_iso_8601_duration_or_a_number_of_hours(
    written: str | float, duration: timedelta
) -> None:
    assert parse_deadline(written) == duration


@pytest.mark.parametrize("written", ["P1M", "P1Y", "24h", "PT", "P", "PT0H", 0, -2, True, "soon"])
def test_a_deadline_that_is_not_a_fixed_positive_duration_is_refused(written: Any) -> None:
    with pytest.raises(ValueError, match=r"duration|longer than zero"):
        parse_deadline(written)


def test_deadlines_count_from_the_request_and_are_stored_in_utc() -> None:
    tokyo = NOW.astimezone(timezone(timedelta(hours=9)))
    file = policies(fco={"stages": [stage("a", deadline="PT8H")]})
    [planned] = plan_for(file, "fco", tokyo).stages
    assert planned.deadline_at == NOW + timedelta(hours=8)
    assert planned.deadline_at is not None and planned.deadline_at.tzinfo is UTC


def test_a_stage_without_a_deadline_has_none() -> None:
    assert plan_for(policies(), "fco", NOW).stages[0].deadline_at is None


def test_a_plan_needs_a_time_with_an_offset() -> None:
    with pytest.raises(ValueError, match="offset"):
        plan_for(SHIPPED, "fco", datetime(2025, 3, 14, 9, 30))


# --- bad files -------------------------------------------------------------------------------


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match=r"nowhere\.yaml: cannot read"):
        load_policies(tmp_path / "nowhere.yaml")


def test_a_file_that_is_not_yaml_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("version: 1\ndefault: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyFileError, match=r"broken\.yaml: not valid YAML"):
        load_policies(path)


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    assert "expected a mapping" in refusal(["version", 1], tmp_path)


def test_a_file_without_a_version_is_refused_naming_the_field(tmp_path: Path) -> None:
    assert "version: Field required" in refusal({"default": {"stages": [stage("a")]}}, tmp_path)


def test_a_stage_without_roles_is_refused_naming_the_field(tmp_path: Path) -> None:
    document = {"version": 1, "default": {"stages": [stage("a")]},
                "organisations": {"fco": {"stages": [{"name": "legal", "roles": []}]}}}  # fmt: skip
    assert "organisations.fco.stages.0.roles" in refusal(document, tmp_path)


def test_a_misspelt_key_is_refused_naming_it(tmp_path: Path) -> None:
    document = {"version": 1, "default": {"stages": [stage("a", deadlines="PT8H")]}}
    assert "default.stages.0.deadlines: Extra inputs are not permitted" in refusal(
        document, tmp_path
    )


def test_a_bad_deadline_is_refused_naming_the_stage(tmp_path: Path) -> None:
    document = {"version": 1, "default": {"stages": [stage("a", deadline="P1M")]}}
    assert "default.stages.0.deadline" in refusal(document, tmp_path)


def test_a_malformed_role_is_refused(tmp_path: Path) -> None:
    document = {"version": 1, "default": {"stages": [{"name": "a", "roles": ["Approver Legal"]}]}}
    assert "default.stages.0.roles.0" in refusal(document, tmp_path)


def test_two_stages_of_the_same_name_are_refused(tmp_path: Path) -> None:
    document = {"version": 1, "default": {"stages": [stage("a"), stage("a")]}}
    assert "stage names must differ" in refusal(document, tmp_path)


def test_a_mode_and_explicit_steps_together_are_refused(tmp_path: Path) -> None:
    document = {"version": 1, "default": {"mode": "parallel", "stages": [stage("a", step=0)]}}
    assert "either `mode` or a `step`" in refusal(document, tmp_path)


def test_steps_on_some_stages_only_are_refused(tmp_path: Path) -> None:
    document = {"version": 1, "default": {"stages": [stage("a", step=0), stage("b")]}}
    assert "every stage a `step`, or none" in refusal(document, tmp_path)


def test_an_unknown_mode_is_refused(tmp_path: Path) -> None:
    document = {"version": 1, "default": {"mode": "random", "stages": [stage("a")]}}
    assert "default.mode" in refusal(document, tmp_path)
