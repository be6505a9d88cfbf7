"""The web client's Clear button goes through Odoo's password prompt (identity check)."""

import json
from datetime import date, timedelta

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

    def error_message(self, model, method, ids, context=None):
        """The message of the error a button call answers (call_button raises its name only)."""
        payload = {
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": model, "method": method, "args": [ids],
                       "kwargs": {"context": {"lang": "en_US", **(context or {})}}},
        }  # fmt: skip
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/web/dataset/call_button/{model}/{method}",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        return response.json()["error"]["data"]["message"]

    def test_wrong_passwords_lock_the_prompt(self):
        """Five wrong passwords lock the prompt, whose log survives the requests' rollbacks;
        an ordinary identity check still works but does not open the clearing's."""
        self.authenticate("ic_web_manager", "ic_web_manager_pw")
        action = self.call_button("invoice.clearing", "action_approve_web", [self.clearing.id])
        check = ("res.users.identitycheck", "run_check", [action["res_id"]])
        messages = [self.error_message(*check, {"password": "wrong"}) for _i in range(6)]
        self.assertIn("Incorrect Password", messages[0])
        self.assertIn("Too many wrong passwords", messages[4])
        self.assertRegex(
            messages[5], r"locked for ic_web_manager .*until \d{4}-\d\d-\d\d \d\d:\d\d"
        )
        self.assertIn("locked for", self.error_message(*check, {"password": "ic_web_manager_pw"}))
        self.env.invalidate_all()
        Attempt = self.env["invoice.clearing.identity.attempt"]
        attempts = Attempt.search([("user_id", "=", self.manager.id)])
        self.assertEqual(attempts.mapped("result").count("failure"), 5)
        self.assertEqual(attempts.mapped("result").count("refused"), 2)
        lock = attempts.filtered("locked_until")
        self.assertEqual(lock.ip, "127.0.0.1")
        self.assertIn(self.manager, lock.activity_ids.user_id, "the managers' to-do")
        self.assertEqual(self.clearing.state, "draft")

        # Odoo's own prompts are not locked, and passing one does not open the clearing's.
        own = self.call_button("res.users", "api_key_wizard", self.manager.ids)
        self.call_button(
            "res.users.identitycheck", "run_check", [own["res_id"]],
            {"password": "ic_web_manager_pw"},
        )  # fmt: skip
        self.assertIn(
            "locked for",
            self.error_message("invoice.clearing", "action_approve_web", [self.clearing.id]),
        )
        self.assertEqual(self.clearing.state, "draft")

        lock.sudo().locked_until = lock.locked_until - timedelta(minutes=16)  # the cooldown ended
        self.env.flush_all()
        self.call_button("invoice.clearing", "action_approve_web", [self.clearing.id])
        self.clearing.invalidate_recordset()
        self.assertEqual(self.clearing.state, "cleared")

    def test_reopen_asks_for_the_password(self):
        self.clearing.with_user(self.manager).action_approve()
        wizard = (
            self.env["invoice.clearing.reopen"]
            .with_user(self.manager)
            .create({"clearing_id": self.clearing.id, "reason": "a forgotten invoice"})
        )
        self.env.flush_all()
        self.authenticate("ic_web_manager", "ic_web_manager_pw")
        action = self.call_button("invoice.clearing.reopen", "action_confirm_web", wizard.ids)
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        self.assertEqual(self.clearing.state, "cleared", "nothing happens before the password")
        self.call_button(
            "res.users.identitycheck",
            "run_check",
            [action["res_id"]],
            {"password": "ic_web_manager_pw"},
        )
        self.clearing.invalidate_recordset()
        self.assertEqual(self.clearing.reopened_by, self.manager)
