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

    def test_clerk_reads_the_tieout(self):
        clerk = self.env.ref("invoice_clearing.demo_user_clerk")
        clerk.lang = "zh_CN"
        self.assertTrue(self.ready.tieout_line_ids, "the demo's check computed the tie-out")
        self.start_tour(
            "/odoo/action-invoice_clearing.action_invoice_clearing",
            "invoice_clearing_tieout",
            login="clerk",
        )
        self.assertEqual(self.ready.state, "draft", "reading changed nothing")

    def test_auditor_verifies_and_prints_the_certificate(self):
        auditor = self.env.ref("invoice_clearing.demo_user_auditor")
        auditor.lang = "zh_CN"
        cleared = self.env["invoice.clearing"].search(
            [("company_id", "=", self.company.id), ("state", "=", "cleared")], limit=1
        )
        self.assertTrue(cleared.certificate_id, "the demo's cleared month has its certificate")
        if cleared.certificate_id.mimetype != "application/pdf":
            # Installed with the tests enabled (odoo-bin -i ... --test-tags, as OCA CI does), the
            # demo's certificate was rendered as HTML, as Odoo renders every report under tests.
            # A database installed for use has the PDF that the tour looks for: render it so.
            Certificate = self.env["report.invoice_clearing.report_clearing_certificate"]
            Certificate.with_context(force_report_rendering=True)._attach(cleared)
            self.assertEqual(cleared.certificate_id.mimetype, "application/pdf")
        self.start_tour(
            "/odoo/action-invoice_clearing.action_invoice_clearing",
            "invoice_clearing_auditor_certificate",
            login="auditor",
        )
        self.assertIn(
            "哈希值和哈希链校验通过",
            str(cleared.message_ids[:1].body),
            "the check is logged in the chatter with its author",
        )
        self.assertEqual(cleared.message_ids[:1].author_id, auditor.partner_id)
        # What the print menu downloads, for the auditor's session. Under tests Odoo serves the
        # report's HTML instead of running wkhtmltopdf (test_reports.py renders real PDFs).
        response = self.url_open(
            f"/report/pdf/invoice_clearing.report_clearing_certificate/{cleared.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn(cleared.hash.encode(), response.content)
        self.assertIn("清卡凭证".encode(), response.content)
        self.assertEqual(cleared.state, "cleared", "the auditor changed nothing")

    def test_clerk_imports_the_bureau_export(self):
        clerk = self.env.ref("invoice_clearing.demo_user_clerk")
        clerk.lang = "zh_CN"
        month = self.ready.date_from
        in_month = self.env["invoice.clearing.fapiao"].search_count(
            [
                ("company_id", "=", self.company.id),
                ("issue_date", ">=", month),
                ("issue_date", "<=", self.ready.date_to),
            ]
        )
        self.start_tour(
            "/odoo/action-invoice_clearing.action_invoice_clearing_import",
            "invoice_clearing_clerk_import",
            login="clerk",
        )
        batch = self.env["invoice.clearing.import"].search(
            [("company_id", "=", self.company.id)], order="id desc", limit=1
        )
        self.assertEqual(batch.create_uid, clerk)
        self.assertEqual(batch.count_matched, in_month)
        self.assertEqual(batch.count_bureau_only, 1)
        self.assertEqual(batch.count_amount_mismatch + batch.count_status_mismatch, 0)
