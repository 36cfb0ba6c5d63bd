"""The outbox's header arrays as PostgreSQL's text form (services/kit/eventstore.py): each row's
headers are cast from a literal of their own. The round trip through the real PostgreSQL is in
tests/integration/test_event_store_write.py; these pin the escaping itself."""

from __future__ import annotations

from services.kit.eventstore import bytea_array_literal, text_array_literal


def test_no_headers_is_the_empty_array() -> None:
    assert text_array_literal([]) == "{}"
    assert bytea_array_literal([]) == "{}"


def test_names_are_quoted_with_their_quotes_and_backslashes_escaped() -> None:
    assert text_array_literal(["ce_id", 'a"b', "c\\d", "NULL"]) == (
        '{"ce_id","a\\"b","c\\\\d","NULL"}'
    )


def test_values_are_hex_with_the_backslash_escaped_and_none_is_null() -> None:
    assert bytea_array_literal([b"\x00\xff", b"", None]) == '{"\\\\x00ff","\\\\x",NULL}'
