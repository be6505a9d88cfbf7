"""The most dangerous cells of the access matrix, over real XML-RPC calls to the HTTP server."""

from datetime import date
from xmlrpc.client import Fault

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..models.guard_bypass import BYPASS_CONTEXT_KEY, with_bypass
from .common import web_user

ROLES = {
    "clerk": "invoice_clearing.group_clearing_user",
    "manager": "invoice_clearing.group_clearing_manager",
    "manager_2": "invoice_clearing.group_clearing_manager",
    "auditor": "invoice_clearing.group_clearing_auditor",
    "portal": "base.group_portal",
    "administrator": "base.group_system,invoice_clearing.group_clearing_manager",
}


@tagged("post_install", "-at_install")
class TestSecurityRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)
        cls.company = env["res.company"].create(
            {"name": "RPC 安全 Co", "clearing_first_period": date(2026, 10, 1)}
        )
        cls.other_company = env["res.company"].create({"name": "RPC Other Co"})
        cls.users = {}
        for login, group in ROLES.items():
            cls.users[login] = web_user(env, f"ic_sec_rpc_{login}", group, cls.company)
        cls.users["outsider"] = web_user(
            env, "ic_sec_rpc_outsider", "invoice_clearing.group_clearing_manager", cls.other_company
        )
        buyer = env["res.partner"].create({"name": "RPC 买方"})
        Fapiao = env["invoice.clearing.fapiao"]
        cls.fapiao = Fapiao.create([
            {"company_id": cls.company.id, "partner_id": buyer.id, "fapiao_type": "digital_general",
             "number": f"2644200000000009{n:04d}", "issue_date": date(2026, 10, 10 + n),
             "tax_rate": 13.0, "amount_untaxed": 100.0, "amount_tax": 13.0,
             "amount_total": 113.0, "uploaded": True}
            for n in range(2)
        ])  # fmt: skip
        Clearing = env["invoice.clearing"]
        cls.cleared = Clearing.create({
            "company_id": cls.company.id, "scope": "number", "number_list": cls.fapiao[0].number,
        })  # fmt: skip
        assert cls.cleared.action_approve() is True, cls.cleared.failure_reason
        cls.draft = with_bypass(Clearing).create({
            "company_id": cls.company.id, "scope": "number", "number_list": cls.fapiao[1].number,
            "prepared_by": cls.users["manager"].id,
        }).with_env(env)  # fmt: skip

    def rpc(self, login, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.users[login].id, f"ic_sec_rpc_{login}_pw",
            model, method, list(args), kwargs,
        )  # fmt: skip

    def assertRefused(self, login, model, method, *args, **kwargs):
        with (
            mute_logger("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models"),
            self.assertRaises(Fault) as caught,
        ):
            self.rpc(login, model, method, *args, **kwargs)
        self.assertNotIn("Traceback", caught.exception.faultString.split("\n")[0])
        return caught.exception.faultString

    def snapshot(self):
        self.env.invalidate_all()
        clearings = (self.cleared | self.draft).sudo()
        return (
            clearings.read(["state", "hash", "previous_hash", "approved_by", "prepared_by"]),
            self.fapiao.sudo().read(["clearing_id", "state", "void_date"]),
        )

    def test_nobody_writes_protected_fields_over_rpc(self):
        before = self.snapshot()
        for login in ("clerk", "manager", "auditor"):
            for record, vals in [
                (self.draft, {"state": "cleared"}),
                (self.draft, {"hash": "0" * 64}),
                (self.draft, {"previous_hash": self.cleared.hash}),
                (self.draft, {"approved_by": self.users["manager_2"].id}),
                (self.draft, {"prepared_by": self.users["manager_2"].id}),
                (self.cleared, {"hash": "0" * 64}),
                (self.fapiao[1], {"clearing_id": self.cleared.id}),
                (self.fapiao[0], {"clearing_id": False}),
            ]:
                with self.subTest(login=login, vals=vals):
                    self.assertRefused(login, record._name, "write", [record.id], vals)
        self.assertEqual(self.snapshot(), before)

    def test_administrator_with_a_forged_bypass_is_refused_over_rpc(self):
        """An RPC call is never sudo, and its context cannot carry the addon's bypass: a JSON
        value is not the sentinel object."""
        before = self.snapshot()
        context = {BYPASS_CONTEXT_KEY: True}
        for record, vals in [
            (self.fapiao[0], {"clearing_id": False}),
            (self.fapiao[0], {"amount_untaxed": 1.0}),
            (self.cleared, {"hash": "0" * 64}),
        ]:
            with self.subTest(vals=vals):
                self.assertRefused("administrator", record._name, "write", [record.id], vals,
                                   context=context)  # fmt: skip
        self.assertRefused("administrator", "invoice.clearing.fapiao", "unlink",
                           [self.fapiao[0].id], context=context)  # fmt: skip
        self.assertEqual(self.snapshot(), before)

    def test_cleared_clearing_cannot_be_unlinked_over_rpc(self):
        for login in ("manager", "clerk", "auditor"):
            self.assertRefused(login, "invoice.clearing", "unlink", [self.cleared.id])
        self.assertTrue(self.cleared.sudo().exists())
        self.assertEqual(self.cleared.sudo().state, "cleared")

    def test_own_clearing_cannot_be_approved_under_four_eyes(self):
        self.company.sudo().clearing_four_eyes = True
        with_bypass(self.draft).write({"state": "to_approve"})
        fault = self.assertRefused("manager", "invoice.clearing", "action_approve", [self.draft.id])
        self.assertIn(self.draft.name, fault)
        self.assertEqual(self.snapshot()[0][1]["state"], "to_approve")
        self.assertTrue(
            self.rpc("manager_2", "invoice.clearing", "action_approve", [self.draft.id])
        )
        self.assertEqual(self.draft.sudo().state, "cleared")

    def test_portal_and_other_company_reach_nothing(self):
        for model in (
            "invoice.clearing.fapiao",
            "invoice.clearing",
            "invoice.clearing.summary.line",
        ):
            self.assertRefused("portal", model, "search_read", [], ["display_name"])
        self.assertEqual(self.rpc("outsider", "invoice.clearing.fapiao", "search", []), [])
        self.assertRefused(
            "outsider", "invoice.clearing.fapiao", "read", self.fapiao.ids, ["number"]
        )
        self.assertRefused("outsider", "invoice.clearing", "action_approve", [self.draft.id])
        self.assertEqual(self.draft.sudo().state, "draft")

    def test_auditor_reads_but_never_writes(self):
        numbers = self.rpc(
            "auditor", "invoice.clearing.fapiao", "read", self.fapiao.ids, ["number"]
        )
        self.assertEqual({r["number"] for r in numbers}, set(self.fapiao.mapped("number")))
        before = self.snapshot()
        self.assertRefused("auditor", "invoice.clearing.fapiao", "write", self.fapiao.ids,
                           {"uploaded": False})  # fmt: skip
        self.assertRefused("auditor", "invoice.clearing", "action_check", [self.draft.id])
        self.assertEqual(self.snapshot(), before)

    def test_chatter_of_a_clearing_cannot_be_rewritten_over_rpc(self):
        message = self.cleared.sudo().message_post(
            body="cleared on time", message_type="comment", subtype_xmlid="mail.mt_comment",
            author_id=self.users["manager"].partner_id.id,
        )  # fmt: skip
        self.assertRefused("manager", "mail.message", "write", [message.id], {"body": "late"})
        self.assertRefused("manager", "mail.message", "unlink", [message.id])
        self.env.invalidate_all()
        self.assertEqual(message.sudo().body, "<p>cleared on time</p>")
