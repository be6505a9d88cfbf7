"""Reopening opens the books: Odoo's lock date exception lets the month be corrected, and the
next clearing of the month ends it, chained and verifiable."""

from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import role_user
from .test_clearing import MONTH, MONTH_END, ClearingCommon

SEPTEMBER_END = date(2026, 9, 30)
OCTOBER_20 = date(2026, 10, 20)


@tagged("post_install", "-at_install")
@freeze_time("2026-12-07")  # December: October's deadline (Nov 16) has passed
class TestReopen(ClearingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = role_user(cls.env, "ic_reopen_billing", "account.group_account_invoice")
        # An October invoice with its fapiao, cleared with the month.
        cls.invoice = cls.posted_invoice([(1000.0, cls.tax_13)], date=date(2026, 10, 15))
        cls.fapiao = cls.month_fapiao[0]
        cls.fapiao.move_id = cls.invoice

    def period(self, month=MONTH):
        self.env.invalidate_all()
        return self.env["invoice.clearing.period"].search(
            [("company_id", "=", self.company.id), ("date", "=", month)]
        )

    def clear_october(self, amount_13=1700.0, tax_13=221.0):
        clearing = self.new_clearing(filing=False)
        clearing.write(
            {
                "filing_date": date(2026, 11, 10),
                "filing_line_ids": [
                    (0, 0, {"tax_rate": 13.0, "amount_untaxed": amount_13, "amount_tax": tax_13}),
                    (0, 0, {"tax_rate": 6.0, "amount_untaxed": 200.0, "amount_tax": 12.0}),
                ],
            }
        )
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.state, "cleared", clearing.failure_reason)
        return clearing

    def october_invoice(self, price=200.0, user=None):
        invoice = self._create_invoice(
            move_type="out_invoice",
            partner_id=self.buyer.id,
            invoice_date=OCTOBER_20,
            invoice_line_ids=[self._prepare_invoice_line(price_unit=price, tax_ids=self.tax_13)],
        )
        invoice.with_user(user or self.billing).action_post()
        return invoice

    def test_acceptance_reopen_correct_and_clear_again(self):
        first = self.clear_october()
        self.assertEqual(self.company.sale_lock_date, MONTH_END)
        with (
            mute_logger("odoo.addons.invoice_clearing.models.account_move"),
            self.assertRaises(UserError),
        ):
            self.october_invoice()

        first.with_user(self.manager).action_reopen("A forgotten October invoice")
        exception = first.lock_exception_ids
        self.assertEqual(len(exception), 1)
        self.assertEqual(
            (exception.state, exception.lock_date_field, exception.lock_date, exception.user_id),
            ("active", "sale_lock_date", SEPTEMBER_END, self.env["res.users"]),
            "the month is open to every user (billing users post its invoices)",
        )
        self.assertIn("A forgotten October invoice", exception.reason)
        self.assertEqual(exception.create_uid, self.manager)
        self.assertEqual(self.company.sale_lock_date, MONTH_END, "the lock date stays as the mark")
        october = self.period()
        self.assertEqual(
            (october.status, october.reopened, october.clearing_id), ("reopened", True, first)
        )
        self.assertFalse(october.past_deadline, "a reopened month is being corrected, not late")

        # The forgotten invoice is posted in October, not today.
        forgotten = self.october_invoice()
        self.assertEqual((forgotten.state, forgotten.date), ("posted", OCTOBER_20))
        refund = self._create_invoice(
            move_type="out_refund",
            partner_id=self.buyer.id,
            invoice_date=OCTOBER_20,
            invoice_line_ids=[self._prepare_invoice_line(price_unit=20.0, tax_ids=self.tax_13)],
        )
        refund.with_user(self.billing).action_post()
        self.assertEqual((refund.state, refund.date), ("posted", OCTOBER_20), "credit notes too")
        refund.with_user(self.billing).button_draft()
        refund.with_user(self.billing).unlink()
        # An October invoice is reset to draft, corrected and posted again in October.
        self.invoice.with_user(self.billing).button_draft()
        self.assertEqual(self.invoice.state, "draft")
        self.invoice.with_user(self.billing).action_post()
        self.assertEqual((self.invoice.state, self.invoice.date), ("posted", date(2026, 10, 15)))
        # The forgotten invoice's fapiao is registered, a fapiao of October corrected.
        self.create_fapiao(
            user=self.clerk, number="26442000000000007777", amount=200.0,
            issue_date=OCTOBER_20, move_id=forgotten.id, uploaded=True,
        )  # fmt: skip
        self.fapiao.with_user(self.clerk).write({"note": "buyer's address corrected"})
        self.assertEqual(self.fapiao.note, "buyer's address corrected")
        # Invoicing after October is not locked (锁盘) for a month being corrected.
        self.assertFalse(self.company._clearing_locked_period())

        second = self.clear_october(amount_13=1900.0, tax_13=247.0)
        self.assertEqual(second.previous_hash, first.hash, "chained to the reopened clearing")
        self.assertEqual(exception.state, "revoked", "clearing again ends the exception")
        self.assertTrue(exception.end_datetime)
        self.assertEqual(self.company.sale_lock_date, MONTH_END)
        self.assertIn(first.name, second.message_ids.mapped("body")[1])
        results = self.env["invoice.clearing.integrity"]._verify(first | second)
        self.assertEqual(
            [(r["clearing"], r["ok"]) for r in results], [(first, True), (second, True)]
        )
        self.assertEqual(self.fapiao.clearing_id, second)

        with mute_logger("odoo.addons.invoice_clearing.models.account_move"):
            with self.assertRaises(UserError):
                self.october_invoice(price=50.0)
            with self.assertRaises(UserError):
                self.invoice.with_user(self.billing).button_draft()
        self.assertEqual(self.invoice.state, "posted")

    def test_four_eyes_reopen_opens_the_books_on_the_second_manager(self):
        self.company.clearing_four_eyes = True
        clearing = self.new_clearing()
        clearing.with_user(self.clerk).action_submit()
        clearing.with_user(self.manager).action_approve()
        self.assertEqual(clearing.state, "cleared", clearing.failure_reason)

        clearing.with_user(self.manager).action_reopen("wrong rate on a fapiao")
        self.assertFalse(clearing.lock_exception_ids, "a request opens nothing")
        with self.assertRaises(AccessError):
            clearing.with_user(self.manager).action_reopen()
        self.assertFalse(clearing.lock_exception_ids)

        clearing.with_user(self.manager_2).action_reopen()
        self.assertEqual(clearing.state, "cancelled")
        self.assertEqual(clearing.lock_exception_ids.create_uid, self.manager_2)
        self.assertEqual(clearing.lock_exception_ids.state, "active")
        self.assertEqual(self.october_invoice().date, OCTOBER_20)

    def test_a_later_cleared_period_is_reopened_first(self):
        october = self.clear_october()
        november = self.new_clearing(
            filing=False, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30),
            filing_date=date(2026, 12, 5),
            filing_line_ids=[(0, 0, {"tax_rate": 13.0, "amount_untaxed": 100.0, "amount_tax": 13.0})],
        )  # fmt: skip
        november.with_user(self.manager).action_submit()
        self.assertEqual(november.state, "cleared", november.failure_reason)
        with self.assertRaises(UserError) as caught:
            october.with_user(self.manager).action_reopen("typo")
        self.assertIn(november.name, str(caught.exception))
        self.assertEqual(october.state, "cleared")
        self.assertFalse(october.lock_exception_ids)
