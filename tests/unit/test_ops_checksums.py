"""Verify's comparison: a checksum independent of row order, and the keys that differ, named."""

from __future__ import annotations

from operator_tools.checksums import TableDigest, compare


def test_the_checksum_ignores_row_order() -> None:
    assert TableDigest({"a": "1", "b": "2"}).checksum == TableDigest({"b": "2", "a": "1"}).checksum


def test_names_missing_unexpected_and_changed_keys() -> None:
    target = TableDigest({"r1": "x", "r2": "y", "extra": "z"})
    fresh = TableDigest({"r1": "x", "r2": "changed", "lost": "w"})
    result = compare("releases", target, fresh)
    assert not result.equal
    assert (result.missing.examples, result.unexpected.examples) == (["lost"], ["extra"])
    assert (result.changed.count, result.changed.examples) == (1, ["r2"])


def test_equal_tables_have_no_differences() -> None:
    same = TableDigest({"r1": "x"})
    result = compare("releases", same, TableDigest({"r1": "x"}))
    assert result.equal and result.missing.count == result.changed.count == 0
