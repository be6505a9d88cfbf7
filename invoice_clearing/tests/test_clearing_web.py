"""The web client's Clear button goes through Odoo's password prompt (identity check)."""

from datetime import date

from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import web_user


@tagged("post_install", "-at_install")
class TestClearingIdentityCheck(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = web_user(cls.env, "ic_web_manager", "invoice_clearing.group_clearing_manager")
        buyer = cls.env["res.partner"].create({"name": "Web Buyer"})
        cls.fapiao = cls.env["invoice.clearing.fapiao"].create(
            {
                "partner_id": buyer.id, "fapiao_type": "digital_general",
                "number": "26442000000000300001", "issue_date": date(2026, 10, 8),
                "tax_rate": 6.0, "amount_untaxed": 100.0, "amount_tax": 6.0,
                "amount_total": 106.0, "uploaded": True,
            }
        )  # fmt: skip
        cls.clearing = cls.env["invoice.clearing"].create(
            {"scope": "number", "number_list": "26442000000000300001"}
        )

    def call_button(self, model, method, ids, context=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_button/{model}/{method}",
            {"model": model, "method": method, "args": [ids], "kwargs": {"context": context or {}}},
        )

    def test_clear_asks_for_the_password(self):
        self.authenticate("ic_web_manager", "ic_web_manager_pw")
        action = self.call_button("invoice.clearing", "action_approve_web", [self.clearing.id])
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        self.assertEqual(self.clearing.state, "draft", "nothing happens before the password")

        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self.call_button(
                "res.users.identitycheck", "run_check", [action["res_id"]], {"password": "wrong"}
            )
        self.assertEqual(self.clearing.state, "draft")

        self.call_button(
            "res.users.identitycheck",
            "run_check",
            [action["res_id"]],
            {"password": "ic_web_manager_pw"},
        )
        self.clearing.invalidate_recordset()
        self.assertEqual(self.clearing.state, "cleared")
        self.assertEqual(self.clearing.approved_by, self.manager)
        self.assertEqual(self.fapiao.clearing_id, self.clearing)
