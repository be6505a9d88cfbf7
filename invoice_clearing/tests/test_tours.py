"""What users see in the browser, on the demo company (headless Chromium tours)."""

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
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

    def test_register_shows_whole_numbers(self):
        clerk = self.env.ref("invoice_clearing.demo_user_clerk")
        clerk.lang = "zh_CN"
        self.assertTrue(
            self.env["invoice.clearing.fapiao"].search_count(
                [("company_id", "=", self.company.id), ("number", "=like", "_" * 20)]
            ),
            "the demo registers 20-digit 数电 fapiao",
        )
        self.start_tour(
            "/odoo/action-invoice_clearing.action_invoice_clearing_fapiao",
            "invoice_clearing_register_columns",
            login="clerk",
        )

    def test_manager_checks_a_period_from_the_cockpit(self):
        admin = self.env.ref("base.user_admin")
        admin.lang = "zh_CN"
        month = fields.Date.today() + relativedelta(day=1)
        domain = [("company_id", "=", self.company.id), ("date_from", "=", month)]
        self.assertFalse(self.env["invoice.clearing"].search(domain), "the current month is open")
        self.start_tour(
            "/odoo/action-invoice_clearing.action_invoice_clearing_period",
            "invoice_clearing_cockpit",
            login="admin",
        )
        clearing = self.env["invoice.clearing"].search(domain)
        self.assertEqual(len(clearing), 1, "Check created the month's draft clearing")
        self.assertEqual((clearing.state, clearing.scope), ("draft", "period"))
        self.assertTrue(clearing.checked_at)
        self.assertEqual(clearing.prepared_by, admin)
        period = self.env["invoice.clearing.period"].search(
            [("company_id", "=", self.company.id), ("date", "=", month)]
        )
        self.assertEqual(period.clearing_id, clearing)
        self.assertEqual(period.status, "blocked" if clearing.blocking_count else "ready")

    def test_clerk_uploads_a_fapiao_file(self):
        """The XML of fapiao 26312000000055555555 (built by the tour) registers, linked to the
        demo customer's invoice of the same total."""
        clerk = self.env.ref("invoice_clearing.demo_user_clerk")
        clerk.lang = "zh_CN"
        buyer = self.env.ref("invoice_clearing.demo_customer_01")
        tax = self.env["account.tax"].search(
            [("company_id", "=", self.company.id), ("type_tax_use", "=", "sale"),
             ("amount", "=", 13.0), ("amount_type", "=", "percent")],
            limit=1,
        )  # fmt: skip
        invoice = (
            self.env["account.move"]
            .with_company(self.company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": buyer.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create({"name": "办公用品", "quantity": 1, "price_unit": 4321.0,
                                        "tax_ids": [Command.set(tax.ids)]})
                    ],
                }
            )
        )  # fmt: skip
        invoice.action_post()
        self.assertEqual(invoice.amount_total, 4882.73)
        self.start_tour(
            "/odoo/action-invoice_clearing.action_invoice_clearing_fapiao",
            "invoice_clearing_fapiao_files",
            login="clerk",
        )
        fapiao = invoice.fapiao_ids
        self.assertEqual(fapiao.number, "26312000000055555555")
        self.assertEqual(fapiao.create_uid, clerk)
        self.assertEqual(fapiao.fapiao_type, "digital_general")
        self.assertTrue(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", fapiao._name), ("res_id", "=", fapiao.id)]
            )
        )

    def test_clerk_registers_one_fapiao_at_two_rates(self):
        """The invoice's lines at 13 % and 6 % get one 数电 number: one fapiao, two rate lines."""
        clerk = self.env.ref("invoice_clearing.demo_user_clerk")
        clerk.lang = "zh_CN"
        taxes = {
            rate: self.env["account.tax"].search(
                [
                    ("company_id", "=", self.company.id),
                    ("type_tax_use", "=", "sale"),
                    ("amount", "=", rate),
                    ("amount_type", "=", "percent"),
                ],
                limit=1,
            )
            for rate in (13.0, 6.0)
        }
        invoice = (
            self.env["account.move"]
            .with_company(self.company)
            .create({
                "move_type": "out_invoice",
                "partner_id": self.env.ref("invoice_clearing.demo_customer_01").id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create({"name": name, "quantity": 1, "price_unit": price,
                                    "tax_ids": [Command.set(taxes[rate].ids)]})
                    for name, price, rate in (("办公用品", 1000.0, 13.0), ("咨询服务", 200.0, 6.0))
                ],
            })
        )  # fmt: skip
        invoice.action_post()
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "invoice_clearing_rate_lines",
            login="clerk",
        )
        fapiao = invoice.fapiao_ids
        self.assertEqual(fapiao.number, "26312000000066666666")
        self.assertEqual(
            (fapiao.multi_rate, fapiao.tax_rate, fapiao.amount_total), (True, 13.0, 1448.0)
        )
        self.assertEqual(
            sorted(fapiao.rate_line_ids.mapped(lambda line: (line.tax_rate, line.amount_tax))),
            [(6.0, 18.0), (13.0, 130.0)],
        )

    def test_manager_sees_the_quota_from_the_register(self):
        """This month's demo quota is past the warning: the register leads to it and its fapiao."""
        quota = self.env["invoice.clearing.quota"].search(
            [
                ("company_id", "=", self.company.id),
                ("date", "=", fields.Date.today().replace(day=1)),
            ]
        )
        self.assertEqual(quota.usage_level, "warning")
        admin = self.env.ref("base.user_admin")
        admin.write({"company_id": self.company.id, "lang": "zh_CN"})
        self.start_tour(
            "/odoo/action-invoice_clearing.action_invoice_clearing_fapiao",
            "invoice_clearing_quota_from_register",
            login="admin",
        )

    def test_manager_records_the_confirmation_of_a_red_letter_form(self):
        pending = self.env["invoice.clearing.red.confirmation"].search(
            [("company_id", "=", self.company.id), ("state", "=", "pending")]
        )
        self.assertEqual(len(pending), 1, "the demo has one pending form")
        self.env.ref("base.user_admin").lang = "zh_CN"
        self.start_tour(
            "/odoo/action-invoice_clearing.action_invoice_clearing_red_confirmation",
            "invoice_clearing_red_confirmation",
            login="admin",
        )
        self.assertEqual((pending.state, pending.status_code), ("confirmed", "04"))
