"""Registering (or re-dating) a fapiao into a period while another connection clears it.

Run by test_fapiao_concurrency.py in a subprocess against a committed copy of the test database.
Each round tries one interleaving of two real connections (A approves a whole-period clearing, B
registers a fapiao dated in that period, or moves one into it) and prints what each got and what
the database holds after both. The fapiao must be refused, or included (registered before the
clearing, which then fails and sees it when checked again): never open inside a cleared period.
"""
# Committing and printing are this script's purpose: it runs outside the test transaction.
# pylint: disable=invalid-commit,print-used

from datetime import date

from dateutil.relativedelta import relativedelta
from driver import company_user, race, run, superuser_env

import odoo
from odoo.exceptions import UserError
from odoo.fields import Command

ORDERS = (
    "clearing_first", "registration_first", "registration_sees_stale", "clearing_sees_stale",
    "redating_first", "clearing_sees_stale_redating",
)  # fmt: skip


def setup(registry, run_id):
    with superuser_env(registry) as env:
        company, manager, buyer = company_user(
            env, f"Fapiao Race Co {run_id}", "invoice_clearing.group_clearing_manager",
            clearing_lock_enabled=False,
        )  # fmt: skip
        return company.id, manager.id, buyer.id


def fapiao_vals(company_id, buyer_id, number, day):
    return {
        "company_id": company_id, "partner_id": buyer_id, "fapiao_type": "digital_general",
        "number": number, "issue_date": day, "tax_rate": 13.0, "amount_untaxed": 100.0,
        "amount_tax": 13.0, "amount_total": 113.0, "uploaded": True,
    }  # fmt: skip


def prepare_round(registry, company_id, buyer_id, round_):
    """A whole-period clearing of month `round_` of 2024, ready to clear (filing matches), and
    an open fapiao of the next month that B may move into it."""
    month = date(2024, 1, 1) + relativedelta(months=round_)
    with superuser_env(registry) as env:
        env["res.company"].browse(company_id).clearing_first_period = month
        Fapiao = env["invoice.clearing.fapiao"]
        Fapiao.create(fapiao_vals(company_id, buyer_id, f"2444200000{round_:04d}000000",
                                  month + relativedelta(day=10)))  # fmt: skip
        later = Fapiao.create(fapiao_vals(company_id, buyer_id, f"2444200000{round_:04d}000001",
                                          month + relativedelta(months=1, day=5)))  # fmt: skip
        clearing = env["invoice.clearing"].create({
            "company_id": company_id, "scope": "period", "date_from": month,
            "date_to": month + relativedelta(day=31), "filing_date": month + relativedelta(months=1),
            "filing_line_ids": [Command.create(
                {"tax_rate": 13.0, "amount_untaxed": 100.0, "amount_tax": 13.0})],
        })  # fmt: skip
        return clearing.id, later.id, month + relativedelta(day=20)


def approve(env, clearing_id):
    try:
        result = env["invoice.clearing"].browse(clearing_id).action_approve()
    except UserError as error:
        return f"refused: {error.args[0]}"
    return "cleared" if result is True else f"failed: {result['params']['message']}"


def register(env, company_id, buyer_id, round_, day):
    try:
        env["invoice.clearing.fapiao"].create(
            fapiao_vals(company_id, buyer_id, f"2444200000{round_:04d}000002", day)
        )
        return "registered"
    except UserError as error:
        return f"refused: {error.args[0]}"


def redate(env, fapiao_id, day):
    try:
        env["invoice.clearing.fapiao"].browse(fapiao_id).issue_date = day
        env.flush_all()
        return "registered"
    except UserError as error:
        return f"refused: {error.args[0]}"


def run_round(registry, uid, company_id, buyer_id, round_, prepared, order):
    clearing_id, later_id, day = prepared
    if "redating" in order:
        write = lambda env: redate(env, later_id, day)  # noqa: E731
    else:
        write = lambda env: register(env, company_id, buyer_id, round_, day)  # noqa: E731
    return race(registry, uid, order, lambda env: approve(env, clearing_id), write)


def observe(registry, company_id, clearing_id, day):
    """The clearing's state and the fapiao left open inside its period."""
    with superuser_env(registry) as env:
        clearing = env["invoice.clearing"].browse(clearing_id)
        open_inside = env["invoice.clearing.fapiao"].search_count([
            ("company_id", "=", company_id), ("clearing_id", "=", False),
            ("issue_date", "<=", clearing.date_to),
        ])  # fmt: skip
        return {"state": clearing.state, "open_inside": open_inside, "day": str(day)}


def main(registry, rounds, run_id):
    company_id, uid, buyer_id = setup(registry, run_id)
    results = []
    for round_ in range(rounds):
        prepared = prepare_round(registry, company_id, buyer_id, round_)
        clearing_id, _later_id, day = prepared
        order = ORDERS[round_ % len(ORDERS)]
        outcome = run_round(registry, uid, company_id, buyer_id, round_, prepared, order)
        outcome.update(observe(registry, company_id, clearing_id, day))
        if outcome["b"] == "registered" and outcome["state"] != "cleared":
            # Included: checking again now sees the fapiao.
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, uid, {})
                clearing = env["invoice.clearing"].browse(clearing_id)
                clearing.action_check()
                outcome["late_count"] = clearing.fapiao_count
                cr.rollback()
        with superuser_env(registry) as env:  # the next round: no open fapiao in the company
            clearing = env["invoice.clearing"].browse(clearing_id)
            if clearing.state != "cleared":
                clearing.action_cancel()
            env["invoice.clearing.fapiao"].search(
                [("company_id", "=", company_id), ("clearing_id", "=", False)]
            ).unlink()
        results.append(outcome)
    return results


if __name__ == "__main__":
    run(main)
