"""Two real database connections importing the same export for one company at the same time.

Run by test_import_concurrency.py in a subprocess against a committed copy of the test database
(TransactionCase data is never committed, so other connections could not see it).
Prints one JSON line with what each connection got and how many imports exist afterwards.
"""
# Committing and printing are this script's purpose: it runs outside the test transaction.
# pylint: disable=invalid-commit,print-used,odoo-addons-relative-import

import hashlib
import threading
from datetime import date

from driver import company_user, fapiao_vals, run_rounds, superuser_env

import odoo
from odoo.exceptions import UserError

SELLER = "91440300MA5F00012E"


def play_round(registry, round_, run_id):
    from odoo.addons.invoice_clearing.demo import bureau_export_file  # noqa: PLC0415 (after the addons path is set)

    with superuser_env(registry) as env:
        group = "invoice_clearing.group_clearing_user"
        company, clerk, buyer = company_user(env, f"Import Co {run_id} {round_}", group, vat=SELLER)
        number = f"26442{round_:05d}{run_id[:5].encode().hex()[:10]}"
        number = (number + "0" * 20)[:20]
        env["invoice.clearing.fapiao"].create(fapiao_vals(company, buyer, number))
        company_id, uid = company.id, clerk.id
    data = bureau_export_file.write_export_xlsx([{
        "digital_number": number, "seller_vat": SELLER, "buyer_vat": "",
        "buyer_name": "Buyer", "issue_date": "2026-10-10 10:00:00", "amount_untaxed": 100,
        "amount_tax": 13, "amount_total": 113, "kind": "digital_general", "status": "normal",
    }])  # fmt: skip
    barrier = threading.Barrier(2)
    outcome = {}

    def attempt(key, data=data, company_id=company_id, uid=uid, barrier=barrier,
                outcome=outcome):  # fmt: skip
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, uid, {})
            env["invoice.clearing.import"].search_count([])  # both snapshots taken first
            barrier.wait()
            try:
                batch = env["invoice.clearing.import"].import_file(
                    env["res.company"].browse(company_id), date(2026, 10, 1),
                    date(2026, 10, 31), data, "same.xlsx",
                )  # fmt: skip
                outcome[key] = batch.id
                cr.commit()
            except UserError as error:
                outcome[key] = f"UserError: {error.args[0]}"
                cr.rollback()

    threads = [threading.Thread(target=attempt, args=(key,)) for key in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with superuser_env(registry) as env:
        outcome["batches"] = env["invoice.clearing.import"].search_count(
            [("file_sha256", "=", hashlib.sha256(data).hexdigest())]
        )
        outcome["uploaded"] = (
            env["invoice.clearing.fapiao"].search([("company_id", "=", company_id)]).uploaded
        )
    return outcome


if __name__ == "__main__":
    run_rounds(play_round)
