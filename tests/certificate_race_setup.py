"""Prepares the race of test_certificate_race.py on the committed database copy.

Run as `python certificate_race_setup.py <odoo.conf> <database> <port>`: a new company with a
clearing manager and a clerk (passwords, for JSON-RPC), 20 uploaded fapiao of October and a
voided one, a date-range clearing of October ready to approve, and bureau exports of them that
alternately lack and list the voided fapiao, so that each import sets its uploaded flag (its row
is in the approval's scope) and never blocks the approval (a voided fapiao need not be uploaded). `web.base.url` points at the server of `port`, as in production, so
that wkhtmltopdf fetches the report's CSS from it. Prints what the test needs as one JSON line.
"""
# Committing and printing are this script's purpose: it runs outside the test transaction.
# pylint: disable=invalid-commit,print-used,odoo-addons-relative-import

import base64
import json
import sys
import uuid
from datetime import date

from driver import company_user, fapiao_vals, superuser_env

from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import config

SELLER = "91440300MA5F00012E"
PASSWORD = "Race-certificate-1"
COUNT = 20
EXPORTS = 12  # files imported one after the other during the approval, each of its own content


def setup(registry, port, run_id):
    from odoo.addons.invoice_clearing.demo import bureau_export_file  # noqa: PLC0415 (after the addons path is set)
    from odoo.addons.invoice_clearing.models.guard_bypass import with_bypass  # noqa: PLC0415

    with superuser_env(registry) as env:
        manager_group = "invoice_clearing.group_clearing_manager"
        company, manager, buyer = company_user(env, f"Race Co {run_id}", manager_group, vat=SELLER)
        clerk = env["res.users"].create({
            "name": f"Race clerk {run_id}", "login": f"race_clerk_{run_id}",
            "company_id": company.id, "company_ids": [Command.set(company.ids)],
            "group_ids": [Command.link(env.ref("invoice_clearing.group_clearing_user").id)],
        })  # fmt: skip
        (manager | clerk).write({"password": PASSWORD})
        Fapiao = env["invoice.clearing.fapiao"]
        fapiao = Fapiao.create([
            fapiao_vals(company, buyer, f"26442000009{n:09d}", uploaded=True) for n in range(COUNT)
        ])  # fmt: skip
        voided = Fapiao.create(
            fapiao_vals(company, buyer, f"26442000009{COUNT:09d}", uploaded=True,
                        void_date=date(2026, 10, 11))
        )  # fmt: skip
        # prepared_by is protected: set as the submission would, through the addon's bypass
        clearing = with_bypass(env["invoice.clearing"]).create({
            "company_id": company.id, "scope": "date", "date_from": date(2026, 10, 1),
            "date_to": date(2026, 10, 31), "prepared_by": manager.id,
        })  # fmt: skip
        params = env["ir.config_parameter"]
        params.set_param("web.base.url", f"http://127.0.0.1:{port}")
        params.set_param("web.base.url.freeze", "True")
        exports = [
            bureau_export_file.write_export_xlsx([
                {"digital_number": f.number, "seller_vat": SELLER, "buyer_vat": "",
                 "buyer_name": f"{buyer.name} {variant}", "issue_date": "2026-10-10 10:00:00",
                 "amount_untaxed": 100, "amount_tax": 13, "amount_total": 113,
                 "kind": "digital_general", "status": "void" if f == voided else "normal"}
                for f in (fapiao | voided if variant % 2 else fapiao)
            ])
            for variant in range(EXPORTS)
        ]  # fmt: skip
        return {
            "company": company.id, "clearing": clearing.id, "fapiao": fapiao.ids,
            "voided": voided.id, "manager": manager.login, "clerk": clerk.login,
            "password": PASSWORD, "exports": [base64.b64encode(e).decode() for e in exports],
        }  # fmt: skip


if __name__ == "__main__":
    conf, dbname, http_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    config.parse_config(["-c", conf, "--log-level=critical"])
    print(json.dumps(setup(Registry(dbname), http_port, uuid.uuid4().hex[:8])))
