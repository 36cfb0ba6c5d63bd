"""The characters, the content and the command ids the example story shares: every part of the
story (examples_drafting, _approval, _embargo, _publication) starts from here."""

from __future__ import annotations

from datetime import UTC, datetime

from events.actor import Actor
from events.content import ContentChanges, ReleaseContent
from events.envelope import deterministic_id

RELEASE_ID = "2016-01-08-uk-japan-security"
DISCARDED_ID = "2016-01-08-uk-japan-draft-2"
START = datetime(2016, 1, 8, 7, 0, tzinfo=UTC)
WRITER = Actor(id="h.jones", roles=["writer"], organisation="fco")
PRESS_OFFICER = Actor(id="s.patel", roles=["press-officer"], organisation="fco")

CONTENT = ReleaseContent(
    title="Foreign Secretary visits Japan to strengthen security cooperation",
    summary="Talks in Tokyo on deepening the UK-Japan security and defence partnership.",
    body="Foreign Secretary Philip Hammond has arrived in Tokyo for important talks.",
    organisations=["fco"],
    people=["Philip Hammond", "Fumio Kishida"],
    locations=["Tokyo"],
    language="en-GB",
)
CHANGES = ContentChanges(topics=["Defence and armed forces", "Foreign affairs"])
REVISED = CHANGES.apply_to(CONTENT)
# The ids a gateway would give four commands; event ids derive from them, as in the services.
CREATE, REVISE, SUBMIT, DISCARD = (deterministic_id("example", str(n)) for n in range(1, 5))
