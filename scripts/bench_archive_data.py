"""Bench of the archive package's data: `_archive_data` written into a package and verified.

`measure(env, clearing)` streams the data files of a cleared clearing (the fapiao's hashed texts
and journal-item digests, in keyset chunks) into a package with the addon's writer
(tools/archive_package.py), runs the verifier (tools/archive_verify.py) on it, and reports both
times and the peak RSS growth (VmHWM reset through /proc/self/clear_refs).
"""

import tempfile
import time
from pathlib import Path

from odoo.addons.invoice_clearing.tools import archive_package, archive_verify


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
    with tempfile.TemporaryDirectory(prefix="bench_archive_data_") as folder:
        package = Path(folder) / "data.zip"
        head = {"clearing": {"name": clearing.name, "hash": clearing.hash,
                             "previous_hash": clearing.previous_hash or None}}  # fmt: skip
        _count, data_size = archive_package.write_package(
            package, head, Integrity._archive_data(clearing)
        )
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
            f"data {data_size / 2**20:.1f} MiB, zipped {package_size / 2**20:.1f} MiB"
        ),
    }
