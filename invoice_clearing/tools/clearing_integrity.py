"""Integrity of cleared content: per-fapiao fingerprints and the company's hash chain.

The clearing hash says *whether* anything changed; the fingerprints stored at clearing time say
*which* fapiao changed. Both are compared here, with no database access.
"""

import re
import struct

FINGERPRINT = struct.Struct(">I8s")  # fapiao id, first 8 bytes of the SHA-256 of its content
FINGERPRINT_SIZE = FINGERPRINT.size


def pack_fingerprints(rows):
    """Bytes for [(fapiao id, digest bytes)]: 12 bytes a fapiao, in id order."""
    return b"".join(
        FINGERPRINT.pack(fapiao_id, bytes(digest)[:8]) for fapiao_id, digest in sorted(rows)
    )


def unpack_fingerprints(data):
    """{fapiao id: 8-byte digest} from `pack_fingerprints` output; ValueError if truncated."""
    data = bytes(data or b"")
    if len(data) % FINGERPRINT_SIZE:
        raise ValueError("truncated fingerprint file")
    return dict(FINGERPRINT.iter_unpack(data))


def compare_fingerprints(stored, current):
    """(changed, removed, added) fapiao ids between two {id: digest} maps, each sorted."""
    changed = sorted(i for i in stored.keys() & current.keys() if stored[i] != current[i])
    removed = sorted(stored.keys() - current.keys())
    added = sorted(current.keys() - stored.keys())
    return changed, removed, added


# Version of the clearing hash written now, stored as `$<version>$<hex>` like Odoo's inalterable
# hash. 1: header, summary, filing record and frozen fapiao; 2: also their invoices' journal
# items (account.move.line._get_clearing_hash_fields). Each clearing verifies by its own.
HASH_VERSION = 2
HASH_VERSIONS = tuple(range(1, HASH_VERSION + 1))  # every version verifies its clearings
HASH_PREFIX = re.compile(r"^\$(\d+)\$(.*)$", re.S)


def split_hash(value):
    """(version, hex digest) of a stored clearing hash `$<version>$<hex>`, as Odoo's inalterable
    hash stores it; a bare digest is version 1 (written before versions existed)."""
    value = value or ""
    match = HASH_PREFIX.match(value)
    if match:
        return int(match[1]), match[2]
    return 1, value


def format_hash(version, digest):
    """The stored form of a clearing hash: `$<version>$<hex>`."""
    return f"${version}${digest}"


def chain_breaks(entries):
    """Names of entries whose `previous_hash` is not the `hash` of the entry before them.

    `entries` are dicts with `name`, `hash`, `previous_hash`, in chain order (oldest first);
    the first entry must have no previous hash.
    """
    breaks = []
    previous = None
    for entry in entries:
        expected = previous["hash"] if previous else None
        if (entry["previous_hash"] or None) != (expected or None):
            breaks.append(entry["name"])
        previous = entry
    return breaks
