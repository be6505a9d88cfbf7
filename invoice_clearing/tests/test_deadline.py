"""Filing deadlines: the calendar, reminders, the invoicing lock (锁盘), the first managed period."""

from datetime import date

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from ..models.guard_bypass import with_bypass
from .common import FapiaoCommon

OCTOBER = date(2026, 10, 1)


@tagged("post_install", "-at_install")
class TestDeadlines(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Deadline = cls.env["invoice.clearing.deadline"]
        cls.company.clearing_first_period = OCTOBER

    def clear_october(self):
        clearing = self.env["invoice.clearing"].create(
            {"scope": "period", "date_from": OCTOBER, "date_to": date(2026, 10, 31)}
        )
        with_bypass(clearing).sudo().state = "cleared"
        return clearing

    def test_calendar_2026_is_data(self):
        self.assertEqual(
            self.Deadline.search_count([("year", "=", 2026), ("company_id", "=", False)]), 12
        )
        self.assertEqual(
            self.Deadline._deadline_for_period(self.company, OCTOBER), (date(2026, 11, 16), False)
        )
        self.assertEqual(
            self.Deadline._deadline_for_period(self.company, date(2026, 1, 1))[0], date(2026, 2, 24)
        )

    def test_missing_month_falls_back_to_the_15th_with_a_warning(self):
        deadline, warning = self.Deadline._deadline_for_period(self.company, date(2027, 3, 1))
        self.assertEqual(deadline, date(2027, 4, 15))
        self.assertIn("2027-04", warning)
        self.assertIn("the 15th is assumed", warning)
        self.assertIn("calendar of 2027", warning)

    def test_company_exception_wins(self):
        self.Deadline.create({"date": date(2026, 11, 20), "company_id": self.company.id})
        self.assertEqual(
            self.Deadline._deadline_for_period(self.company, OCTOBER)[0], date(2026, 11, 20)
        )
        other = self.setup_other_company(name="Other Co")["company"]
        self.assertEqual(self.Deadline._deadline_for_period(other, OCTOBER)[0], date(2026, 11, 16))

    def test_locked_period_around_the_deadline(self):
        self.assertFalse(self.company._clearing_locked_period(today=date(2026, 11, 16)))
        self.assertEqual(self.company._clearing_locked_period(today=date(2026, 11, 17)), OCTOBER)
        self.assertEqual(
            self.company._clearing_uncleared_periods(date(2026, 12, 1)),
            [OCTOBER, date(2026, 11, 1)],
        )
        self.clear_october()
        self.assertFalse(self.company._clearing_locked_period(today=date(2026, 11, 17)))
        self.assertEqual(
            self.company._clearing_uncleared_periods(date(2026, 12, 1)), [date(2026, 11, 1)]
        )

    @freeze_time("2026-11-20")
    def test_posting_refused_while_locked(self):
        invoice = self._create_invoice(
            partner_id=self.buyer.id, invoice_date=date(2026, 11, 20),
            invoice_line_ids=[self._prepare_invoice_line(price_unit=100.0, tax_ids=self.tax_13)],
        )  # fmt: skip
        with self.assertRaises(UserError) as caught:
            invoice.action_post()
        self.assertIn("2026-10", str(caught.exception))
        self.assertIn("2026-11-16", str(caught.exception))
        self.assertEqual(invoice.state, "draft")

        self.company.clearing_lock_enabled = False
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    @freeze_time("2026-11-20")
    def test_credit_note_refused_while_locked_vendor_bill_not(self):
        self.assertEqual(self.company._clearing_locked_period(), OCTOBER)
        refund = self._create_invoice(
            move_type="out_refund", partner_id=self.buyer.id, invoice_date=date(2026, 11, 20),
            invoice_line_ids=[self._prepare_invoice_line(price_unit=50.0, tax_ids=self.tax_13)],
        )  # fmt: skip
        with self.assertRaisesRegex(UserError, "锁盘"):
            refund.action_post()
        bill = self._create_invoice(
            move_type="in_invoice", partner_id=self.buyer.id, invoice_date=date(2026, 11, 20),
            invoice_line_ids=[self._prepare_invoice_line(price_unit=50.0)],
        )  # fmt: skip
        bill.action_post()
        self.assertEqual(bill.state, "posted")

    @freeze_time("2026-11-20")
    def test_a_date_scope_clearing_does_not_clear_the_period(self):
        clearing = self.env["invoice.clearing"].create(
            {"scope": "date", "date_from": OCTOBER, "date_to": date(2026, 10, 31)}
        )
        with_bypass(clearing).sudo().state = "cleared"
        self.assertEqual(self.company._clearing_locked_period(), OCTOBER)

    @freeze_time("2026-11-20")
    def test_clearing_the_period_unlocks(self):
        self.clear_october()
        invoice = self.posted_invoice([(100.0, self.tax_13)], date=date(2026, 11, 20))
        self.assertEqual(invoice.state, "posted")

    @freeze_time("2026-11-20")
    def test_company_adopting_mid_year_is_not_locked(self):
        # Started on 2026-11-20: October's deadline (11-16) had passed, it was cleared outside.
        self.company.write({"clearing_first_period": False, "clearing_start_date": date.today()})
        self.create_fapiao(issue_date=date(2026, 9, 3))  # history registered to catch up
        self.assertEqual(self.company._clearing_first_period(), date(2026, 11, 1))
        self.assertFalse(self.company._clearing_locked_period())
        invoice = self.posted_invoice([(100.0, self.tax_13)], date=date(2026, 11, 20))
        self.assertEqual(invoice.state, "posted")

    def test_first_managed_period_bounds_everything(self):
        self.company.clearing_first_period = date(2026, 11, 7)  # any day: the month counts
        self.assertEqual(self.company._clearing_first_period(), date(2026, 11, 1))
        self.assertEqual(self.company._clearing_uncleared_periods(date(2026, 11, 1)), [])
        self.assertFalse(self.company._clearing_locked_period(today=date(2026, 11, 30)))
        self.assertEqual(
            self.company._clearing_locked_period(today=date(2026, 12, 16)), date(2026, 11, 1)
        )

    def test_default_first_period_is_the_first_deadline_after_the_start(self):
        self.company.clearing_first_period = False
        for start, first in (
            (date(2026, 11, 16), date(2026, 10, 1)),  # October's deadline is that very day
            (date(2026, 11, 17), date(2026, 11, 1)),
            (date(2026, 12, 1), date(2026, 11, 1)),
            (date(2026, 1, 20), date(2025, 12, 1)),
            (date(2026, 1, 21), date(2026, 1, 1)),
        ):
            self.company.clearing_start_date = start
            self.assertEqual(self.company._clearing_first_period(), first, f"started {start}")
        self.create_fapiao(issue_date=date(2025, 6, 3))  # older fapiao do not move it
        self.assertEqual(self.company._clearing_first_period(), date(2026, 1, 1))

    def test_settings_write_the_company(self):
        settings = self.env["res.config.settings"].create(
            {
                "clearing_first_period": date(2026, 9, 1),
                "clearing_lock_enabled": False,
                "clearing_four_eyes": True,
            }
        )
        self.assertEqual(settings.clearing_first_period_effective, "2026-09")
        settings.execute()
        self.assertEqual(self.company.clearing_first_period, date(2026, 9, 1))
        self.company.clearing_start_date = date(2026, 11, 17)
        settings = self.env["res.config.settings"].create({"clearing_first_period": False})
        self.assertEqual(settings.clearing_first_period_effective, "2026-11", "from the start date")
        self.assertFalse(self.company.clearing_lock_enabled)
        self.assertTrue(self.company.clearing_four_eyes)

    def test_reminders_5_and_2_days_before(self):
        todo = self.env.ref("mail.mail_activity_data_todo")
        record = self.env.ref("invoice_clearing.deadline_2026_11")

        def reminders():
            return record.activity_ids.filtered(
                lambda a: a.activity_type_id == todo and a.user_id == self.manager
            )

        self.Deadline._cron_remind_deadlines(today=date(2026, 11, 10))
        self.assertFalse(reminders(), "6 days before: nothing yet")
        self.Deadline._cron_remind_deadlines(today=date(2026, 11, 11))
        self.assertEqual(len(reminders()), 1)
        self.assertIn("2026-10", reminders().summary)
        self.Deadline._cron_remind_deadlines(today=date(2026, 11, 11))
        self.assertEqual(len(reminders()), 1, "no duplicate when the cron runs twice")
        self.Deadline._cron_remind_deadlines(today=date(2026, 11, 14))
        self.assertEqual(len(reminders()), 2)
        self.assertFalse(
            record.activity_ids.filtered(lambda a: a.user_id == self.clerk), "managers only"
        )

    def test_last_call_once_under_two_days(self):
        record = self.env.ref("invoice_clearing.deadline_2026_11")

        def reminders():
            return record.activity_ids.filtered(lambda a: a.user_id == self.manager)

        self.Deadline._cron_remind_deadlines(today=date(2026, 11, 15))  # missed days 5 and 2
        self.assertEqual(len(reminders()), 1)
        self.assertEqual(reminders().date_deadline, date(2026, 11, 16))
        self.Deadline._cron_remind_deadlines(today=date(2026, 11, 16))
        self.assertEqual(len(reminders()), 1, "one last call only")
        self.Deadline._cron_remind_deadlines(today=date(2026, 11, 17))
        self.assertEqual(len(reminders()), 1, "nothing once the deadline passed")

    def test_no_last_call_after_the_two_days_reminder(self):
        record = self.env.ref("invoice_clearing.deadline_2026_11")
        self.Deadline._cron_remind_deadlines(today=date(2026, 11, 14))
        self.Deadline._cron_remind_deadlines(today=date(2026, 11, 15))
        self.assertEqual(len(record.activity_ids.filtered(lambda a: a.user_id == self.manager)), 1)

    def test_no_reminder_once_cleared(self):
        self.clear_october()
        self.Deadline._cron_remind_deadlines(today=date(2026, 11, 11))
        activities = self.env.ref("invoice_clearing.deadline_2026_11").activity_ids
        self.assertFalse(activities.filtered(lambda a: self.company.name in a.summary))

    def test_only_managers_edit_the_calendar(self):
        record = self.env.ref("invoice_clearing.deadline_2026_12")
        record.with_user(self.manager).date = date(2026, 12, 16)
        self.assertEqual(record.date, date(2026, 12, 16))
        for user in (self.clerk, self.auditor):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                record.with_user(user).date = date(2026, 12, 17)
            self.assertEqual(record.with_user(user).date, date(2026, 12, 16), "but they read it")
            with self.assertRaises(AccessError):
                self.Deadline.with_user(user).create({"date": date(2027, 1, 20)})
            with self.assertRaises(AccessError):
                record.with_user(user).unlink()
        created = self.Deadline.with_user(self.manager).create({"date": date(2027, 1, 20)})
        self.assertEqual((created.year, created.month), (2027, 1))
        created.with_user(self.manager).unlink()
        self.assertFalse(created.exists())

    def test_one_deadline_per_month(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.Deadline.create({"date": date(2026, 11, 18)})
