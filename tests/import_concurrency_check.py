"""Two real database connections importing the same export for one company at the same time.

Run by test_import_concurrency.py in a subprocess against a committed copy of the test database
(TransactionCase data is never committed, so other connections could not see it).
Prints one JSON line with what each connection got and how many imports exist afterwards.
"""
# Committing and printing are this script's purpose: it runs outside the test transaction.
# pylint: disable=invalid-commit,print-used,odoo-addons-relative-import

import hashlib
import json
import sys
import threading
import uuid
from datetime import date

import odoo
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tools import config

SELLER = "91440300MA5F00012E"


def main(conf, dbname, rounds):
    config.parse_config(["-c", conf, "--log-level=critical"])
    registry = Registry(dbname)
    from odoo.addons.invoice_clearing.tools import bureau_export  # noqa: PLC0415 (after the addons path is set)

    results = []
    run = uuid.uuid4().hex[:8]  # the database is committed to: every run makes its own names
    for round_ in range(rounds):
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            company = env["res.company"].create(
                {"name": f"Import Co {run} {round_}", "vat": SELLER}
            )
            clerk = env["res.users"].create({
                "name": f"Import clerk {round_}", "login": f"ic_imp_{run}_{round_}",
                "company_id": company.id, "company_ids": [(6, 0, company.ids)],
                "group_ids": [(4, env.ref("invoice_clearing.group_clearing_user").id)],
            })  # fmt: skip
            buyer = env["res.partner"].create({"name": "Buyer"})
            number = f"26442{round_:05d}{run[:5].encode().hex()[:10]}"
            number = (number + "0" * 20)[:20]
            env["invoice.clearing.fapiao"].create({
                "company_id": company.id, "partner_id": buyer.id, "fapiao_type": "digital_general",
                "number": number, "issue_date": date(2026, 10, 10), "tax_rate": 13.0,
                "amount_untaxed": 100.0, "amount_tax": 13.0, "amount_total": 113.0,
            })  # fmt: skip
            company_id, uid = company.id, clerk.id
        data = bureau_export.write_export_xlsx([{
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
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            outcome["batches"] = env["invoice.clearing.import"].search_count(
                [("file_sha256", "=", hashlib.sha256(data).hexdigest())]
            )
            outcome["uploaded"] = (
                env["invoice.clearing.fapiao"].search([("company_id", "=", company_id)]).uploaded
            )
        results.append(outcome)
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
