"""The period overview (月结看板): one row per company and month, its status, deadline and figures."""

from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import role_user
from .test_clearing import MONTH, MONTH_END, ClearingCommon

NOVEMBER = date(2026, 11, 1)


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")  # October is open, its deadline (Nov 16) six days ahead
class TestPeriodOverview(ClearingCommon):
    def period(self, company=None, month=MONTH, user=None):
        """The row of `company` (the test company) and `month`, read afresh from the database."""
        self.env.invalidate_all()
        Period = self.env["invoice.clearing.period"]
        if user:
            Period = Period.with_user(user)
        return Period.search(
            [("company_id", "=", (company or self.company).id), ("date", "=", month)]
        )

    def new_company(self, name):
        return self.env["res.company"].create(
            {"name": name, "currency_id": self.company.currency_id.id}
        )

    def test_one_row_per_month_with_its_figures(self):
        rows = self.env["invoice.clearing.period"].search([("company_id", "=", self.company.id)])
        self.assertEqual(rows.mapped("date"), [NOVEMBER, MONTH], "first managed month to today")
        october = self.period()
        self.assertEqual(october.name, f"2026-10 · {self.company.name}")
        self.assertEqual(october.deadline, date(2026, 11, 16))
        self.assertEqual(october.days_left, 6)
        self.assertTrue(october.managed)
        self.assertEqual(october.status, "open")
        self.assertFalse(october.clearing_id)
        self.assertEqual(
            (october.blue_count, october.red_count, october.void_count, october.fapiao_count),
            (4, 1, 1, 6),
        )
        live = self.month_fapiao
        self.assertAlmostEqual(october.amount_total, sum(live.mapped("amount_total")))
        self.assertAlmostEqual(october.amount_tax, sum(live.mapped("amount_tax")))
        self.assertAlmostEqual(october.amount_untaxed, 1900.0)
        self.assertEqual(october.not_uploaded_count, 0)
        self.assertEqual(october.id, october._period_id(self.company, MONTH), "a stable id")
        self.assertEqual(self.env["invoice.clearing.period"].browse(october.id).name, october.name)
        november = self.period(month=NOVEMBER)
        self.assertEqual((november.fapiao_count, november.status), (1, "open"))
        self.assertEqual(november.deadline, date(2026, 12, 15))

    def test_quota_use_is_the_months_quota_usage(self):
        self.assertEqual(self.period().quota_use, 0.0, "no quota recorded for October")
        quota = self.env["invoice.clearing.quota"].create(
            {"company_id": self.company.id, "date": MONTH, "amount_granted": 4000.0}
        )
        issued = sum(self.month_fapiao.filtered(lambda f: not f.is_red).mapped("amount_total"))
        self.assertGreater(quota.usage_percent, 0.0)
        self.assertAlmostEqual(self.period().quota_use, quota.usage_percent)
        self.assertLessEqual(self.period().quota_use, 100 * issued / 4000.0)
        self.assertEqual(self.period(month=NOVEMBER).quota_use, 0.0)

    def test_status_ready_then_to_approve_then_cleared(self):
        clearing = self.new_clearing()
        self.assertEqual(self.period().clearing_id, clearing)
        self.assertEqual(self.period().status, "open", "a draft not checked yet")
        clearing.with_user(self.clerk).action_check()
        october = self.period()
        self.assertEqual((october.status, october.blocking_count), ("ready", 0))
        self.company.clearing_four_eyes = True
        clearing.with_user(self.clerk).action_submit()
        self.assertEqual(self.period().status, "to_approve")
        clearing.with_user(self.manager).action_approve()
        self.assertEqual(clearing.state, "cleared")
        self.assertEqual(self.period().status, "cleared")
        self.assertEqual(self.period(month=NOVEMBER).status, "open", "the next month stays open")

    def test_status_blocked_names_its_problems(self):
        self.create_fapiao(number="26442000000000055501", issue_date=date(2026, 10, 20))
        clearing = self.new_clearing()
        clearing.with_user(self.clerk).action_check()
        october = self.period()
        self.assertEqual(october.status, "blocked")
        self.assertEqual(october.blocking_count, clearing.blocking_count)
        self.assertGreater(october.blocking_count, 0)
        self.assertEqual(october.not_uploaded_count, 1)

    def test_status_locked_or_overdue_after_the_deadline(self):
        with freeze_time("2026-11-17"):
            self.assertEqual(self.period().status, "locked")
            self.assertEqual(self.period().days_left, -1)
            self.assertEqual(self.company._clearing_locked_period(), MONTH, "as the lock says")
            self.company.clearing_lock_enabled = False
            self.assertEqual(self.period().status, "overdue")
            self.assertEqual(self.period(month=NOVEMBER).status, "open")

    def test_past_the_deadline_the_status_still_says_how_far_the_clearing_is(self):
        clearing = self.new_clearing()
        clearing.with_user(self.clerk).action_check()
        with freeze_time("2026-11-17"):
            october = self.period()
            self.assertEqual((october.status, october.past_deadline), ("ready", True))
            self.assertTrue(october.invoicing_locked, "the company locks invoicing (锁盘)")
            late = self.create_fapiao(number="26442000000000055503", issue_date=date(2026, 10, 20))
            clearing.with_user(self.clerk).action_check()
            self.assertEqual((self.period().status, self.period().past_deadline), ("blocked", True))
            self.company.clearing_four_eyes = True
            late.uploaded = True
            clearing.filing_line_ids.filtered(lambda line: line.tax_rate == 13.0).write(
                {"amount_untaxed": 1800.0, "amount_tax": 234.0}
            )
            clearing.with_user(self.clerk).action_submit()
            self.assertEqual(
                (self.period().status, self.period().past_deadline), ("to_approve", True)
            )
            clearing.with_user(self.manager).action_approve()
            self.assertEqual(
                (self.period().status, self.period().past_deadline), ("cleared", False)
            )
        self.assertFalse(self.period(month=NOVEMBER).past_deadline)

    def test_changed_since_the_check(self):
        fapiao = self.create_fapiao(number="26442000000000055504", issue_date=date(2026, 10, 20))
        clearing = self.new_clearing()
        clearing.with_user(self.clerk).action_check()
        october = self.period()
        self.assertEqual((october.status, october.changed_since_check), ("blocked", False))
        # The problems are fixed (uploaded, filed), not checked yet.
        fapiao.with_user(self.clerk).uploaded = True
        clearing.filing_line_ids.filtered(lambda line: line.tax_rate == 13.0).with_user(
            self.clerk
        ).write({"amount_untaxed": 1800.0, "amount_tax": 234.0})
        october = self.period()
        self.assertEqual((october.status, october.changed_since_check), ("blocked", True))
        clearing.with_user(self.clerk).action_check()
        october = self.period()
        self.assertEqual((october.status, october.changed_since_check), ("ready", False))
        # A new fapiao, an invoice of the month, a changed filing: each is a change.
        late = self.create_fapiao(number="26442000000000055505", issue_date=date(2026, 10, 30))
        self.assertTrue(self.period().changed_since_check, "a new fapiao of the month")
        late.unlink()
        self.assertFalse(self.period().changed_since_check, "the facts are those checked again")
        self.posted_invoice([(10.0, self.tax_13)], date=date(2026, 10, 25))
        self.assertTrue(self.period().changed_since_check, "an invoice of the month")
        clearing.with_user(self.clerk).action_check()
        self.assertFalse(self.period().changed_since_check)
        clearing.with_user(self.clerk).filing_line_ids[0].amount_tax += 1
        self.assertTrue(self.period().changed_since_check, "the filing")
        self.assertFalse(self.period(month=NOVEMBER).changed_since_check, "nothing checked there")

    def test_reopened_month(self):
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(self.period().status, "cleared")
        clearing.with_user(self.manager).action_reopen("wrong rate")
        october = self.period()
        self.assertEqual((october.status, october.reopened, october.clearing_id),
                         ("reopened", True, clearing))  # fmt: skip
        with freeze_time("2026-11-17"):  # past its deadline, still reopened, never locked
            october = self.period()
            self.assertEqual((october.status, october.past_deadline), ("reopened", False))
            self.assertFalse(self.company._clearing_locked_period())
        again = october._draft_clearing()
        self.assertNotEqual(again, clearing, "a new draft for the month")
        again.write(
            {
                "filing_date": clearing.filing_date,
                "filing_line_ids": [
                    (0, 0, {name: line[name] for name in ("tax_rate", "amount_untaxed", "amount_tax")})
                    for line in clearing.filing_line_ids
                ],
            }
        )  # fmt: skip
        again.with_user(self.clerk).action_check()
        october = self.period()
        self.assertEqual((october.status, october.reopened, october.clearing_id),
                         ("ready", True, again))  # fmt: skip
        again.with_user(self.manager).action_submit()
        self.assertEqual(again.state, "cleared", again.failure_reason)
        october = self.period()
        self.assertEqual((october.status, october.reopened, october.clearing_id),
                         ("cleared", False, again))  # fmt: skip

    def test_months_before_the_first_managed_one_are_not_overdue(self):
        self.create_fapiao(
            number="26442000000000055502", issue_date=date(2026, 8, 3), uploaded=True
        )
        august = self.period(month=date(2026, 8, 1))
        self.assertFalse(august.managed)
        self.assertEqual(august.status, "open", "cleared at the bureau before Odoo managed it")
        self.assertFalse(self.period(month=date(2026, 9, 1)), "an unmanaged empty month: no row")

    def test_open_action(self):
        action = self.period().with_user(self.clerk).action_open()
        self.assertEqual(action["res_model"], "invoice.clearing")
        self.assertEqual(
            action["context"],
            {
                "default_scope": "period",
                "default_company_id": self.company.id,
                "default_date_from": "2026-10-01",
                "default_date_to": "2026-10-31",
            },
        )
        clearing = self.new_clearing()
        self.assertEqual(self.period().with_user(self.clerk).action_open()["res_id"], clearing.id)

    def test_check_creates_the_draft_and_checks_it(self):
        result = self.period().with_user(self.clerk).action_check()
        october = self.period()
        clearing = october.clearing_id
        self.assertEqual((clearing.state, clearing.scope), ("draft", "period"))
        self.assertEqual((clearing.date_from, clearing.date_to), (MONTH, MONTH_END))
        self.assertEqual(clearing.prepared_by, self.clerk)
        self.assertTrue(clearing.checked_at)
        self.assertIn("申报登记", " ".join(self.problems(clearing)), "no filing recorded yet")
        self.assertEqual(october.status, "blocked")
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn(october.name, result["params"]["message"])
        self.period().with_user(self.clerk).action_check()
        self.assertEqual(self.period().clearing_id, clearing, "checked again, not duplicated")

    def test_nobody_writes_and_the_auditor_does_not_check(self):
        october = self.period()
        self.assertEqual(self.period(user=self.auditor).status, "open", "the auditor reads")
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            october.with_user(self.auditor).action_check()
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            october.with_user(self.manager).write({"status": "cleared"})
        self.assertFalse(
            self.env["invoice.clearing"].search([("company_id", "=", self.company.id)])
        )

    def test_a_user_of_two_of_three_companies_sees_those_two(self):
        other, third = self.new_company("宁波二号有限公司"), self.new_company("杭州三号有限公司")
        user = role_user(
            self.env,
            "ic_two_companies",
            "invoice_clearing.group_clearing_user",
            self.company | other,
        )
        seen = self.env["invoice.clearing.period"].with_user(user).search([])
        self.assertEqual(seen.company_id, self.company | other)
        self.assertTrue(self.env["invoice.clearing.period"].search([("company_id", "=", third.id)]))
        with mute_logger("odoo.addons.base.models.ir_rule"), self.assertRaises(AccessError):
            self.period(third).with_user(user).read(["status"])

    def test_reminder_links_to_the_period(self):
        self.env["invoice.clearing.deadline"]._cron_remind_deadlines(today=date(2026, 11, 11))
        activity = self.env.ref("invoice_clearing.deadline_2026_11").activity_ids.filtered(
            lambda a: a.user_id == self.manager and self.company.name in a.summary
        )
        self.assertEqual(len(activity), 1)
        october = self.period()
        self.assertIn(
            f"/odoo/action-invoice_clearing.action_invoice_clearing_period/{october.id}",
            str(activity.note),
        )

    def test_acceptance_manager_of_three_companies_checks_them_at_once(self):
        """A manager of three companies sees each period's status and deadline at a glance and
        checks them in one action."""
        companies = (
            self.company
            | self.new_company("宁波二号有限公司")
            | self.new_company("杭州三号有限公司")
        )
        manager = role_user(
            self.env, "ic_three_companies", "invoice_clearing.group_clearing_manager", companies
        )
        self.new_clearing()  # the test company's October has its filing recorded
        Period = self.env["invoice.clearing.period"].with_user(manager)
        glance = {
            (row["company_id"][0], row["date"]): (row["status"], row["deadline"])
            for row in Period.search_read([("date", "=", MONTH)], ["company_id", "date", "status",
                                                                  "deadline"])
        }  # fmt: skip
        self.assertEqual(glance, {(c.id, MONTH): ("open", date(2026, 11, 16)) for c in companies})
        groups = Period.with_context(read_group_expand=True).web_read_group(
            [], ["status"], ["__count"]
        )["groups"]
        self.assertEqual(
            [g["status"] for g in groups],
            ["open", "ready", "blocked", "to_approve", "overdue", "locked", "reopened", "cleared"],
            "every status is a kanban column",
        )

        octobers = Period.search([("date", "=", MONTH)])
        result = octobers.action_check()
        self.assertEqual(result["tag"], "display_notification", "one summary notification")
        self.assertIn("3", result["params"]["title"])
        for row in octobers:
            self.assertIn(row.name, result["params"]["message"])
        self.env.invalidate_all()
        after = {row.company_id: row for row in Period.search([("date", "=", MONTH)])}
        self.assertEqual(after[self.company].status, "ready")
        for company in companies - self.company:
            row = after[company]
            self.assertEqual(row.clearing_id.company_id, company)
            self.assertEqual(row.clearing_id.prepared_by, manager)
            self.assertEqual(row.status, "blocked", "no filing recorded in the new companies")
        self.assertEqual(Period.search_count([("status", "=", "open"), ("date", "=", MONTH)]), 0)
