"""`make bench`: how close a clearing of N fapiao comes to what PostgreSQL itself needs.

    bench.py run N            orchestrate everything below and write bench/results/<date>-<N>.md
    bench.py generate DB N    (child) SQL-generate N fapiao for one company and one month
    bench.py measure DB N     (child, the measured Odoo process) floor, check, approve, PDF, list
    bench.py import N [BASE]  the import phase alone (also run by `run` unless IMPORT=0): N
                              not-uploaded fapiao, the bureau's export of them as xlsx, UTF-8 and
                              GB18030 CSV, each imported in-process (parse / reconcile / store,
                              queries, peak RSS growth), rolled back; IMPORT_FILES picks files
    bench.py loaded N         (`LOADED=1 make bench`) a loaded server: two CPU-bound processes
                              beside `odoo-bin --workers=2` with Odoo's default limits, the N-row
                              xlsx imported through the web client, then a background clearing
                              of N fapiao; every run of the background jobs (wall and CPU time)
                              and every cron pass in Odoo's log against Odoo's limits

The generation is not timed. The measured calls run in their own process so that its peak RSS
is the Odoo process's; the multi-worker part talks XML-RPC to `odoo-bin --workers=2`.
"""
# Odoo and the addon are imported inside the child commands, once the configuration that makes
# the addon importable is parsed; the orchestration reads top-down as a script.
# ruff: noqa: PLC0415, PLR0915

import base64
import json
import os
import re
import resource
import socket
import subprocess
import sys
import textwrap
import threading
import time
import xmlrpc.client
from datetime import date, datetime
from pathlib import Path

from dateutil.relativedelta import relativedelta

ROOT = Path(__file__).resolve().parent.parent
CONF = os.environ.get("ODOO_CONF", str(ROOT / ".local/odoo.conf"))
ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo/19.0")
MW_FAPIAO = int(os.environ.get("MW_N", "25000"))  # per company in the multi-worker part
PERIOD = (date.today().replace(day=1) - date.resolution).replace(day=1)  # last month
BUYERS = 500
SUMMARY_REPORT = "invoice_clearing.action_report_clearing_summary"
JOB_CRON = "Fapiao clearing: run large clearings in the background"


# ----------------------------------------------------------------------------- generation
def generate(env, n):
    """N fapiao of one company and month (plus 4 small companies for the multi-worker part)."""
    cr = env.cr
    admin = env.ref("base.user_admin")
    manager = env.ref("invoice_clearing.group_clearing_manager")
    company = env.ref("base.main_company")
    # October is past its filing deadline and not cleared: invoicing is locked (锁盘) until the
    # clearing; the template invoice is posted with the lock off, then the lock is back on.
    company.write(
        {"name": "Bench Co", "clearing_first_period": PERIOD, "clearing_lock_enabled": False}
    )
    others = env["res.company"].create(
        [{"name": f"Bench MW {c}", "clearing_first_period": PERIOD} for c in "ABCD"]
    )
    admin.write({"group_ids": [(4, manager.id)], "company_ids": [(4, c.id) for c in others]})
    buyers = env["res.partner"].create(
        [{"name": f"Buyer {i:04d}", "is_company": True} for i in range(BUYERS)]
    )
    params = env["ir.config_parameter"]
    for variable, key in (
        ("THRESHOLD", "background_threshold"),
        ("BATCH", "background_batch_size"),
        ("XLSX_PART_ROWS", "xlsx_part_rows"),
    ):
        if os.environ.get(variable):  # e.g. THRESHOLD=20000 to try the background path cheaply
            params.set_param(f"invoice_clearing.{key}", os.environ[variable])
    env.flush_all()
    invoice = _template_invoice(env, company, buyers[0])
    company.clearing_lock_enabled = True
    _insert_fapiao(cr, company.id, buyers.ids, n, invoice)
    for other in others:
        _insert_fapiao(cr, other.id, buyers.ids, MW_FAPIAO, None, simple=True)
    clearings = {}
    for comp in (company, *others):
        clearing = (
            env["invoice.clearing"]
            .with_user(admin)
            .create(
                {
                    "company_id": comp.id,
                    "scope": "period",
                    "date_from": PERIOD,
                    "date_to": PERIOD + relativedelta(day=31),
                    "prepared_by": admin.id,
                }
            )
        )
        _record_filing(cr, clearing)
        clearings[comp.name] = clearing.id
    cr.execute("ANALYZE")
    return clearings


def _template_invoice(env, company, buyer):
    """One real posted invoice; the others are SQL copies of its header (the checks read headers)."""
    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": buyer.id,
            "invoice_date": PERIOD,
            "company_id": company.id,
            "invoice_line_ids": [(0, 0, {"name": "Goods", "price_unit": 100.0, "tax_ids": []})],
        }
    )
    move.action_post()
    env.flush_all()
    return move


def _insert_fapiao(cr, company_id, buyer_ids, n, invoice, simple=False):
    """The mix: kinds and rates as a Chinese seller sees them, 3% red-letter, 1% voided paper."""
    cr.execute("DROP TABLE IF EXISTS bench_gen")
    kind = (
        "'digital_general'"
        if simple
        else """CASE WHEN src % 100 < 35 THEN 'digital_general' WHEN src % 100 < 65 THEN 'digital_special'
             WHEN src % 100 < 77 THEN 'vat_special' WHEN src % 100 < 87 THEN 'vat_general'
             WHEN src % 100 < 93 THEN 'e_general' WHEN src % 100 < 96 THEN 'vat_roll'
             WHEN src % 100 < 98 THEN 'e_special' WHEN src % 100 < 99 THEN 'motor_vehicle'
             ELSE 'used_vehicle' END"""
    )
    rate = (
        "13.0"
        if simple
        else """CASE WHEN src % 20 < 11 THEN 13.0 WHEN src % 20 < 13 THEN 9.0 WHEN src % 20 < 17 THEN 6.0
             WHEN src % 20 < 18 THEN 3.0 WHEN src % 20 < 19 THEN 1.0 ELSE 0.0 END"""
    )
    cr.execute(
        f"""CREATE TEMP TABLE bench_gen AS
            SELECT g, src, red, kind, rate::float8 AS rate, rate = 0 AS exempt,
                   round((100 + (src::bigint * 7919 %% 1000000) / 100.0)
                         * CASE WHEN red THEN -0.5 ELSE 1 END, 2) AS amount,
                   NOT red AND kind IN ('vat_special', 'vat_general', 'vat_roll')
                       AND g %% 50 = 25 AND (g + 1) %% 33 <> 0 AS void,
                   %(period)s::date + (src %% 28) AS day,
                   nextval('invoice_clearing_fapiao_id_seq') AS fid
              FROM (SELECT g, g %% 33 = 0 AS red, CASE WHEN g %% 33 = 0 THEN g - 1 ELSE g END AS src
                      FROM generate_series(1, %(n)s) g) s,
                   LATERAL (SELECT {kind.replace("%", "%%")} AS kind,
                                   {rate.replace("%", "%%")} AS rate) k
          ORDER BY g""",
        {"period": PERIOD, "n": n},
    )
    cr.execute(
        """INSERT INTO invoice_clearing_fapiao
               (id, company_id, partner_id, buyer_vat, fapiao_type, code, number, issue_date,
                amount_untaxed, amount_tax, amount_total, tax_rate, tax_exempt, is_red,
                origin_fapiao_id, red_reference, void_date, state, uploaded,
                create_uid, write_uid, create_date, write_date)
           SELECT b.fid, %(company)s, (%(buyers)s::int[])[1 + b.src %% %(nbuyers)s], '91350100M000100Y43',
                  b.kind,
                  CASE b.kind WHEN 'vat_special' THEN '3200191130' WHEN 'vat_general' THEN '032001900104'
                       WHEN 'vat_roll' THEN '032001900106' WHEN 'e_general' THEN '044001900111'
                       WHEN 'e_special' THEN '044001900113' WHEN 'motor_vehicle' THEN '144001924000'
                       WHEN 'used_vehicle' THEN '244001924000' END,
                  CASE WHEN b.kind LIKE 'digital%%' THEN '264420' || lpad(b.g::text, 14, '0')
                       ELSE lpad(b.g::text, 8, '0') END,
                  b.day, b.amount,
                  CASE WHEN b.exempt THEN 0 ELSE round(b.amount * b.rate::numeric / 100, 2) END,
                  b.amount + CASE WHEN b.exempt THEN 0 ELSE round(b.amount * b.rate::numeric / 100, 2) END,
                  b.rate, b.exempt, b.red, o.fid,
                  CASE WHEN b.red THEN lpad(b.g::text, 20, '7') END,
                  CASE WHEN b.void THEN b.day END,
                  CASE WHEN b.void THEN 'void' WHEN b.g %% 33 = 32 THEN 'red_partial' ELSE 'normal' END,
                  true, 1, 1, now(), now()
             FROM bench_gen b LEFT JOIN bench_gen o ON b.red AND o.g = b.src""",
        {"company": company_id, "buyers": buyer_ids, "nbuyers": len(buyer_ids)},
    )
    if invoice:
        _insert_invoices(cr, company_id, invoice)
    cr.execute("DROP TABLE bench_gen")


def _insert_invoices(cr, company_id, invoice):
    """An invoice per two blue fapiao, a credit note per red one; 10% issued outside Odoo."""
    cr.execute(
        """CREATE TEMP TABLE bench_move AS
           SELECT fid, CASE WHEN red THEN 'R' || g ELSE 'I' || (g / 2) END AS key,
                  CASE WHEN red THEN 'out_refund' ELSE 'out_invoice' END AS move_type, day
             FROM bench_gen WHERE red OR g % 10 <> 7"""
    )
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = 'account_move' AND column_name NOT IN
                  ('id', 'name', 'move_type', 'date', 'invoice_date', 'invoice_date_due',
                   'sequence_prefix', 'sequence_number')"""
    )
    columns = ", ".join(f'"{c}"' for (c,) in cr.fetchall())
    cr.execute(
        f"""INSERT INTO account_move ({columns}, name, move_type, date, invoice_date,
                                      invoice_date_due, sequence_prefix, sequence_number)
            SELECT {columns}, 'BENCH/' || k.key, k.move_type, k.day, k.day, k.day, 'BENCH/',
                   row_number() OVER (ORDER BY k.key)
              FROM account_move m,
                   (SELECT key, min(move_type) AS move_type, min(day) AS day
                      FROM bench_move GROUP BY key) k
             WHERE m.id = %s""",
        [invoice.id],
    )
    cr.execute(
        """UPDATE invoice_clearing_fapiao f SET move_id = m.id
             FROM bench_move b JOIN account_move m ON m.name = 'BENCH/' || b.key
            WHERE f.id = b.fid AND m.company_id = %s""",
        [company_id],
    )
    cr.execute("DROP TABLE bench_move")


def _record_filing(cr, clearing):
    """The VAT return figures equal the fapiao summary, so the check passes (票表比对)."""
    cr.execute(
        """INSERT INTO invoice_clearing_filing_line
               (clearing_id, company_id, tax_rate, amount_untaxed, amount_tax,
                create_uid, write_uid, create_date, write_date)
           SELECT %s, company_id, tax_rate, sum(amount_untaxed), sum(amount_tax), 1, 1, now(), now()
             FROM invoice_clearing_fapiao
            WHERE company_id = %s AND void_date IS NULL AND clearing_id IS NULL
         GROUP BY company_id, tax_rate""",
        [clearing.id, clearing.company_id.id],
    )
    cr.execute(
        "UPDATE invoice_clearing SET filing_date = %s WHERE id = %s", [date.today(), clearing.id]
    )


# ----------------------------------------------------------------------------- measurement
def rss():
    """(current, peak) resident set of this process in MB, from /proc."""
    status = Path("/proc/self/status").read_text()
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return (int(values["VmRSS"].split()[0]) / 1024, int(values["VmHWM"].split()[0]) / 1024)


class QueryLog:
    """Every query a call sends, with its time: the profile behind the table."""

    def __init__(self, cr):
        self.cr, self.queries, self._execute = cr, [], cr.execute

    def __enter__(self):
        def execute(query, params=None, log_exceptions=True):
            start = time.perf_counter()
            try:
                return self._execute(query, params, log_exceptions)
            finally:
                self.queries.append((time.perf_counter() - start, query, params))

        self.cr.execute = execute
        return self

    def __exit__(self, *exc):
        del self.cr.execute

    def top(self, count=6):
        return [
            (round(t * 1000, 1), _sql_text(self.cr, q, p)[:160])
            for t, q, p in sorted(self.queries, key=lambda x: -x[0])[:count]
        ]


def _sql_text(cr, query, params):
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
    cr.execute(f"EXPLAIN {option} " + _sql_text(cr, query, params))
    plan = [row[0] for row in cr.fetchall()]
    cr.execute("ROLLBACK TO SAVEPOINT bench_explain")
    return plan


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def floor(cr, company_id, clearing_id, date_to):
    """The raw SQL the work needs, timed directly, then rolled back."""
    from odoo.addons.invoice_clearing.models.invoice_clearing_integrity import HASHED_COLUMNS
    from odoo.tools import SQL

    scope = "company_id = %(c)s AND clearing_id IS NULL AND issue_date <= %(d)s"
    args = {"c": company_id, "d": date_to, "x": clearing_id}
    group_by = f"""SELECT fapiao_type, tax_rate, is_red, void_date IS NOT NULL, count(*),
                          sum(amount_untaxed), sum(amount_tax)
                     FROM invoice_clearing_fapiao WHERE {scope}
                 GROUP BY fapiao_type, tax_rate, is_red, void_date IS NOT NULL"""
    update = f"UPDATE invoice_clearing_fapiao SET clearing_id = %(x)s WHERE {scope}"
    digest = SQL(
        """SELECT encode(sha256(convert_to(string_agg(%s, E'\\n' ORDER BY id), 'UTF8')), 'hex')
             FROM invoice_clearing_fapiao WHERE clearing_id = %s""",
        HASHED_COLUMNS,
        clearing_id,
    )
    result = {}
    cr.execute("SAVEPOINT bench_floor")
    result["group_by"], _ = timed(cr.execute, group_by, args)
    result["update"], _ = timed(cr.execute, update, args)
    result["frozen"] = cr.rowcount
    result["hash"], _ = timed(cr.execute, digest)
    cr.execute("ROLLBACK TO SAVEPOINT bench_floor")
    result["plans"] = {
        "floor GROUP BY": explain(cr, group_by, args),
        "floor UPDATE (freeze)": explain(cr, update, args, analyze=False),
    }
    return result


def measure(dbname, n):
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", CONF, "--log-level=warn"])
    registry = Registry(dbname)
    out = {"n": n}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        company = env.ref("base.main_company")
        clearing_id = env["invoice.clearing"].search([("company_id", "=", company.id)]).id
        env = odoo.api.Environment(cr, admin.id, {"allowed_company_ids": company.ids})
        clearing = env["invoice.clearing"].browse(clearing_id)
        out["scope"] = env["invoice.clearing.fapiao"].search_count(
            [("company_id", "=", company.id)]
        )
        out["threshold"] = clearing._background_threshold()

        # The register's first page (list view, default filters: none), after a warm-up.
        out["list"], out["list_plans"] = list_first_page(env, cr)

        # Floor: a warm-up pass, then the measured one (both rolled back), then VACUUM.
        floor(cr, company.id, clearing_id, clearing.date_to)
        out["floor"] = floor(cr, company.id, clearing_id, clearing.date_to)
        cr.commit()
    with registry.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE invoice_clearing_fapiao")
        cr._cnx.autocommit = False

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, admin.id, {"allowed_company_ids": company.ids})
        clearing = env["invoice.clearing"].browse(clearing_id)
        with QueryLog(cr) as log:
            out["check"], _ = timed(lambda: (clearing.action_check(), env.flush_all()))
        out["check_queries"] = log.top()
        out["problems"] = clearing.problem_ids.mapped(
            lambda p: f"{p.severity}: {textwrap.shorten(p.message, 120, placeholder=' …')}"
        )
        out["check_plans"] = check_plans(env, clearing)
        cr.commit()

    cert = {"time": None}
    Certificate = registry["report.invoice_clearing.report_clearing_certificate"]  # patched here
    original = Certificate._attach

    def timed_certificate(self, clearing):
        start = time.perf_counter()
        try:
            return original(self, clearing)
        finally:
            cert["time"] = (cert["time"] or 0) + time.perf_counter() - start

    Certificate._attach = timed_certificate

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, admin.id, {"allowed_company_ids": company.ids})
        clearing = env["invoice.clearing"].browse(clearing_id)
        Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
        rss_before, _ = rss()
        with QueryLog(cr) as log:
            out["approve"], result = timed(lambda: (clearing.action_approve(), cr.commit())[0])
        out["rss_before"], out["rss_peak"] = rss_before, rss()[1]
        out["approve_queries"] = log.top()
        out["approve_result"] = result if isinstance(result, bool) else result["params"]["type"]
        out["certificate"] = cert["time"]
        if cert["time"]:  # approve is reported without the certificate, which is listed apart
            out["approve"] -= cert["time"]
        out["state"], out["job_state"] = clearing.state, clearing.job_state
        out["failure"] = clearing.failure_reason or ""
        if clearing.state == "cleared":
            out["approve_plans"] = approve_plans(env, clearing)
        out["pdf"] = summary_pdf(env, clearing)
        out["xlsx"] = xlsx_export(env, clearing)
        if clearing.fapiao_count > env["invoice.clearing.export"]._part_rows():
            out["xlsx_background"] = xlsx_background_export(env, clearing)
    print("BENCH-JSON " + json.dumps(out, default=str))


def xlsx_export(env, clearing):
    """The clearing's XLSX written to a temporary file as the download route does: time, peak
    RSS growth, size and fapiao sheets."""
    import tempfile

    from openpyxl import load_workbook

    report = env["report.invoice_clearing.clearing_xlsx"]
    env.invalidate_all()
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    before = rss()[0]
    with tempfile.TemporaryFile() as output:
        elapsed, _name = timed(report._write, clearing, output)
        growth = rss()[1] - before
        size = output.tell()
        book = load_workbook(output, read_only=True)
        # "Fapiao", then "Fapiao (2)"... above Excel's row limit (the bench runs in English)
        sheets = sum(name == "Fapiao" or name.startswith("Fapiao (") for name in book.sheetnames)
    return {"time": elapsed, "rss_growth": growth, "mb": size / 2**20, "fapiao_sheets": sheets}


def xlsx_background_export(env, clearing):
    """The export a user gets for a clearing above `invoice_clearing.xlsx_part_rows`: the job's
    runs, one file each, run here as the cron runs them (each committed): total time, the
    largest run's CPU time (a cron worker's limit is 60 s) and the peak RSS growth."""
    from odoo.addons.invoice_clearing.models.invoice_clearing_export import PART_ROWS_PARAM

    Job = env["invoice.clearing.job"].sudo()
    export = env["invoice.clearing.export"]._start(
        clearing, env["invoice.clearing.export"]._part_rows()
    )
    env.cr.commit()
    env.invalidate_all()
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    before = rss()[0]
    cpu, start = [], time.perf_counter()
    while export.job_state in ("queued", "running"):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        Job._cron_run("export")
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu.append(after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime)
        env.cr.commit()
        env.invalidate_all()
    elapsed = time.perf_counter() - start
    sizes = export.attachment_ids.mapped("file_size")
    return {
        "param": PART_ROWS_PARAM, "files": len(sizes), "part_rows": export.part_rows,
        "state": export.job_state, "time": elapsed, "max_cpu": max(cpu), "runs": len(cpu),
        "rss_growth": rss()[1] - before, "mb": sum(sizes) / 2**20,
    }  # fmt: skip


def list_first_page(env, cr):
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
    with QueryLog(cr) as log:
        elapsed, result = timed(
            lambda: Fapiao.web_search_read([], spec, limit=80, count_limit=10001)
        )
    assert len(result["records"]) == 80, result["length"]
    plans = {}
    for _t, query, params in log.queries:
        text = _sql_text(cr, query, params)
        if text.startswith('SELECT "invoice_clearing_fapiao"."id"') and "LIMIT 80" in text:
            plans["list: first page"] = explain(cr, query, params)
        elif "count(" in text.lower() and '"invoice_clearing_fapiao"' in text:
            plans["list: count (up to 10,001, as the web client asks)"] = explain(cr, query, params)
    return elapsed, plans


def check_plans(env, clearing):
    from odoo.addons.invoice_clearing.models.invoice_clearing_fapiao import AMOUNT_BROKEN
    from odoo.fields import Domain
    from odoo.tools import SQL

    cr = env.cr
    Fapiao = env["invoice.clearing.fapiao"].sudo()
    scope = clearing._scope_domain()
    not_uploaded = Fapiao._search(
        scope & Domain("uploaded", "=", False) & Domain("void_date", "=", False)
    )
    moves = (
        env["account.move"]
        .sudo()
        ._search(
            [
                ("company_id", "=", clearing.company_id.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("invoice_date", "<=", clearing.date_to),
                ("state", "=", "posted"),
                ("fapiao_ids", "=", False),
            ]
        )
    )
    return {
        "check: not uploaded": explain(cr, not_uploaded.select("count(*)")),
        "check: amount identities": explain(
            cr,
            SQL(
                "SELECT id FROM invoice_clearing_fapiao WHERE %s AND id IN %s ORDER BY id",
                SQL(AMOUNT_BROKEN),
                clearing._scope_query().subselect(),
            ),
        ),
        "check: invoices without fapiao": explain(cr, moves.select("count(*)")),
    }


def approve_plans(env, clearing):
    from odoo.addons.invoice_clearing.models.invoice_clearing_integrity import HASHED_COLUMNS
    from odoo.tools import SQL

    return {
        "approve: digest chunk": explain(
            env.cr,
            SQL(
                """SELECT id, %s FROM invoice_clearing_fapiao
                    WHERE clearing_id = %s AND id > 0 ORDER BY id LIMIT 20000""",
                HASHED_COLUMNS,
                clearing.id,
            ),
        )
    }


def summary_pdf(env, clearing):
    report = env.ref(SUMMARY_REPORT, raise_if_not_found=False)
    if not report:
        return "n/a (report not present)"
    elapsed, _ = timed(lambda: env["ir.actions.report"]._render_qweb_pdf(report, clearing.ids))
    return elapsed


# ----------------------------------------------------------------------------- import phase
IMPORT_SELLER = "91440300MA5F00012E"
IMPORT_DIR = ROOT / ".local/bench-import"


def generate_import(env, n):
    """N not-uploaded fapiao of one company and month (bench's mix), the seller's tax ID set."""
    admin = env.ref("base.user_admin")
    company = env.ref("base.main_company")
    company.write({"name": "Bench Co", "vat": IMPORT_SELLER})
    admin.write({"group_ids": [(4, env.ref("invoice_clearing.group_clearing_manager").id)]})
    if os.environ.get("IMPORT_BACKGROUND_BYTES"):  # e.g. 0: every file through the background job
        env["ir.config_parameter"].set_param(
            "invoice_clearing.import_background_bytes", os.environ["IMPORT_BACKGROUND_BYTES"]
        )
    # The clerk who uploads the export through the web client (http_import).
    env["res.users"].create(
        {
            "name": "Bench Clerk", "login": "bench_clerk", "password": "bench_clerk",
            "company_id": company.id, "company_ids": [(6, 0, company.ids)],
            "group_ids": [(6, 0, [env.ref("invoice_clearing.group_clearing_user").id,
                                  env.ref("account.group_account_invoice").id])],
        }
    )  # fmt: skip
    buyers = env["res.partner"].create(
        [{"name": f"Buyer {i:04d}", "is_company": True} for i in range(BUYERS)]
    )
    env.flush_all()
    _insert_fapiao(env.cr, company.id, buyers.ids, n, None)
    env.cr.execute("UPDATE invoice_clearing_fapiao SET uploaded = false")
    env.cr.execute("ANALYZE")


def import_files(env, n):
    """The bureau's export of the month (xlsx and UTF-8 / GB18030 CSV), written once, not timed."""
    from odoo.addons.invoice_clearing.tools import bureau_export

    env.cr.execute(
        """SELECT f.code, f.number, f.fapiao_type AS kind, f.buyer_vat, p.name AS buyer_name,
                  f.issue_date + time '10:30' AS issue_date, f.amount_untaxed, f.amount_tax,
                  f.amount_total, f.state, f.is_red
             FROM invoice_clearing_fapiao f JOIN res_partner p ON p.id = f.partner_id
            WHERE f.company_id = %s ORDER BY f.id""",
        [env.ref("base.main_company").id],
    )
    columns = [column.name for column in env.cr.description]
    rows = [
        bureau_export.row_from_fapiao(
            **dict(zip(columns, values, strict=True)),
            seller_vat=IMPORT_SELLER,
            seller_name="Bench Co",
            source="电子发票服务平台",
            risk="正常",
        )
        for values in env.cr.fetchall()
    ]
    assert len(rows) == n, len(rows)
    IMPORT_DIR.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, data in (
        ("export.csv", bureau_export.write_export_csv(rows, "utf-8-sig")),
        ("export-gb18030.csv", bureau_export.write_export_csv(rows, "gb18030")),
        ("export.xlsx", bureau_export.write_export_xlsx(rows)),
    ):
        (IMPORT_DIR / name).write_bytes(data)
        sizes[name] = len(data)
    print("BENCH-JSON " + json.dumps(sizes))


def measure_import(dbname, file_name):
    """One in-process import_file of the export, split into parse / reconcile / store; rolled back.

    The parser alone is timed first on the same bytes: the import's target is a ratio to it.
    """
    import odoo
    from odoo.exceptions import UserError
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", CONF, "--log-level=warn"])
    registry = Registry(dbname)
    from odoo.addons.invoice_clearing.tools import bureau_export, spreadsheet

    data = (IMPORT_DIR / file_name).read_bytes()
    limit = 50 * 1024 * 1024  # the default of the system parameter the import reads
    out = {"file": file_name, "bytes": len(data)}
    phases = {"parse": 0.0, "reconcile": 0.0, "store": 0.0}
    peaks = {}  # peak RSS growth at the end of each phase
    try:
        out["parser_alone"], parsed = timed(bureau_export.parse_export, data, file_name, limit)
        out["reader"] = spreadsheet.xlsx_reader(data) if data[:2] == b"PK" else "csv"
        if out["reader"] == "calamine":  # the fallback reader on the same file, for the README
            readers = spreadsheet.XLSX_READERS
            spreadsheet.XLSX_READERS = ("openpyxl",)
            out["parser_openpyxl"], _ = timed(bureau_export.parse_export, data, file_name, limit)
            spreadsheet.XLSX_READERS = readers
    except bureau_export.ExportError as error:  # e.g. the size limit, before it was raised
        out["parser_alone"], out["refused"] = 0.0, str(error)
        print("BENCH-JSON " + json.dumps(out, default=str))
        return
    out["rows"], out["parse_errors"] = len(parsed.rows), [str(e) for e in parsed.errors[:3]]
    del parsed
    # The phases' methods since the import was split (issue 17): the reconciliation service's
    # _reconcile, the import's _store (lines INSERT, uploaded UPDATE, messages).
    owners = {
        "reconcile": registry["invoice.clearing.reconcile"],
        "store": registry["invoice.clearing.import"],
    }
    originals = {"parse": bureau_export.parse_export}

    def wrap(phase, fn):
        def timed_phase(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[phase] += time.perf_counter() - start
                peaks[phase] = rss()[1] - rss_before

        return timed_phase

    bureau_export.parse_export = wrap("parse", originals["parse"])
    for phase, owner in owners.items():
        setattr(owner, f"_{phase}", wrap(phase, getattr(owner, f"_{phase}")))
    # Within store: the COPY of the lines (a background import's first stage ends with it).
    phases["copy"] = 0.0
    Line = registry["invoice.clearing.import.line"]
    Line._insert_rows = wrap("copy", Line._insert_rows)
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
        )
        env.invalidate_all()
        Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
        rss_before = rss()[0]
        with QueryLog(cr) as log:
            try:
                out["total"], batch = timed(
                    lambda: (
                        env["invoice.clearing.import"].import_file(
                            company, date_from, date_to, data, file_name
                        ),
                        env.flush_all(),
                    )[0]
                )
            except UserError as error:
                out["refused"] = str(error)
                print("BENCH-JSON " + json.dumps(out, default=str))
                return
        out["rss_growth"] = rss()[1] - rss_before
        out["queries"] = len(log.queries)
        out["top"] = log.top(4)
        out["peaks"] = peaks
        out.update(phases)
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
    print("BENCH-JSON " + json.dumps(out, default=str))


def import_phase(n, sql, log, base="clearing_bench_base"):
    """Import of the N-row export (xlsx, UTF-8 and GB18030 CSV) against N not-uploaded fapiao."""
    dbname = f"{base.removesuffix('_base')}_import"
    clone_base(sql, base, dbname)
    odoo_bin("-d", dbname, "-u", "invoice_clearing", "--stop-after-init", "--log-level=warn")
    start = time.perf_counter()
    child("generate-import", dbname, str(n))
    child("import-files", dbname, str(n))
    print(f"[bench] import: fapiao and export files made in {time.perf_counter() - start:.0f} s")
    names = os.environ.get("IMPORT_FILES", "export.xlsx export.csv export-gb18030.csv").split()
    results = [child("measure-import", dbname, name) for name in names]
    log()
    log(f"## Import of the bureau's export: {n:,} rows against {n:,} not-uploaded fapiao")
    log()
    log("| file | MiB | parser alone | import_file (parse / reconcile / store, of which lines) "
        "| ratio to parser "
        "| queries | RSS growth | uploaded | fapiao messages |")  # fmt: skip
    log("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    readers = []
    for r in results:
        if "refused" in r:
            refusal = " ".join(r["refused"].split())[:120]
            log(f"| {r['file']} | {r['bytes'] / 2**20:.1f} | {r['parser_alone']:.1f} s "
                f"| refused: {refusal} | | | | | |")  # fmt: skip
            continue
        ratio = r["total"] / r["parser_alone"]
        if r.get("parser_openpyxl"):
            readers.append(f"{r['file']}: python-calamine {r['parser_alone']:.1f} s, openpyxl "
                           f"{r['parser_openpyxl']:.1f} s ({r['parser_openpyxl'] / r['parser_alone']:.1f}×)")  # fmt: skip
        log(f"| {r['file']} | {r['bytes'] / 2**20:.1f} | {r['parser_alone']:.1f} s "
            f"| {r['total']:.1f} s ({r['parse']:.1f} / {r['reconcile']:.1f} / {r['store']:.1f}, "
            f"lines {r.get('copy', 0):.1f}) "
            f"| {ratio:.2f} | {r['queries']:,} | {r['rss_growth']:.0f} MB | {r['uploaded']} "
            f"| {r['fapiao_messages']:,} |")  # fmt: skip
    log()
    log("Targets: xlsx import ≤ 30 s and ≤ 3× the parser alone; RSS growth ≤ 300 MB.")
    if readers:
        log()
        log("Parser alone by xlsx reader: " + "; ".join(readers) + ".")
    if os.environ.get("IMPORT_HTTP", "1") == "1":
        http_import(dbname, log)
    return results


def http_import(dbname, log, runs=None):
    """The xlsx export uploaded through the import wizard as the web client does it, against
    odoo-bin --workers=2 with Odoo's default limits, then followed on the import's form.
    `runs`, a list, receives the runs of its background job and Odoo's log of the server."""
    import requests

    data = (IMPORT_DIR / "export.xlsx").read_bytes()
    with Server(dbname, default_limits=True) as server:
        session = requests.Session()

        def rpc(path, **params):
            reply = session.post(f"{server.url}{path}", json={"jsonrpc": "2.0", "params": params},
                                 timeout=600).json()  # fmt: skip
            if "error" in reply:
                raise RuntimeError(json.dumps(reply["error"])[:2000])
            return reply["result"]

        def call(model, method, *args, button=False, **kwargs):
            route = "call_button" if button else "call_kw"
            return rpc(f"/web/dataset/{route}/{model}.{method}", model=model, method=method,
                       args=list(args), kwargs=kwargs)  # fmt: skip

        uid = rpc("/web/session/authenticate", db=dbname, login="bench_clerk",
                  password="bench_clerk")["uid"]  # fmt: skip
        company = call("res.users", "read", [uid], ["company_id"])[0]["company_id"][0]
        [first] = call("invoice.clearing.fapiao", "search_read", [], ["issue_date"],
                       order="issue_date", limit=1)  # fmt: skip
        day = datetime.strptime(first["issue_date"], "%Y-%m-%d").date()
        start = time.perf_counter()
        wizard = call("invoice.clearing.import.wizard", "create", {
            "file": base64.b64encode(data).decode(), "file_name": "export.xlsx",
            "company_id": company, "date_from": str(day.replace(day=1)),
            "date_to": str(day + relativedelta(day=31)),
        })  # fmt: skip
        action = call("invoice.clearing.import.wizard", "action_import", [wizard], button=True)
        request_time = time.perf_counter() - start
        batch = action["res_id"]
        row = {}
        while time.perf_counter() - start < 1800:
            server.sample_rss()
            [row] = call("invoice.clearing.import", "read", [batch],
                         ["state", "job_state", "job_step", "job_progress", "failure_reason",
                          "count_matched", "row_count", "job_attempts"])  # fmt: skip
            if row["state"] != "processing":
                break
            time.sleep(1)
        total = time.perf_counter() - start
        uploaded = call("invoice.clearing.fapiao", "search_count", [("uploaded", "=", True)])
        fapiao = call("invoice.clearing.fapiao", "search_count", [])
        killed = [line for line in server.logfile.read_text(errors="replace").splitlines()
                  if "limit" in line and ("reached" in line or "killing" in line.lower())]  # fmt: skip
        peaks = sorted(((p - f, p) for f, p in server.peaks.values()), reverse=True)
        if runs is not None:
            runs.extend(job_runs(server, "import_id", batch))
            runs.append(server.logfile.read_text(errors="replace"))
    log()
    log("## The same xlsx through the web client (`--workers=2`, Odoo's default limits)")
    log()
    log("| measure | value | target | met |")
    log("|---|---:|---:|:-:|")
    log(f"| upload request (wizard create + Import button) | {request_time:.1f} s | < 60 s CPU, "
        f"< 120 s real | {'yes' if request_time < 60 else '**no**'} |")  # fmt: skip
    log(f"| until the import's form shows it done ({row.get('job_state') or 'immediate'}, "
        f"{row.get('job_attempts')} run(s)) | {total:.1f} s | completes | "
        f"{'yes' if row.get('state') in ('open', 'done') else '**no**'} |")  # fmt: skip
    log(f"| lines matched / rows | {row.get('count_matched'):,} / {row.get('row_count'):,} | all "
        f"| {'yes' if row.get('row_count') and row['count_matched'] == row['row_count'] else '**no**'} |")  # fmt: skip
    log(f"| fapiao uploaded / in the register | {uploaded:,} / {fapiao:,} | all | "
        f"{'yes' if uploaded == fapiao else '**no**'} |")  # fmt: skip
    log(f"| workers killed for a limit | {len(killed)} | 0 | {'yes' if not killed else '**no**'} |")
    if peaks:
        log(f"| busiest server process: RSS growth / peak | {peaks[0][0]:.0f} / {peaks[0][1]:.0f} MB "
            f"| < 2048 MB | {'yes' if peaks[0][1] < 2048 else '**no**'} |")  # fmt: skip
    if row.get("failure_reason"):
        log()
        log(f"Failure: {row['failure_reason']}")
    for line in killed[:5]:
        log(f"- `{line}`")


# ----------------------------------------------------------------------------- orchestration
def odoo_bin(*args, **kwargs):
    cmd = [sys.executable, f"{ODOO_SRC}/odoo-bin", "-c", CONF, *args]
    return subprocess.run(cmd, check=True, **kwargs)


def child(*args):
    """This script again, in a fresh process; returns its BENCH-JSON payload if any."""
    run = subprocess.run(
        [sys.executable, __file__, *args], check=False, capture_output=True, text=True
    )
    if run.returncode:
        sys.exit(f"[bench] {args[0]} failed:\n{run.stderr[-4000:]}")
    for line in run.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line.removeprefix("BENCH-JSON "))
    return None


def free_port(port):
    while True:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                port += 1


class Server:
    """odoo-bin --workers=2 on a free port; RSS of its processes sampled while it runs."""

    def __init__(self, dbname, default_limits=False):
        self.dbname, self.port = dbname, free_port(8173)
        # Odoo's default worker limits (CPU 60 s, real 120 s, memory 2 GiB) where a user's click
        # is measured; raised where a long RPC call of the bench itself would be cut.
        self.limits = [] if default_limits else ["--limit-time-real=3600", "--limit-time-cpu=3600"]
        self.url = f"http://127.0.0.1:{self.port}"
        self.peaks = {}
        self.logfile = ROOT / ".local/bench-server.log"
        self.logfile.unlink(missing_ok=True)

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, f"{ODOO_SRC}/odoo-bin", "-c", CONF, "-d", self.dbname,
             f"--db-filter=^{self.dbname}$", "--workers=2", "--max-cron-threads=1",
             f"--http-port={self.port}", f"--gevent-port={free_port(self.port + 1)}",
             *self.limits, "--log-level=info",
             f"--logfile={self.logfile}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(120):
            try:
                xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").version()
                break
            except OSError:
                time.sleep(0.5)
        self.uid = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").authenticate(
            self.dbname, "admin", "admin", {}
        )
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(120)  # a loaded machine stops its workers slowly
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def call(self, model, method, *args, **kwargs):
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.dbname, self.uid, "admin", model, method, list(args), kwargs)

    def cron_seconds(self, name):
        """Sum of the durations Odoo's log reports for the runs of the cron job `name`."""
        pattern = re.compile(rf"Job '{re.escape(name)}' \(\d+\) .*duration ([\d.]+)s")
        text = self.logfile.read_text(errors="replace")
        return sum(float(m.group(1)) for m in pattern.finditer(text))

    def sample_rss(self):
        import psutil

        for proc in [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children()]:
            try:
                mb = proc.memory_info().rss / 2**20
            except psutil.NoSuchProcess:
                continue
            first, peak = self.peaks.get(proc.pid, (mb, mb))
            self.peaks[proc.pid] = (first, max(peak, mb))


def clearing_ids(server):
    rows = server.call(
        "invoice.clearing", "search_read", [], fields=["company_id"], context={"active_test": False}
    )
    return {row["company_id"][1]: row["id"] for row in rows}


def multi_worker(server):
    """Two approvals one after the other, then two of other companies at the same time."""
    ids = clearing_ids(server)

    def approve(name, out):
        start = time.perf_counter()
        server.call("invoice.clearing", "action_approve", [ids[name]])
        out[name] = time.perf_counter() - start

    # Warm both workers up (registry, caches): every worker serves some checks first.
    for _round in range(2):
        warm = [
            threading.Thread(target=server.call, args=("invoice.clearing", "action_check", [ids[name]]))
            for name in ("Bench MW A", "Bench MW B", "Bench MW C", "Bench MW D")
        ]  # fmt: skip
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
    sequential, parallel = {}, {}
    start = time.perf_counter()
    approve("Bench MW A", sequential)
    approve("Bench MW B", sequential)
    sequential["wall"] = time.perf_counter() - start
    threads = [threading.Thread(target=approve, args=(n, parallel)) for n in ("Bench MW C", "Bench MW D")]  # fmt: skip
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    parallel["wall"] = time.perf_counter() - start
    states = server.call(
        "invoice.clearing", "read", [ids[f"Bench MW {c}"] for c in "ABCD"], ["state"]
    )
    return {"sequential": sequential, "parallel": parallel, "states": [s["state"] for s in states]}


def background_job(server, clearing_id, log):
    """Follow a background clearing to its end through RPC, as the form shows it.

    Returns (seconds seen by the client, final values, seconds the cron worker spent on it
    according to Odoo's log). The two differ by the cron worker's start-up: a prefork cron
    worker sleeps a minute after it boots, while a running one is woken by the commit.
    """
    start = time.perf_counter()
    last = -1
    while time.perf_counter() - start < 7200:
        server.sample_rss()
        [row] = server.call(
            "invoice.clearing", "read", [clearing_id],
            ["state", "job_state", "job_done", "job_total", "job_progress"],
        )  # fmt: skip
        if row["job_done"] != last:
            log(f"  background job: {row['job_done']:>9,} / {row['job_total']:,} "
                f"({row['job_progress']:.0f}%) after {time.perf_counter() - start:.1f} s")  # fmt: skip
            last = row["job_done"]
        if row["job_state"] != "running":
            break
        time.sleep(1)
    return time.perf_counter() - start, row, server.cron_seconds(JOB_CRON)


def job_runs(server, owner_field, owner_id):
    """The runs of the background jobs of one owner, oldest first, as their form lists them."""
    rows = server.call(
        "invoice.clearing.job.run", "search_read", [(f"job_id.{owner_field}", "=", owner_id)],
        fields=["job_id", "number", "outcome", "processed", "duration", "cpu_time", "note"],
        order="job_id, number",
    )  # fmt: skip
    kind = {"import_id": "import", "clearing_id": "clearing", "export_id": "export"}[owner_field]
    return [dict(row, kind=kind) for row in rows]


CPU_LIMIT, REAL_LIMIT = 60, 120  # Odoo's default limit_time_cpu and limit_time_real


def cron_hogs(count):
    """`count` CPU-bound processes (busy loops at normal priority), as a loaded month end."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def loaded(n):
    """The import through the web client and a background clearing with two CPU hogs beside
    the server; every job run and every cron pass against Odoo's limits."""
    lines = []

    def log(text=""):
        print(text, flush=True)
        lines.append(text)

    sql, base = psql(), "clearing_bench_base"
    import_db, clearing_db = "clearing_bench_loaded_import", "clearing_bench_loaded"
    # LOADED_CLEARING=0: the import part only (the background clearing is left out).
    clearing = os.environ.get("LOADED_CLEARING", "1") == "1"
    for dbname in (import_db, clearing_db) if clearing else (import_db,):
        clone_base(sql, base, dbname)
        odoo_bin("-d", dbname, "-u", "invoice_clearing", "--stop-after-init", "--log-level=warn")
    print(f"[bench] loaded: generating {n:,} fapiao twice (not timed)")
    # The import goes through the background job whatever N (IMPORT_BACKGROUND_BYTES overrides).
    os.environ.setdefault("IMPORT_BACKGROUND_BYTES", "0")
    child("generate-import", import_db, str(n))
    child("import-files", import_db, str(n))
    # The clearing runs in the background: its threshold below N (THRESHOLD overrides).
    os.environ.setdefault("THRESHOLD", str(max(n // 2, 1)))
    if clearing:
        child("generate", clearing_db, str(n))
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    log(f"# Background jobs on a loaded server: {n:,} rows, two CPU-bound processes beside it")
    log()
    log(f"{datetime.now():%Y-%m-%d %H:%M}, commit {commit}, {os.cpu_count()} cores; "
        f"`--workers=2`, Odoo's default limits (CPU {CPU_LIMIT} s, real {REAL_LIMIT} s)")  # fmt: skip
    # Where an import's time goes, in-process (rolled back): quiet, then beside the two hogs.
    quiet = child("measure-import", import_db, "export.xlsx")
    hogs = cron_hogs(2)
    runs, logs = [], []
    try:
        busy = child("measure-import", import_db, "export.xlsx")
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
        import_runs = []
        http_import(import_db, log, import_runs)
        logs.append(import_runs.pop())
        runs += import_runs
        if clearing:
            with Server(clearing_db, default_limits=True) as server:
                clearing_id = clearing_ids(server)["Bench Co"]
                start = time.perf_counter()
                server.call("invoice.clearing", "action_approve", [clearing_id])
                approve = time.perf_counter() - start
                seen, row, _cron = background_job(server, clearing_id, print)
                runs += job_runs(server, "clearing_id", clearing_id)
                logs.append(server.logfile.read_text(errors="replace"))
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    if clearing:
        log()
        log(f"Background clearing: approval request {approve:.1f} s, state {row['state']} "
            f"(job {row['job_state']}) after {seen:.1f} s as the client saw it.")  # fmt: skip
    log()
    log("## Every run of the background jobs")
    log()
    log("| job | run | outcome | processed | wall | CPU | within Odoo's limits |")
    log("|---|---:|---|---:|---:|---:|:-:|")
    for r in runs:
        ok = (
            r["duration"] < REAL_LIMIT
            and r["cpu_time"] < CPU_LIMIT
            and r["outcome"] != "interrupted"
        )
        log(f"| {r['kind']} | {r['number']} | {r['outcome']} | {r['processed']:,} "
            f"| {r['duration']:.1f} s | {r['cpu_time']:.1f} s | {'yes' if ok else '**no**'} |")  # fmt: skip
    # Odoo's own account of each cron pass (a pass is what its watchdog times).
    pattern = re.compile(r"Job '(Fapiao clearing: [^']+)' \(\d+\) (\S+) .*duration ([\d.]+)s")
    passes = [(m.group(1), m.group(2), float(m.group(3)))
              for text in logs for m in pattern.finditer(text)]  # fmt: skip
    killed = [line for text in logs for line in text.splitlines()
              if "limit" in line and ("reached" in line or "killing" in line.lower())]  # fmt: skip
    log()
    log("## Cron passes in Odoo's log")
    log()
    log("| cron | passes | longest | within the real-time limit |")
    log("|---|---:|---:|:-:|")
    for name in sorted({p[0] for p in passes}):
        durations = [p[2] for p in passes if p[0] == name]
        log(f"| {name} | {len(durations)} | {max(durations):.1f} s "
            f"| {'yes' if max(durations) < REAL_LIMIT else '**no**'} |")  # fmt: skip
    log()
    log(f"Workers killed for a limit: {len(killed)}.")
    for line in killed[:5]:
        log(f"- `{line}`")
    suffix = "loaded" if clearing else "loaded-import"
    path = ROOT / f"bench/results/{date.today():%Y-%m-%d}-{n}-{suffix}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    print(f"\n[bench] written to {path.relative_to(ROOT)}")


def fmt(value, unit="s"):
    if isinstance(value, (int, float)):
        return f"{value:.3f} {unit}" if unit == "s" else f"{value:.0f} {unit}"
    return str(value)


def psql():
    """A function running one SQL statement on the cluster's postgres database."""
    pg = [f"{os.environ['PG_BIN']}/psql", "-h", os.environ["PGSOCK"], "-p", os.environ["PGPORT"],
          "-U", "odoo", "-d", "postgres", "-qtAc"]  # fmt: skip

    def sql(statement):
        return subprocess.run([*pg, statement], check=True, capture_output=True, text=True).stdout

    return sql


def clone_base(sql, base, dbname):
    """`dbname` as a copy of `base` (installed once; FRESH=1 redoes it), filestore included."""
    filestore = ROOT / ".local/data/filestore"
    if os.environ.get("FRESH") == "1" or base not in sql("SELECT datname FROM pg_database"):
        print(f"[bench] installing invoice_clearing into {base} (once; FRESH=1 redoes it)")
        sql(f"DROP DATABASE IF EXISTS {base}")
        odoo_bin("-d", base, "-i", "invoice_clearing", "--stop-after-init", "--log-level=warn")
    sql(f"DROP DATABASE IF EXISTS {dbname}")
    sql(f"CREATE DATABASE {dbname} TEMPLATE {base}")
    subprocess.run(["rm", "-rf", filestore / dbname], check=True)
    if (filestore / base).exists():
        subprocess.run(["cp", "-r", filestore / base, filestore / dbname], check=True)


def run(n):
    lines = []

    def log(text=""):
        print(text, flush=True)
        lines.append(text)

    base, dbname = "clearing_bench_base", "clearing_bench"
    sql = psql()
    clone_base(sql, base, dbname)
    print(f"[bench] updating the module in {dbname}, generating {n:,} fapiao (not timed)")
    odoo_bin("-d", dbname, "-u", "invoice_clearing", "--stop-after-init", "--log-level=warn")
    start = time.perf_counter()
    child("generate", dbname, str(n))
    print(f"[bench] generated in {time.perf_counter() - start:.0f} s; measuring")
    m = child("measure", dbname, str(n))

    background = None
    with Server(dbname) as server:
        if m["job_state"] == "running":
            ids = clearing_ids(server)
            background = background_job(server, ids["Bench Co"], print)
        mw = multi_worker(server)

    fl = m["floor"]
    floor_total = fl["group_by"] + fl["update"] + fl["hash"]
    work = m["check"] + m["approve"] + (background[2] if background else 0)
    rss_growth = m["rss_peak"] - m["rss_before"]
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    log(f"# Clearing benchmark: {n:,} fapiao, one company, period {PERIOD:%Y-%m}")
    log()
    log(f"{datetime.now():%Y-%m-%d %H:%M}, commit {commit}, {os.cpu_count()} cores, "
        f"PostgreSQL {sql('SHOW server_version').strip()}; fapiao of the company: {m['scope']:,}; "
        f"background threshold {m['threshold']:,}")  # fmt: skip
    log()
    log("| measure | value | target | met |")
    log("|---|---:|---:|:-:|")

    def row(label, value, target="", met=None, unit="s"):
        mark = "" if met is None else ("yes" if met else "**no**")
        log(f"| {label} | {fmt(value, unit)} | {target} | {mark} |")

    row("floor: GROUP BY summary", fl["group_by"])
    row(f"floor: UPDATE freezing {fl['frozen']:,} rows", fl["update"])
    row("floor: ordered SHA-256 over the rows", fl["hash"])
    row("**floor** (sum)", floor_total)
    row("**check** (`action_check`)", m["check"])
    label = "starts the background job" if background else "freeze, summary, hash, lock date"
    row(f"**approve** (`action_approve`: {label})", m["approve"])
    if background:
        row(
            "background job (all batches + final check, in the cron worker, from Odoo's log)",
            background[2],
        )
        row(
            "background job as the client saw it (includes the new cron worker's first 60 s sleep)",
            background[0],
        )
    certificate = m["certificate"] if m["certificate"] is not None else "in the job"
    row(
        "certificate (the certificate report's `_attach`, run after approve's commit, not counted in it)",
        certificate,
    )
    target_ok = n <= 100_000
    row("**ratio** (check + approve" + (" + job" if background else "") + ") / floor",
        f"{work / floor_total:.2f}", "≤ 5", work / floor_total <= 5, unit="")  # fmt: skip
    row("check + approve", m["check"] + m["approve"], "≤ 3 s",
        (m["check"] + m["approve"]) <= 3 if target_ok else None)  # fmt: skip
    pdf = m["pdf"]
    row("summary PDF render", pdf, "≤ 15 s", pdf <= 15 if isinstance(pdf, float) else None)
    row("fapiao list first page (`web_search_read`, 80 rows)", m["list"], "≤ 0.5 s",
        m["list"] <= 0.5)  # fmt: skip
    row("peak RSS growth during approve", rss_growth, "≤ 300 MB", rss_growth <= 300, unit="MB")
    xl = m["xlsx"]
    big = n > 100_000
    row(f"XLSX export ({xl['mb']:.1f} MiB, {xl['fapiao_sheets']} fapiao sheet(s))", xl["time"],
        "≤ 5 s" if not big else "", xl["time"] <= 5 if not big else None)  # fmt: skip
    row("XLSX export: peak RSS growth", xl["rss_growth"], "≤ 100 MB" if not big else "≤ 2 GB",
        xl["rss_growth"] <= (100 if not big else 2048), unit="MB")  # fmt: skip
    bg = m.get("xlsx_background")
    if bg:
        row(f"XLSX export in the background: {bg['files']} files of ≤ {bg['part_rows']:,} fapiao "
            f"({bg['mb']:.1f} MiB, {bg['runs']} runs, job {bg['state']})", bg["time"], "completes",
            bg["state"] == "done")  # fmt: skip
        row("XLSX export in the background: CPU of the largest run", bg["max_cpu"], "< 60 s",
            bg["max_cpu"] < 60)  # fmt: skip
        row("XLSX export in the background: peak RSS growth", bg["rss_growth"], "≤ 2 GB",
            bg["rss_growth"] <= 2048, unit="MB")  # fmt: skip
    log(f"| RSS of the measured process before approve / peak | "
        f"{m['rss_before']:.0f} / {m['rss_peak']:.0f} MB | | |")  # fmt: skip
    if background:
        peaks = sorted(((p - f, f, p) for f, p in server.peaks.values()), reverse=True)
        growth, first, peak = peaks[0]
        row("background job: RSS growth of the busiest server process", growth, "≤ 300 MB",
            growth <= 300, unit="MB")  # fmt: skip
        log(
            f"| background job: that process's RSS first / peak | {first:.0f} / {peak:.0f} MB | | |"
        )
    seq, par = mw["sequential"], mw["parallel"]
    log(
        f"| 2 companies × {MW_FAPIAO:,} fapiao, sequential (A, B, wall) | "
        f"{seq['Bench MW A']:.2f} s, {seq['Bench MW B']:.2f} s, {seq['wall']:.2f} s | | |"
    )
    log(
        f"| 2 companies × {MW_FAPIAO:,} fapiao, parallel, `--workers=2` (C, D, wall) | "
        f"{par['Bench MW C']:.2f} s, {par['Bench MW D']:.2f} s, {par['wall']:.2f} s | "
        f"< sequential wall | {'yes' if par['wall'] < seq['wall'] else '**no**'} |"
    )
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
    plans = {**m["list_plans"], **fl["plans"], **m["check_plans"], **m.get("approve_plans", {})}
    for title, plan in plans.items():
        log()
        log(f"{title}:")
        log("```")
        for line in plan:
            log(line)
        log("```")
    if os.environ.get("IMPORT", "1") == "1":  # IMPORT=0 make bench skips the import phase
        import_phase(n, sql, log, base)
    results = ROOT / "bench/results"
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{date.today():%Y-%m-%d}-{n}.md"
    path.write_text("\n".join(lines) + "\n")
    print(f"\n[bench] written to {path.relative_to(ROOT)}")


def main():
    command, *args = sys.argv[1:]
    if command == "run":
        run(int(args[0]))
        return
    if command == "loaded":
        loaded(int(args[0]))
        return
    if command == "import":  # the import phase alone: bench.py import N [base database]
        lines = []

        def log(text=""):
            print(text, flush=True)
            lines.append(text)

        import_phase(int(args[0]), psql(), log, *args[1:])
        path = ROOT / f"bench/results/{date.today():%Y-%m-%d}-{args[0]}-import.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
        return
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    dbname = args[0]
    n = int(args[1]) if args[1].isdigit() else 0
    if command in ("generate", "generate-import", "import-files"):
        config.parse_config(["-c", CONF, "--log-level=warn"])
        job = {"generate": generate, "generate-import": generate_import,
               "import-files": import_files}[command]  # fmt: skip
        with Registry(dbname).cursor() as cr:
            job(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), n)
    elif command == "measure":
        measure(dbname, n)
    elif command == "measure-import":
        measure_import(dbname, args[1])


if __name__ == "__main__":
    main()
