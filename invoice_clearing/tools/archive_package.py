"""The archive package (归档包) writer: a ZIP streamed entry by entry, its manifest written last.

Standard library only, no Odoo: the package of a million fapiao is written in constant memory,
each entry's chunks deflated into the file as they come while its SHA-256 and size are counted,
so the manifest lists what was actually written. The verifier (archive_verify.py) reads the
same layout.
"""

import hashlib
import json
import tempfile
import zipfile

FORMAT = "invoice_clearing.archive/1"
MANIFEST = "manifest.json"
ROLES = ("certificate", "summary", "xlsx", "fapiao original", "bureau export", "data")


def safe_name(name):
    """A file name usable as one path segment: no slashes, no leading dots, never empty."""
    name = (name or "").replace("\\", "/").split("/")[-1].strip().lstrip(".")
    return name or "file"


def unique_path(path, taken):
    """`path`, or `path` with `-2`, `-3`... before its extension when `taken` has it; added."""
    candidate, number = path, 1
    stem, dot, extension = path.rpartition(".")
    if not dot or "/" in extension:
        stem, dot, extension = path, "", ""
    while candidate in taken:
        number += 1
        candidate = f"{stem}-{number}{dot}{extension}"
    taken.add(candidate)
    return candidate


def write_package(fileobj_or_path, manifest_head, entries):
    """Write the package into `fileobj_or_path` (a binary file or a path).

    `manifest_head`: the manifest's keys except `format` and `files`; `entries` yields
    (path, role, iterable of bytes chunks). Each entry is deflated as its chunks come; the
    manifest, listing every entry with its SHA-256, size and role, is written last, its list
    of files kept in a temporary file meanwhile (a million originals stay out of memory).
    Returns (number of files, total uncompressed size).
    """
    seen, count, total = set(), 0, 0
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as listed,
        zipfile.ZipFile(fileobj_or_path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as package,
    ):
        for path, role, chunks in entries:
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r} of {path}")
            if path in seen or path == MANIFEST or path.startswith("/") or ".." in path.split("/"):
                raise ValueError(f"invalid or duplicate path in the package: {path}")
            seen.add(path)
            sha, size = hashlib.sha256(), 0
            with package.open(path, "w", force_zip64=True) as member:
                for chunk in chunks:
                    sha.update(chunk)
                    size += len(chunk)
                    member.write(chunk)
            entry = {"path": path, "sha256": sha.hexdigest(), "size": size, "role": role}
            listed.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            count, total = count + 1, total + size
        listed.seek(0)
        with package.open(MANIFEST, "w", force_zip64=True) as member:
            for text in _manifest_text({**manifest_head, "format": FORMAT}, listed):
                member.write(text.encode())
    return count, total


def _manifest_text(head, listed):
    """The pieces of manifest.json (sorted keys, indent 1), its `files` read from `listed`
    (one JSON object a line): as json.dumps(..., sort_keys=True, indent=1) would write it."""
    marker = "\x00files\x00"
    text = json.dumps({**head, "files": marker}, ensure_ascii=False, sort_keys=True, indent=1)
    before, after = text.split(json.dumps(marker))
    yield before + "["
    first = True
    for line in listed:
        entry = json.loads(line)
        body = json.dumps(entry, ensure_ascii=False, sort_keys=True, indent=1)
        yield ("" if first else ",") + "\n  " + body.replace("\n", "\n  ")
        first = False
    yield ("\n ]" if not first else "]") + after


def file_chunks(fileobj, size=1 << 20):
    """The chunks of an open binary file, from where it stands."""
    while chunk := fileobj.read(size):
        yield chunk
