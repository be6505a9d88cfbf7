"""Bench of the archive package's data: `_archive_data` streamed to /dev/null and verified.

`measure(env, clearing)` streams the data files of a cleared clearing (the fapiao's hashed texts
and journal-item digests, in keyset chunks), times it, measures the peak RSS growth (VmHWM reset
through /proc/self/clear_refs) and checks that the streamed fapiao text gives the stored digest.
Then it runs the verifier (tools/archive_verify.py) on a package of these data files alone.
"""

import hashlib
import json
import tempfile
import time
import zipfile
from pathlib import Path

from odoo.addons.invoice_clearing.tools import archive_verify


def _rss():
    """(current, peak) resident memory of this process in MiB."""
    values = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(values["VmRSS"].split()[0]) / 1024, int(values["VmHWM"].split()[0]) / 1024


def measure(env, clearing):
    """{name, seconds, rss_growth_mb, notes} of streaming and verifying `clearing`'s data."""
    Integrity = env["invoice.clearing.integrity"].sudo()
    clearing = clearing.sudo()
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    before = _rss()[0]
    start = time.monotonic()
    sizes, listed = {}, []
    with tempfile.TemporaryDirectory(prefix="bench_acore_") as folder:
        package = Path(folder) / "data.zip"
        with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, role, chunks in Integrity._archive_data(clearing):
                sha, size = hashlib.sha256(), 0
                with archive.open(path, "w", force_zip64=True) as handle:
                    for chunk in chunks:
                        sha.update(chunk)
                        size += len(chunk)
                        handle.write(chunk)
                sizes[path] = size
                listed.append({"path": path, "sha256": sha.hexdigest(), "size": size, "role": role})
                if path == "data/fapiao.txt":
                    assert sha.hexdigest() == clearing.content_digest, "fapiao digest differs"
            archive.writestr(
                "manifest.json",
                json.dumps(
                    {
                        "format": archive_verify.FORMAT,
                        "clearing": {"name": clearing.name, "hash": clearing.hash,
                                     "previous_hash": clearing.previous_hash or None},
                        "files": listed,
                    }
                ),
            )  # fmt: skip
        written = time.monotonic() - start
        report = archive_verify.verify(package)
        seconds = time.monotonic() - start
        package_size = package.stat().st_size
    return {
        "name": f"archive data of {clearing.name}",
        "seconds": round(seconds, 3),
        "rss_growth_mb": round(_rss()[1] - before, 1),
        "notes": (
            f"streamed in {written:.2f} s, verified in {seconds - written:.2f} s "
            f"({'OK' if report.ok else 'FAILED: ' + '; '.join(report.lines()[:3])}); "
            f"data {sum(sizes.values()) / 2**20:.1f} MiB, zipped {package_size / 2**20:.1f} MiB"
        ),
    }
