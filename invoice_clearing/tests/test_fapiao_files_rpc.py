"""Acceptance: a generated 数电 XML of the demo company's buyer registers over XML-RPC."""

import base64
from xmlrpc.client import Fault

from odoo import Command, fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .fapiao_files import einvoice_xml


@tagged("post_install", "-at_install")
class TestFapiaoFilesRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("invoice_clearing.demo_company")
        cls.buyer = cls.env.ref("invoice_clearing.demo_customer_01")
        cls.clerk = cls.env.ref("invoice_clearing.demo_user_clerk")
        cls.clerk.password = "ic_files_clerk_pw"
        tax = cls.env["account.tax"].search(
            [("company_id", "=", cls.company.id), ("type_tax_use", "=", "sale"),
             ("amount", "=", 13.0), ("amount_type", "=", "percent")],
            limit=1,
        )  # fmt: skip
        cls.today = fields.Date.today()
        cls.invoice = (
            cls.env["account.move"]
            .with_company(cls.company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.buyer.id,
                    "invoice_date": cls.today,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "办公用品", "quantity": 1, "price_unit": 8765.43,
                             "tax_ids": [Command.set(tax.ids)]}
                        )
                    ],
                }
            )
        )  # fmt: skip
        cls.invoice.action_post()

    def rpc(self, method, *args):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.clerk.id, "ic_files_clerk_pw",
            "invoice.clearing.fapiao", method, list(args), {},
        )  # fmt: skip

    def xml(self, **kwargs):
        untaxed = self.invoice.amount_untaxed
        tax = self.invoice.amount_tax
        return einvoice_xml(
            number="26312000000087654321",
            issue_time=f"{self.today.isoformat()} 09:30:00",
            seller_vat=self.company.vat,
            buyer_vat=self.buyer.vat,
            buyer_name=self.buyer.name,
            totals=(f"{untaxed:.2f}", f"{tax:.2f}", f"{untaxed + tax:.2f}"),
            lines=(("*货物*办公用品", f"{untaxed:.2f}", "13%", f"{tax:.2f}"),),
            kind="普通发票",
            **kwargs,
        )

    def test_demo_buyer_xml_over_rpc(self):
        files = [{"name": "dzfp_26312000000087654321.xml",
                  "datas": base64.b64encode(self.xml()).decode()}]  # fmt: skip
        ids = self.rpc("import_files", self.company.id, files)
        self.assertEqual(len(ids), 1)
        (fapiao,) = self.rpc(
            "read", ids, ["number", "fapiao_type", "move_id", "partner_id", "amount_total"]
        )
        self.assertEqual(fapiao["number"], "26312000000087654321")
        self.assertEqual(fapiao["fapiao_type"], "digital_general")
        self.assertEqual(fapiao["move_id"][0], self.invoice.id)
        self.assertEqual(fapiao["partner_id"][0], self.buyer.id)
        self.assertAlmostEqual(fapiao["amount_total"], self.invoice.amount_total)

        count = self.rpc("search_count", [])
        with mute_logger("odoo.http"), self.assertRaises(Fault) as caught:
            self.rpc("import_files", self.company.id, files)
        message = caught.exception.faultString
        self.assertIn("dzfp_26312000000087654321.xml", message)
        self.assertIn("already registered", message)
        self.assertNotIn("Traceback", message.split("\n")[0])
        self.assertEqual(self.rpc("search_count", []), count)
