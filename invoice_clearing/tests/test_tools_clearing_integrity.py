"""Fingerprints and chain walking: pure functions, no database."""

import hashlib

from ..tools import clearing_integrity as ci
from .tools_case import ToolsCase


def digest(text):
    return hashlib.sha256(text.encode()).digest()


class TestClearingIntegrity(ToolsCase):
    """Fingerprints and chain walking."""

    def test_pack_roundtrip_and_size(self):
        rows = [(7, digest("b")), (3, digest("a"))]
        data = ci.pack_fingerprints(rows)
        assert len(data) == 24
        assert ci.unpack_fingerprints(data) == {3: digest("a")[:8], 7: digest("b")[:8]}

    def test_unpack_truncated_raises(self):
        with self.assertRaises(ValueError):
            ci.unpack_fingerprints(b"\x00" * 13)

    def test_unpack_empty(self):
        assert ci.unpack_fingerprints(None) == {}

    def test_compare_names_changed_removed_added(self):
        stored = {1: b"a" * 8, 2: b"b" * 8, 3: b"c" * 8}
        current = {1: b"a" * 8, 2: b"X" * 8, 4: b"d" * 8}
        assert ci.compare_fingerprints(stored, current) == ([2], [3], [4])

    def test_compare_identical(self):
        same = {1: b"a" * 8}
        assert ci.compare_fingerprints(same, dict(same)) == ([], [], [])

    def test_chain_breaks(self):
        entries = [
            {"name": "A", "hash": "h1", "previous_hash": False},
            {"name": "B", "hash": "h2", "previous_hash": "h1"},
            {"name": "C", "hash": "h3", "previous_hash": "zz"},
        ]
        assert ci.chain_breaks(entries) == ["C"]
        assert ci.chain_breaks(entries[:2]) == []

    def test_chain_first_must_have_no_previous(self):
        assert ci.chain_breaks([{"name": "A", "hash": "h1", "previous_hash": "h0"}]) == ["A"]

    def test_split_hash_reads_the_version(self):
        assert ci.split_hash("$2$abc") == (2, "abc")
        assert ci.split_hash("$12$abc") == (12, "abc")
        assert ci.split_hash("abc") == (1, "abc"), "written before versions: version 1"
        assert ci.split_hash(False) == (1, "")
        assert ci.format_hash(2, "abc") == "$2$abc"
        assert ci.split_hash(ci.format_hash(1, "f" * 64)) == (1, "f" * 64)
