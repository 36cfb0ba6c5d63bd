"""Reads a press release copied as plain text from a GOV.UK page into ReleaseContent."""

from __future__ import annotations

import re
from importlib import resources

from events.content import Quote, ReleaseContent

SAMPLE_FILE = "press-release-uk-japan-2016.txt"
# Page chrome that copy-and-paste drags along: editor prompts, and navigation labels glued to
# the end of a paragraph (no space after the full stop).
PROMPT_LINE = re.compile(r"^Select .*:$")
GLUED_LABELS = ("Government Opportunities",)
POSTED_ON = re.compile(r"^Posted On:\s*(?P<date>.+)$")
SAID = re.compile(r"^(?P<who>.+) said:$")


def sample_text() -> str:
    return resources.files("dev_tools.demo.data").joinpath(SAMPLE_FILE).read_text("utf-8")


def paragraphs(text: str) -> list[str]:
    """Non-empty lines, prompts dropped, glued labels cut off."""
    kept = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or PROMPT_LINE.match(line):
            continue
        for label in GLUED_LABELS:
            if line.endswith("." + label):
                line = line[: -len(label)]
        kept.append(line)
    return kept


def parse_release(text: str, organisation: str) -> ReleaseContent:
    """Title, a `Posted On` line, a lead paragraph, then the body with one attributed quote."""
    title, *rest = paragraphs(text)
    rest = [p for p in rest if not POSTED_ON.match(p)]
    quotes, body = _split_quote(rest[1:])
    return ReleaseContent(
        title=title,
        summary=rest[0],
        body="\n\n".join(body),
        quotes=quotes,
        organisations=[organisation],
        language="en",
    )


def _split_quote(lines: list[str]) -> tuple[list[Quote], list[str]]:
    """The paragraphs between “ and ” after '<who> said:' form one quote, kept in the body too."""
    for index, line in enumerate(lines):
        said = SAID.match(line)
        if said and index + 1 < len(lines) and lines[index + 1].startswith("“"):
            closing = (i for i in range(index + 1, len(lines)) if lines[i].endswith("”"))
            end = next(closing, len(lines) - 1)  # an unclosed quote runs to the end
            quoted = "\n\n".join(lines[index + 1 : end + 1]).strip("“”")
            body = [
                *lines[: index + 1],
                *(f"> {p.strip('“”')}" for p in lines[index + 1 : end + 1]),
            ]
            return [Quote(text=quoted, attribution=said["who"])], [*body, *lines[end + 1 :]]
    return [], lines
