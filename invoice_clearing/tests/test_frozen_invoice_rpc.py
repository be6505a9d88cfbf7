"""Frozen invoices over XML-RPC, on the demo company's cleared month: no accounting role rewrites the
journal items of a cleared invoice, and payments of it still go through."""

from xmlrpc.client import Fault

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import web_user
from .test_frozen_invoice import ROLES as ALL_ROLES
from .test_frozen_invoice import SNAPSHOT

ROLES = {role: group for role, group in ALL_ROLES.items() if role != "auditor"}  # the writers
PRINTED = [name for name in SNAPSHOT if name != "balance"]


@tagged("post_install", "-at_install")
class TestFrozenInvoiceRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("invoice_clearing.demo_company")
        cls.users = {
            role: web_user(cls.env, f"ic_frozen_rpc_{role}", group, cls.company)
            for role, group in ROLES.items()
        }
        fapiao = cls.env["invoice.clearing.fapiao"].search(
            [("company_id", "=", cls.company.id), ("clearing_id.state", "=", "cleared"),
             ("move_id.move_type", "=", "out_invoice"),
             ("move_id.payment_state", "=", "not_paid")], limit=1,
        )  # fmt: skip
        assert fapiao, "the demo has a cleared month with unpaid invoices"
        cls.clearing = fapiao.clearing_id
        cls.invoice = fapiao.move_id
        cls.line = cls.invoice.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )[0]

    def rpc(self, role, model, method, *args, **kwargs):
        kwargs.setdefault("context", {"allowed_company_ids": self.company.ids, "lang": "en_US"})
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.users[role].id, f"ic_frozen_rpc_{role}_pw",
            model, method, list(args), kwargs,
        )  # fmt: skip

    def snapshot(self):
        self.env.invalidate_all()
        return self.invoice.line_ids.read(PRINTED), self.invoice.amount_total

    def test_no_role_rewrites_a_cleared_invoice_over_rpc(self):
        before = self.snapshot()
        other_tax = self.env["account.tax"].search(
            [("company_id", "=", self.company.id), ("type_tax_use", "=", "sale"),
             ("id", "not in", self.line.tax_ids.ids)], limit=1,
        )  # fmt: skip
        attempts = [
            ("account.move.line", "write", [self.line.id],
             {"price_unit": 1, "quantity": 5, "name": "rewritten"}),
            ("account.move.line", "write", [self.line.id], {"discount": 50}),
            ("account.move.line", "write", [self.line.id], {"tax_ids": [(6, 0, other_tax.ids)]}),
            ("account.move", "write", [self.invoice.id],
             {"invoice_line_ids": [(1, self.line.id, {"price_unit": 1})]}),
            ("account.move", "web_save", [self.invoice.id],
             {"invoice_line_ids": [(1, self.line.id, {"quantity": 5})]}, {}),
            ("account.move.line", "unlink", [self.line.id]),
        ]  # fmt: skip
        for role in ROLES:
            for model, method, *args in attempts:
                with (
                    self.subTest(role=role, method=method, args=args[1:]),
                    mute_logger("odoo.http", "odoo.sql_db"),
                    self.assertRaises(Fault) as caught,
                ):
                    self.rpc(role, model, method, *args)
                fault = caught.exception.faultString
                self.assertIn(self.clearing.name, fault)
                self.assertIn(self.invoice.name, fault)
            with self.subTest(role=role, method="load"):
                result = self.rpc(
                    role, "account.move.line", "load", [".id", "price_unit"],
                    [[str(self.line.id), "1"]],
                )  # fmt: skip
                self.assertFalse(result["ids"])
                self.assertIn(self.clearing.name, result["messages"][0]["message"])
        self.assertEqual(self.snapshot(), before)

    def test_billing_registers_a_payment_over_rpc(self):
        before = self.snapshot()
        context = {
            "allowed_company_ids": self.company.ids,
            "active_model": "account.move",
            "active_ids": self.invoice.ids,
        }
        wizard = self.rpc("billing", "account.payment.register", "create", {}, context=context)
        self.rpc(
            "billing", "account.payment.register", "action_create_payments", [wizard],
            context=context,
        )  # fmt: skip
        self.env.invalidate_all()
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.snapshot(), before)
