"""The archive package (归档包) over HTTP: who downloads it and who verifies it.

The web client downloads it through /web/content, where the attachment's access follows the
clearing's (res_model / res_id): the clearing's readers of its company, auditors included, get
the ZIP; a clerk of another company is refused. Actions are called over JSON-RPC with
`allowed_company_ids`, as the web client sends them.
"""

import importlib.util
from datetime import date

from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .archive_fixtures import attach_package, package_bytes
from .common import web_user

AUDITOR = "invoice_clearing.group_clearing_auditor"
USER = "invoice_clearing.group_clearing_user"
NUMBER = "26442000000000400101"
HAS_VERIFIER = importlib.util.find_spec("odoo.addons.invoice_clearing.tools.archive_verify")
NO_VERIFIER = "tools/archive_verify.py (the stand-alone verifier) is not in this tree yet"


@tagged("post_install", "-at_install")
class TestArchiveAccess(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a, cls.company_b = cls.env["res.company"].create(
            [{"name": "归档测试A公司"}, {"name": "归档测试B公司"}]
        )
        cls.auditor = web_user(cls.env, "ic_ar_auditor", AUDITOR, cls.company_a)
        cls.clerk = web_user(cls.env, "ic_ar_clerk", USER, cls.company_a)
        cls.clerk_b = web_user(cls.env, "ic_ar_clerk_b", USER, cls.company_b)
        buyer = cls.env["res.partner"].create({"name": "Archive Buyer"})
        cls.env["invoice.clearing.fapiao"].create(
            {
                "company_id": cls.company_a.id, "partner_id": buyer.id,
                "fapiao_type": "digital_general", "number": NUMBER,
                "issue_date": date(2026, 10, 8), "tax_rate": 6.0, "amount_untaxed": 100.0,
                "amount_tax": 6.0, "amount_total": 106.0, "uploaded": True,
            }
        )  # fmt: skip
        cls.clearing = cls.env["invoice.clearing"].create(
            {
                "company_id": cls.company_a.id, "scope": "date",
                "date_from": date(2026, 10, 1), "date_to": date(2026, 10, 31),
            }
        )  # fmt: skip
        cls.clearing.action_approve()
        assert cls.clearing.state == "cleared", cls.clearing.failure_reason
        cls.content = package_bytes({"reports/summary.pdf": b"%PDF-1.4\n%%EOF\n"})
        cls.package = attach_package(cls.clearing, cls.content)
        cls.url = f"/web/content/{cls.package.id}?download=true"

    def call_kw(self, model, method, ids, companies, lang="en_US"):
        """The web client's call: the selected companies, the current one first."""
        context = {"allowed_company_ids": companies.ids, "lang": lang}
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": [ids], "kwargs": {"context": context}},
        )

    def assert_downloads(self, login):
        self.authenticate(login, f"{login}_pw")
        action = self.call_kw(
            "invoice.clearing", "action_download_archive", self.clearing.ids, self.company_a
        )
        self.assertEqual(action["url"], self.url)
        self.assertEqual(action["target"], "download")
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, self.content)
        self.assertIn(
            f"{self.clearing.name.replace('/', '-')}-archive.zip",
            response.headers["Content-Disposition"],
        )

    def test_auditor_of_the_company_downloads(self):
        self.assert_downloads("ic_ar_auditor")

    def test_clerk_of_the_company_downloads(self):
        self.assert_downloads("ic_ar_clerk")

    def test_period_card_downloads_its_clearings_package(self):
        Period = self.env["invoice.clearing.period"]
        period = Period.browse(Period._period_id(self.company_a, date(2026, 10, 1)))
        self.assertEqual(period.clearing_id, self.clearing)
        self.authenticate("ic_ar_auditor", "ic_ar_auditor_pw")
        action = self.call_kw(
            "invoice.clearing.period", "action_download_archive", period.ids, self.company_a
        )
        self.assertEqual(action["url"], self.url)

    def test_clerk_of_another_company_cannot_download(self):
        self.authenticate("ic_ar_clerk_b", "ic_ar_clerk_b_pw")
        with mute_logger("odoo.http"):
            response = self.url_open(self.url)
        self.assertIn(response.status_code, (403, 404))
        self.assertNotEqual(response.content, self.content)
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.call_kw(
                "invoice.clearing", "action_download_archive", self.clearing.ids, self.company_b
            )
        self.assertIn("AccessError", str(caught.exception))

    def notes(self):
        return self.clearing.message_ids.filtered(lambda m: m.author_id == self.auditor.partner_id)

    def test_auditor_verifies_and_the_result_is_in_the_chatter(self):
        """A package whose file differs from its manifest: FAILED, the file named."""
        if not HAS_VERIFIER:
            self.skipTest(NO_VERIFIER)
        tampered = package_bytes(
            {"reports/summary.pdf": b"%PDF-1.4\n%%EOF\n"},
            listed={"reports/summary.pdf": b"%PDF-1.4\nchanged\n%%EOF\n"},
        )
        attach_package(self.clearing, tampered)
        self.authenticate("ic_ar_auditor", "ic_ar_auditor_pw")
        result = self.call_kw(
            "invoice.clearing", "action_verify_archive", self.clearing.ids, self.company_a
        )
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("reports/summary.pdf", result["params"]["message"])
        note = self.notes()[:1]
        self.assertTrue(note, "the verification is logged, signed by the auditor")
        self.assertIn("FAILED", note.body)
        self.assertIn("reports/summary.pdf", note.body)

    def test_auditor_verifies_in_chinese(self):
        if not HAS_VERIFIER:
            self.skipTest(NO_VERIFIER)
        attach_package(
            self.clearing,
            package_bytes(
                {"reports/summary.pdf": b"%PDF-1.4\n%%EOF\n", "extra.txt": b"unlisted"},
                listed={"reports/summary.pdf": b"%PDF-1.4\n%%EOF\n"},
            ),
        )
        self.authenticate("ic_ar_auditor", "ic_ar_auditor_pw")
        result = self.call_kw(
            "invoice.clearing", "action_verify_archive", self.clearing.ids, self.company_a,
            lang="zh_CN",
        )  # fmt: skip
        self.assertIn("extra.txt", result["params"]["message"])
        note = self.notes()[:1]
        self.assertIn("未通过", note.body)
        self.assertRegex(note.body, "extra.txt.*[\u4e00-\u9fff]", "the verifier's lines in Chinese")

    def test_built_package_verifies(self):
        """The package the addon builds passes the verifier run from the clearing."""
        if not HAS_VERIFIER:
            self.skipTest(NO_VERIFIER)
        if not hasattr(self.clearing, "_archive_build"):
            self.skipTest("the package writer (_archive_build) is not in this tree yet")
        self.env.cr.execute(
            "UPDATE invoice_clearing SET archive_attachment_id = NULL WHERE id = %s",
            self.clearing.ids,
        )
        self.clearing.invalidate_recordset()
        # What runs after the approval's commit (a test never commits): the certificate first.
        Certificate = self.env["report.invoice_clearing.report_clearing_certificate"]
        Certificate.with_context(force_report_rendering=True)._attach_missing(self.clearing)
        self.clearing.sudo().with_context(force_report_rendering=True)._archive_build()
        self.clearing.invalidate_recordset()
        self.assertNotEqual(self.clearing.archive_attachment_id, self.package)
        self.authenticate("ic_ar_auditor", "ic_ar_auditor_pw")
        result = self.call_kw(
            "invoice.clearing", "action_verify_archive", self.clearing.ids, self.company_a
        )
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertIn("OK", self.notes()[:1].body)
