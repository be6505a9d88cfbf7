"""Red-letter confirmation forms over XML-RPC, as integrators reach them: a red 数电 fapiao the
platform issued registers and records its form; the form's workflow times cannot be rewritten."""

from datetime import timedelta
from xmlrpc.client import Fault

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import BUYER_USCC, web_user

BLUE = "26442000000000000101"
RED = "26442000000000000102"
FORM = "26312000000000000501"


@tagged("post_install", "-at_install")
class TestRedConfirmationRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.clerk = web_user(cls.env, "ic_red_rpc_clerk", "invoice_clearing.group_clearing_user")
        cls.manager = web_user(
            cls.env, "ic_red_rpc_manager", "invoice_clearing.group_clearing_manager"
        )
        cls.buyer = cls.env["res.partner"].create({"name": "Red RPC Buyer", "vat": BUYER_USCC})
        cls.Fapiao = cls.env["invoice.clearing.fapiao"]
        cls.Form = cls.env["invoice.clearing.red.confirmation"]
        cls.blue = cls.Fapiao.sudo().create(
            cls.vals(BLUE, 1000.0, 130.0, fapiao_type="digital_special")
        )

    @classmethod
    def vals(cls, number, untaxed, tax, **overrides):
        return {
            "partner_id": cls.buyer.id,
            "fapiao_type": "digital_special",
            "number": number,
            "issue_date": fields.Date.to_string(fields.Date.today()),
            "tax_rate": 13.0,
            "amount_untaxed": untaxed,
            "amount_tax": tax,
            "amount_total": untaxed + tax,
            **overrides,
        }

    def red_vals(self, form=FORM, **overrides):
        return self.vals(
            RED, -100.0, -13.0, is_red=True, origin_fapiao_id=self.blue.id, red_reference=form,
            **overrides,
        )  # fmt: skip

    def rpc(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, user.id, f"{user.login}_pw", model, method, list(args), kwargs
        )

    def refused(self, user, model, method, *args):
        with mute_logger("odoo.http", "odoo.sql_db"), self.assertRaises(Fault) as caught:
            self.rpc(user, model, method, *args)
        message = caught.exception.faultString
        self.assertNotIn("Traceback", message.split("\n")[0])
        return message

    def snapshot(self):
        """What a refused call must leave as it was: the register and the forms."""
        self.env.invalidate_all()
        forms = self.Form.sudo().search([])
        return (
            self.Fapiao.sudo().search_count([]),
            forms.ids,
            forms.read(["state", "red_fapiao_id", "requested_at", "status_code"]),
        )

    def test_red_fapiao_naming_an_unknown_form_registers_and_records_it(self):
        red_id = self.rpc(self.clerk, "invoice.clearing.fapiao", "create", self.red_vals())
        red = self.Fapiao.browse(red_id)
        self.assertEqual(
            (red.is_red, red.red_reference, red.origin_fapiao_id), (True, FORM, self.blue)
        )
        form = self.Form.search([("name", "=", FORM)])
        self.assertEqual(
            (form.state, form.status_code, form.source, form.red_fapiao_id, form.blue_fapiao_id,
             form.company_id),
            ("used", "04", "red_fapiao", red, self.blue, self.company),
        )  # fmt: skip
        self.assertEqual(
            (form.amount_untaxed, form.amount_tax, form.amount_total), (-100.0, -13.0, -113.0)
        )
        self.assertFalse(form.requested_at, "the fapiao does not tell when the form was requested")
        self.assertIn(
            f"Recorded from the red fapiao {RED}", " ".join(form.message_ids.mapped("body"))
        )
        # The clerk sees the recorded form and its origin as any other.
        (read,) = self.rpc(
            self.clerk, "invoice.clearing.red.confirmation", "read", [form.id], ["source", "state"]
        )
        self.assertEqual((read["source"], read["state"]), ("red_fapiao", "used"))
        # The form serves this red fapiao only.
        message = self.refused(
            self.clerk, "invoice.clearing.fapiao", "create",
            self.vals("26442000000000000103", -10.0, -1.3, is_red=True,
                      origin_fapiao_id=self.blue.id, red_reference=FORM),
        )  # fmt: skip
        self.assertIn("already used", message)

    def test_red_fapiao_naming_a_pending_form_registers_and_marks_it_used(self):
        form = self.red_form("pending")
        self.rpc(self.clerk, "invoice.clearing.fapiao", "create", self.red_vals())
        self.assertEqual((form.state, form.source), ("used", "entered"))
        self.env.invalidate_all()
        self.assertIn("while Odoo had it as Pending", str(form.message_ids.mapped("body")))

    def test_red_fapiao_naming_a_dead_form_is_refused_and_nothing_changes(self):
        for index, state in enumerate(("expired", "refused", "withdrawn")):
            with self.subTest(state=state):
                form = self.red_form(state, number=f"2631200000000000060{index}")
                before = self.snapshot()
                message = self.refused(
                    self.clerk, "invoice.clearing.fapiao", "create", self.red_vals(form.name)
                )
                for text in (RED, form.name, state.capitalize(), "new form"):
                    self.assertIn(text, message)
                self.assertEqual(self.snapshot(), before)

    def red_form(self, state, number=FORM):
        form = self.Form.sudo().create(
            {"name": number, "blue_fapiao_id": self.blue.id, "amount_untaxed": -100.0,
             "amount_tax": -13.0, "amount_total": -113.0}
        )  # fmt: skip
        form.action_submit()
        if state == "expired":
            self.Form._cron_expire(now=form.expiry_at + timedelta(minutes=1))
        elif state == "refused":
            form.action_refuse()
        elif state == "withdrawn":
            form.action_withdraw()
        self.assertEqual(form.state, state)
        return form

    def test_workflow_times_are_written_by_the_workflow_only(self):
        form = self.red_form("pending")
        requested = form.requested_at
        later = fields.Datetime.to_string(requested + timedelta(days=30))
        before = self.snapshot()
        for vals in ({"requested_at": later}, {"expiry_at": later}, {"state": "confirmed"},
                     {"status_code": "04"}, {"source": "red_fapiao"}):  # fmt: skip
            with self.subTest(vals=vals):
                message = self.refused(
                    self.manager, "invoice.clearing.red.confirmation", "write", [form.id], vals
                )
                self.assertIn("set by its workflow", message)
                self.assertEqual(self.snapshot(), before)
        message = self.refused(
            self.manager, "invoice.clearing.red.confirmation", "create",
            {"name": "26312000000000000599", "blue_fapiao_id": self.blue.id,
             "amount_untaxed": -1.0, "amount_tax": -0.13, "amount_total": -1.13,
             "state": "confirmed", "requested_at": later},
        )  # fmt: skip
        self.assertIn("Requested On", message)
        self.assertEqual(self.snapshot(), before)
        # What a manager may still change: follow-up and notes.
        self.rpc(self.manager, "invoice.clearing.red.confirmation", "write", [form.id],
                 {"note": "called the buyer"})  # fmt: skip
        # The workflow's own writes pass: confirmation over RPC, then the red fapiao uses it.
        self.rpc(self.manager, "invoice.clearing.red.confirmation", "action_confirm", [form.id])
        self.env.invalidate_all()
        self.assertEqual((form.state, form.requested_at), ("confirmed", requested))
        self.rpc(self.clerk, "invoice.clearing.fapiao", "create", self.red_vals())
        self.env.invalidate_all()
        self.assertEqual(form.state, "used")
