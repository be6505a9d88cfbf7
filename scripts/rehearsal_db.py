"""The month-end rehearsal's customer (run by scripts/rehearsal.sh through `odoo-bin shell`).

On the adoption database (l10n_cn, months of invoices, the addon installed from Apps) it adds what a
group of two companies has: a second company (its own tax ID, not a branch) on the same chart
with its own invoices of last month, clerks who see one company each, two clearing managers of
both, an integrator who registers over XML-RPC; the administrator (who checks the invariants)
works in both. The bureau's export of the rehearsal is above the background size, as a large one would be.
Passwords equal logins: the rehearsal drives the server only through its public protocols.
"""

from dateutil.relativedelta import relativedelta
from stdnum.cn import uscc

from odoo import Command, fields

env = globals()["env"]  # odoo-bin shell provides it
group_a = env.ref("base.main_company")
base = "91330106MA2H3QH2"
group_b = env["res.company"].create(
    {
        "name": "杭州青禾科技服务有限公司",
        "vat": base + "8" + uscc.calc_check_digit(base + "8"),
        "country_id": env.ref("base.cn").id,
        "currency_id": env.ref("base.CNY").id,
    }
)
env["account.chart.template"].try_loading("cn", company=group_b, install_demo=False)
clerk, manager = (
    env.ref("invoice_clearing.group_clearing_user"),
    env.ref("invoice_clearing.group_clearing_manager"),
)
invoicing, accountant = (
    env.ref("account.group_account_invoice"),
    env.ref("account.group_account_manager"),
)
users = [
    ("rh_clerk_a", "青禾 A 开票员", group_a, group_a, clerk | invoicing),
    ("rh_clerk_b", "青禾 B 开票员", group_b, group_b, clerk | invoicing),
    ("rh_manager_1", "财务经理 一", group_a, group_a | group_b, manager | accountant),
    ("rh_manager_2", "财务经理 二", group_a, group_a | group_b, manager | accountant),
    ("rh_integrator", "开票平台接口", group_a, group_a, clerk | invoicing),
]
for login, name, company, companies, groups in users:
    env["res.users"].with_context(no_reset_password=True).create(
        {
            "login": login,
            "password": login,
            "name": name,
            "company_id": company.id,
            "company_ids": [Command.set(companies.ids)],
            "group_ids": [Command.set((groups | env.ref("base.group_user")).ids)],
        }
    )
env.ref("base.user_admin").write(
    {"company_ids": [Command.link(group_b.id)], "group_ids": [Command.link(manager.id)]}
)
# Company B invoiced last month too: three posted invoices, one per rate.
today = fields.Date.context_today(group_a)
month = today + relativedelta(day=1, months=-1)
buyers = env["res.partner"].search([("vat", "!=", False), ("is_company", "=", True)], limit=2)
taxes = {
    tax.amount: tax
    for tax in env["account.tax"].search(
        [("company_id", "=", group_b.id), ("type_tax_use", "=", "sale")]
    )
}
for index, (rate, price) in enumerate([(13.0, 5000.0), (9.0, 2200.0), (6.0, 900.0)]):
    move = (
        env["account.move"]
        .with_company(group_b)
        .create(
            {
                "move_type": "out_invoice",
                "company_id": group_b.id,
                "partner_id": buyers[index % len(buyers)].id,
                "invoice_date": month + relativedelta(days=4 + 5 * index),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "技术服务", "price_unit": price, "tax_ids": taxes[rate].ids}
                    )
                ],
            }
        )
    )
    move.action_post()
# A 20,000-row export is about 4 MB: above this size it imports in the background (the default
# is meant for 100,000 rows and more; the rehearsal keeps the job short and still interruptible).
env["ir.config_parameter"].set_param("invoice_clearing.import_background_bytes", 1024 * 1024)
env.cr.commit()
