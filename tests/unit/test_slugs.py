"""The public slug: lowercase ASCII words and hyphens, at most 100 characters, stable per title."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from events.slugs import MAX_SLUG_CHARS, slug_for, slug_of

SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def test_the_fixture_title_becomes_lowercase_words_joined_by_hyphens() -> None:
    title = "Foreign Secretary visits Japan to strengthen security cooperation"
    assert slug_of(title) == "foreign-secretary-visits-japan-to-strengthen-security-cooperation"


def test_accents_are_transliterated_not_dropped() -> None:
    assert slug_of("Café crème à Zürich: São Paulo") == "cafe-creme-a-zurich-sao-paulo"


def test_letters_without_a_decomposition_are_spelt_out() -> None:
    assert slug_of("Straße, Ærø, Łódź, Œuvre") == "strasse-aero-lodz-oeuvre"


def test_apostrophes_join_and_punctuation_separates() -> None:
    assert slug_of("UK\u2019s £2bn deal — Japan's reply (2016)") == "uks-2bn-deal-japans-reply-2016"


def test_a_long_title_is_cut_at_a_word_boundary_within_100_characters() -> None:
    slug = slug_of("security " * 30)
    assert len(slug) <= MAX_SLUG_CHARS and not slug.endswith("-")
    assert slug.split("-") == ["security"] * len(slug.split("-"))


def test_one_long_word_is_cut_at_100_characters() -> None:
    assert slug_of("a" * 150) == "a" * MAX_SLUG_CHARS


def test_a_title_with_nothing_latin_falls_back_to_the_release_id() -> None:
    assert slug_of("日英外相会談") == ""
    assert slug_for("日英外相会談", "2016-01-08-UK-Japan") == "2016-01-08-uk-japan"
    assert slug_for("日英外相会談", "日本") == "release"


@given(st.text(max_size=400))
def test_any_title_gives_a_well_formed_slug_and_the_same_one_every_time(title: str) -> None:
    slug = slug_for(title, "release-1")
    assert slug == slug_for(title, "release-1")
    assert 0 < len(slug) <= MAX_SLUG_CHARS and set(slug) <= SLUG_CHARS
    assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug
