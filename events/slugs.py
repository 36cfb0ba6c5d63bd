"""The public address of a release: its slug, from its title (lowercase ASCII words joined by
hyphens), and its permanent address. Publication decides them; the projector and the notices to
subscribers build the same addresses from them."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_CHARS = 100
# Letters NFKD does not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "\u0131": "i",
    }
)
# "UK's" reads "uks", not "uk-s"; typographic quotes (U+2018, U+2019) too.
_APOSTROPHES = re.compile("['`\u2018\u2019]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def slug_of(title: str) -> str:
    """Same title, same slug; "" when nothing in it is Latin (see slug_for)."""
    ascii_text = _transliterate(title.lower())
    words = _NOT_WORD.sub("-", _APOSTROPHES.sub("", ascii_text)).strip("-")
    return _shorten(words)


def slug_for(title: str, release_id: str) -> str:
    """A title with no Latin letters or digits (say, all Japanese) falls back to the release id."""
    return slug_of(title) or slug_of(release_id) or "release"


def _transliterate(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _shorten(slug: str) -> str:
    """At most MAX_SLUG_CHARS, cut at a word boundary when there is one: no half words."""
    if len(slug) <= MAX_SLUG_CHARS:
        return slug
    cut = slug[: MAX_SLUG_CHARS + 1]
    boundary = cut.rfind("-")
    return (cut[:boundary] if boundary > 0 else cut[:MAX_SLUG_CHARS]).strip("-")


def permanent_slug(slug: str, release_id: str) -> str:
    """The address that is this release's whatever else is published: its slug with its id.
    The first release published under `slug` is also served at the plain slug (and its
    permanent address redirects there); a later one with the same title is served here."""
    id_words = _NOT_WORD.sub("-", release_id.lower()).strip("-")
    return f"{slug}-{id_words}"
