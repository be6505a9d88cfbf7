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


def race(registry, uid, order, approve, write):
    """Play an approval (`approve(env_a)`, connection A) against a write (`write(env_b)`,
    connection B) in the interleaving `order` names, and commit each side unless it was refused:

    - ``clearing_first``: B writes while A holds its approval open;
    - ``clearing_sees_stale*``: A's snapshot predates B's commit;
    - ``<write>_sees_stale``: B's snapshot predates A's commit;
    - ``<write>_first``: A approves while B's write is open.

    Returns {"order", "a", "b"}: each side's outcome text."""
    cr_a, cr_b = registry.cursor(), registry.cursor()
    env_a = odoo.api.Environment(cr_a, uid, {})
    env_b = odoo.api.Environment(cr_b, uid, {})
    outcome = {"order": order}
    try:
        if order == "clearing_first":
            outcome["a"] = approve(env_a)
            outcome["b"] = write(env_b)
        elif order.startswith("clearing_sees_stale"):
            cr_a.execute("SELECT 1")
            outcome["b"] = write(env_b)
            cr_b.commit()
            outcome["a"] = approve(env_a)
        elif order.endswith("_sees_stale"):
            cr_b.execute("SELECT 1")
            outcome["a"] = approve(env_a)
            cr_a.commit()
            outcome["b"] = write(env_b)
        else:
            outcome["b"] = write(env_b)
            outcome["a"] = approve(env_a)
        for cr, key in ((cr_a, "a"), (cr_b, "b")):
            # A failed clearing commits its recorded reason; a refused attempt leaves nothing.
            if outcome[key].startswith("refused"):
                cr.rollback()
            else:
                cr.commit()
    finally:
        cr_a.close()
        cr_b.close()
    return outcome


def fapiao_vals(company, buyer, number, **vals):
    """A 数电 fapiao of 113.00 (13 %) issued on 2026-10-10 by `company` to `buyer`."""
    return {
        "company_id": company.id, "partner_id": buyer.id, "fapiao_type": "digital_general",
        "number": number, "issue_date": date(2026, 10, 10), "tax_rate": 13.0,
        "amount_untaxed": 100.0, "amount_tax": 13.0, "amount_total": 113.0, **vals,
    }  # fmt: skip
