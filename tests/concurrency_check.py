"""Two real database connections approving clearings of one company at the same time.

Run by test_concurrency.py in a subprocess against a committed copy of the test database
(TransactionCase data is never committed, so other connections could not see it).
Prints one JSON line with what each connection got.
"""
# Committing and printing are this script's purpose: it runs outside the test transaction.
# pylint: disable=invalid-commit,print-used,odoo-addons-relative-import

from datetime import date

from driver import company_user, fapiao_vals, run_rounds, superuser_env

import odoo
from odoo.exceptions import UserError


def play_round(registry, round_, run_id):
    from odoo.addons.invoice_clearing.models.guard_bypass import with_bypass  # noqa: PLC0415

    with superuser_env(registry) as env:
        manager_group = "invoice_clearing.group_clearing_manager"
        company, manager, buyer = company_user(env, f"IC Co {run_id} {round_}", manager_group)
        env["invoice.clearing.fapiao"].create([
            fapiao_vals(company, buyer, f"2644200000{round_:04d}{n:06d}", uploaded=True)
            for n in range(20)
        ])  # fmt: skip
        # prepared_by is protected: set as the submission would, through the addon's bypass
        clearings = with_bypass(env["invoice.clearing"]).create([
            {"company_id": company.id, "scope": "date", "date_from": date(2026, 10, 1),
             "date_to": date(2026, 10, 31), "prepared_by": manager.id},
            {"company_id": company.id, "scope": "date", "date_from": date(2026, 10, 1),
             "date_to": date(2026, 10, 31), "prepared_by": manager.id},
        ])  # fmt: skip
        ids, uid = clearings.ids, manager.id
    cr_a, cr_b = registry.cursor(), registry.cursor()
    try:
        env_a = odoo.api.Environment(cr_a, uid, {})
        env_b = odoo.api.Environment(cr_b, uid, {})
        outcome = {"a": env_a["invoice.clearing"].browse(ids[0]).action_approve()}
        # While A holds the approval open: the same clearing (a double click on another
        # worker), then another clearing of the same company.
        for key, clearing_id in (("b_same", ids[0]), ("b_other", ids[1])):
            try:
                outcome[key] = env_b["invoice.clearing"].browse(clearing_id).action_approve()
            except UserError as error:
                outcome[key] = f"UserError: {error.args[0]}"
        cr_a.commit()
        cr_b.rollback()
    finally:
        cr_a.close()
        cr_b.close()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, uid, {})
        late = env["invoice.clearing"].browse(ids[1]).action_approve()
        outcome["late"] = late if isinstance(late, bool) else late["params"]["type"]
        cr.commit()
        found = env["invoice.clearing"].sudo().browse(ids)
        outcome["states"] = found.mapped("state")
        outcome["by_clearing"] = [len(c.frozen_fapiao_ids) for c in found]
        outcome["late_reason"] = found[1].failure_reason or ""
    return outcome


if __name__ == "__main__":
    run_rounds(play_round)
