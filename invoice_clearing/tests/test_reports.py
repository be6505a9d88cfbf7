"""Reports for auditors: real PDFs, XLSX, immutable certificate, integrity check against SQL edits."""

import base64
import io
import re
import unicodedata
from unittest.mock import patch

import openpyxl

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader

from ..models import advisory_locks
from ..report.report_clearing_certificate import PENDING_KEY
from ..tools import clearing_integrity
from .common import CronCommitsAsSavepoints
from .test_clearing import ClearingCommon

CERTIFICATE = "invoice_clearing.action_report_clearing_certificate"
SUMMARY = "invoice_clearing.action_report_clearing_summary"
INTEGRITY = "invoice_clearing.action_report_clearing_integrity"


def pdf_text(content):
    """The PDF's text, whitespace collapsed; NFKC maps the CJK radicals some glyphs extract to."""
    reader = PdfFileReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)), reader


def pdf_fonts(reader):
    fonts = set()
    for page in reader.pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(ref.get_object().get("/BaseFont")))
    return fonts


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


@tagged("post_install", "-at_install")
class ReportsCommon(ClearingCommon, HttpCase):
    """An HttpCase, as Odoo's own PDF tests: wkhtmltopdf fetches the report's assets from the test
    server (web.base.url), which serves them through the test's cursor. In a TransactionCase that
    request waits for the registry lock that Odoo's runner holds while it runs the tests: a hang,
    when web.base.url is the runner's own server (Odoo.sh, OCA CI)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.vat = "91350100M000100Y43"
        cls.env.ref("base.lang_zh_CN").active = True

    def cleared(self):
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.state, "cleared")
        return clearing

    def attach_after_commit(self, clearing):
        """What runs once the approval's transaction has committed (a test never commits)."""
        self.assertIn(
            clearing.id, self.env.cr.postcommit.data[PENDING_KEY], "queued for after commit"
        )
        Certificate = self.env["report.invoice_clearing.report_clearing_certificate"]
        return Certificate.with_context(force_report_rendering=True)._attach_missing(clearing)

    def certificates(self, clearing):
        return self.env["ir.attachment"].sudo().search(
            [("res_model", "=", "invoice.clearing"), ("res_id", "=", clearing.id),
             ("name", "=like", "%-certificate.%")]
        )  # fmt: skip

    def render_pdf(self, report, clearings, user=None, lang="en_US"):
        Report = self.env["ir.actions.report"].with_user(user or self.auditor)
        content, kind = Report.with_context(
            force_report_rendering=True, lang=lang
        )._render_qweb_pdf(report, clearings.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))
        return content


@tagged("post_install", "-at_install")
class TestReportPdf(ReportsCommon):
    def test_certificate_pdf(self):
        clearing = self.cleared()
        text, reader = pdf_text(self.render_pdf(CERTIFICATE, clearing))
        for expected in ("Clearing Certificate", clearing.name, "91350100M000100Y43",
                         clearing.hash[:32], "1,900.00", "233.00", "Filing Record", "Company Seal"):  # fmt: skip
            self.assertIn(expected, text)
        self.assertTrue(any("CJK" in font for font in pdf_fonts(reader)), pdf_fonts(reader))

    def test_certificate_pdf_in_chinese(self):
        clearing = self.cleared()
        text, _reader = pdf_text(self.render_pdf(CERTIFICATE, clearing, lang="zh_CN"))
        self.assertIn(clearing.name, text)
        self.assertIn("1,900.00", text)
        self.assertIn("清卡凭证", text)
        self.assertNotIn("Clearing Certificate", text)
        self.assertTrue(any("CJK" in f for f in pdf_fonts(_reader)))

    def test_summary_pdf_totals_equal_clearing(self):
        clearing = self.cleared()
        text, reader = pdf_text(self.render_pdf(SUMMARY, clearing))
        flat = text
        self.assertIn("Monthly Fapiao Summary", flat)
        self.assertIn("Tabulation Date", flat)
        self.assertIn("91350100M000100Y43", flat)
        # net 13%: 1000 + 500 + 300 - 100 = 1700, tax 221; 6%: 200 / 12; all kinds 1900 / 233
        for number in (
            "1,700.00",
            "221.00",
            "200.00",
            "12.00",
            "1,900.00",
            "233.00",
            "-100.00",
            "50.00",
        ):
            self.assertIn(number, flat)
        self.assertIn("Three-way Tie-out", flat, "the tie-out follows the summary")
        self.assertIn("-1,700.00", flat, "13 %: fapiao without invoice")
        self.assertIn("26442000000000000001", flat, "the fapiao list follows the summary")
        self.assertIn("00000099", flat)
        self.assertEqual(reader.pages[0].mediabox.width > reader.pages[0].mediabox.height, True,
                         "landscape")  # fmt: skip

    def test_summary_html_contains_the_tieout(self):
        clearing = self.cleared()
        Report = self.env["ir.actions.report"].with_user(self.auditor)
        html = Report._render_qweb_html(SUMMARY, clearing.ids)[0].decode()
        tieout = html[html.index("Three-way Tie-out") :]
        self.assertIn("o_ic_tieout", tieout)
        for text in ("Ledger (账)", "Fapiao (票)", "Filing (表)", "Unbilled", "Unexplained",
                     "Fapiao without Invoice", "Month Difference", "Rounding"):  # fmt: skip
            self.assertIn(text, tieout)
        # The fixtures' fapiao have no invoice: 13 % 1,700.00 / 221.00 and 6 % 200.00 / 12.00.
        sales = tieout[: tieout.index("<h3", tieout.index("<h3") + 1)]
        rows = re.findall(r"<tr>\s*<td class=\"num\">(\d+)</td>(.*?)</tr>", sales, re.S)
        cells = {rate: re.findall(r">([-\d,.]+)</td>", row) for rate, row in rows}
        self.assertEqual(
            cells["13"][:3], ["0.00", "1,700.00", "1,700.00"]
        )  # ledger, fapiao, filing
        self.assertEqual(cells["13"][5], "-1,700.00")  # fapiao without invoice
        self.assertEqual(cells["6"][1], "200.00")
        self.assertIn("221.00", tieout[tieout.index("<h3", tieout.index("<h3") + 1) :])

    def test_summary_pdf_list_limit(self):
        clearing = self.cleared()
        self.env["ir.config_parameter"].sudo().set_param("invoice_clearing.summary_list_limit", "2")
        text, _reader = pdf_text(self.render_pdf(SUMMARY, clearing))
        flat = text
        self.assertIn("XLSX", flat)
        self.assertIn("6 fapiao", flat)
        self.assertIn("1,900.00", flat, "the summary itself is complete")

    def test_summary_pdf_chinese_renders(self):
        clearing = self.cleared()
        content = self.render_pdf(SUMMARY, clearing, lang="zh_CN")
        text, reader = pdf_text(content)
        self.assertIn("1,700.00", text)
        self.assertTrue(any("CJK" in f for f in pdf_fonts(reader)))
        self.assertIn("福州测试贸易有限公司", text, "Chinese buyer name extracted from the PDF")
        self.assertIn("开票汇总表", text)
        self.assertIn("纳税人识别号", text)
        self.assertNotIn("Monthly Fapiao Summary", text)

    def test_auditor_prints_but_cannot_write(self):
        clearing = self.cleared()
        self.render_pdf(SUMMARY, clearing, user=self.auditor)
        self.render_pdf(CERTIFICATE, clearing, user=self.auditor)
        draft = self.new_clearing(scope="date", date_from=date_(11, 1), date_to=date_(11, 30))
        with self.assertRaises(AccessError):
            draft.with_user(self.auditor).write({"date_to": date_(11, 29)})
        with self.assertRaises(AccessError):
            clearing.summary_line_ids[0].with_user(self.auditor).write({"blue_count": 0})


@tagged("post_install", "-at_install")
class TestCertificateAttachment(ReportsCommon):
    def test_attached_on_approval_and_immutable(self):
        clearing = self.new_clearing()
        clearing.with_user(self.manager).with_context(force_report_rendering=True).action_submit()
        self.assertEqual(clearing.state, "cleared")
        self.assertFalse(clearing.certificate_id, "not rendered inside the clearing's transaction")
        self.attach_after_commit(clearing)
        attachment = clearing.certificate_id
        self.assertTrue(attachment)
        self.assertEqual(
            (attachment.res_model, attachment.res_id), ("invoice.clearing", clearing.id)
        )
        self.assertEqual(attachment.mimetype, "application/pdf")
        text, _reader = pdf_text(attachment.raw)
        self.assertIn(clearing.hash[:32], text)
        for user in (self.manager, self.clerk):
            with self.assertRaises(UserError):  # AccessError is a UserError
                attachment.with_user(user).unlink()
            with self.assertRaises(UserError):  # AccessError is a UserError
                attachment.with_user(user).write({"raw": b"forged"})
        self.assertTrue(attachment.exists())
        self.assertTrue(
            attachment.with_user(self.auditor).raw.startswith(b"%PDF"), "auditors read it"
        )
        # An auditor's chatter must not have to compute (and write) the preview itself.
        self.assertTrue(attachment.has_thumbnail)

    def test_attached_once_by_one_renderer(self):
        """Two workers after the same commit (the request and the cron): one certificate."""
        clearing = self.cleared()
        Certificate = self.env["report.invoice_clearing.report_clearing_certificate"]
        # Another worker renders it right now: this one skips it rather than wait or duplicate.
        with db_connect(self.env.cr.dbname).cursor() as other:
            self.assertTrue(advisory_locks.try_certificate_lock(other, clearing.id))
            self.assertFalse(Certificate._attach_missing(clearing))
            self.assertFalse(clearing.certificate_id)
            other.rollback()  # its transaction ends: the lock is free again
        attachment = self.attach_after_commit(clearing)
        self.assertEqual(clearing.certificate_id, attachment)
        self.assertFalse(Certificate._attach_missing(clearing), "attached once")
        self.assertEqual(self.certificates(clearing), attachment)

    def test_request_leaves_it_to_the_cron_when_no_worker_is_spare(self):
        """--workers=2: while another request renders a certificate, this one does not (both
        workers would wait for each other to serve wkhtmltopdf's CSS); the cron renders it now."""
        clearing = self.cleared()
        Certificate = self.env["report.invoice_clearing.report_clearing_certificate"]
        Trigger = self.env["ir.cron.trigger"].sudo()
        cron = self.env.ref("invoice_clearing.ir_cron_clearing_certificates")
        before = Trigger.search([("cron_id", "=", cron.id)])
        with db_connect(self.env.cr.dbname).cursor() as other:
            self.assertTrue(advisory_locks.try_render_slot(other, 1), "the other request renders")
            self.assertFalse(Certificate._attach_in_request(clearing, 1))
            self.assertFalse(clearing.certificate_id)
            other.rollback()  # its rendering ends: the slot is free again
        [trigger] = Trigger.search([("cron_id", "=", cron.id)]) - before
        self.assertLessEqual(trigger.call_at, fields.Datetime.now(), "the cron renders it now")
        attachment = Certificate.with_context(force_report_rendering=True)._attach_in_request(
            clearing, 1
        )
        self.assertEqual(clearing.certificate_id, attachment)
        self.assertEqual(attachment.mimetype, "application/pdf")

    def test_background_clearing_queues_it_too(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("invoice_clearing.background_threshold", 3)
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_approve()
        self.assertEqual(clearing.job_state, "running")
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=1e9):
            self.assertTrue(clearing._job_run())
        self.assertEqual(clearing.state, "cleared")
        self.assertFalse(clearing.certificate_id, "not rendered in the job's last transaction")
        self.attach_after_commit(clearing)
        self.assertIn(clearing.hash[:32], pdf_text(clearing.certificate_id.raw)[0])

    def test_later_files_can_be_added_but_are_kept(self):
        """A receipt scanned after approval is still attached; like the certificate, it stays."""
        clearing = self.cleared()
        note = (
            self.env["ir.attachment"]
            .with_user(self.manager)
            .create(
                {
                    "name": "filing receipt.pdf",
                    "raw": b"%PDF receipt",
                    "res_model": "invoice.clearing",
                    "res_id": clearing.id,
                }
            )
        )
        self.assertEqual(note.res_id, clearing.id)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            note.with_user(self.manager).unlink()
        self.assertTrue(note.exists())
        # The preview the chatter computes in the browser is stored; the file itself is not touched.
        note.with_user(self.manager).write({"thumbnail": base64.b64encode(SVG)})
        self.assertTrue(note.has_thumbnail)
        self.assertEqual(note.raw, b"%PDF receipt")


@tagged("post_install", "-at_install")
class TestCertificateCron(CronCommitsAsSavepoints, ReportsCommon):
    def test_cron_attaches_what_the_request_missed(self):
        """The request died after its commit: the cron, triggered by the approval, attaches
        the certificate, in the approver's language."""
        self.manager.lang = "zh_CN"
        cron = self.env.ref("invoice_clearing.ir_cron_clearing_certificates")
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search([("cron_id", "=", cron.id)])
        clearing = self.cleared()
        [trigger] = Trigger.search([("cron_id", "=", cron.id)]) - before
        self.assertGreater(trigger.call_at, fields.Datetime.now(), "after the request's own try")
        self.assertFalse(clearing.certificate_id)
        Certificate = self.env["report.invoice_clearing.report_clearing_certificate"]
        Certificate.with_context(force_report_rendering=True)._cron_attach_missing()
        self.assertTrue(self.commits, "committed clearing by clearing")
        self.assertEqual(clearing.certificate_id.mimetype, "application/pdf")
        text, _reader = pdf_text(clearing.certificate_id.raw)
        self.assertIn(clearing.hash[:32], text)
        self.assertIn("清卡凭证", text)
        self.assertNotIn("Clearing Certificate", text, "in the approver's language")
        Certificate._cron_attach_missing()
        self.assertEqual(self.certificates(clearing), clearing.certificate_id, "attached once")


@tagged("post_install", "-at_install")
class TestXlsxExport(ReportsCommon):
    def test_xlsx_reopens_with_same_totals(self):
        clearing = self.cleared()
        name, content = (
            self.env["report.invoice_clearing.clearing_xlsx"]
            .with_user(self.auditor)
            ._generate(clearing.with_user(self.auditor))
        )
        self.assertTrue(name.endswith(".xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(book.sheetnames, ["Summary", "Tie-out", "Fapiao", "Problems"])
        tieout = list(book["Tie-out"].iter_rows(values_only=True))
        head = tieout[0]
        self.assertEqual(head[:3], ("Tax Rate (%)", "Ledger Sales", "Ledger Output VAT"))
        by_rate = {row[0]: dict(zip(head, row, strict=True)) for row in tieout[1:]}
        self.assertEqual(set(by_rate), {"13", "6", "Totals"})
        self.assertEqual(by_rate["13"]["Fapiao Sales"], 1700.0)
        self.assertEqual(by_rate["13"]["Fapiao without Invoice"], -1700.0)
        self.assertEqual(by_rate["6"]["Declared Tax"], 12.0)
        self.assertEqual(by_rate["Totals"]["Fapiao Tax"], 233.0)
        self.assertEqual(by_rate["Totals"]["Unexplained"], 0.0)
        summary = list(book["Summary"].iter_rows(values_only=True))
        header = next(i for i, row in enumerate(summary) if row[0] == "Kind")
        titles = summary[header]
        total = summary[-1]
        self.assertEqual(total[0], "Total")
        self.assertAlmostEqual(total[titles.index("Net Amount")], clearing.amount_untaxed)
        self.assertAlmostEqual(total[titles.index("Net Tax")], clearing.amount_tax)
        self.assertEqual(
            sum(total[titles.index(t)] for t in ("Blue", "Red", "Voided Blue", "Voided Red")), 6
        )
        fapiao = list(book["Fapiao"].iter_rows(values_only=True))
        columns = fapiao[0]
        rows = fapiao[1:]
        self.assertEqual(len(rows), 6)
        amounts = [row[columns.index("Amount")] for row in rows]
        self.assertTrue(all(isinstance(a, float | int) for a in amounts), "amounts are numbers")
        self.assertAlmostEqual(sum(amounts), 1950.0)  # 1900 net + the voided 50
        numbers = [row[columns.index("Fapiao Number")] for row in rows]
        self.assertIn("00000099", numbers, "IDs keep their leading zeros (text)")
        self.assertIn("26442000000000000001", numbers)
        self.assertIn("3200191130", [row[columns.index("Fapiao Code")] for row in rows])

    def test_xlsx_lists_the_red_letter_forms_of_the_scope(self):
        """A pending 红字确认单 of a fapiao in the scope (a warning of the check) is listed."""
        blue = self.month_fapiao[0]
        form = self.red_form(blue, "26442000000000007001", state="pending")
        clearing = self.cleared()
        _name, content = (
            self.env["report.invoice_clearing.clearing_xlsx"]
            .with_user(self.auditor)
            ._generate(clearing.with_user(self.auditor))
        )
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(book.sheetnames[-1], "Red-letter Forms")
        rows = list(book["Red-letter Forms"].iter_rows(values_only=True))
        self.assertEqual(len(rows), 2, "the header and the one form")
        number, blue_number, _initiator, _reason, total, state, code, requested, red = rows[1]
        self.assertEqual((number, blue_number, red), (form.name, blue.number, None))
        self.assertAlmostEqual(total, form.amount_total)
        self.assertEqual(state, "Pending")
        self.assertTrue(code.startswith(form.status_code))
        self.assertEqual(requested.date(), form.requested_at.date())

    def test_xlsx_action(self):
        clearing = self.cleared()
        action = clearing.with_user(self.auditor).action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(f"/invoice_clearing/clearing/{clearing.id}/xlsx", action["url"])
        outsider = self.manager.copy(
            {"login": "ic_no_rights", "group_ids": [(6, 0, [self.env.ref("base.group_user").id])]}
        )
        with self.assertRaises(AccessError):
            clearing.with_user(outsider).action_export_xlsx()


@tagged("post_install", "-at_install")
class TestIntegrity(ReportsCommon):
    def test_intact_clearing_verifies(self):
        clearing = self.cleared()
        action = clearing.with_user(self.auditor).action_verify_integrity()
        self.assertEqual(action["params"]["type"], "success")
        message = clearing.message_ids[0]
        self.assertIn(self.auditor.name, message.body)
        self.assertIn("OK", message.body)
        self.assertEqual(message.author_id, self.auditor.partner_id)

    def test_sql_update_is_detected_and_named(self):
        first = self.cleared()
        second = self.new_clearing(scope="date", date_from=date_(11, 1), date_to=date_(11, 30))
        second.with_user(self.manager).action_submit()
        victim = self.month_fapiao[1]
        self.env.cr.execute(
            "UPDATE invoice_clearing_fapiao SET amount_untaxed = 5000 WHERE id = %s", [victim.id]
        )
        self.env["invoice.clearing.fapiao"].invalidate_model()
        action = first.with_user(self.auditor).action_verify_integrity()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn(victim.number, action["params"]["message"])
        self.assertIn(first.name, action["params"]["message"])
        self.assertIn(victim.number, first.message_ids[0].body)
        # The company-wide check names the same fapiao and leaves the later clearing OK.
        wizard = self.env["invoice.clearing.integrity.check"].with_user(self.auditor).create({})
        wizard.action_verify()
        self.assertFalse(wizard.result_ok)
        self.assertIn(victim.number, wizard.result)
        self.assertIn(f"{second.name}: OK", wizard.result)
        self.assertEqual(wizard.clearing_ids, first | second)
        # The printed integrity report says the same.
        text, _reader = pdf_text(self.render_pdf(INTEGRITY, first | second))
        flat = text
        self.assertIn("FAILED", flat)
        self.assertIn(victim.number, flat)

    def test_summary_and_chain_edits_are_detected(self):
        first = self.cleared()
        second = self.new_clearing(scope="date", date_from=date_(11, 1), date_to=date_(11, 30))
        second.with_user(self.manager).action_submit()
        self.env.cr.execute(
            "UPDATE invoice_clearing_summary_line SET net_amount = net_amount + 1 WHERE id = %s",
            [first.summary_line_ids[0].id],
        )
        self.env.cr.execute(
            "UPDATE invoice_clearing SET previous_hash = %s WHERE id = %s", ["0" * 64, second.id]
        )
        self.env.invalidate_all()
        results = {
            r["clearing"].id: r
            for r in self.env["invoice.clearing.integrity"]._verify(first | second)
        }
        self.assertFalse(results[first.id]["ok"])
        self.assertIn("summary line", " ".join(results[first.id]["findings"]))
        self.assertFalse(results[second.id]["ok"])
        self.assertIn("chain", " ".join(results[second.id]["findings"]))

    def test_fingerprints_stored_and_protected(self):
        clearing = self.cleared()
        data = base64.b64decode(clearing.sudo().fapiao_fingerprints)
        self.assertEqual(len(data), 12 * len(clearing.frozen_fapiao_ids))
        # PostgreSQL packs them in the format the verification unpacks (pure-Python tools).
        rows = self.env["invoice.clearing.integrity"]._fingerprint_rows(clearing)
        self.assertEqual(data, clearing_integrity.pack_fingerprints(rows))
        self.assertEqual(
            set(clearing_integrity.unpack_fingerprints(data)), set(clearing.frozen_fapiao_ids.ids)
        )
        attachment = self.env["ir.attachment"].sudo().search(
            [("res_model", "=", "invoice.clearing"), ("res_id", "=", clearing.id),
             ("res_field", "=", "fapiao_fingerprints")]
        )  # fmt: skip
        self.assertTrue(attachment)
        with self.assertRaises(UserError):  # AccessError is a UserError
            attachment.with_user(self.manager).unlink()

    def test_reopened_clearing_keeps_verifiable_header(self):
        clearing = self.cleared()
        clearing.with_user(self.manager).action_reopen("comparison failed")
        result = self.env["invoice.clearing.integrity"]._verify(clearing)[0]
        self.assertTrue(result["ok"], result["findings"])
        self.assertTrue(result["notes"])


def date_(month, day):
    from datetime import date

    return date(2026, month, day)
