"""The XLSX writer before and after its move to xlsxwriter's public API, in one run.

`measure(rows)` writes the same synthetic workbook (a summary with its title rows, `rows` fapiao
shaped like the export's fapiao sheet, the problems) with the writer of this tree
(`invoice_clearing/tools/clearing_xlsx.py`) and with the writer of `BEFORE_COMMIT`, the last
commit that wrote rows through xlsxwriter's internals, loaded from git history into a temporary
module. No database and no Odoo: both writers import only xlsxwriter. Each is timed (wall and CPU)
with its peak RSS growth (/proc/self/clear_refs resets the peak), and the two files are compared
part by part. Without git or that commit the "before" side is skipped with a note.

    python3 scripts/bench_xlsx.py [rows]
"""

import importlib.util
import json
import subprocess
import sys
import tempfile
import time
import types
import zipfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRITER = "invoice_clearing/tools/clearing_xlsx.py"
BEFORE_COMMIT = "1cbe85d62eac0689ecc3d7bbdf65e2ee517ef096"


def measure(rows=100_000):
    """{name, rows, seconds, cpu_seconds, rss_growth, mb, before: {...} or None, same_file, notes}:
    the writer of this tree, and the same figures of the previous writer under `before`."""
    after_module = _load_current()
    before_module, note = _load_before(BEFORE_COMMIT)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"before": Path(tmp, "before.xlsx"), "after": Path(tmp, "after.xlsx")}
        before = before_module and _run(before_module, rows, paths["before"])
        result = {"name": "xlsx_writer", "rows": rows, **_run(after_module, rows, paths["after"])}
        result.update(before=before, same_file=None, notes=[note] if note else [])
        if before_module is not None:
            result["same_file"] = _parts(paths["before"]) == _parts(paths["after"])
            ratio = result["cpu_seconds"] / max(result["before"]["cpu_seconds"], 1e-9)
            result["notes"].append(f"public API: {ratio:.2f}x the CPU time of the previous writer")
    return result


def _run(module, rows, path):
    """Write the workbook with `module` into `path`: time, CPU, peak RSS growth (MB), size."""
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    before = _rss()[0]
    cpu, start = time.process_time(), time.perf_counter()
    with path.open("wb") as output:
        module.write_workbook(_sheets(module, rows), output)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "rss_growth": round(_rss()[1] - before, 1),
        "mb": round(path.stat().st_size / 2**20, 2),
    }


def _sheets(x, rows):
    """The export's sheets, its fapiao sheet with `rows` synthetic rows (an iterator)."""
    fapiao_columns = [
        ("Fapiao Type", x.TEXT), ("Code", x.TEXT), ("Number", x.TEXT), ("Issue Date", x.DATE),
        ("Customer", x.TEXT), ("Buyer Tax ID", x.TEXT), ("Untaxed", x.NUMBER),
        ("Tax Rate", x.PERCENT), ("Tax", x.NUMBER), ("Total", x.NUMBER), ("Status", x.TEXT),
        ("Red-letter", x.TEXT), ("Void Date", x.DATE), ("Red Reference", x.TEXT),
    ]  # fmt: skip
    summary_columns = [("Fapiao Type", x.TEXT), ("Tax Rate", x.PERCENT)]
    summary_columns += [(f"Measure {i}", x.INTEGER if i == 0 else x.NUMBER) for i in range(6)]
    return [
        {
            "name": "Summary",
            "title_rows": [
                ("Clearing", "QK/2026/10/0001"),
                ("Company", "示例有限公司"),
                ("SHA-256", "$2$" + "0" * 64),
            ],
            "columns": summary_columns,
            "rows": [("数电票（增值税专用发票）", 13.0, rows, *[1000.0 * i for i in range(5)])],
        },
        {"name": "Fapiao", "columns": fapiao_columns, "rows": _fapiao_rows(rows)},
        {"name": "Problems", "columns": [("Severity", x.TEXT), ("Message", x.TEXT)], "rows": []},
    ]


def _fapiao_rows(count):
    kinds = ("数电票（增值税专用发票）", "数电票（普通发票）", "增值税专用发票")
    first = date(2026, 10, 1)
    for i in range(count):
        red = i % 50 == 0
        yield (
            kinds[i % 3], None if i % 3 < 2 else f"0440019{i % 100_000:05d}",
            f"2644200000{i:010d}", first + timedelta(days=i % 31), f"客户 {i % 997} 有限公司",
            f"91440300MA5F{i % 1_000_000:06d}", 1000 + i % 9_000 * 0.37, 13.0,
            130 + i % 9_000 * 0.05, 1130 + i % 9_000 * 0.42, "Valid" if i % 40 else "Void",
            "Yes" if red else "No", None if i % 40 else first, f"2644200000{i - 1:010d}" if red else None,
        )  # fmt: skip


def _load_current():
    spec = importlib.util.spec_from_file_location("clearing_xlsx_after", ROOT / WRITER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load_before(commit):
    """(the writer at `commit` as a temporary module, None) or (None, why it is skipped)."""
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{commit}:{WRITER}"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as error:
        return None, f"previous writer skipped: no git or no commit {commit[:12]} ({error})"
    module = types.ModuleType("clearing_xlsx_before")
    exec(compile(source, f"{commit[:12]}:{WRITER}", "exec"), module.__dict__)
    return module, None


def _parts(path):
    """The CRC of each part of an .xlsx but its creation time (docProps/core.xml)."""
    with zipfile.ZipFile(path) as archive:
        return {i.filename: i.CRC for i in archive.infolist() if i.filename != "docProps/core.xml"}


def _rss():
    """(current, peak) resident set of this process in MB."""
    status = Path("/proc/self/status").read_text()
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(values["VmRSS"].split()[0]) / 1024, int(values["VmHWM"].split()[0]) / 1024


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=1))


def measure_step(env, clearing):
    """The measured step of `make bench` (scripts/bench_report.py's TARGETS): both writers at the
    clearing's fapiao count, shown as before / after in one row."""
    rows = env["invoice.clearing.fapiao"].sudo().search_count([("clearing_id", "=", clearing.id)])
    result = measure(rows=rows)
    before = result["before"] or {}
    result["notes"] = "; ".join(
        [f"before {before['seconds']:.2f} s (CPU {before['cpu_seconds']:.2f} s)" if before else
         "before: not measured", f"same file: {result['same_file']}", *result["notes"]]
    )  # fmt: skip
    result["name"] = f"XLSX writer alone, {rows:,} rows, public API"
    return result
