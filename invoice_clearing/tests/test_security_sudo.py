"""Another module's `sudo()` is refused like any user by the freeze and the protected fields,
while the addon's own acts (clear, reopen, correct after reopening, red letter) still pass.

Sales, portal and integration modules write with sudo() inside a user's request, and their
crons run as OdooBot: both are `env.su`, and neither may change a cleared fapiao, a frozen
invoice or the fields only the clearing's acts set.
"""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.guard_bypass import BYPASS_CONTEXT_KEY, with_bypass
from .common import role_user
from .test_clearing import ClearingCommon


@tagged("post_install", "-at_install")
class TestOtherModuleSudo(ClearingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = role_user(
            cls.env, "ic_sudo_billing", "account.group_account_invoice", cls.company
        )
        cls.invoice = cls.posted_invoice([(1000.0, cls.tax_13)], date=date(2026, 10, 15))
        cls.frozen = cls.month_fapiao[0]
        cls.frozen.move_id = cls.invoice
        # By number: no lock date moves, so every refusal below is the clearing's own.
        cls.clearing = cls.env["invoice.clearing"].create(
            {"scope": "number", "number_list": cls.frozen.number}
        )
        assert cls.clearing.with_user(cls.manager).action_approve() is True, (
            cls.clearing.failure_reason
        )
        cls.line = cls.invoice.invoice_line_ids

    def module_sudo(self, records):
        """`records` as another module's code sees them in the billing user's request."""
        return records.with_user(self.billing).sudo()

    def snapshot(self):
        self.env.invalidate_all()
        return (
            self.frozen.read(["amount_untaxed", "clearing_id", "state", "void_date", "note"]),
            self.invoice.read(["state", "ref", "partner_id", "invoice_date"]),
            self.invoice.line_ids.read(["name", "price_unit", "quantity", "tax_ids", "balance"]),
            self.clearing.read(["state", "hash", "approved_by", "failure_reason"]),
        )

    def assert_refused(self, attempt, error=UserError, names=()):
        before = self.snapshot()
        with (
            mute_logger("odoo.models"),
            self.assertRaises(error) as caught,
            self.env.cr.savepoint(),
        ):
            attempt()
        for name in names:
            self.assertIn(name, str(caught.exception))
        self.assertEqual(self.snapshot(), before)

    def test_sudo_cannot_change_a_frozen_fapiao(self):
        names = (self.frozen.display_name, self.clearing.name)
        for attempt in (
            lambda: self.module_sudo(self.frozen).write({"amount_untaxed": 1.0}),
            lambda: self.module_sudo(self.frozen).write({"note": "rewritten by a module"}),
            lambda: self.module_sudo(self.frozen).unlink(),
            lambda: self.module_sudo(self.frozen.rate_line_ids).create(
                {"fapiao_id": self.frozen.id, "tax_rate": 6.0, "amount_untaxed": 1.0}
            ),
        ):
            self.assert_refused(attempt, names=names)
        self.assertTrue(self.frozen.exists())

    def test_sudo_cannot_write_protected_fields(self):
        other = self.month_fapiao[1]
        for record, vals in [
            (self.frozen, {"clearing_id": False}),
            (other, {"clearing_id": self.clearing.id}),
            (other, {"state": "void"}),
            (other, {"void_date": date(2026, 10, 16)}),
            (self.clearing, {"hash": "0" * 64}),
            (self.clearing, {"approved_by": self.clerk.id}),
        ]:
            with self.subTest(model=record._name, vals=vals):
                self.assert_refused(
                    lambda r=record, v=vals: self.module_sudo(r).write(v), AccessError
                )
        self.assertFalse(other.clearing_id)

    def test_sudo_cannot_change_a_frozen_invoice(self):
        names = (self.invoice.name, self.clearing.name)
        for attempt in (
            lambda: self.module_sudo(self.line).write({"price_unit": 1.0}),
            lambda: self.module_sudo(self.line).write({"name": "other goods"}),
            lambda: self.module_sudo(self.line).unlink(),
            lambda: self.module_sudo(self.invoice).write({"ref": "rewritten by a module"}),
            lambda: self.module_sudo(self.invoice).write({"invoice_date": date(2026, 10, 1)}),
            lambda: self.module_sudo(self.invoice).write(
                {"invoice_line_ids": [Command.update(self.line.id, {"quantity": 5.0})]}
            ),
            lambda: self.module_sudo(self.invoice).button_draft(),
            lambda: self.module_sudo(self.invoice).button_cancel(),
        ):
            self.assert_refused(attempt, names=names)

    def test_sudo_cannot_change_a_cleared_clearing(self):
        self.assert_refused(
            lambda: self.module_sudo(self.clearing).write(
                {"number_list": self.month_fapiao[1].number}
            ),
            names=(self.clearing.name,),
        )
        self.assert_refused(lambda: self.module_sudo(self.clearing).unlink())

    def test_the_bypass_cannot_be_forged_in_the_context(self):
        for value in (True, 1, "1", {"bypass": True}):
            forged = self.module_sudo(self.line).with_context(**{BYPASS_CONTEXT_KEY: value})
            self.assert_refused(lambda f=forged: f.write({"price_unit": 1.0}))

    def test_the_addons_own_acts_still_pass(self):
        """Reopen, correct after reopening, clear again, and a red letter of a frozen fapiao."""
        red = self.create_fapiao(
            user=self.clerk, kind="digital_general", number="26442000000000005555",
            amount=-100.0, is_red=True, origin_fapiao_id=self.frozen.id,
            issue_date=date(2026, 11, 2),
            red_reference=self.red_form(self.frozen, "26442000000000005556").name,
        )  # fmt: skip
        self.assertEqual(self.frozen.state, "red_partial", "the red letter's derived state")
        self.assertFalse(red.clearing_id)
        self.clearing.with_user(self.manager).action_reopen("wrong quantity on the invoice")
        self.assertEqual(self.clearing.state, "cancelled")
        self.assertFalse(self.frozen.clearing_id)
        self.line.with_user(self.billing).write({"name": "corrected goods"})
        self.frozen.with_user(self.clerk).write({"note": "corrected"})
        again = self.env["invoice.clearing"].create(
            {"scope": "number", "number_list": self.frozen.number}
        )
        self.assertIs(again.with_user(self.manager_2).action_approve(), True, again.failure_reason)
        self.assertEqual(self.frozen.clearing_id, again)
        self.assertTrue(again.hash)
        self.assert_refused(
            lambda: self.module_sudo(self.line).write({"name": "again"}),
            names=(self.invoice.name, again.name),
        )

    def test_the_addons_bypass_passes(self):
        with_bypass(self.line).write({"name": "written by the addon"})
        self.assertEqual(self.line.name, "written by the addon")
