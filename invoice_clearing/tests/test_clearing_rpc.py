"""Issue acceptance over XML-RPC against the running test server, on the demo company.

A clearing manager clears last month only once its VAT filing matches; the summary equals an
independent computation from the fapiao; frozen data refuses every role; roles and four-eyes hold.
"""

from collections import defaultdict
from xmlrpc.client import Fault

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import web_user

PASSWORDS = {"admin": "admin", "clerk": "clerk", "auditor": "auditor"}


@tagged("post_install", "-at_install")
class TestClearingRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("invoice_clearing.demo_company")
        cls.month = fields.Date.today() + relativedelta(months=-1, day=1)
        cls.month_end = cls.month + relativedelta(day=31)
        cls.users = {
            login: cls.env["res.users"].search([("login", "=", login)]) for login in PASSWORDS
        }
        cls.users["approver"] = web_user(
            cls.env,
            "ic_rpc_approver",
            "base.group_user,invoice_clearing.group_clearing_manager",
            cls.company,
        )
        PASSWORDS["approver"] = "ic_rpc_approver_pw"

    def rpc(self, login, model, method, *args, **kwargs):
        kwargs.setdefault("context", {"allowed_company_ids": self.company.ids, "lang": "en_US"})
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.users[login].id, PASSWORDS[login],
            model, method, list(args), kwargs,
        )  # fmt: skip

    def refused(self, login, model, method, *args, **kwargs):
        with mute_logger("odoo.http", "odoo.sql_db"), self.assertRaises(Fault) as caught:
            self.rpc(login, model, method, *args, **kwargs)
        self.assertNotIn("Traceback", caught.exception.faultString.splitlines()[0])
        return caught.exception.faultString

    def independent_net(self):
        """Net (blue + red, voided excluded) per (kind, rate) from the fapiao themselves."""
        rows = self.rpc(
            "admin", "invoice.clearing.fapiao", "search_read",
            [("company_id", "=", self.company.id), ("clearing_id", "=", False),
             ("issue_date", "<=", fields.Date.to_string(self.month_end))],
            ["fapiao_type", "tax_rate", "state", "amount_untaxed", "amount_tax"],
        )  # fmt: skip
        net = defaultdict(lambda: [0, 0.0, 0.0])
        for row in rows:
            key = (row["fapiao_type"], row["tax_rate"])
            net[key][0] += 1
            if row["state"] != "void":
                net[key][1] += row["amount_untaxed"]
                net[key][2] += row["amount_tax"]
        return {key: (n, round(a, 2), round(t, 2)) for key, (n, a, t) in net.items()}

    def test_manager_clears_last_month_only_with_a_matching_filing(self):
        expected = self.independent_net()
        clearing = self.rpc(
            "admin", "invoice.clearing", "create",
            {"company_id": self.company.id, "scope": "period",
             "date_from": fields.Date.to_string(self.month),
             "date_to": fields.Date.to_string(self.month_end)},
        )  # fmt: skip
        # No filing recorded: the approval fails, records why, and freezes nothing.
        self.rpc("admin", "invoice.clearing", "action_approve", [clearing])
        [row] = self.rpc(
            "admin", "invoice.clearing", "read", [clearing], ["state", "failure_reason"]
        )
        self.assertEqual(row["state"], "draft")
        self.assertIn("filing", row["failure_reason"].lower())
        # A filing that differs at 13%: refused again, showing both figures.
        by_rate = defaultdict(lambda: [0.0, 0.0])
        for (_kind, rate), (_n, amount, tax) in expected.items():
            by_rate[rate][0] += amount
            by_rate[rate][1] += tax
        lines = [
            (0, 0, {"tax_rate": rate, "amount_untaxed": round(a, 2), "amount_tax": round(t, 2)})
            for rate, (a, t) in by_rate.items()
        ]
        wrong = [(0, 0, {**lines[0][2], "amount_untaxed": lines[0][2]["amount_untaxed"] + 100})]
        self.rpc("admin", "invoice.clearing", "write", [clearing],
                 {"filing_date": fields.Date.to_string(fields.Date.today()),
                  "filing_line_ids": wrong + lines[1:]})  # fmt: skip
        self.rpc("admin", "invoice.clearing", "action_approve", [clearing])
        [row] = self.rpc(
            "admin", "invoice.clearing", "read", [clearing], ["state", "failure_reason"]
        )
        self.assertEqual(row["state"], "draft")
        self.assertIn(f"{lines[0][2]['amount_untaxed'] + 100:.2f}", row["failure_reason"])
        # The filing matches: cleared.
        self.rpc("admin", "invoice.clearing", "write", [clearing],
                 {"filing_line_ids": [(5, 0, 0), *lines]})  # fmt: skip
        self.rpc("admin", "invoice.clearing", "action_approve", [clearing])
        [row] = self.rpc(
            "admin", "invoice.clearing", "read", [clearing],
            ["state", "hash", "previous_hash", "summary_line_ids", "fapiao_ids"],
        )  # fmt: skip
        self.assertEqual(row["state"], "cleared")
        self.assertRegex(row["hash"], r"^\$2\$[0-9a-f]{64}$")
        self.assertTrue(row["previous_hash"], "chained to the demo's cleared month")
        # The summary per kind and rate equals the independent computation.
        summary = self.rpc(
            "auditor", "invoice.clearing.summary.line", "read", row["summary_line_ids"],
            ["fapiao_type", "tax_rate", "blue_count", "red_count", "void_blue_count",
             "void_red_count", "net_amount", "net_tax"],
        )  # fmt: skip
        got = {
            (s["fapiao_type"], s["tax_rate"]): (
                s["blue_count"] + s["red_count"] + s["void_blue_count"] + s["void_red_count"],
                round(s["net_amount"], 2),
                round(s["net_tax"], 2),
            )
            for s in summary
        }
        self.assertEqual(got, expected)
        # The sales lock date moved to the end of the month.
        [company] = self.rpc("admin", "res.company", "read", [self.company.id], ["sale_lock_date"])
        self.assertEqual(company["sale_lock_date"], fields.Date.to_string(self.month_end))
        # Frozen: no role can write a fapiao or its invoice, or unlink the clearing.
        fapiao = self.rpc(
            "admin", "invoice.clearing.fapiao", "read", row["fapiao_ids"][:1],
            ["move_id", "amount_untaxed"],
        )[0]  # fmt: skip
        for login in ("clerk", "admin", "auditor"):
            with self.subTest(login=login):
                self.refused(login, "invoice.clearing.fapiao", "write", [fapiao["id"]],
                             {"amount_untaxed": 1.0})  # fmt: skip
                self.refused(login, "invoice.clearing.fapiao", "write", [fapiao["id"]],
                             {"clearing_id": False})  # fmt: skip
                self.refused(login, "account.move", "write", [fapiao["move_id"][0]],
                             {"invoice_date": fields.Date.to_string(self.month)})  # fmt: skip
                self.refused(login, "account.move", "button_draft", [fapiao["move_id"][0]])
                self.refused(login, "invoice.clearing", "unlink", [clearing])
        [after] = self.rpc("admin", "invoice.clearing.fapiao", "read", [fapiao["id"]],
                           ["amount_untaxed", "clearing_id"])  # fmt: skip
        self.assertEqual(after["amount_untaxed"], fapiao["amount_untaxed"])
        self.assertEqual(after["clearing_id"][0], clearing)

    def ready_clearing(self):
        return self.env["invoice.clearing"].search(
            [("company_id", "=", self.company.id), ("date_from", "=", self.month),
             ("state", "=", "draft")], limit=1,
        ).id  # fmt: skip

    def test_clearing_user_cannot_approve(self):
        clearing = self.ready_clearing()
        message = self.refused("clerk", "invoice.clearing", "action_approve", [clearing])
        self.assertIn("Manager", message)
        [row] = self.rpc("clerk", "invoice.clearing", "read", [clearing], ["state"])
        self.assertEqual(row["state"], "draft")

    def test_four_eyes_preparer_cannot_approve(self):
        self.company.clearing_four_eyes = True
        clearing = self.ready_clearing()
        self.rpc("admin", "invoice.clearing", "action_submit", [clearing])
        [row] = self.rpc("admin", "invoice.clearing", "read", [clearing], ["state", "prepared_by"])
        self.assertEqual(row["state"], "to_approve")
        self.assertEqual(row["prepared_by"][0], self.users["admin"].id)
        message = self.refused("admin", "invoice.clearing", "action_approve", [clearing])
        self.assertIn("another", message)
        self.rpc("approver", "invoice.clearing", "action_approve", [clearing])
        [row] = self.rpc("approver", "invoice.clearing", "read", [clearing],
                         ["state", "approved_by"])  # fmt: skip
        self.assertEqual(row["state"], "cleared")
        self.assertEqual(row["approved_by"][0], self.users["approver"].id)
