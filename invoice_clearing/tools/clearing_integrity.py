"""Integrity of cleared content: per-fapiao fingerprints and the company's hash chain.

The clearing hash says *whether* anything changed; the fingerprints stored at clearing time say
*which* fapiao changed. Both are compared here, with no database access.
"""

import struct

# The hash's versions and stored form are the verifier's (one implementation).
from .archive_verify import HASH_PREFIX, HASH_VERSION, HASH_VERSIONS, format_hash, split_hash

__all__ = [
    "FINGERPRINT", "FINGERPRINT_SIZE", "HASH_PREFIX", "HASH_VERSION", "HASH_VERSIONS",
    "chain_breaks", "compare_fingerprints", "format_hash", "pack_fingerprints", "split_hash",
    "unpack_fingerprints",
]  # fmt: skip

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
