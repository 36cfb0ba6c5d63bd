"""Bearer tokens: the file format, its errors, and who a token names."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.gateway.auth import DEMO_TOKENS_FILE, TokenFileError, load_tokens, parse_tokens

GOOD = """
tokens:
  "s3cret-alice": {id: alice, roles: [writer], organisation: fco}
  "s3cret-olga": {id: olga, roles: [operator]}
"""


def test_a_token_names_its_principal() -> None:
    principal = parse_tokens(GOOD, "t.yaml").authenticate("s3cret-alice")
    assert principal is not None
    assert (principal.id, principal.roles, principal.organisation) == ("alice", ("writer",), "fco")


def test_a_principal_without_organisation_is_allowed() -> None:
    principal = parse_tokens(GOOD, "t.yaml").authenticate("s3cret-olga")
    assert principal is not None and principal.organisation is None


def test_an_unknown_or_prefix_token_names_nobody() -> None:
    tokens = parse_tokens(GOOD, "t.yaml")
    assert tokens.authenticate("s3cret-alic") is None
    assert tokens.authenticate("") is None


def test_the_principal_becomes_the_command_actor() -> None:
    principal = parse_tokens(GOOD, "t.yaml").authenticate("s3cret-alice")
    assert principal is not None
    actor = principal.actor()
    assert (actor.id, actor.roles, actor.organisation) == ("alice", ["writer"], "fco")


def test_the_demo_tokens_load_and_cover_every_role() -> None:
    tokens = load_tokens(DEMO_TOKENS_FILE)
    roles = {
        role
        for token in ("dev-alice", "dev-carol", "dev-dave", "dev-erin", "dev-frank", "dev-olga")
        for role in (tokens.authenticate(token) or pytest.fail(token)).roles
    }
    assert roles == {
        "writer",
        "press-officer",
        "managing-editor",
        "approver:policy",
        "approver:legal",
        "operator",
    }
    assert DEMO_TOKENS_FILE.name == "demo_tokens.yaml"


def test_a_tokens_file_is_read_from_its_path(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert len(load_tokens(path)) == 2


def test_a_missing_file_is_named_in_the_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(TokenFileError, match=r"nope\.yaml.*cannot be read"):
        load_tokens(missing)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("tokens: [unclosed", "not valid YAML"),
        ("users: {}", "non-empty mapping under 'tokens:'"),
        ("tokens: {}", "non-empty mapping under 'tokens:'"),
        ("- a list", "non-empty mapping under 'tokens:'"),
        ('tokens: {"abc": {id: a}}', "at least 6 printable characters"),
        ('tokens: {"has space": {id: a}}', "without spaces"),
        ('tokens: {"long-enough": {roles: [writer]}}', "id: Field required"),
        ('tokens: {"long-enough": {id: a, roles: [Writer!]}}', "roles.0"),
        ('tokens: {"long-enough": {id: a, colour: red}}', "colour: Extra inputs"),
        ('tokens: {"long-enough": "alice"}', "entry for token"),
    ],
)
def test_a_bad_tokens_file_says_which_file_and_what_is_wrong(text: str, complaint: str) -> None:
    with pytest.raises(TokenFileError) as raised:
        parse_tokens(text, "/etc/pressroom/tokens.yaml")
    assert "/etc/pressroom/tokens.yaml" in str(raised.value)
    assert complaint in str(raised.value)


def test_errors_do_not_print_the_whole_token() -> None:
    with pytest.raises(TokenFileError) as raised:
        parse_tokens('tokens: {"very-secret-token": {roles: []}}', "t.yaml")
    assert "very-secret-token" not in str(raised.value)
