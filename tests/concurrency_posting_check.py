"""Posting a customer invoice into a period while another connection clears it.

Run by test_concurrency.py in a subprocess against a committed copy of the test database. Each
round tries one interleaving of two real connections (A approves a whole-period clearing, B posts
an invoice dated in that period) and prints what each got and what the database holds after both.
The invoice must be refused, or included (posted before the clearing, which then sees it in its
check): never posted unseen inside a cleared period.
"""
# Committing and printing are this script's purpose: it runs outside the test transaction.
# pylint: disable=invalid-commit,print-used

from datetime import date

from dateutil.relativedelta import relativedelta
from driver import company_user, race, run, superuser_env

import odoo
from odoo.exceptions import UserError
from odoo.fields import Command

ORDERS = ("clearing_first", "posting_first", "posting_sees_stale", "clearing_sees_stale")


def setup(registry, run_id):
    with superuser_env(registry) as env:
        company, manager, buyer = company_user(
            env, f"Posting Race Co {run_id}", "invoice_clearing.group_clearing_manager",
            clearing_lock_enabled=False,
        )  # fmt: skip
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
        return company.id, manager.id, buyer.id


def prepare_round(registry, company_id, round_):
    """A whole-period clearing of month `round_` of 2024, ready to clear (filing matches)."""
    month = date(2024, 1, 1) + relativedelta(months=round_)
    with superuser_env(registry) as env:
        company = env["res.company"].browse(company_id)
        company.clearing_first_period = month
        env["invoice.clearing.fapiao"].create({
            "company_id": company_id, "partner_id": company.partner_id.id,
            "fapiao_type": "digital_general", "number": f"2444200000{round_:04d}{0:06d}",
            "issue_date": month + relativedelta(day=10), "tax_rate": 13.0,
            "amount_untaxed": 100.0, "amount_tax": 13.0, "amount_total": 113.0, "uploaded": True,
        })  # fmt: skip
        clearing = env["invoice.clearing"].create({
            "company_id": company_id, "scope": "period", "date_from": month,
            "date_to": month + relativedelta(day=31), "filing_date": month + relativedelta(months=1),
            "filing_line_ids": [Command.create(
                {"tax_rate": 13.0, "amount_untaxed": 100.0, "amount_tax": 13.0})],
        })  # fmt: skip
        return clearing.id, month + relativedelta(day=20)


def approve(env, clearing_id):
    try:
        result = env["invoice.clearing"].browse(clearing_id).action_approve()
    except UserError as error:
        return f"refused: {error.args[0]}"
    return "cleared" if result is True else f"failed: {result['params']['message']}"


def post(env, buyer_id, invoice_date):
    try:
        move = env["account.move"].create({
            "move_type": "out_invoice", "partner_id": buyer_id, "invoice_date": invoice_date,
            "invoice_line_ids": [Command.create({"name": "Late sale", "price_unit": 50.0,
                                                 "tax_ids": []})],
        })  # fmt: skip
        move.action_post()
        return "posted"
    except UserError as error:
        return f"refused: {error.args[0]}"


def run_round(registry, uid, buyer_id, clearing_id, invoice_date, order):
    return race(
        registry, uid, order,
        lambda env: approve(env, clearing_id),
        lambda env: post(env, buyer_id, invoice_date),
    )  # fmt: skip


def observe(registry, company_id, clearing_id, invoice_date):
    """What the database holds after both: the clearing's state and the period's open invoices."""
    with superuser_env(registry) as env:
        clearing = env["invoice.clearing"].browse(clearing_id)
        posted = env["account.move"].search([
            ("company_id", "=", company_id), ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"), ("invoice_date", "=", invoice_date),
        ])  # fmt: skip
        return {
            "state": clearing.state,
            "posted_in_period": len(posted),
            "without_fapiao": len(posted.filtered(lambda m: not m.fapiao_ids)),
        }


def main(registry, rounds, run_id):
    company_id, uid, buyer_id = setup(registry, run_id)
    results = []
    for round_ in range(rounds):
        clearing_id, invoice_date = prepare_round(registry, company_id, round_)
        order = ORDERS[round_ % len(ORDERS)]
        outcome = run_round(registry, uid, buyer_id, clearing_id, invoice_date, order)
        outcome.update(observe(registry, company_id, clearing_id, invoice_date))
        if outcome["b"] == "posted":  # included: clearing again now sees the posted invoice
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, uid, {})
                outcome["late"] = approve(env, clearing_id)
                outcome["late_problems"] = (
                    env["invoice.clearing"].browse(clearing_id).sudo().problem_ids.mapped("message")
                )
                cr.rollback()
        if outcome["state"] != "cleared":  # leave the next round a company with no open fapiao
            with superuser_env(registry) as env:
                env["invoice.clearing"].browse(clearing_id).action_cancel()
                env["invoice.clearing.fapiao"].search(
                    [("company_id", "=", company_id), ("clearing_id", "=", False)]
                ).unlink()
        results.append(outcome)
    return results


if __name__ == "__main__":
    run(main)
