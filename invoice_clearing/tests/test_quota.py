"""The invoicing quota (授信额度): usage from the register, alerts, renewal, check, access."""

import io
from datetime import date

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from ..models.guard_bypass import with_bypass
from .common import role_user
from .test_clearing import MONTH, ClearingCommon

NOVEMBER = date(2026, 11, 1)


def expected_used(fapiao, month):
    """The quota a month used, computed here without SQL: blue fapiao of the month not voided,
    plus red-letter ones not voided whose blue fapiao is of the same month."""

    def in_month(day):
        return day and (day.year, day.month) == (month.year, month.month)

    total = 0.0
    for f in fapiao.filtered(lambda f: in_month(f.issue_date) and not f.void_date):
        if not f.is_red or in_month(f.origin_fapiao_id.issue_date):
            total += f.amount_total
    return round(total, 2)


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestQuota(ClearingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Quota = cls.env["invoice.clearing.quota"]
        cls.auditor_user = cls.auditor
        cls.october = cls.Quota.create(
            {"company_id": cls.company.id, "date": date(2026, 10, 9), "amount_granted": 10000.0}
        )
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")

    def manager_todos(self, quota, user=None):
        return quota.activity_ids.filtered(
            lambda a: a.activity_type_id == self.todo and a.user_id == (user or self.manager)
        )

    # ------------------------------------------------------------------ usage
    def test_month_start_and_readable_name(self):
        self.assertEqual(self.october.date, MONTH)
        self.assertEqual(self.october.name, f"2026-10 {self.company.name}")

    def test_used_equals_the_months_issued_totals(self):
        blue = self.month_fapiao[0]
        september_blue = self.create_fapiao(
            number="26442000000000030001", amount=400.0, issue_date=date(2026, 9, 20)
        )
        # Red-letter 数电 fapiao, each with its confirmed form (红字确认单).
        self.red_form(blue, "26442000000000000098", amount_untaxed=-200.0, amount_tax=-26.0,
                      amount_total=-226.0)  # fmt: skip
        self.red_form(september_blue, "26442000000000000099")
        # Red of a blue of the month: gives quota back.
        self.create_fapiao(number="26442000000000030002", amount=-200.0, origin_fapiao_id=blue.id,
                           issue_date=date(2026, 10, 25), is_red=True,
                           red_reference="26442000000000000098")  # fmt: skip
        # Red of September's blue: gives nothing back in October.
        self.create_fapiao(number="26442000000000030003", amount=-400.0,
                           origin_fapiao_id=september_blue.id, issue_date=date(2026, 10, 26),
                           is_red=True, red_reference="26442000000000000099")  # fmt: skip
        # Voided paper fapiao (blue and red): no quota used.
        paper = self.create_fapiao(kind="vat_special", number="00030004", amount=300.0,
                                   issue_date=date(2026, 10, 27))  # fmt: skip
        paper_red = self.create_fapiao(kind="vat_special", number="00030005", amount=-300.0,
                                       origin_fapiao_id=paper.id, issue_date=date(2026, 10, 27),
                                       is_red=True, red_reference="1234567890123456")  # fmt: skip
        with_bypass(paper | paper_red).write({"void_date": date(2026, 10, 28)})  # as voiding
        # Another company's fapiao of the month: not ours.
        other = self.setup_other_company(name="丙公司")["company"]
        self.create_fapiao(number="26442000000000030006", company_id=other.id, amount=5000.0,
                           issue_date=date(2026, 10, 5))  # fmt: skip

        register = (
            self.env["invoice.clearing.fapiao"]
            .sudo()
            .search([("company_id", "=", self.company.id)])
        )
        expected = expected_used(register, MONTH)
        # the fixture's month, minus the red-letter fapiao of a blue of the month
        self.assertEqual(expected, 2246.0 - 226.0)
        self.october.invalidate_recordset()
        self.assertAlmostEqual(self.october.amount_used, expected, places=2)
        self.assertAlmostEqual(self.october.amount_remaining, 10000.0 - expected, places=2)
        self.assertAlmostEqual(self.october.usage_percent, round(expected / 100.0, 2), places=2)

        november = self.Quota.create({"date": NOVEMBER, "amount_granted": 1130.0})
        self.assertEqual(november.amount_used, expected_used(register, NOVEMBER))
        self.assertEqual(november.usage_percent, 10.0)
        usage = self.Quota._usage_by_company_month(self.company | other, [MONTH, NOVEMBER])
        self.assertEqual(
            usage,
            {
                (self.company.id, MONTH): self.october.usage_percent,
                (self.company.id, NOVEMBER): 10.0,
            },
        )

    # ------------------------------------------------------------------ alerts
    def test_warning_activity_once_at_the_threshold(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "invoice_clearing.quota_warning_percent", "50"
        )
        quota = self.Quota.create({"date": NOVEMBER, "amount_granted": 1000.0})  # 113 used
        self.assertFalse(self.manager_todos(quota))
        self.create_fapiao(number="26442000000000040001", amount=300.0, issue_date=NOVEMBER)
        self.assertEqual(quota.usage_percent, 45.2)
        self.assertFalse(self.manager_todos(quota), "below the threshold")

        self.create_fapiao(number="26442000000000040002", amount=100.0, issue_date=NOVEMBER)
        self.assertEqual(quota.usage_level, "warning")
        self.assertEqual(len(self.manager_todos(quota)), 1)
        self.assertEqual(len(self.manager_todos(quota, self.manager_2)), 1)
        self.assertFalse(self.manager_todos(quota, self.clerk), "managers only")
        self.assertIn("56.5%", self.manager_todos(quota).summary)

        self.create_fapiao(number="26442000000000040003", amount=10.0, issue_date=NOVEMBER)
        self.Quota._cron_notify_usage()
        self.assertEqual(len(self.manager_todos(quota)), 1, "never repeated")

        self.create_fapiao(number="26442000000000040004", amount=400.0, issue_date=NOVEMBER)
        self.assertEqual(quota.usage_level, "exhausted")
        todos = self.manager_todos(quota)
        self.assertEqual(len(todos), 2, "one more when used up")
        self.Quota._cron_notify_usage()
        self.assertEqual(len(self.manager_todos(quota)), 2)

    def test_cron_catches_a_lowered_threshold_and_a_raised_quota_rearms(self):
        quota = self.Quota.create({"date": NOVEMBER, "amount_granted": 200.0})  # 56.5 %
        self.assertFalse(self.manager_todos(quota))
        self.env["ir.config_parameter"].sudo().set_param(
            "invoice_clearing.quota_warning_percent", "55"
        )
        self.Quota._cron_notify_usage()
        self.assertEqual(len(self.manager_todos(quota)), 1)
        self.assertEqual(quota.notified_level, "warning")
        quota.with_user(self.manager).amount_granted = 1000.0
        self.assertEqual(quota.notified_level, "none", "below the threshold again")

    # ------------------------------------------------------------------ renewal
    def test_clearing_the_month_renews_the_quota(self):
        deadline = self.env["invoice.clearing.deadline"]._deadline_for_period
        self.assertEqual(self.october.valid_until, deadline(self.company, MONTH)[0])
        november = self.Quota.create({"date": NOVEMBER, "amount_granted": 1000.0})
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.state, "cleared")
        self.assertTrue(self.october.renewed_at)
        self.assertEqual(self.october.renewed_by_clearing_id, clearing)
        self.assertEqual(self.october.valid_until, deadline(self.company, NOVEMBER)[0])
        self.assertIn(clearing.name, self.october.message_ids[0].body)
        self.assertFalse(november.renewed_at, "November is not cleared")

    def test_a_date_range_clearing_does_not_renew(self):
        clearing = self.new_clearing(scope="date", date_from=MONTH, date_to=date(2026, 10, 20))
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.state, "cleared")
        self.assertFalse(self.october.renewed_at)

    # ------------------------------------------------------------------ check
    def test_check_warns_of_suspended_used_up_and_expired_quota(self):
        clearing = self.new_clearing()
        clearing.with_user(self.clerk).action_check()
        self.assertFalse([m for m in self.problems(clearing, "warning") if "quota" in m])
        self.assertEqual(clearing.quota_id, self.october)
        self.assertEqual(clearing.quota_amount_used, 2246.0)

        self.october.write(
            {"amount_granted": 2000.0, "suspended": True, "suspension_reason": "风险纳税人"}
        )
        with freeze_time("2026-11-20"):  # after the deadline of October (Nov 16)
            clearing.with_user(self.clerk).action_check()
        warnings = self.problems(clearing, "warning")
        self.assertTrue(any("suspended" in m and "风险纳税人" in m for m in warnings), warnings)
        self.assertTrue(any("used up" in m and "2246" in m for m in warnings), warnings)
        self.assertTrue(any("expired" in m for m in warnings), warnings)
        self.assertFalse([m for m in self.problems(clearing) if "quota" in m], "warnings only")
        quota_problem = clearing.problem_ids.filtered(lambda p: "suspended" in p.message)
        self.assertEqual(quota_problem.res_model, "invoice.clearing.quota")

    def test_xlsx_export_shows_the_months_quota(self):
        clearing = self.new_clearing()
        clearing.with_user(self.clerk).action_check()
        _name, content = (
            self.env["report.invoice_clearing.clearing_xlsx"]
            .with_user(self.auditor_user)
            ._generate(clearing.with_user(self.auditor_user))
        )
        rows = list(
            openpyxl.load_workbook(io.BytesIO(content))["Summary"].iter_rows(values_only=True)
        )
        quota_row = next(row for row in rows if row[0] == "Invoicing Quota")
        line = "2026-10: granted 10,000.00, used 2,246.00 (22.46%), remaining 7,754.00"
        self.assertEqual(quota_row[1], line)
        # ... and the summary PDF (开票汇总表) prints the same line under its title.
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.auditor_user)
            ._render_qweb_html("invoice_clearing.action_report_clearing_summary", clearing.ids)
        )
        self.assertIn(f"Invoicing quota (授信额度) {line}", " ".join(html.decode().split()))

    # ------------------------------------------------------------------ access
    def test_managers_write_users_and_auditors_read(self):
        for user in (self.clerk, self.auditor_user):
            self.assertEqual(self.october.with_user(user).amount_granted, 10000.0)
            with mute_logger("odoo.addons.base.models.ir_model"), self.assertRaises(AccessError):
                self.october.with_user(user).amount_granted = 1.0
            with mute_logger("odoo.addons.base.models.ir_model"), self.assertRaises(AccessError):
                self.Quota.with_user(user).create({"date": NOVEMBER, "amount_granted": 1.0})
        created = self.Quota.with_user(self.manager).create(
            {"date": NOVEMBER, "amount_granted": 5.0}
        )
        self.assertEqual(created.company_id, self.company)
        self.assertEqual(self.october.amount_granted, 10000.0)

    def test_protected_fields_and_suspension_reason(self):
        with self.assertRaises(UserError):
            self.october.with_user(self.manager).write({"renewed_at": "2026-11-01 00:00:00"})
        with self.assertRaises(UserError):
            self.october.with_user(self.manager).write({"suspended": True})
        self.assertFalse(self.october.renewed_at)
        self.assertFalse(self.october.suspended)

    def test_multi_company(self):
        company_b = self.setup_other_company(name="乙公司")["company"]
        manager_b = role_user(
            self.env, "ic_quota_manager_b", "invoice_clearing.group_clearing_manager", company_b
        )
        quota_b = self.Quota.sudo().create({"company_id": company_b.id, "date": MONTH,
                                            "amount_granted": 100.0})  # fmt: skip
        self.create_fapiao(number="26442000000000050001", company_id=company_b.id, amount=50.0,
                           issue_date=date(2026, 10, 5))  # fmt: skip
        self.assertEqual(quota_b.amount_used, 56.5)
        self.assertEqual(self.october.amount_used, 2246.0, "company B's fapiao are not ours")
        self.assertEqual(self.Quota.with_user(manager_b).search([]), quota_b)
        with mute_logger("odoo.addons.base.models.ir_rule"), self.assertRaises(AccessError):
            self.october.with_user(manager_b).read(["amount_granted"])
        self.assertFalse(self.manager_todos(quota_b), "company A's manager is not in company B")
