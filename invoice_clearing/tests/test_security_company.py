"""Multi-company: every model of the addon, wizards included, is seen only in its own company.

A user of company A reaches nothing of company B, neither by search nor by id; a user allowed in
both sees each company only while it is active in the context (allowed_company_ids).
"""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import role_user
from .test_clearing import MONTH, MONTH_END, ClearingCommon

# (model, attribute of the fixture in company B, attribute in company A or None)
MODELS = [
    ("invoice.clearing.fapiao", "b_fapiao", "fapiao_a"),
    ("invoice.clearing.fapiao.line", "b_fapiao_line", "fapiao_line_a"),
    ("invoice.clearing", "b_clearing", "clearing_a"),
    ("invoice.clearing.summary.line", "b_summary", "summary_a"),
    ("invoice.clearing.filing.line", "b_filing", "filing_a"),
    ("invoice.clearing.problem", "b_problem", "problem_a"),
    ("invoice.clearing.tieout.line", "b_tieout", "tieout_a"),
    ("invoice.clearing.deadline", "b_deadline", "deadline_a"),
    ("invoice.clearing.fapiao.register", "b_register", None),
    ("invoice.clearing.fapiao.register.line", "b_register_line", None),
    ("invoice.clearing.reopen", "b_reopen", None),
    ("invoice.clearing.job", "b_job", "job_a"),
    ("invoice.clearing.job.run", "b_job_run", "job_run_a"),
    ("invoice.clearing.period", "b_period", "period_a"),
    ("invoice.clearing.quota", "b_quota", "quota_a"),
    ("invoice.clearing.identity.attempt", "b_attempt", "attempt_a"),
]


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestMultiCompany(ClearingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="乙公司")["company"]
        cls.company_b.clearing_first_period = MONTH
        both = cls.company | cls.company_b
        manager, auditor = ("invoice_clearing.group_clearing_" + g for g in ("manager", "auditor"))
        cls.manager_b = role_user(cls.env, "ic_mc_manager_b", manager, cls.company_b)
        cls.manager_both = role_user(cls.env, "ic_mc_manager_both", manager, both)
        cls.auditor_both = role_user(cls.env, "ic_mc_auditor_both", auditor, both)
        Sudo = cls.env["invoice.clearing"].sudo()
        cls.b_fapiao = cls.create_fapiao(
            number="26442000000000055001", company_id=cls.company_b.id, uploaded=True,
            issue_date=date(2026, 10, 5),
        )  # fmt: skip
        cls.fapiao_a = cls.month_fapiao[0]
        Fapiao = cls.env["invoice.clearing.fapiao"].sudo()
        for attr, company, number in (
            ("b_fapiao_line", cls.company_b, "26442000000000055012"),
            ("fapiao_line_a", cls.company, "26442000000000055013"),
        ):
            multi_rate = Fapiao.create({
                **cls.fapiao_vals(number=number, company_id=company.id, uploaded=True,
                                  issue_date=date(2026, 10, 5)),
                **Fapiao._rate_line_vals([(13.0, False, 100.0, 13.0), (6.0, False, 50.0, 3.0)]),
            })  # fmt: skip
            setattr(cls, attr, multi_rate.rate_line_ids[0])
        cls.b_clearing, cls.clearing_a = (
            Sudo.with_company(company).create({
                "company_id": company.id, "scope": "period", "date_to": MONTH_END,
                "filing_line_ids": [Command.create({"tax_rate": 13.0, "amount_untaxed": 1.0})],
            })
            for company in (cls.company_b, cls.company)
        )  # fmt: skip
        (cls.b_clearing | cls.clearing_a).action_check()
        for prefix, clearing in (("b_", cls.b_clearing), ("", cls.clearing_a)):
            suffix = "" if prefix else "_a"
            setattr(cls, f"{prefix}summary{suffix}", clearing.summary_line_ids[0])
            setattr(cls, f"{prefix}filing{suffix}", clearing.filing_line_ids[0])
            setattr(cls, f"{prefix}problem{suffix}", clearing.problem_ids[0])
            setattr(cls, f"{prefix}tieout{suffix}", clearing.tieout_line_ids[0])
        for prefix, clearing in (("b_", cls.b_clearing), ("", cls.clearing_a)):
            suffix = "" if prefix else "_a"
            job = (
                cls.env["invoice.clearing.job"]
                .sudo()
                .create({"kind": "clearing", "res_model": clearing._name,
                         "res_id": clearing.id, "state": "done",
                         "company_id": clearing.company_id.id})
            )  # fmt: skip
            run = cls.env["invoice.clearing.job.run"].sudo().create({"job_id": job.id})
            setattr(cls, f"{prefix}job{suffix}", job)
            setattr(cls, f"{prefix}job_run{suffix}", run)
        Period = cls.env["invoice.clearing.period"]
        cls.b_period, cls.period_a = (
            Period.browse(Period._period_id(company, MONTH))
            for company in (cls.company_b, cls.company)
        )
        Deadline = cls.env["invoice.clearing.deadline"].sudo()
        cls.b_deadline = Deadline.create(
            {"date": date(2030, 2, 18), "company_id": cls.company_b.id}
        )
        cls.deadline_a = Deadline.create({"date": date(2030, 2, 19), "company_id": cls.company.id})
        Quota = cls.env["invoice.clearing.quota"].sudo()
        cls.b_quota, cls.quota_a = (
            Quota.create({"company_id": company.id, "date": MONTH, "amount_granted": 1000.0})
            for company in (cls.company_b, cls.company)
        )
        Attempt = cls.env["invoice.clearing.identity.attempt"].sudo()
        cls.b_attempt, cls.attempt_a = (
            Attempt.create({"user_id": user.id, "company_id": company.id, "result": "failure"})
            for user, company in ((cls.manager_b, cls.company_b), (cls.manager, cls.company))
        )
        move_b = cls.env["account.move"].sudo().create({
            "move_type": "out_invoice", "company_id": cls.company_b.id,
            "partner_id": cls.buyer.id, "invoice_date": date(2026, 11, 2),
        })  # fmt: skip
        cls.b_register = (
            cls.env["invoice.clearing.fapiao.register"].with_user(cls.manager_b)
            .create({"move_id": move_b.id, "line_ids": [Command.create({"tax_rate": 13.0})]})
        )  # fmt: skip
        cls.b_register_line = cls.b_register.line_ids[0]
        cls.b_reopen = (
            cls.env["invoice.clearing.reopen"]
            .with_user(cls.manager_b)
            .create({"clearing_id": cls.b_clearing.id, "reason": "test"})
        )

    def assert_unreachable(self, user, model, record):
        """`user` finds nothing of `record` and gets an AccessError by id, for every access."""
        Model = self.env[model].with_user(user)
        self.assertNotIn(record.id, Model.search([]).ids)
        with mute_logger("odoo.addons.base.models.ir_rule"), self.assertRaises(AccessError):
            Model.browse(record.id).read(["display_name"])
        for operation in ("write", "unlink"):
            with self.assertRaises(AccessError):
                Model.browse(record.id).check_access(operation)

    def test_user_of_one_company_reaches_nothing_of_another(self):
        for model, b_attr, _a_attr in MODELS:
            with self.subTest(model=model):
                self.assert_unreachable(self.manager, model, getattr(self, b_attr))

    def test_wizards_of_another_user_are_private(self):
        other_b = role_user(
            self.env, "ic_mc_other_b", "invoice_clearing.group_clearing_manager", self.company_b
        )
        for attr in ("b_register", "b_register_line", "b_reopen"):
            record = getattr(self, attr)
            with self.subTest(wizard=record._name):
                self.assert_unreachable(other_b, record._name, record)
                self.assertEqual(record.with_user(self.manager_b).read(["id"])[0]["id"], record.id)

    def test_actions_on_another_company_are_refused(self):
        attempts = [
            lambda: self.b_clearing.with_user(self.manager).action_check(),
            lambda: self.b_clearing.with_user(self.manager).action_approve(),
            lambda: self.b_clearing.with_user(self.manager).action_cancel(),
            lambda: self.b_period.with_user(self.manager).action_check(),
            lambda: self.b_fapiao.with_user(self.manager).action_void(),
            lambda: self.b_fapiao.with_user(self.manager).write({"uploaded": False}),
            lambda: self.env["invoice.clearing.fapiao"].with_user(self.clerk).create(
                self.fapiao_vals(number="26442000000000055002", company_id=self.company_b.id)
            ),
            lambda: self.env["invoice.clearing"].with_user(self.clerk).create(
                {"company_id": self.company_b.id, "scope": "date", "date_from": MONTH,
                 "date_to": MONTH_END}
            ),
            lambda: self.env["invoice.clearing.reopen"].with_user(self.manager).create(
                {"clearing_id": self.b_clearing.id, "reason": "x"}
            ),
            lambda: self.b_quota.with_user(self.manager).write({"amount_granted": 1.0}),
            lambda: self.env["invoice.clearing.quota"].with_user(self.manager).create(
                {"company_id": self.company_b.id, "date": date(2026, 12, 1)}
            ),
        ]  # fmt: skip
        counts = {m: self.env[m].sudo().search_count([]) for m, _b, _a in MODELS}
        state = (self.b_clearing.state, self.b_clearing.problem_ids.ids, self.b_fapiao.uploaded)
        for index, attempt in enumerate(attempts):
            with (
                self.subTest(attempt=index),
                mute_logger("odoo.addons.base.models.ir_rule", "odoo.models"),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                attempt()
        self.env.invalidate_all()
        self.assertEqual({m: self.env[m].sudo().search_count([]) for m, _b, _a in MODELS}, counts)
        self.assertEqual(
            (self.b_clearing.state, self.b_clearing.problem_ids.ids, self.b_fapiao.uploaded), state
        )

    def test_user_of_two_companies_sees_each_in_its_own_context(self):
        for user in (self.manager_both, self.auditor_both):
            for model, b_attr, a_attr in MODELS:
                if not a_attr:
                    continue
                a_record, b_record = getattr(self, a_attr), getattr(self, b_attr)
                Model = self.env[model].with_user(user)
                only_a = Model.with_context(allowed_company_ids=self.company.ids).search([])
                only_b = Model.with_context(allowed_company_ids=self.company_b.ids).search([])
                both = Model.with_context(
                    allowed_company_ids=(self.company | self.company_b).ids
                ).search([])
                with self.subTest(user=user.login, model=model):
                    self.assertIn(a_record, only_a)
                    self.assertNotIn(b_record, only_a)
                    self.assertIn(b_record, only_b)
                    self.assertNotIn(a_record, only_b)
                    self.assertIn(a_record, both)
                    self.assertIn(b_record, both)
                    with (
                        mute_logger("odoo.addons.base.models.ir_rule"),
                        self.assertRaises(AccessError),
                    ):
                        b_record.with_user(user).with_context(
                            allowed_company_ids=self.company.ids
                        ).read(["display_name"])
