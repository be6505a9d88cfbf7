"""What `make bench` measures inside one Odoo process (a child of bench.py, so that its peak RSS
is the measured process's own).

Nothing of the addon is replaced or wrapped: each measure is the wall time around a call of a
model's method (the buttons a user presses, the report an auditor downloads, a cron run through
`ir.cron.method_direct_trigger`), the SQL those calls send as Odoo's own query hook
(`threading.current_thread().query_hooks`, the profiler's) reports it, and the floor, the raw SQL
the work cannot do without, timed by running it. Crons are found by XML id.

Each function returns a JSON-able dict; the measured steps of TARGETS (bench_report) are called
as `measure(env, clearing) -> {"name", "seconds", "rss_growth", "notes", ...}`.
"""
# Odoo and the addon are imported once the configuration is parsed (see load()).
# ruff: noqa: PLC0415

import hashlib
import importlib
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_report import TARGETS
from dateutil.relativedelta import relativedelta

ROOT = Path(__file__).resolve().parent.parent
CONF = os.environ.get("ODOO_CONF", str(ROOT / ".local/odoo.conf"))
IMPORT_DIR = ROOT / ".local/bench-import"
SUMMARY_REPORT = "invoice_clearing.action_report_clearing_summary"
EXPORT_CRON = "invoice_clearing.ir_cron_export_jobs"


def load(dbname):
    """(odoo, registry) of `dbname`, the configuration parsed."""
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", CONF, "--log-level=warn"])
    return odoo, Registry(dbname)


# ----------------------------------------------------------------------------- instruments
def rss():
    """(current, peak) resident set of this process in MB, from /proc."""
    status = Path("/proc/self/status").read_text()
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return (int(values["VmRSS"].split()[0]) / 1024, int(values["VmHWM"].split()[0]) / 1024)


def reset_peak_rss():
    """Peak RSS := current RSS (Linux), so that VmHWM then shows the growth of what follows."""
    Path("/proc/self/clear_refs").write_text("5")
    return rss()[0]


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


class QueryLog:
    """Every query sent while it is active, on any cursor of this thread, with its start and
    duration: Odoo's query hook (as its profiler uses it), nothing replaced."""

    def __init__(self):
        self.queries = []  # (seconds, query, params, cursor, start)

    def _hook(self, cr, query, params, start, delay):
        self.queries.append((delay, query, params, cr, start))

    def __enter__(self):
        thread = threading.current_thread()
        if not hasattr(thread, "query_hooks"):
            thread.query_hooks = []
        thread.query_hooks.append(self._hook)
        return self

    def __exit__(self, *exc):
        threading.current_thread().query_hooks.remove(self._hook)

    def top(self, cr, count=6):
        """The `count` slowest queries sent on `cr`: (milliseconds, text)."""
        mine = [(t, q, p) for t, q, p, c, _s in self.queries if c is cr]
        return [
            (round(t * 1000, 1), sql_text(cr, q, p)[:160])
            for t, q, p in sorted(mine, key=lambda x: -x[0])[:count]
        ]

    def span(self, cursors, since=0.0):
        """Seconds from the first query on `cursors` (a predicate) started after `since` (a
        time.time()) to the end of the last one."""
        mine = [
            (start, start + delay) for delay, _q, _p, c, start in self.queries
            if cursors(c) and start >= since
        ]  # fmt: skip
        return max(end for _s, end in mine) - min(start for start, _e in mine) if mine else None

    def slowest_selects(self, cr, title, count=3):
        """EXPLAIN ANALYZE of the `count` slowest SELECT queries logged on `cr`."""
        plans = {}
        selects = [
            (t, q, p) for t, q, p, c, _s in self.queries
            if c is cr and sql_text(cr, q, p).lstrip().upper().startswith(("SELECT", "WITH"))
        ]  # fmt: skip
        for index, (t, q, p) in enumerate(sorted(selects, key=lambda x: -x[0])[:count], 1):
            plans[f"{title}: query {index} ({t * 1000:.0f} ms)"] = explain(cr, q, p)
        return plans


def sql_text(cr, query, params):
    from odoo.tools import SQL

    if isinstance(query, SQL):
        query, params = query.code, query.params
    try:
        return cr.mogrify(query, params).decode()
    except Exception:
        return str(query)


def explain(cr, query, params=None, analyze=True):
    option = "(ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)" if analyze else "(COSTS OFF)"
    cr.execute("SAVEPOINT bench_explain")
    try:
        cr.execute(f"EXPLAIN {option} " + sql_text(cr, query, params))
        plan = [row[0] for row in cr.fetchall()]
    except Exception as error:  # a statement of a finished transaction (e.g. a temp table)
        plan = [f"not explained: {str(error).splitlines()[0]}"]
    cr.execute("ROLLBACK TO SAVEPOINT bench_explain")
    return plan


def resolve(path):
    """The function named "module:function" (a module of scripts/)."""
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


# ----------------------------------------------------------------------------- the floor
def floor(cr, company_id, clearing_id, date_to):
    """The raw SQL the work needs, timed directly, then rolled back: the summary's GROUP BY,
    the UPDATE that freezes the scope, an ordered SHA-256 over the frozen rows."""
    scope = "company_id = %(c)s AND clearing_id IS NULL AND issue_date <= %(d)s"
    args = {"c": company_id, "d": date_to, "x": clearing_id}
    group_by = f"""SELECT fapiao_type, tax_rate, is_red, void_date IS NOT NULL, count(*),
                          sum(amount_untaxed), sum(amount_tax)
                     FROM invoice_clearing_fapiao WHERE {scope}
                 GROUP BY fapiao_type, tax_rate, is_red, void_date IS NOT NULL"""
    update = f"UPDATE invoice_clearing_fapiao SET clearing_id = %(x)s WHERE {scope}"
    # Each row's text, whatever the columns: the hash's irreducible cost is reading and
    # hashing every frozen row in order.
    digest = """SELECT encode(sha256(convert_to(string_agg(f::text, E'\\n' ORDER BY id), 'UTF8')),
                              'hex')
                  FROM invoice_clearing_fapiao f WHERE clearing_id = %(x)s"""
    result = {}
    cr.execute("SAVEPOINT bench_floor")
    result["group_by"], _ = timed(cr.execute, group_by, args)
    result["update"], _ = timed(cr.execute, update, args)
    result["frozen"] = cr.rowcount
    result["hash"], _ = timed(cr.execute, digest, args)
    cr.execute("ROLLBACK TO SAVEPOINT bench_floor")
    result["total"] = result["group_by"] + result["update"] + result["hash"]
    result["plans"] = {
        "floor GROUP BY": explain(cr, group_by, args),
        "floor UPDATE (freeze)": explain(cr, update, args, analyze=False),
    }
    return result


# ----------------------------------------------------------------------------- the clearing
def measure(dbname, n):
    """Register's first page, floor, check, approve (and its certificate), then each measured
    step of TARGETS on the approved clearing."""
    odoo, registry = load(dbname)
    out = {"n": n}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin, company = env.ref("base.user_admin"), env.ref("base.main_company")
        clearing_id = env["invoice.clearing"].search([("company_id", "=", company.id)]).id
        env = odoo.api.Environment(cr, admin.id, {"allowed_company_ids": company.ids})
        clearing = env["invoice.clearing"].browse(clearing_id)
        out["scope"] = env["invoice.clearing.fapiao"].search_count(
            [("company_id", "=", company.id)]
        )
        out["threshold"] = clearing._background_threshold()
        out["list"], out["list_plans"] = list_first_page(env)
        # Floor: a warm-up pass, then the measured one (both rolled back), then VACUUM.
        floor(cr, company.id, clearing_id, clearing.date_to)
        out["floor"] = floor(cr, company.id, clearing_id, clearing.date_to)
        cr.commit()
    with registry.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE invoice_clearing_fapiao")
        cr._cnx.autocommit = False
    for part in (_check, _approve, _steps):
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, admin.id, {"allowed_company_ids": company.ids})
            part(env["invoice.clearing"].browse(clearing_id), out)
            cr.commit()
    return out


def _check(clearing, out):
    """The Check button, its slowest queries and their plans."""
    env, cr = clearing.env, clearing.env.cr
    with QueryLog() as log:
        out["check"], _ = timed(lambda: (clearing.action_check(), env.flush_all()))
    out["check_queries"] = log.top(cr)
    out["problems"] = [
        f"{p.severity}: {' '.join(p.message.split())[:120]}" for p in clearing.problem_ids
    ]
    out["check_plans"] = log.slowest_selects(cr, "check")


def _approve(clearing, out):
    """The Approve button and its commit; the certificate rendered after it, apart."""
    cr = clearing.env.cr
    rss_before = reset_peak_rss()
    with QueryLog() as log:
        start = time.perf_counter()
        result = clearing.action_approve()
        # The commit runs the certificate's rendering (queued for after it) on a cursor of
        # its own: the first to the last query of that cursor is the certificate's time.
        committing = time.time()
        cr.commit()
        elapsed = time.perf_counter() - start
    out["rss_before"], out["rss_peak"] = rss_before, rss()[1]
    # The cursor that set the clearing's certificate_id: other work queued after the commit
    # (on cursors of its own) is not the certificate's.
    renderers = {
        id(c) for _t, q, p, c, start in log.queries
        if c is not cr and start >= committing and _sets_certificate(cr, q, p)
    }  # fmt: skip
    out["certificate"] = log.span(lambda c: id(c) in renderers, since=committing)
    out["approve"] = elapsed - (out["certificate"] or 0)  # the certificate is listed apart
    out["approve_queries"] = log.top(cr)
    out["approve_result"] = result if isinstance(result, bool) else result["params"]["type"]
    out["state"], out["job_state"] = clearing.state, clearing.job_state
    out["failure"] = clearing.failure_reason or ""
    if clearing.state == "cleared":
        out["approve_plans"] = log.slowest_selects(cr, "approve")


def _sets_certificate(cr, query, params):
    text = sql_text(cr, query, params)
    return text.lstrip().startswith('UPDATE "invoice_clearing"') and '"certificate_id"' in text


def _steps(clearing, out):
    """Each measured step of TARGETS, `measure(env, clearing)`, committed one by one."""
    out["steps"] = {}
    for target in TARGETS:
        if target.measure:
            clearing.env.invalidate_all()
            out["steps"][target.step] = resolve(target.measure)(clearing.env, clearing)
            clearing.env.cr.commit()


def list_first_page(env):
    """The fapiao register's first page as the web client asks it, after a warm-up."""
    Fapiao = env["invoice.clearing.fapiao"]
    spec = {
        name: {"fields": {"display_name": {}}} if Fapiao._fields[name].type == "many2one" else {}
        for name in (
            "company_id", "currency_id", "code", "number", "issue_date", "partner_id",
            "fapiao_type", "tax_rate", "amount_untaxed", "amount_tax", "amount_total", "is_red",
            "uploaded", "state", "clearing_id", "move_id",
        )
    }  # fmt: skip
    Fapiao.web_search_read([], spec, offset=80, limit=80, count_limit=10001)  # warm-up
    env.invalidate_all()
    with QueryLog() as log:
        elapsed, result = timed(Fapiao.web_search_read, [], spec, limit=80, count_limit=10001)
    assert len(result["records"]) == 80, result["length"]
    return elapsed, log.slowest_selects(env.cr, "list", count=2)


# ----------------------------------------------------------------------------- measured steps
def summary_pdf(env, clearing):
    """The summary PDF, rendered as the print menu renders it."""
    report = env.ref(SUMMARY_REPORT, raise_if_not_found=False)
    if not report:
        return {"name": "summary PDF render", "seconds": None, "notes": "report not present"}
    before = reset_peak_rss()
    elapsed, _ = timed(env["ir.actions.report"]._render_qweb_pdf, report, clearing.ids)
    return {"name": "summary PDF render", "seconds": elapsed, "rss_growth": rss()[1] - before}


def xlsx_export(env, clearing):
    """The clearing's XLSX written to a temporary file as the download route does: time, peak
    RSS growth, size and fapiao sheets."""
    from openpyxl import load_workbook

    report = env["report.invoice_clearing.clearing_xlsx"]
    before = reset_peak_rss()
    with tempfile.TemporaryFile() as output:
        elapsed, _name = timed(report._write, clearing, output)
        growth = rss()[1] - before
        size = output.tell()
        book = load_workbook(output, read_only=True)
        # "Fapiao", then "Fapiao (2)"... above Excel's row limit (the bench runs in English)
        sheets = sum(name == "Fapiao" or name.startswith("Fapiao (") for name in book.sheetnames)
    return {
        "name": "XLSX export", "seconds": elapsed, "rss_growth": growth,
        "notes": f"{size / 2**20:.1f} MiB, {sheets} fapiao sheet(s)",
    }  # fmt: skip


def xlsx_background_export(env, clearing):
    """The export a user gets for a clearing above `invoice_clearing.xlsx_part_rows`: *Export
    XLSX* starts its job, whose cron (by XML id) is run here as the scheduler runs it, pass
    after pass: total time, the largest pass's CPU time (a cron worker's limit) and the peak
    RSS growth. Nothing when the clearing is downloaded at once."""
    Export = env["invoice.clearing.export"]
    action = clearing.action_export_xlsx()
    if action.get("type") == "ir.actions.act_url":
        return None  # one download: measured by xlsx_export
    export = Export.search([("clearing_id", "=", clearing.id)], order="id desc", limit=1)
    env.cr.commit()
    cron = env.ref(EXPORT_CRON).sudo()
    before = reset_peak_rss()
    cpu, start, files = [], time.perf_counter(), -1
    while len(export.attachment_ids) < export.part_count and len(export.attachment_ids) > files:
        files = len(export.attachment_ids)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cron.method_direct_trigger()
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu.append(after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime)
        env.cr.commit()  # the cron ran on a cursor of its own: see what it committed
        env.invalidate_all()
    elapsed = time.perf_counter() - start
    sizes = export.attachment_ids.mapped("file_size")
    done = len(sizes) == export.part_count
    return {
        "name": "XLSX export in the background", "seconds": elapsed,
        "rss_growth": rss()[1] - before, "max_cpu": max(cpu, default=0.0),
        "state": "done" if done else "incomplete",
        "notes": f"{len(sizes)} files of ≤ {export.part_rows:,} fapiao ({sum(sizes) / 2**20:.1f} "
                 f"MiB, {len(cpu)} runs, job {'done' if done else 'incomplete'})",
    }  # fmt: skip


# ----------------------------------------------------------------------------- import phase
def measure_parser(dbname, file_name):
    """The export's parser alone on the file, in a process whose registry is loaded as the
    import's is. Run without python-calamine (BENCH_WITHOUT_CALAMINE=1) it times the openpyxl
    fallback."""
    load(dbname)
    from odoo.addons.invoice_clearing.tools import bureau_export, spreadsheet

    data = (IMPORT_DIR / file_name).read_bytes()
    reader = spreadsheet.xlsx_reader(data) if data[:2] == b"PK" else "csv"
    try:
        elapsed, parsed = timed(bureau_export.parse_export, data, file_name, 50 * 2**20)
    except bureau_export.ExportError as error:  # e.g. the size limit
        return {"reader": reader, "seconds": 0.0, "refused": str(error)}
    return {
        "reader": reader, "seconds": elapsed, "rows": len(parsed.rows),
        "errors": [str(e) for e in parsed.errors[:3]],
    }  # fmt: skip


def measure_import(dbname, file_name):
    """One in-process `import_file` of the export (total, queries, peak RSS growth), rolled
    back; then the steps it is made of called one after the other (parse, reconcile, store and
    within it the lines' COPY), rolled back too. The parser alone was timed by measure_parser."""
    odoo, registry = load(dbname)
    from odoo.addons.invoice_clearing.tools import bureau_export
    from odoo.exceptions import UserError

    data = (IMPORT_DIR / file_name).read_bytes()
    out = {"file": file_name, "bytes": len(data)}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin, company = env.ref("base.user_admin"), env.ref("base.main_company")
        env = odoo.api.Environment(cr, admin.id, {"allowed_company_ids": company.ids})
        cr.execute(
            "SELECT min(issue_date), max(issue_date) FROM invoice_clearing_fapiao"
            " WHERE company_id = %s",
            [company.id],
        )
        first, last = cr.fetchone()
        date_from, date_to = first.replace(day=1), first + relativedelta(day=31)
        assert last <= date_to
        # The engine in this process: the file is imported at once, not queued for the cron.
        env["ir.config_parameter"].sudo().set_param(
            "invoice_clearing.import_background_bytes", 2**40
        )  # rolled back with the import
        Import = env["invoice.clearing.import"]
        env.invalidate_all()
        rss_before = reset_peak_rss()
        with QueryLog() as log:
            try:
                out["total"], batch = timed(
                    lambda: (
                        Import.import_file(company, date_from, date_to, data, file_name),
                        env.flush_all(),
                    )[0]
                )
            except UserError as error:
                out["refused"] = str(error)
                return out
        out["rss_growth"] = rss()[1] - rss_before
        out["queries"] = len(log.queries)
        out["top"] = log.top(cr, 4)
        out["lines"] = {k: batch[f"count_{k}"] for k in ("matched", "odoo_only", "bureau_only")}
        cr.execute(
            "SELECT count(*) FILTER (WHERE uploaded), count(*) FROM invoice_clearing_fapiao"
            " WHERE company_id = %s",
            [company.id],
        )
        out["uploaded"] = "{} / {}".format(*cr.fetchone())
        cr.execute("SELECT count(*) FROM mail_message WHERE model = 'invoice.clearing.fapiao'")
        out["fapiao_messages"] = cr.fetchone()[0]
        cr.rollback()

        # The same work step by step: where import_file's time goes.
        env.invalidate_all()
        Line = env["invoice.clearing.import.line"]
        sha = hashlib.sha256(data).hexdigest()
        out["parse"], parsed = timed(
            bureau_export.parse_export, data, file_name, Import._max_bytes()
        )
        rows, row_count = parsed.rows, len(parsed.rows)
        del parsed
        out["reconcile"], result = timed(Import._reconcile_rows, company, date_from, date_to, rows)
        start = time.perf_counter()
        batch = Import._create_batch(
            company, date_from, date_to, data, file_name, sha, row_count=row_count
        )
        out["copy"], _ = timed(Line._insert_rows, batch, result.lines)
        batch._finish(result)
        env.flush_all()
        out["store"] = time.perf_counter() - start
        cr.rollback()
    return out


def block_calamine():
    """This process as one without python-calamine installed: the xlsx reader falls back to
    openpyxl (what a server without the optional accelerator runs)."""
    sys.modules["python_calamine"] = None
