"""`pressroom projections drop-old`: the tables a swap replaced, and shadows nobody will swap."""

from __future__ import annotations

from operator_tools.errors import OpsError
from operator_tools.schemas import drop_schema, ensure_ops
from operator_tools.shadows import Shadow, all_shadows, set_state
from services.kit.db import Connection


async def drop_old(conn: Connection, name: str | None = None) -> list[str]:
    """Every old schema (or only `name`: an old schema or an unswapped shadow); the schemas
    dropped. A swapped shadow's leftover (its offsets) goes with its old schema."""
    await ensure_ops(conn)
    doomed = [s for s in await all_shadows(conn) if _matches(s, name)]
    if name is not None and not doomed:
        raise OpsError(f"no old schema or shadow named {name!r}; see pressroom projections status")
    dropped: list[str] = []
    for shadow in doomed:
        schemas = (
            [shadow.schema] if shadow.old_schema is None else [shadow.old_schema, shadow.schema]
        )
        async with conn.transaction():
            for schema in schemas:
                await drop_schema(conn, schema)
            await set_state(conn, shadow.schema, "dropped")
        dropped += schemas
    return dropped


def _matches(shadow: Shadow, name: str | None) -> bool:
    if shadow.state == "dropped":
        return False
    if name is None:
        return shadow.state == "swapped"
    return name in (shadow.schema, shadow.old_schema) and shadow.state != "building"
