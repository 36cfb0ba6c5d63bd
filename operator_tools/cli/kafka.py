"""`pressroom kafka acls [--apply]`: the ACLs each Pressroom principal needs; then create them."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from operator_tools.cli.common import err, fail, out
from operator_tools.errors import OpsError
from operator_tools.kafka_acl_admin import apply_grants
from operator_tools.kafka_acls import acl_plan
from services.kit.settings import Settings, invalid_settings

kafka_app = typer.Typer(help="Kafka access: the ACLs of Pressroom's principals.")
ApplyOption = Annotated[
    bool, typer.Option("--apply", help="Create them (as an admin principal), not only list them.")
]
PrefixOption = Annotated[
    str, typer.Option("--prefix", help="Principals are User:<prefix>gateway, …-drafting, …")
]
BotOption = Annotated[
    list[str] | None, typer.Option("--bot", help="A bot's name: User:bot-<name> (repeatable).")
]


@kafka_app.command("acls")
def acls(
    apply: ApplyOption = False, prefix: PrefixOption = "pressroom-", bot: BotOption = None
) -> None:
    """List the ACLs docs/security.md describes, one per line; with --apply, create them on the
    cluster of the PRESSROOM_KAFKA_* settings (the broker needs an authorizer)."""
    grants = acl_plan(prefix, bot or [])
    for grant in grants:
        out.print(grant.line(), highlight=False)
    if not apply:
        return
    try:
        apply_grants(Settings(), grants)
    except ValidationError as error:
        raise fail(invalid_settings(error)) from None
    except OpsError as error:
        raise fail(str(error)) from None
    err.print(f"{len(grants)} ACLs in place.")
