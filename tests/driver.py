"""What the concurrency drivers share: their command line, and the company each round works in.

A driver runs as `python <driver>.py <odoo.conf> <database> <rounds>` (see conftest.run_driver):
`run(main)` opens Odoo's registry of that committed database copy, calls
`main(registry, rounds, run_id)` and prints its results as one JSON line; `run_rounds(play)` does
the same with `play(registry, round_, run_id)` giving the result of each round. The database is
committed to, so every run names its records with its own `run_id`.
"""
# Printing the results is the drivers' purpose: they run outside the test transaction.
# pylint: disable=print-used

import json
import sys
import uuid
from contextlib import contextmanager
from datetime import date

import odoo
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import config


def run(main):
    conf, dbname, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    config.parse_config(["-c", conf, "--log-level=critical"])
    print(json.dumps(main(Registry(dbname), rounds, uuid.uuid4().hex[:8])))


def run_rounds(play):
    run(lambda registry, rounds, run_id: [play(registry, r, run_id) for r in range(rounds)])


@contextmanager
def superuser_env(registry):
    """An environment of the superuser on a new cursor, committed when the block ends."""
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def company_user(env, name, group, **company_vals):
    """(company, user, buyer): a new company `name`, a user of `group` (an xml id) working in it
    only, and a customer."""
    company = env["res.company"].create({"name": name, **company_vals})
    user = env["res.users"].create({
        "name": f"{name} user", "login": name.lower().replace(" ", "_"), "company_id": company.id,
        "company_ids": [Command.set(company.ids)], "group_ids": [Command.link(env.ref(group).id)],
    })  # fmt: skip
    return company, user, env["res.partner"].create({"name": f"{name} buyer"})


def fapiao_vals(company, buyer, number, **vals):
    """A 数电 fapiao of 113.00 (13 %) issued on 2026-10-10 by `company` to `buyer`."""
    return {
        "company_id": company.id, "partner_id": buyer.id, "fapiao_type": "digital_general",
        "number": number, "issue_date": date(2026, 10, 10), "tax_rate": 13.0,
        "amount_untaxed": 100.0, "amount_tax": 13.0, "amount_total": 113.0, **vals,
    }  # fmt: skip
