"""Frozen means frozen: the journal items of a cleared invoice refuse every role and path, while
payments, reconciliation, sending, attachments, credit notes and the chatter keep working.

The clearing here is by fapiao number: it moves no lock date, so every refusal below is the
clearing's own (it names the invoice and the clearing), not Odoo's lock date.
"""

from datetime import date
from itertools import product

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.account_move_line import CLEARING_HASH_LINE_FIELDS, PROTECTED_LINE_FIELDS
from ..models.guard_bypass import with_bypass
from .common import add_tests, role_user
from .test_clearing import ClearingCommon

ROLES = {
    "clerk": "invoice_clearing.group_clearing_user",
    "manager": "invoice_clearing.group_clearing_manager",
    "billing": "account.group_account_invoice",
    "accountant": "account.group_account_user",
    "adviser": "account.group_account_manager",
    "auditor": "invoice_clearing.group_clearing_auditor",
}
SUPERUSER = "superuser"
SNAPSHOT = ["product_id", "name", "quantity", "product_uom_id", "price_unit", "discount",
            "tax_ids", "price_subtotal", "price_total", "balance"]  # fmt: skip


def _load(user, line):
    result = (
        line.env["account.move.line"]
        .with_user(user)
        .load([".id", "name", "price_unit"], [[str(line.id), "other goods", "1"]])
    )
    if not result["ids"]:
        raise UserError("; ".join(m["message"] for m in result["messages"]))


def _onchange_save(user, line):
    Line = line.with_user(user)
    spec = {"quantity": {}, "price_unit": {}, "price_subtotal": {}}
    value = Line.onchange({"quantity": 5.0}, ["quantity"], spec)["value"]
    Line.web_save({**{k: v for k, v in value.items() if k in spec}, "quantity": 5.0}, spec)


# Every way a client reaches a line of a frozen invoice: (user, product line) -> attempt.
PATHS = {
    "write_product": lambda c, u, t: t.with_user(u).write({"product_id": c.product_a.id}),
    "write_label": lambda c, u, t: t.with_user(u).write({"name": "other goods"}),
    "write_quantity": lambda c, u, t: t.with_user(u).write({"quantity": 5.0}),
    "write_unit": lambda c, u, t: t.with_user(u).write(
        {"product_uom_id": c.env.ref("uom.product_uom_dozen").id}
    ),
    "write_price": lambda c, u, t: t.with_user(u).write({"price_unit": 1.0}),
    "write_discount": lambda c, u, t: t.with_user(u).write({"discount": 50.0}),
    "write_taxes": lambda c, u, t: t.with_user(u).write({"tax_ids": [Command.set(c.tax_6.ids)]}),
    "invoice_line_commands": lambda c, u, t: t.move_id.with_user(u).write(
        {"invoice_line_ids": [Command.update(t.id, {"price_unit": 1.0, "quantity": 5.0})]}
    ),
    "invoice_line_delete_command": lambda c, u, t: t.move_id.with_user(u).write(
        {"invoice_line_ids": [Command.delete(t.id)]}
    ),
    "web_save_invoice": lambda c, u, t: t.move_id.with_user(u).web_save(
        {"invoice_line_ids": [[1, t.id, {"price_unit": 1.0}]]}, {}
    ),
    "web_save_line": lambda c, u, t: t.with_user(u).web_save({"quantity": 5.0}, {}),
    "onchange_save": lambda c, u, t: _onchange_save(u, t),
    "create_line": lambda c, u, t: (
        c.env["account.move.line"]
        .with_user(u)
        .with_context(check_move_validity=False)
        .create({"move_id": t.move_id.id, "name": "extra", "account_id": t.account_id.id})
    ),
    "copy_line_into_invoice": lambda c, u, t: (
        t.with_user(u).with_context(check_move_validity=False).copy({"move_id": t.move_id.id})
    ),
    "unlink_line": lambda c, u, t: t.with_user(u).unlink(),
    "import": lambda c, u, t: _load(u, t),
    "write_header_reference": lambda c, u, t: t.move_id.with_user(u).write(
        {"payment_reference": "changed"}
    ),
}


@tagged("post_install", "-at_install")
class TestFrozenInvoice(ClearingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.roles = {"clerk": cls.clerk, "manager": cls.manager, "auditor": cls.auditor}
        for role in ("billing", "accountant", "adviser"):
            cls.roles[role] = role_user(cls.env, f"ic_frozen_{role}", ROLES[role], cls.company)
        # Another module's cron, or its sudo(): the superuser environment passes no freeze.
        cls.roles[SUPERUSER] = cls.env.ref("base.user_root")
        cls.invoice = cls.posted_invoice([(1000.0, cls.tax_13)], date=date(2026, 10, 15))
        cls.fapiao = cls.month_fapiao[0]
        cls.fapiao.move_id = cls.invoice
        cls.clearing = cls.env["invoice.clearing"].create(
            {"scope": "number", "number_list": cls.fapiao.number}
        )
        assert cls.clearing.with_user(cls.manager).action_approve() is True, (
            cls.clearing.failure_reason
        )
        cls.line = cls.invoice.invoice_line_ids

    def snapshot(self):
        self.env.invalidate_all()
        invoice = self.invoice.sudo()
        return (
            invoice.read(["state", "amount_total", "payment_reference"])[0],
            invoice.line_ids.read(SNAPSHOT),
        )

    def assert_refused(self, role, path):
        before = self.snapshot()
        user = self.roles[role]
        with (
            mute_logger("odoo.models", "odoo.addons.base.models.ir_rule"),
            self.assertRaises(UserError) as caught,
            self.env.cr.savepoint(),
        ):
            PATHS[path](self, user, self.line)
        if role != "auditor":  # the auditor's read-only access refuses it before the freeze
            message = str(caught.exception)
            self.assertIn(self.invoice.name, message)
            self.assertIn(self.clearing.name, message)
            self.assertIn("credit note", message)
        self.assertEqual(self.snapshot(), before, f"{path} by {role} changed the invoice")

    # ------------------------------------------------------------ what keeps working
    def pay(self, user, amount=None):
        vals = {"payment_date": date(2026, 11, 10)}
        if amount:
            vals["amount"] = amount
        wizard = (
            self.env["account.payment.register"]
            .with_user(user)
            .with_context(active_model="account.move", active_ids=self.invoice.ids)
            .create(vals)
        )
        return wizard._create_payments()

    def test_payments_and_reconciliation_still_work(self):
        before = self.snapshot()[1]
        self.pay(self.roles["billing"], amount=500.0)
        self.assertEqual(self.invoice.payment_state, "partial")
        # An outstanding payment reconciled from the invoice (the "Add" of the widget).
        payment = (
            self.env["account.payment"]
            .with_user(self.roles["accountant"])
            .create(
                {"payment_type": "inbound", "partner_type": "customer",
                 "partner_id": self.buyer.id, "amount": 630.0, "date": date(2026, 11, 10)}
            )
        )  # fmt: skip
        payment.action_post()
        receivable = payment.move_id.line_ids.filtered(
            lambda line: (
                line.account_id
                == self.invoice.line_ids.account_id.filtered(
                    lambda a: a.account_type == "asset_receivable"
                )
            )
        )
        self.invoice.with_user(self.roles["accountant"]).js_assign_outstanding_line(receivable.id)
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        term = self.invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        self.assertTrue(term.reconciled)
        self.assertFalse(term.amount_residual)
        self.assertEqual(self.snapshot()[1], before, "payments change no printed field")
        # Unreconciling is a payment matter too.
        term.matched_credit_ids.with_user(self.roles["accountant"]).unlink()
        self.assertEqual(self.invoice.payment_state, "not_paid")

    def test_send_attach_chatter_and_credit_note_still_work(self):
        billing = self.roles["billing"]
        invoice = self.invoice.with_user(billing)
        invoice.write({"is_move_sent": True})
        self.assertTrue(self.invoice.is_move_sent)
        attachment = self.env["ir.attachment"].with_user(billing).create(
            {"name": "delivery-note.pdf", "raw": b"%PDF-1.4", "res_model": "account.move",
             "res_id": self.invoice.id}
        )  # fmt: skip
        invoice.message_post(body="Sent to the buyer", attachment_ids=attachment.ids)
        self.assertIn(attachment, self.invoice.message_ids[0].attachment_ids)
        # A full credit note in the open period, reconciled with the frozen invoice.
        refund = invoice._reverse_moves(
            [{"invoice_date": date(2026, 11, 10), "date": date(2026, 11, 10)}], cancel=True
        )
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(self.invoice.payment_state, "reversed")
        self.assertEqual(self.invoice.state, "posted")

    def test_copy_to_new_draft_leaves_the_original(self):
        before = self.snapshot()
        copy = self.invoice.with_user(self.roles["billing"]).copy(
            {"invoice_date": date(2026, 11, 9),
             "invoice_line_ids": [Command.create({"name": "new goods", "price_unit": 7.0})]}
        )  # fmt: skip
        self.assertEqual(copy.state, "draft")
        self.assertIn("new goods", copy.invoice_line_ids.mapped("name"))
        self.assertFalse(copy.fapiao_ids, "a copy is not cleared")
        copy.invoice_line_ids[0].with_user(self.roles["billing"]).price_unit = 3.0
        self.assertEqual(self.snapshot(), before)

    def test_unchanged_values_and_the_addons_own_writes_pass(self):
        # An import of unchanged rows, a client's round trip: nothing printed changes.
        self.line.with_user(self.roles["billing"]).write(
            {"price_unit": self.line.price_unit, "quantity": self.line.quantity,
             "tax_ids": [Command.set(self.line.tax_ids.ids)]}
        )  # fmt: skip
        self.invoice.with_user(self.roles["billing"]).write({"ref": self.invoice.ref})
        # The addon's own acts pass its guards; sudo() does not (test_security_sudo).
        with_bypass(self.line).write({"name": "corrected by the addon"})
        self.assertEqual(self.line.name, "corrected by the addon")

    def test_reopened_clearing_releases_the_invoice(self):
        self.clearing.with_user(self.manager).action_reopen("wrong goods on the invoice")
        self.invoice.with_user(self.roles["billing"]).write({"payment_reference": "REF-1"})
        self.assertEqual(self.invoice.payment_reference, "REF-1")

    def test_hashed_line_fields_are_frozen(self):
        for version, names in CLEARING_HASH_LINE_FIELDS.items():
            self.assertLessEqual(set(names), PROTECTED_LINE_FIELDS, f"version {version}")
        self.assertLessEqual(PROTECTED_LINE_FIELDS, set(self.env["account.move.line"]._fields))
        self.assertFalse(
            PROTECTED_LINE_FIELDS
            & {"amount_residual", "amount_residual_currency", "reconciled", "full_reconcile_id",
               "matched_debit_ids", "matched_credit_ids", "analytic_distribution"},
            "payment, reconciliation and analytic fields stay writable",
        )  # fmt: skip

    def test_refusal_is_translated(self):
        user = self.roles["billing"]
        user.lang = "zh_CN"
        with self.assertRaises(UserError) as caught:
            self.line.with_user(user).with_context(lang="zh_CN").write({"price_unit": 1.0})
        self.assertIn("红字", str(caught.exception))
        self.assertIn(self.clearing.name, str(caught.exception))


add_tests(
    TestFrozenInvoice,
    TestFrozenInvoice.assert_refused,
    product([*ROLES, SUPERUSER], PATHS),
    "test_{1}_refused_{0}",
    "{1}: refused to {0} on a frozen invoice",
)
