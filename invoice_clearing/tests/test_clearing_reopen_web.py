"""Reopen and clear again through the web client's JSON-RPC calls, on the demo company's cleared
October: the manager reopens with the wizard, a billing user posts a forgotten invoice in October,
the month is checked and cleared again, and October is locked again."""

from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import web_user


@tagged("post_install", "-at_install")
class TestReopenWeb(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("invoice_clearing.demo_company")
        cls.company.clearing_four_eyes = False
        cls.manager = web_user(
            cls.env, "ic_reopen_web_manager", "invoice_clearing.group_clearing_manager", cls.company
        )
        cls.billing = web_user(
            cls.env, "ic_reopen_web_billing", "account.group_account_invoice", cls.company
        )
        cls.clearing = cls.env["invoice.clearing"].search(
            [("company_id", "=", cls.company.id), ("state", "=", "cleared"),
             ("scope", "=", "period")], order="date_to desc", limit=1,
        )  # fmt: skip
        assert cls.clearing, "the demo has a cleared month"
        cls.month_end = cls.clearing.date_to
        cls.day = cls.month_end.replace(day=20)
        cls.tax = cls.env["account.tax"].search(
            [("company_id", "=", cls.company.id), ("type_tax_use", "=", "sale"),
             ("amount", "=", 13.0)], limit=1,
        )  # fmt: skip
        cls.partner = cls.env["res.partner"].create({"name": "遗漏发票客户"})

    def call(self, model, method, *args, **kwargs):
        """A call as the web client sends it, in the demo company."""
        kwargs.setdefault("context", {"allowed_company_ids": self.company.ids, "lang": "en_US"})
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def button(self, model, method, ids):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_button/{model}/{method}",
            {"model": model, "method": method, "args": [ids],
             "kwargs": {"context": {"allowed_company_ids": self.company.ids, "lang": "en_US"}}},
        )  # fmt: skip

    def post_invoice(self, price):
        self.authenticate("ic_reopen_web_billing", "ic_reopen_web_billing_pw")
        [move] = self.call(
            "account.move", "web_save", [],
            {"move_type": "out_invoice", "partner_id": self.partner.id,
             "invoice_date": str(self.day),
             "invoice_line_ids": [(0, 0, {"name": "遗漏的货物", "quantity": 1, "price_unit": price,
                                          "tax_ids": [(6, 0, self.tax.ids)]})]},
            specification={"date": {}},
        )  # fmt: skip
        self.button("account.move", "action_post", [move["id"]])
        self.env.invalidate_all()
        return self.env["account.move"].browse(move["id"])

    def october(self):
        [row] = self.call(
            "invoice.clearing.period", "web_search_read",
            [("company_id", "=", self.company.id), ("date", "=", str(self.month_end.replace(day=1)))],
            specification={"status": {}, "reopened": {}, "clearing_id": {}},
        )["records"]  # fmt: skip
        return row

    def test_reopen_post_in_the_month_and_clear_again_over_json_rpc(self):
        self.authenticate("ic_reopen_web_manager", "ic_reopen_web_manager_pw")
        [wizard] = self.call(
            "invoice.clearing.reopen", "web_save", [],
            {"clearing_id": self.clearing.id, "reason": "发票遗漏, 重新申报"},
            specification={},
        )  # fmt: skip
        self.button("invoice.clearing.reopen", "action_confirm", [wizard["id"]])
        self.env.invalidate_all()
        self.assertEqual(self.clearing.state, "cancelled")
        exception = self.clearing.lock_exception_ids
        self.assertEqual((exception.state, exception.create_uid), ("active", self.manager))
        row = self.october()
        self.assertEqual((row["status"], row["reopened"]), ("reopened", True))

        forgotten = self.post_invoice(300.0)
        self.assertEqual((forgotten.state, forgotten.date), ("posted", self.day))

        self.authenticate("ic_reopen_web_manager", "ic_reopen_web_manager_pw")
        period_id = self.call(
            "invoice.clearing.period", "search",
            [("company_id", "=", self.company.id), ("date", "=", str(self.month_end.replace(day=1)))],
        )  # fmt: skip
        self.button("invoice.clearing.period", "action_check", period_id)
        self.env.invalidate_all()
        again = self.env["invoice.clearing"].browse(self.october()["clearing_id"])
        self.assertNotEqual(again, self.clearing)
        self.call(
            "invoice.clearing", "web_save", again.ids,
            {"filing_date": str(self.clearing.filing_date),
             "filing_line_ids": [(0, 0, {"tax_rate": line.tax_rate,
                                         "amount_untaxed": line.amount_untaxed,
                                         "amount_tax": line.amount_tax})
                                 for line in self.clearing.filing_line_ids]},
            specification={},
        )  # fmt: skip
        self.button("invoice.clearing", "action_approve", again.ids)
        self.env.invalidate_all()
        self.assertEqual(again.state, "cleared", again.failure_reason)
        self.assertEqual(again.previous_hash, self.clearing.hash)
        self.assertEqual(exception.state, "revoked")
        self.assertEqual(self.company.sale_lock_date, self.month_end)
        result = self.button(
            "invoice.clearing", "action_verify_integrity", (self.clearing | again).ids
        )
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertEqual(self.october()["status"], "cleared")

        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self.post_invoice(50.0)
