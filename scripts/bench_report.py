"""The tables of `make bench`: ONE table of targets (TARGETS) and the rendering of the measures
against it. No Odoo here: the measures come as dicts from bench_measure and bench_server.

A measured step is one entry of TARGETS with `measure="module:function"`: the measured process
calls `function(env, clearing)` on the approved clearing and it returns
`{"name", "seconds", "rss_growth", "notes", ...}`; its row shows `label` filled with that dict
(e.g. "{name} ({notes}; peak RSS growth {rss_growth:.0f} MB)") against its limit on `seconds`.
Further rows on the same step read one of its values with `source="step.value"`.
"""

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench/results"
CPU_LIMIT, REAL_LIMIT = 60, 120  # Odoo's default limit_time_cpu and limit_time_real
OPS = {
    "<=": (lambda v, limit: v <= limit, "≤"),
    "<": (lambda v, limit: v < limit, "<"),
    "==": (lambda v, limit: v == limit, "="),
}


@dataclass(frozen=True)
class Target:
    """One row of a table: what it measures and, when it has one, its target."""

    key: str  # "table.row"
    label: str  # as shown; {fields} of the row's values filled in
    limit: object = None  # a number, a value compared with ==, or "table.row" of another row
    op: str = "<="
    unit: str = "s"  # s, MB, "" or "×" (a ratio), "count"
    text: str = ""  # the target as shown, when not "<op> <limit> <unit>"
    sizes: tuple = (0, math.inf)  # the N it is judged at (another row of the key may take over)
    what: str = ""  # what it measures, for the reader of this table
    measure: str = ""  # "module:function": a measured step (see the module's docstring)
    source: str = ""  # "step.value": the row's value, read from a measured step's dict

    @property
    def table(self):
        return self.key.split(".", 1)[0]

    @property
    def step(self):
        return self.key.split(".", 1)[1]

    def shown(self):
        if self.text or self.limit is None:
            return self.text
        if isinstance(self.limit, str):  # another row's value
            return ""
        unit = {"s": " s", "MB": " MB", "": "", "×": "×", "count": ""}[self.unit]
        return f"{OPS[self.op][1]} {self.limit:g}{unit}"

    def met(self, value, values=None, n=0):
        """True or False against the target at N; None when there is none to judge."""
        if self.limit is None or value is None or not self.sizes[0] <= n <= self.sizes[1]:
            return None
        limit = self.limit
        if isinstance(limit, str) and "." in limit:
            limit = (values or {}).get(limit, Value(None)).judged
            if limit is None:
                return None
        return OPS[self.op][0](value, limit)


@dataclass
class Value:
    """A row's value as shown, the value judged against its target, and its label's fields."""

    shown: object
    judged: object = None
    fields: dict = None

    def __post_init__(self):
        if self.judged is None and isinstance(self.shown, (int, float)):
            self.judged = self.shown
        self.fields = self.fields or {}


_XLSX = "bench_measure:xlsx_export"
_XLSX_BG = "bench_measure:xlsx_background_export"
TARGETS = (
    # ------------------------------------------------------------------ the clearing (make bench)
    Target("clearing.floor_group_by", "floor: GROUP BY summary",
           what="the summary's GROUP BY over the scope, raw SQL"),
    Target("clearing.floor_update", "floor: UPDATE freezing {frozen:,} rows",
           what="one UPDATE of clearing_id on every fapiao of the scope, raw SQL, rolled back"),
    Target("clearing.floor_hash", "floor: ordered SHA-256 over the rows",
           what="sha256 of the frozen rows' text in id order, raw SQL"),
    Target("clearing.floor", "**floor** (sum)", what="what PostgreSQL itself needs"),
    Target("clearing.check", "**check** (`action_check`)", what="the Check button"),
    Target("clearing.approve", "**approve** (`action_approve`: {approve_what})",
           what="the Approve button and its commit, without the certificate"),
    Target("clearing.job_log",
           "background job (all batches + final check, in the cron worker, from Odoo's log)",
           what="the clearing cron's passes (by XML id) in the server log"),
    Target("clearing.job_seen",
           "background job as the client saw it (includes the new cron worker's first 60 s sleep)",
           what="from the approval until the form shows the job ended"),
    Target("clearing.certificate",
           "certificate (the certificate report's `_attach`, run after approve's commit, not "
           "counted in it)",
           what="first to last query of the certificate's cursor during the approval's commit"),
    Target("clearing.ratio", "**ratio** (check + approve{plus_job}) / floor", 5, unit="",
           what="the clearing's time over the floor's"),
    Target("clearing.check_approve", "check + approve", 3, sizes=(0, 100_000),
           what="a user's two clicks at a month of 100,000 fapiao"),
    Target("clearing.pdf", "{name}", 15, measure="bench_measure:summary_pdf",
           what="the summary PDF, as the print menu renders it"),
    Target("clearing.list", "fapiao list first page (`web_search_read`, 80 rows)", 0.5,
           what="the register's first page as the web client asks it"),
    Target("clearing.approve_rss", "peak RSS growth during approve", 300, unit="MB",
           what="VmHWM of the measured process during the approval"),
    Target("clearing.xlsx", "{name} ({notes})", 5, sizes=(0, 100_000), measure=_XLSX,
           what="the XLSX download, written to a temporary file"),
    Target("clearing.xlsx_writer", "{name} (CPU {cpu_seconds:.2f} s; {notes})",
           measure="bench_xlsx:measure_step",
           what="the XLSX writer alone, this tree's against the previous one (private internals)"),
    Target("clearing.archive", "{name}: {size_mb:.1f} MB, CPU {cpu_seconds:.1f} s ({notes})",
           60, measure="bench_archive:measure",
           what="the archive package (归档包) built as its cron run builds it; the limit is the "
                "cron's CPU limit"),
    Target("clearing.archive_rss", "archive package: peak RSS growth", 300, unit="MB",
           source="archive.peak_rss_growth_mb"),
    Target("clearing.archive_verify", "{name}: data streamed and verified ({notes})",
           measure="bench_archive_data:measure",
           what="the data files alone, zipped and checked by tools/archive_verify.py"),
    Target("clearing.xlsx_rss", "XLSX export: peak RSS growth", 100, unit="MB",
           sizes=(0, 100_000), source="xlsx.rss_growth"),
    Target("clearing.xlsx_rss", "XLSX export: peak RSS growth", 2048, unit="MB",
           sizes=(100_001, math.inf), source="xlsx.rss_growth"),
    Target("clearing.xlsx_background", "{name}: {notes}", "done", op="==", text="completes",
           measure=_XLSX_BG, what="the export job a clearing above xlsx_part_rows gets",
           source="xlsx_background.state"),
    Target("clearing.xlsx_background_cpu", "XLSX export in the background: CPU of the largest "
           "run", CPU_LIMIT, op="<", source="xlsx_background.max_cpu"),
    Target("clearing.xlsx_background_rss", "XLSX export in the background: peak RSS growth",
           2048, unit="MB", source="xlsx_background.rss_growth"),
    Target("clearing.rss", "RSS of the measured process before approve / peak"),
    Target("clearing.job_rss", "background job: RSS growth of the busiest server process", 300,
           unit="MB"),
    Target("clearing.job_rss_first_peak", "background job: that process's RSS first / peak"),
    Target("clearing.mw_sequential", "2 companies × {mw:,} fapiao, sequential (A, B, wall)"),
    Target("clearing.mw_parallel",
           "2 companies × {mw:,} fapiao, parallel, `--workers=2` (C, D, wall)",
           "clearing.mw_sequential", op="<", text="< sequential wall",
           what="two approvals of two companies at once take less than one after the other"),
    # ------------------------------------------------------------------ import, in-process
    Target("import.total", "xlsx import", 30, what="import_file of the xlsx export"),
    Target("import.ratio", "xlsx import / its parser alone", 3, unit="×"),
    Target("import.rss_growth", "RSS growth", 300, unit="MB"),
    # ------------------------------------------------------------------ import, web client
    Target("http.request", "upload request (wizard create + Import button)", CPU_LIMIT, op="<",
           text=f"< {CPU_LIMIT} s CPU, < {REAL_LIMIT} s real"),
    Target("http.done", "until the import's form shows it done ({mode}, {runs} run(s))", True,
           op="==", text="completes"),
    Target("http.matched", "lines matched / rows", True, op="==", text="all"),
    Target("http.uploaded", "fapiao uploaded / in the register", True, op="==", text="all"),
    Target("http.killed", "workers killed for a limit", 0, op="==", unit="count", text="0"),
    Target("http.rss", "busiest server process: RSS growth / peak", 2048, op="<", unit="MB",
           text="< 2048 MB"),
    # ------------------------------------------------------------------ background jobs, loaded
    Target("jobs.run_wall", "a run's wall time", REAL_LIMIT, op="<"),
    Target("jobs.run_cpu", "a run's CPU time", CPU_LIMIT, op="<"),
    Target("jobs.cron_pass", "a cron pass (Odoo's watchdog)", REAL_LIMIT, op="<"),
)  # fmt: skip


def target(key, n=0):
    """The entry of `key` that judges N (the first one otherwise)."""
    entries = [t for t in TARGETS if t.key == key]
    return next((t for t in entries if t.sizes[0] <= n <= t.sizes[1]), entries[0])


class _Fields(dict):
    def __missing__(self, key):
        return ""


def fmt(value, unit="s"):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if unit == "s":
        return f"{value:.3f} s"
    if unit in ("", "×"):
        return f"{value:.2f}"
    if unit == "count":
        return f"{value:,}"
    return f"{value:.0f} {unit}"


def step_values(steps):
    """Values of the rows that read a measured step's dict (`measure` or `source`)."""
    values = {}
    for t in TARGETS:
        if not (t.measure or t.source):
            continue
        step, _, field = (t.source or f"{t.step}.seconds").partition(".")
        result = steps.get(step)
        if not result:
            continue
        shown = result.get(field)
        if t.measure and field != "seconds":  # the step's time is shown, its state judged
            values[t.key] = Value(result.get("seconds"), shown, result)
        else:
            values[t.key] = Value(shown if shown is not None else result.get("notes", "n/a"),
                                  None, result)  # fmt: skip
    return values


def table(name, values, n, log):
    """The rows of table `name` that have a value, in TARGETS' order: measure, value, target,
    met."""
    log("| measure | value | target | met |")
    log("|---|---:|---:|:-:|")
    done = set()
    for entry in TARGETS:
        if entry.table != name or entry.key in done or entry.key not in values:
            continue
        done.add(entry.key)
        t = target(entry.key, n)
        value = values[t.key]
        met = t.met(value.judged, values, n)
        label = t.label.format_map(_Fields(value.fields))
        mark = "" if met is None else ("yes" if met else "**no**")
        log(f"| {label} | {fmt(value.shown, t.unit)} | {t.shown()} | {mark} |")


def targets_line(name, values, n):
    """The targets of table `name` in one sentence, each with whether it was met."""
    parts = []
    for entry in TARGETS:
        if entry.table == name:
            met = entry.met(values[entry.key].judged, values, n) if entry.key in values else None
            mark = "" if met is None else (" (met)" if met else " (**not met**)")
            parts.append(f"{entry.label} {entry.shown()}{mark}")
    return "Targets: " + "; ".join(parts) + "."


def write(lines, suffix, n):
    """bench/results/<date>-<N><suffix>.md; returns its path relative to the repository."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{date.today():%Y-%m-%d}-{n}{suffix}.md"
    path.write_text("\n".join(lines) + "\n")
    return path.relative_to(ROOT)


# ----------------------------------------------------------------------------- the reports
def clearing_values(m, background, mw, server_peaks):
    """The clearing table's values from the measured process (m), the background job followed
    over RPC (seconds seen, final row, seconds in Odoo's log) and the multi-worker approvals."""
    fl = m["floor"]
    work = m["check"] + m["approve"] + (background[2] if background else 0)
    values = {
        "clearing.floor_group_by": Value(fl["group_by"]),
        "clearing.floor_update": Value(fl["update"], fields={"frozen": fl["frozen"]}),
        "clearing.floor_hash": Value(fl["hash"]),
        "clearing.floor": Value(fl["total"]),
        "clearing.check": Value(m["check"]),
        "clearing.approve": Value(m["approve"], fields={
            "approve_what": "starts the background job" if background
            else "freeze, summary, hash, lock date"}),
        "clearing.certificate": Value(
            m["certificate"] if m["certificate"] is not None else "in the job"),
        "clearing.ratio": Value(work / fl["total"], fields={
            "plus_job": " + job" if background else ""}),
        "clearing.check_approve": Value(m["check"] + m["approve"]),
        "clearing.list": Value(m["list"]),
        "clearing.approve_rss": Value(m["rss_peak"] - m["rss_before"]),
        "clearing.rss": Value(f"{m['rss_before']:.0f} / {m['rss_peak']:.0f} MB"),
        **step_values(m["steps"]),
    }  # fmt: skip
    if background:
        values["clearing.job_log"] = Value(background[2])
        values["clearing.job_seen"] = Value(background[0])
        if server_peaks:
            growth, first, peak = max((p - f, f, p) for f, p in server_peaks.values())
            values["clearing.job_rss"] = Value(growth)
            values["clearing.job_rss_first_peak"] = Value(f"{first:.0f} / {peak:.0f} MB")
    seq, par = mw["sequential"], mw["parallel"]
    fields = {"mw": mw["size"]}
    values["clearing.mw_sequential"] = Value(
        f"{seq['Bench MW A']:.2f} s, {seq['Bench MW B']:.2f} s, {seq['wall']:.2f} s",
        seq["wall"], fields)  # fmt: skip
    values["clearing.mw_parallel"] = Value(
        f"{par['Bench MW C']:.2f} s, {par['Bench MW D']:.2f} s, {par['wall']:.2f} s",
        par["wall"], fields)  # fmt: skip
    return values


def clearing_report(log, n, head, m, background, mw, server_peaks):
    """The clearing's table, its outcome, slowest queries and plans."""
    log(f"# Clearing benchmark: {n:,} fapiao, one company, period {head['period']}")
    log()
    log(f"{head['when']}, commit {head['commit']}, {head['cores']} cores, "
        f"PostgreSQL {head['postgres']}; fapiao of the company: {m['scope']:,}; "
        f"background threshold {m['threshold']:,}")  # fmt: skip
    log()
    table("clearing", clearing_values(m, background, mw, server_peaks), n, log)
    log()
    log(f"Approval result: {m['approve_result']}, state {m['state']}"
        + (f", then {background[1]['state']} (job {background[1]['job_state']})"
           if background else "")
        + (f"; failure: {m['failure']}" if m["failure"] else "")
        + f"; multi-worker clearings: {', '.join(mw['states'])}.")  # fmt: skip
    log(f"Check results: {'; '.join(m['problems']) or 'none'}.")
    log()
    log("## Slowest queries")
    for title, key in (("check", "check_queries"), ("approve", "approve_queries")):
        log()
        log(f"{title}:")
        log()
        for ms, text in m[key]:
            log(f"- {ms} ms `{' '.join(text.split())}`")
    log()
    log("## Query plans (EXPLAIN ANALYZE)")
    plans = {**m["list_plans"], **m["floor"]["plans"], **m["check_plans"],
             **m.get("approve_plans", {})}  # fmt: skip
    for title, plan in plans.items():
        log()
        log(f"{title}:")
        log("```")
        for line in plan:
            log(line)
        log("```")


def import_report(log, n, results):
    """The in-process import of each file: parser alone, import_file and its steps."""
    log()
    log(f"## Import of the bureau's export: {n:,} rows against {n:,} not-uploaded fapiao")
    log()
    log("| file | MiB | parser alone | import_file (parse / reconcile / store, of which lines) "
        "| ratio to parser "
        "| queries | RSS growth | uploaded | fapiao messages |")  # fmt: skip
    log("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    readers, values = [], {}
    for r in results:
        parser = r["parser"]
        if "refused" in r or "refused" in parser:
            refusal = " ".join((r.get("refused") or parser["refused"]).split())[:120]
            log(f"| {r['file']} | {r['bytes'] / 2**20:.1f} | {parser['seconds']:.1f} s "
                f"| refused: {refusal} | | | | | |")  # fmt: skip
            continue
        ratio = r["total"] / parser["seconds"]
        if r.get("openpyxl"):
            alone, fallback = parser["seconds"], r["openpyxl"]["seconds"]
            readers.append(f"{r['file']}: python-calamine {alone:.1f} s, openpyxl "
                           f"{fallback:.1f} s ({fallback / alone:.1f}×)")  # fmt: skip
        if r["file"].endswith(".xlsx"):
            values = {"import.total": Value(r["total"]), "import.ratio": Value(ratio),
                      "import.rss_growth": Value(r["rss_growth"])}  # fmt: skip
        log(f"| {r['file']} | {r['bytes'] / 2**20:.1f} | {parser['seconds']:.1f} s "
            f"| {r['total']:.1f} s ({r['parse']:.1f} / {r['reconcile']:.1f} / {r['store']:.1f}, "
            f"lines {r['copy']:.1f}) "
            f"| {ratio:.2f} | {r['queries']:,} | {r['rss_growth']:.0f} MB | {r['uploaded']} "
            f"| {r['fapiao_messages']:,} |")  # fmt: skip
    log()
    log(targets_line("import", values, n))
    if readers:
        log()
        log("Parser alone by xlsx reader: " + "; ".join(readers) + ".")


def http_report(log, n, h):
    """The xlsx uploaded through the web client, followed until done."""
    row = h["row"]
    values = {
        "http.request": Value(h["request"]),
        "http.done": Value(h["total"], row.get("state") in ("open", "done"), {
            "mode": row.get("job_state") or "immediate", "runs": row.get("job_attempts")}),
        "http.matched": Value(f"{row.get('count_matched') or 0:,} / {row.get('row_count') or 0:,}",
                              bool(row.get("row_count"))
                              and row["count_matched"] == row["row_count"]),
        "http.uploaded": Value(f"{h['uploaded']:,} / {h['fapiao']:,}",
                               h["uploaded"] == h["fapiao"]),
        "http.killed": Value(len(h["killed"])),
    }  # fmt: skip
    if h["peaks"]:
        growth, peak = h["peaks"][0]
        values["http.rss"] = Value(f"{growth:.0f} / {peak:.0f} MB", peak)
    log()
    log("## The same xlsx through the web client (`--workers=2`, Odoo's default limits)")
    log()
    table("http", values, n, log)
    if row.get("failure_reason"):
        log()
        log(f"Failure: {row['failure_reason']}")
    for line in h["killed"][:5]:
        log(f"- `{line}`")


def loaded_report(log, n, quiet, busy, http, runs, passes, killed, clearing):
    """Where an import's time goes, the import through the web client, every run of the
    background jobs and every cron pass."""
    log()
    log("## Where the import's time goes (in-process, xlsx, rolled back)")
    log()
    log("| machine | total | parse | reconcile | store | of which the lines' COPY "
        "| parse + reconcile + lines at once (a background import slices it) |")  # fmt: skip
    log("|---|---:|---:|---:|---:|---:|---:|")
    for label, r in (("quiet", quiet), ("two CPU hogs", busy)):
        if "refused" in r:
            log(f"| {label} | refused: {r['refused'][:80]} | | | | | |")
            continue
        first = r["parse"] + r["reconcile"] + r["copy"]
        log(f"| {label} | {r['total']:.1f} s | {r['parse']:.1f} s | {r['reconcile']:.1f} s "
            f"| {r['store']:.1f} s | {r['copy']:.1f} s | {first:.1f} s |")  # fmt: skip
    http_report(log, n, http)
    if clearing:
        log()
        log(f"Background clearing: approval request {clearing['approve']:.1f} s, state "
            f"{clearing['row']['state']} (job {clearing['row']['job_state']}) after "
            f"{clearing['seen']:.1f} s as the client saw it.")  # fmt: skip
    wall, cpu, cron = target("jobs.run_wall"), target("jobs.run_cpu"), target("jobs.cron_pass")
    log()
    log("## Every run of the background jobs")
    log()
    log("| job | run | outcome | processed | wall | CPU | within Odoo's limits |")
    log("|---|---:|---|---:|---:|---:|:-:|")
    for r in runs:
        ok = wall.met(r["duration"]) and cpu.met(r["cpu_time"]) and r["outcome"] != "interrupted"
        log(f"| {r['kind']} | {r['number']} | {r['outcome']} | {r['processed']:,} "
            f"| {r['duration']:.1f} s | {r['cpu_time']:.1f} s | {'yes' if ok else '**no**'} |")  # fmt: skip
    log()
    log("## Cron passes in Odoo's log")
    log()
    log("| cron | passes | longest | within the real-time limit |")
    log("|---|---:|---:|:-:|")
    for name in sorted(passes):
        longest = max(passes[name])
        log(f"| {name} | {len(passes[name])} | {longest:.1f} s "
            f"| {'yes' if cron.met(longest) else '**no**'} |")  # fmt: skip
    log()
    log(f"Workers killed for a limit: {len(killed)}.")
    for line in killed[:5]:
        log(f"- `{line}`")
