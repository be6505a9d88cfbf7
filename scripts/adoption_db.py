"""Builds a customer's database the way a company adopts the addon (run by scripts/adoption.sh).

`odoo-bin shell` runs it step by step (ADOPTION_STEP), each committing:
  company  the main company made Chinese before account is installed (so l10n_cn loads);
  history   a Chinese company on the l10n_cn chart that invoiced for four months (ADOPTION_MONTHS),
            no demo data;
  install  the addon installed from Apps (Apps > Install) by the administrator.
"""

import os

from dateutil.relativedelta import relativedelta

from odoo import Command, fields

env = globals()["env"]  # odoo-bin shell provides it
step = os.environ["ADOPTION_STEP"]

if step == "company":
    company = env.ref("base.main_company")
    company.write(
        {
            "name": "杭州青禾商贸有限公司",
            "vat": "91330106MA2H3QH27X",
            "country_id": env.ref("base.cn").id,
            "currency_id": env.ref("base.CNY").id,
        }
    )
elif step == "history":
    company = env.ref("base.main_company")
    assert company.chart_template == "cn", company.chart_template
    taxes = {
        tax.amount: tax
        for tax in env["account.tax"].search(
            [("company_id", "=", company.id), ("type_tax_use", "=", "sale")]
        )
    }
    buyers = env["res.partner"].create(
        [
            {"name": "上海明远科技有限公司", "vat": "91310000MA1FL4CT3X", "is_company": True},
            {"name": "苏州恒泰机械有限公司", "vat": "91320500MA1MXUJ12L", "is_company": True},
            {"name": "李雷", "is_company": False},
        ]
    )
    today = fields.Date.context_today(company)
    months = int(os.environ.get("ADOPTION_MONTHS", "4"))  # fewer for the month-end rehearsal
    for back in range(months, 0, -1):
        month = today + relativedelta(day=1, months=-back)
        for index, (buyer, rate, price) in enumerate(
            [(buyers[0], 13.0, 12000.0), (buyers[1], 9.0, 3500.0), (buyers[2], 6.0, 800.0)] * 3
        ):
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": buyer.id,
                    "invoice_date": month + relativedelta(days=2 + 3 * index),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "销售货物或服务",
                                "price_unit": price + 10 * index,
                                "tax_ids": taxes[rate].ids,
                            }
                        )
                    ],
                }
            )
            move.action_post()
elif step == "install":
    Module = env["ir.module.module"]
    Module.update_list()
    module = Module.search([("name", "=", "invoice_clearing")])
    assert module.state == "uninstalled", module.state
    module.button_immediate_install()  # what Apps > Install does
else:
    raise SystemExit(f"unknown step {step!r}")
env.cr.commit()
