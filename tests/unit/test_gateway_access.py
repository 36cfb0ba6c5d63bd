"""Who may read a release, its approval and an inbox row: pure checks over read-model rows."""

from __future__ import annotations

from typing import Any

import pytest

from services.gateway.access import (
    board_organisation,
    can_read,
    can_see_inbox_item,
    is_pending_stage_approver,
)
from services.gateway.auth import Principal

STAGES = [
    {"name": "policy", "roles": ["approver:policy"], "step": 0, "state": "approved"},
    {"name": "legal", "roles": ["approver:legal", "press-officer"], "step": 1, "state": "pending"},
]


def person(pid: str, *roles: str, organisation: str | None = "fco") -> Principal:
    return Principal(id=pid, roles=roles, organisation=organisation)


def release(approval_status: str = "pending", **extra: Any) -> dict[str, Any]:
    return {
        "release_id": "r1",
        "lead_organisation": "fco",
        "organisations": ["fco", "mod"],
        "collaborators": ["colin"],
        "created_by": "alice",
        "approval_status": approval_status,
        "approval_stages": STAGES,
        **extra,
    }


@pytest.mark.parametrize(
    "reader",
    [
        person("bob", "writer"),  # a member of the lead organisation
        person("mona", "writer", organisation="mod"),  # a member of a partner organisation
        person("colin", "writer", organisation="cabinet-office"),  # a named collaborator
        person("alice", "writer", organisation=None),  # its creator, whatever her organisation
    ],
)
def test_members_collaborators_and_the_creator_may_read(reader: Principal) -> None:
    assert can_read(reader, release("none"))


@pytest.mark.parametrize(
    "stranger",
    [
        person("sam", "writer", organisation="dfid"),
        person("lena", "approver:legal", organisation="dfid"),  # the role, not the organisation
        person("rita", "recipient", organisation=None),
    ],
)
def test_anyone_else_may_not_read(stranger: Principal) -> None:
    assert not can_read(stranger, release())


def test_a_stage_approver_is_one_holding_a_stage_role_in_the_lead_organisation() -> None:
    assert is_pending_stage_approver(person("frank", "approver:legal"), release())
    assert is_pending_stage_approver(person("carol", "press-officer"), release())
    assert not is_pending_stage_approver(person("bob", "writer"), release())
    assert not is_pending_stage_approver(
        person("mona", "approver:legal", organisation="mod"), release()
    )


@pytest.mark.parametrize("closed", ["none", "approved", "rejected", "invalidated"])
def test_approvers_of_a_closed_request_are_approvers_no_more(closed: str) -> None:
    assert not is_pending_stage_approver(person("frank", "approver:legal"), release(closed))


def test_a_placeholder_without_a_lead_organisation_is_nobody_s() -> None:
    placeholder = release(lead_organisation="", organisations=[], collaborators=[], created_by="")
    assert not can_read(person("frank", "approver:legal", organisation=""), placeholder)


def test_an_inbox_row_is_for_its_roles_in_its_organisation() -> None:
    row = {"lead_organisation": "fco", "roles": ["approver:legal"], "stage": "legal"}

    assert can_see_inbox_item(person("frank", "approver:legal"), row)
    assert not can_see_inbox_item(person("erin", "approver:policy"), row)
    assert not can_see_inbox_item(person("lena", "approver:legal", organisation="dfid"), row)


def test_the_board_defaults_to_the_callers_organisation() -> None:
    assert board_organisation(person("bob", "writer"), None) == "fco"
    assert board_organisation(person("bob", "writer"), "mod") == "mod"
