"""Background imports through Odoo's own cron machinery, on real connections.

Run by test_job_slices.py in a subprocess against a committed copy of the test database. Each
pass calls ir.cron's `_process_jobs_loop` for the import cron, as a cron worker's pass does.

- sliced: with no time budget, each pass does one stage of the import and triggers the next.
- killed: a second process runs a pass that hangs after the reconciled lines were committed; it
  is killed (SIGKILL, as Odoo kills a worker past its limits) and the next pass finishes the job
  without reading the file again.

Prints one JSON line with what each scenario left.
"""
# Committing and printing are this script's purpose: it runs outside the test transaction.
# pylint: disable=invalid-commit,print-used,odoo-addons-relative-import

import os
import signal
import subprocess
import sys
import time
from datetime import date

from driver import company_user, fapiao_vals, run, superuser_env

import odoo
from odoo.addons.base.models.ir_cron import IrCron

SELLER = "91440300MA5F00012E"
FAPIAO = 5
PARAMS = ("invoice_clearing.import_background_bytes", "invoice_clearing.job_time_budget")


def setup(registry, name):
    """A company with FAPIAO fapiao of October and the bureau's export of them, queued as a
    background import by its clerk: (import id, job id)."""
    from odoo.addons.invoice_clearing.demo import bureau_export_file  # noqa: PLC0415

    with superuser_env(registry) as env:
        group = "invoice_clearing.group_clearing_user"
        company, clerk, buyer = company_user(env, name, group, vat=SELLER)
        numbers = [f"2644{company.id:08d}{i:08d}" for i in range(FAPIAO)]
        for number in numbers:
            env["invoice.clearing.fapiao"].create(fapiao_vals(company, buyer, number))
        company_id, uid = company.id, clerk.id
    data = bureau_export_file.write_export_xlsx([{
        "digital_number": number, "seller_vat": SELLER, "buyer_vat": "",
        "buyer_name": "Buyer", "issue_date": "2026-10-10 10:00:00", "amount_untaxed": 100,
        "amount_tax": 13, "amount_total": 113, "kind": "digital_general", "status": "normal",
    } for number in numbers])  # fmt: skip
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, uid, {"allowed_company_ids": [company_id]})
        batch = env["invoice.clearing.import"].import_file(
            env["res.company"].browse(company_id), date(2026, 10, 1), date(2026, 10, 31), data,
            f"{name}.xlsx",
        )  # fmt: skip
        return batch.id, batch.job_id.id


def cron_pass(registry):
    """One pass of a cron worker over the import cron."""
    with superuser_env(registry) as env:
        cron_id = env.ref("invoice_clearing.ir_cron_import_jobs").id
    with registry.cursor() as cron_cr:
        IrCron._process_jobs_loop(cron_cr, job_ids=[cron_id])


def state(registry, import_id, job_id):
    with superuser_env(registry) as env:
        batch = env["invoice.clearing.import"].browse(import_id)
        job = env["invoice.clearing.job"].browse(job_id)
        runs = job.run_ids.sorted("number")
        cron = env.ref("invoice_clearing.ir_cron_import_jobs")
        fapiao = env["invoice.clearing.fapiao"].search([("company_id", "=", batch.company_id.id)])
        return {
            "import": batch.state, "job": job.state, "stage": job.stage or "",
            "runs": runs.mapped("outcome"), "processed": runs.mapped("processed"),
            "cpu": runs.mapped("cpu_time"),
            "outcomes": sorted(batch.line_ids.mapped("outcome")),
            "uploaded": sum(fapiao.mapped("uploaded")), "fapiao": len(fapiao),
            "cron_failures": cron.failure_count, "cron_active": cron.active,
        }  # fmt: skip


def set_params(registry, **values):
    with superuser_env(registry) as env:
        params = env["ir.config_parameter"]
        for key in PARAMS:
            params.set_param(key, values.get(key.rsplit(".", 1)[1], False))


def hang_after_stage_one(registry):
    """The killed worker: its pass goes on to the outcome whatever the time (a slow machine
    would otherwise pause after the lines) and hangs there."""
    registry["invoice.clearing.fapiao"]._set_uploaded_by_import = lambda *a, **k: time.sleep(600)
    Job = registry["invoice.clearing.job"]
    commit = Job._commit

    def commit_with_time_left(self, *args, **kwargs):
        commit(self, *args, **kwargs)
        return float("inf")

    Job._commit = commit_with_time_left
    cron_pass(registry)


def main(registry, rounds, run_id):
    from odoo.addons.invoice_clearing.tools import bureau_export  # noqa: PLC0415

    result = {}
    try:
        # Sliced: no time budget, one stage per pass.
        set_params(registry, import_background_bytes="100", job_time_budget="0")
        import_id, job_id = setup(registry, f"Sliced Co {run_id}")
        passes = 0
        while passes < 6 and state(registry, import_id, job_id)["job"] != "done":
            cron_pass(registry)
            passes += 1
        result["sliced"] = dict(state(registry, import_id, job_id), passes=passes)

        # Killed after a committed stage, then resumed.
        set_params(registry, import_background_bytes="100")
        import_id, job_id = setup(registry, f"Killed Co {run_id}")
        child = subprocess.Popen(
            [sys.executable, __file__, *sys.argv[1:4], "hang"], stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 300
        while state(registry, import_id, job_id)["stage"] != "reconciled":
            if time.monotonic() > deadline or child.poll() is not None:
                break
            time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        result["killed_before"] = state(registry, import_id, job_id)

        def never(*args, **kwargs):
            raise AssertionError("the file was read again")

        bureau_export.parse_export = never
        cron_pass(registry)
        result["killed"] = state(registry, import_id, job_id)
    finally:
        set_params(registry)
    return [result]


if __name__ == "__main__":
    if sys.argv[4:] == ["hang"]:
        from odoo.modules.registry import Registry
        from odoo.tools import config

        config.parse_config(["-c", sys.argv[1], "--log-level=critical"])
        hang_after_stage_one(Registry(sys.argv[2]))
    else:
        run(main)
