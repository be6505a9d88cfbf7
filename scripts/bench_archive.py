"""Scale of the archive package (归档包): the package of a big cleared clearing, timed.

    measure(env, clearing) -> dict    for `make bench`: gives a share of the clearing's fapiao an
                                      original XML (not timed), then builds its package as the
                                      background job does, in a savepoint rolled back after
    bench_archive.py DB [SHARE]       the same on DB's largest clearing, cleared first if it is
                                      not (approve, commit); prints the result as JSON

The package is built in one run of the job (see invoice_clearing_archive.py): this says whether
that run stays inside a cron worker's limits (Odoo's defaults: 60 s of CPU, 120 s real).
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONF = os.environ.get("ODOO_CONF", str(ROOT / ".local/odoo.conf"))
SHARE = 0.1  # fapiao with an original XML
CRON_CPU_LIMIT, CRON_REAL_LIMIT = 60, 120  # Odoo's default limit_time_cpu / limit_time_real
XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<EInvoice><Header><EIid>{number}</EIid></Header>'
    "<EInvoiceData><BasicInformation><TotalAmWithoutTax>{amount}</TotalAmWithoutTax>"
    "</BasicInformation></EInvoiceData></EInvoice>\n"
)
BATCH = 2_000


def _rss_mb():
    """(current, peak) resident set of this process in MB."""
    status = Path("/proc/self/status").read_text()
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(values["VmRSS"].split()[0]) / 1024, int(values["VmHWM"].split()[0]) / 1024


def add_originals(env, clearing, share=SHARE):
    """An original XML attached to every 1/share-th fapiao of `clearing` that has none."""
    env.cr.execute(
        """SELECT f.id, f.number, f.amount_untaxed FROM invoice_clearing_fapiao f
            WHERE f.clearing_id = %s AND f.id %% %s = 0
              AND NOT EXISTS (SELECT 1 FROM ir_attachment a
                               WHERE a.res_model = 'invoice.clearing.fapiao' AND a.res_id = f.id)
            ORDER BY f.id""",
        [clearing.id, max(round(1 / share), 1)],
    )
    rows = env.cr.fetchall()
    Attachment = env["ir.attachment"].sudo()
    for start in range(0, len(rows), BATCH):
        Attachment.create(
            [
                {
                    "name": f"{number}.xml",
                    "raw": XML.format(number=number, amount=amount).encode(),
                    "res_model": "invoice.clearing.fapiao",
                    "res_id": fapiao_id,
                    "mimetype": "application/xml",
                }
                for fapiao_id, number, amount in rows[start : start + BATCH]
            ]
        )
        env.invalidate_all()
    return len(rows)


def measure(env, clearing):
    """Build the package of the cleared `clearing` (as its job does) and roll it back: name,
    seconds, CPU seconds, peak RSS growth (MB), package size and files, and notes."""
    env = env(user=1)  # the superuser: a clearing built already is rebuilt (rolled back)
    clearing = clearing.with_env(env)
    added = add_originals(env, clearing)
    if not clearing.certificate_id:  # the package contains it: attached first, not timed
        env["report.invoice_clearing.report_clearing_certificate"]._attach_missing(clearing)
    env.flush_all()
    Archive = env["invoice.clearing.archive"].with_context(lang=clearing.approved_by.lang)
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    rss_before, _peak = _rss_mb()
    with env.cr.savepoint(flush=False) as savepoint:
        start, cpu = time.perf_counter(), time.process_time()
        attachment = Archive._build(clearing)
        env.flush_all()
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        rss_growth = _rss_mb()[1] - rss_before
        size = attachment.file_size
        env.cr.execute(
            "SELECT count(*) FROM ir_attachment WHERE res_model = 'invoice.clearing.fapiao' "
            "AND res_id IN (SELECT id FROM invoice_clearing_fapiao WHERE clearing_id = %s)",
            [clearing.id],
        )
        originals = env.cr.fetchone()[0]
        savepoint.rollback()
    env.invalidate_all()
    fits = cpu_seconds < CRON_CPU_LIMIT and seconds < CRON_REAL_LIMIT
    return {
        "name": f"archive package of {clearing.fapiao_count:,} fapiao",
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "peak_rss_growth_mb": round(rss_growth, 1),
        "size_mb": round(size / 2**20, 2),
        "originals": originals,
        "notes": (
            f"{originals:,} original XML inside ({added:,} added for the bench); built in one "
            f"cron run: {'within' if fits else 'OUTSIDE'} the cron's limits "
            f"({CRON_CPU_LIMIT} s CPU, {CRON_REAL_LIMIT} s real)"
        ),
    }


def main():
    import odoo  # noqa: PLC0415 - after the configuration is known
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    dbname, *rest = sys.argv[1:]
    share = float(rest[0]) if rest else SHARE
    config.parse_config(["-c", CONF, "--log-level=warn"])
    registry = Registry(dbname)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env.cr.execute(
            "SELECT clearing_id FROM invoice_clearing_fapiao WHERE clearing_id IS NOT NULL "
            "GROUP BY clearing_id ORDER BY count(*) DESC LIMIT 1"
        )
        row = env.cr.fetchone()
        if row:
            clearing_id = row[0]
        else:  # not cleared yet: the company's largest scope, cleared by its admin
            env.cr.execute(
                "SELECT c.id FROM invoice_clearing c JOIN invoice_clearing_fapiao f "
                "ON f.company_id = c.company_id WHERE c.state = 'draft' "
                "GROUP BY c.id ORDER BY count(*) DESC LIMIT 1"
            )
            clearing_id = env.cr.fetchone()[0]
            admin = env.ref("base.user_admin")
            clearing = env["invoice.clearing"].browse(clearing_id)
            user_env = odoo.api.Environment(
                cr, admin.id, {"allowed_company_ids": clearing.company_id.ids}
            )
            user_env["invoice.clearing"].browse(clearing_id).action_check()
            user_env["invoice.clearing"].browse(clearing_id).action_approve()
            cr.commit()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        clearing = env["invoice.clearing"].browse(clearing_id)
        add_originals(env, clearing, share)
        cr.commit()
        result = measure(env, clearing)
        cr.rollback()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
