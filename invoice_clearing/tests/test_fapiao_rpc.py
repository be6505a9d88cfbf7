"""The register over XML-RPC, the way integrators and attackers reach it."""

from xmlrpc.client import Fault

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import BUYER_USCC, VALID_IDENTITIES, web_user


@tagged("post_install", "-at_install")
class TestFapiaoRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = web_user(cls.env, "ic_rpc_clerk", "invoice_clearing.group_clearing_user")
        cls.buyer = cls.env["res.partner"].create({"name": "RPC Buyer", "vat": BUYER_USCC})

    def rpc(self, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.clerk.id, "ic_rpc_clerk_pw",
            "invoice.clearing.fapiao", method, list(args), kwargs,
        )  # fmt: skip

    def vals(self, kind, **overrides):
        code, number = VALID_IDENTITIES[kind]
        return {
            "partner_id": self.buyer.id,
            "fapiao_type": kind,
            "code": code,
            "number": number,
            "issue_date": fields.Date.to_string(fields.Date.today()),
            "tax_rate": 13.0,
            "amount_untaxed": 100.0,
            "amount_tax": 13.0,
            "amount_total": 113.0,
            **overrides,
        }

    def assertRpcRefused(self, vals, *texts):
        count = self.rpc("search_count", [])
        with mute_logger("odoo.http", "odoo.sql_db"), self.assertRaises(Fault) as caught:
            self.rpc("create", vals)
        for text in texts:
            self.assertIn(text, caught.exception.faultString)
        self.assertNotIn("Traceback", caught.exception.faultString.split("\n")[0])
        self.assertEqual(self.rpc("search_count", []), count, "a refused create wrote something")

    def test_rpc_create_and_refusals(self):
        ids = [self.rpc("create", self.vals(kind)) for kind in VALID_IDENTITIES]
        self.assertEqual(len(ids), len(VALID_IDENTITIES))
        states = self.rpc("read", ids, ["state", "clearing_id"])
        self.assertEqual({r["state"] for r in states}, {"normal"})

        self.assertRpcRefused(self.vals("vat_special", code="320019113"), "320019113")
        self.assertRpcRefused(self.vals("vat_special", number="1234567"), "1234567")
        self.assertRpcRefused(
            self.vals("vat_special", code="044001900111", number="87654321"), "044001900111"
        )
        self.assertRpcRefused(
            self.vals("digital_general"), "26442000000000000002", "already registered"
        )
        self.assertRpcRefused(self.vals("e_general", number="11111111", amount_total=200.0), "200")

        digital = ids[list(VALID_IDENTITIES).index("digital_special")]
        with mute_logger("odoo.http"), self.assertRaises(Fault) as caught:
            self.rpc("action_void", [digital])
        self.assertIn("红字", caught.exception.faultString)
        self.assertEqual(self.rpc("read", [digital], ["state"])[0]["state"], "normal")

    def test_rpc_red_letter_moves_origin(self):
        blue = self.rpc(
            "create",
            self.vals(
                "digital_special", amount_untaxed=1000.0, amount_tax=130.0, amount_total=1130.0
            ),
        )
        red = {"is_red": True, "origin_fapiao_id": blue}
        blue_fapiao = self.env["invoice.clearing.fapiao"].browse(blue)
        for number, untaxed, tax, state in [
            ("26442000000000000101", -100.0, -13.0, "red_partial"),
            ("26442000000000000102", -900.0, -117.0, "red_full"),
        ]:
            amounts = {"amount_untaxed": untaxed, "amount_tax": tax, "amount_total": untaxed + tax}
            form = self.env["invoice.clearing.red.confirmation"].create(
                {"name": f"2644200000000000{number[-4:]}", "blue_fapiao_id": blue,
                 "company_id": blue_fapiao.company_id.id, "amount_untaxed": untaxed,
                 "amount_tax": tax, "amount_total": untaxed + tax}
            )  # fmt: skip
            form.action_submit()
            form.action_confirm()
            red["red_reference"] = form.name
            self.rpc("create", self.vals("digital_special", number=number, **amounts, **red))
            self.assertEqual(self.rpc("read", [blue], ["state"])[0]["state"], state)
