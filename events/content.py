"""The content of a press release, with the limits every field must respect, and its hash."""

from __future__ import annotations

import hashlib
from typing import Annotated

import orjson
from pydantic import EmailStr, Field, StringConstraints

from events.base import Contract
from events.text import SingleLine, XmlText

# Identifiers: release ids, organisation slugs, people. Lowercase is not forced (UUIDs, slugs).
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SingleLine
]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), SingleLine
]
# BCP 47 language tag, loosely: "en", "en-GB", "cy".
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]

MAX_BODY_CHARS = 100_000
# Multi-line text: tab and line breaks allowed, nothing XML 1.0 cannot carry (events/text.py).
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), XmlText]
Body = Annotated[str, StringConstraints(max_length=MAX_BODY_CHARS), XmlText]
QuoteText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), XmlText
]
NotesToEditors = Annotated[str, StringConstraints(max_length=20_000), XmlText]


class Quote(Contract):
    text: QuoteText
    attribution: ShortText


class PressContact(Contract):
    name: ShortText
    role: ShortText | None = None
    email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9 +()./-]{3,40}$")] | None = None


class ReleaseContent(Contract):
    """Everything a writer edits. `organisations[0]` is the lead organisation."""

    title: Title
    summary: Summary = ""
    body: Body = Field(default="", description="Markdown (CommonMark).")
    quotes: Annotated[list[Quote], Field(max_length=20)] = []
    notes_to_editors: NotesToEditors = ""
    press_contacts: Annotated[list[PressContact], Field(max_length=20)] = []
    organisations: Annotated[
        list[Identifier],
        Field(
            min_length=1,
            max_length=20,
            description="Organisation ids (slugs, e.g. 'fco'). The first, the lead organisation,"
            " is the writer's own: the `organisation` of its principal (docs/auth.md).",
            examples=[["fco"], ["fco", "dfid"]],
        ),
    ]
    people: Annotated[list[ShortText], Field(max_length=50)] = []
    topics: Annotated[list[ShortText], Field(max_length=50)] = []
    locations: Annotated[list[ShortText], Field(max_length=50)] = []
    language: LanguageTag = "en"

    @property
    def lead_organisation(self) -> str:
        return self.organisations[0]


class ContentChanges(Contract):
    """A partial revision: fields absent or null stay as they are (no content field is nullable;
    to empty a text field send ""). Null-as-absent also survives the JSON round trip on Kafka."""

    title: Title | None = None
    summary: Summary | None = None
    body: Body | None = None
    quotes: Annotated[list[Quote], Field(max_length=20)] | None = None
    notes_to_editors: NotesToEditors | None = None
    press_contacts: Annotated[list[PressContact], Field(max_length=20)] | None = None
    organisations: Annotated[list[Identifier], Field(min_length=1, max_length=20)] | None = None
    people: Annotated[list[ShortText], Field(max_length=50)] | None = None
    topics: Annotated[list[ShortText], Field(max_length=50)] | None = None
    locations: Annotated[list[ShortText], Field(max_length=50)] | None = None
    language: LanguageTag | None = None

    def present(self) -> dict[str, object]:
        return self.model_dump(exclude_none=True)

    def apply_to(self, content: ReleaseContent) -> ReleaseContent:
        """Validates the merged result, so a change can never produce invalid content."""
        merged = content.model_dump() | self.model_dump(exclude_none=True)
        return ReleaseContent.model_validate(merged)


def content_hash(content: ReleaseContent) -> str:
    """sha256 over canonical JSON (sorted keys, no spaces, UTF-8): equal content, equal hash,
    anywhere. orjson writes exactly the bytes of `json.dumps(…, sort_keys=True, separators=(",",
    ":"), ensure_ascii=False)` in UTF-8, as every hash stored so far was made, at a fraction of
    the cost: every revision is hashed when it is decided (tests/unit/test_codec_fast_paths.py)."""
    canonical = orjson.dumps(content.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return "sha256:" + hashlib.sha256(canonical).hexdigest()
