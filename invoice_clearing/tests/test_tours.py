"""What users see in the browser, on the demo company (headless Chromium tours)."""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("invoice_clearing.demo_company")
        last_month = fields.Date.today() + relativedelta(months=-1, day=1)
        cls.ready = cls.env["invoice.clearing"].search(
            [("company_id", "=", cls.company.id), ("date_from", "=", last_month)]
        )

    def test_manager_clears_last_month(self):
        self.assertEqual(self.ready.state, "draft")
        self.env.ref("base.user_admin").lang = "zh_CN"
        self.start_tour(
            "/odoo/action-invoice_clearing.action_invoice_clearing",
            "invoice_clearing_clear_period",
            login="admin",
        )
        self.ready.invalidate_recordset()
        self.assertEqual(self.ready.state, "cleared")
        self.assertEqual(self.ready.approved_by, self.env.ref("base.user_admin"))
        self.assertTrue(self.ready.fapiao_ids)
        self.assertEqual(self.ready.fapiao_ids.clearing_id, self.ready)
        self.assertEqual(self.company.sale_lock_date, self.ready.date_to)
