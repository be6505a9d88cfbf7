"""Hand-over (交接) over HTTP by a clerk who sees only some companies.

The web client sends `allowed_company_ids`; record rules then hide the companies the clerk is not
in, which a TransactionCase's cache would not show. The managers of the clearing's company may
belong to other companies too, or the administrator to another company altogether.
"""

from datetime import date

from odoo.tests import HttpCase, tagged

from .common import web_user

MANAGER = "invoice_clearing.group_clearing_manager"
NUMBER = "26442000000000300101"


@tagged("post_install", "-at_install")
class TestHandOverAcrossCompanies(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b, cls.company_c, cls.company_d = cls.env["res.company"].create(
            [{"name": f"交接测试{n}公司"} for n in "BCD"]
        )
        abc = cls.company_a | cls.company_b | cls.company_c
        cls.clerk = web_user(cls.env, "ic_ho_clerk", "invoice_clearing.group_clearing_user", abc)
        # A manager of A working in D, and a manager of D only: neither company the clerk sees.
        cls.manager = web_user(cls.env, "ic_ho_manager", MANAGER, cls.company_d | cls.company_a)
        cls.manager_d = web_user(cls.env, "ic_ho_manager_d", MANAGER, cls.company_d)
        cls.manager_ab = web_user(
            cls.env, "ic_ho_manager_ab", MANAGER, cls.company_a | cls.company_b
        )
        buyer = cls.env["res.partner"].create({"name": "Hand-over Buyer"})
        cls.fapiao = cls.env["invoice.clearing.fapiao"].create(
            {
                "company_id": cls.company_a.id, "partner_id": buyer.id,
                "fapiao_type": "digital_general", "number": NUMBER,
                "issue_date": date(2026, 10, 8), "tax_rate": 6.0, "amount_untaxed": 100.0,
                "amount_tax": 6.0, "amount_total": 106.0, "uploaded": True,
            }
        )  # fmt: skip
        cls.clearing = cls.env["invoice.clearing"].create(
            {"company_id": cls.company_a.id, "scope": "number", "number_list": NUMBER}
        )

    def call_kw(self, model, method, ids, companies, **kwargs):
        """The web client's call: the selected companies, the current one first."""
        context = {"allowed_company_ids": companies.ids, "lang": "zh_CN"}
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": [ids],
             "kwargs": {**kwargs, "context": context}},
        )  # fmt: skip

    def todo_users(self):
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "invoice.clearing"), ("res_id", "=", self.clearing.id)]
        )
        return activities.user_id

    def test_clerk_of_some_companies_requests_approval(self):
        self.authenticate("ic_ho_clerk", "ic_ho_clerk_pw")
        self.call_kw(
            "invoice.clearing", "action_request_approval", self.clearing.ids, self.company_a
        )
        self.clearing.invalidate_recordset()
        self.assertEqual(self.clearing.state, "to_approve")
        self.assertEqual(self.clearing.prepared_by, self.clerk)
        self.assertIn(self.manager, self.todo_users())
        self.assertNotIn(self.manager_d, self.todo_users(), "not a manager of the company")
        self.assertNotIn(self.clerk, self.todo_users())
        todo = self.clearing.activity_ids.filtered(lambda a: a.user_id == self.manager)
        self.assertEqual(todo.summary, f"审批清卡 {self.clearing.name}", "the clerk's language")

        # Taken back: the managers' to-dos go with it.
        self.call_kw("invoice.clearing", "action_reset_to_draft", self.clearing.ids, self.company_a)
        self.clearing.invalidate_recordset()
        self.assertEqual(self.clearing.state, "draft")
        self.assertFalse(self.todo_users())

    def test_four_eyes_submit_and_the_manager_clears_from_another_company(self):
        self.company_a.clearing_four_eyes = True
        self.authenticate("ic_ho_clerk", "ic_ho_clerk_pw")
        self.call_kw(
            "invoice.clearing", "action_submit", self.clearing.ids,
            self.company_a | self.company_b | self.company_c,
        )  # fmt: skip
        self.clearing.invalidate_recordset()
        self.assertEqual(self.clearing.state, "to_approve")
        self.assertIn(self.manager, self.todo_users())

        # The manager works in D with A selected too, as the company switcher sends it.
        self.authenticate("ic_ho_manager", "ic_ho_manager_pw")
        self.call_kw(
            "invoice.clearing", "action_approve", self.clearing.ids,
            self.company_d | self.company_a,
        )  # fmt: skip
        self.clearing.invalidate_recordset()
        self.assertEqual(self.clearing.state, "cleared")
        self.assertEqual(self.clearing.approved_by, self.manager)
        self.assertFalse(self.todo_users(), "the approvers' to-dos are done")

        # Four-eyes reopening: the manager of D and A asks, a manager of A and B confirms.
        reason = "the bureau's figures differ"
        self.call_kw(
            "invoice.clearing", "action_reopen", self.clearing.ids,
            self.company_d | self.company_a, reason=reason,
        )  # fmt: skip
        self.clearing.invalidate_recordset()
        self.assertEqual(self.clearing.reopen_requested_by, self.manager)
        self.assertEqual(self.clearing.state, "cleared")
        self.authenticate("ic_ho_manager_ab", "ic_ho_manager_ab_pw")
        self.call_kw("invoice.clearing", "action_reopen", self.clearing.ids, self.company_a)
        self.clearing.invalidate_recordset()
        self.assertEqual(self.clearing.reopened_by, self.manager_ab)

    def test_clerk_checks_the_month_in_the_period_overview(self):
        Period = self.env["invoice.clearing.period"]
        period = Period.browse(Period._period_id(self.company_a, date(2026, 10, 1)))
        self.authenticate("ic_ho_clerk", "ic_ho_clerk_pw")
        action = self.call_kw("invoice.clearing.period", "action_check", period.ids, self.company_a)
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("2026-10", action["params"]["message"])

    def test_clerk_registering_a_fapiao_alerts_the_managers_of_the_quota(self):
        quota = self.env["invoice.clearing.quota"].create(
            {"company_id": self.company_a.id, "date": date(2026, 10, 1), "amount_granted": 150.0}
        )
        self.authenticate("ic_ho_clerk", "ic_ho_clerk_pw")
        context = {"allowed_company_ids": self.company_a.ids, "lang": "zh_CN"}
        vals = {
            "company_id": self.company_a.id, "partner_id": self.fapiao.partner_id.id,
            "fapiao_type": "digital_general", "number": "26442000000000300102",
            "issue_date": "2026-10-09", "tax_rate": 6.0, "amount_untaxed": 100.0,
            "amount_tax": 6.0, "amount_total": 106.0,
        }  # fmt: skip
        self.make_jsonrpc_request(
            "/web/dataset/call_kw/invoice.clearing.fapiao/create",
            {"model": "invoice.clearing.fapiao", "method": "create", "args": [vals],
             "kwargs": {"context": context}},
        )  # fmt: skip
        self.assertIn(self.manager, quota.activity_ids.user_id, "the quota's alert")
        self.assertNotIn(self.manager_d, quota.activity_ids.user_id)
