"""The XLSX download route over HTTP: auditors get the file, users outside the addon get 403."""

import io
from datetime import date

import openpyxl

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import web_user


@tagged("post_install", "-at_install")
class TestXlsxDownload(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = web_user(cls.env, "ic_web_auditor", "invoice_clearing.group_clearing_auditor")
        cls.outsider = web_user(cls.env, "ic_web_outsider", "base.group_user")
        buyer = cls.env["res.partner"].create({"name": "Web Buyer"})
        cls.env["invoice.clearing.fapiao"].create(
            {
                "partner_id": buyer.id, "fapiao_type": "vat_special", "code": "3200191130",
                "number": "00000077", "issue_date": date(2026, 10, 8), "tax_rate": 6.0,
                "amount_untaxed": 100.0, "amount_tax": 6.0, "amount_total": 106.0, "uploaded": True,
            }
        )  # fmt: skip
        cls.clearing = cls.env["invoice.clearing"].create(
            {"scope": "number", "number_list": "3200191130:00000077"}
        )
        cls.clearing.action_check()
        cls.url = f"/invoice_clearing/clearing/{cls.clearing.id}/xlsx"

    def test_auditor_downloads_xlsx(self):
        self.authenticate("ic_web_auditor", "ic_web_auditor_pw")
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        rows = list(book.worksheets[2].iter_rows(values_only=True))  # after Summary, Tie-out
        self.assertEqual(rows[1][1:3], ("3200191130", "00000077"), "code and number stay text")
        self.assertEqual(rows[1][6], 100.0)

    def test_outsider_is_refused(self):
        self.authenticate("ic_web_outsider", "ic_web_outsider_pw")
        with mute_logger("odoo.http"):
            response = self.url_open(self.url)
        self.assertEqual(response.status_code, 403)
