"""The clearing certificate (清卡凭证): its values (the clearing, its totals and a QR code of its
hash), and the PDF attached to the clearing once it is cleared.

The PDF is rendered after the clearing's transaction commits, never inside it: wkhtmltopdf fetches
the report's CSS over HTTP from Odoo itself, and an approval still holding the row locks of the
frozen fapiao and the company lock would make a clerk's edit (or a bureau import) wait in the
other worker while nothing serves that CSS, until Odoo kills both workers. So the approval (or a
background clearing's last transaction) only queues it: right after the commit the same request
or cron run renders it on a new cursor (a request only while another HTTP worker stays free to
serve the CSS, see tools/render_slots.py; else the cron renders it at once); a cron (triggered a
minute later, and hourly) renders any certificate still missing, e.g. after a crash. Until then the clearing's form says the certificate
is being prepared; printing it from the print menu renders it on demand meanwhile.
"""

import base64
import logging
from datetime import timedelta

from odoo import api, models
from odoo.tools import file_open

from ..models import advisory_locks, after_commit
from ..models.guard_bypass import with_bypass

_logger = logging.getLogger(__name__)

PENDING_KEY = "invoice_clearing.certificates"
CRON = "invoice_clearing.ir_cron_clearing_certificates"
CRON_DELAY = timedelta(minutes=1)  # the fallback comes after the request's own attempt
CRON_BATCH = 20


class ReportClearingCertificate(models.AbstractModel):
    _name = "report.invoice_clearing.report_clearing_certificate"
    _description = "Clearing Certificate (清卡凭证)"

    @api.model
    def _get_report_values(self, docids, data=None):
        clearings = self.env["invoice.clearing"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "invoice.clearing",
            "docs": clearings,
            "qr_codes": {c.id: self._qr_data_uri(c.hash) for c in clearings if c.hash},
            "counts": {c.id: self._counts(c) for c in clearings},
        }

    @api.model
    def _qr_data_uri(self, value):
        """A PNG data URI, so that wkhtmltopdf needs no HTTP request for the QR code."""
        png = self.env["ir.actions.report"].barcode("QR", value, width=150, height=150)
        return "data:image/png;base64," + base64.b64encode(png).decode()

    @api.model
    def _counts(self, clearing):
        lines = clearing.summary_line_ids
        return {
            measure: sum(lines.mapped(measure))
            for measure in ("blue_count", "red_count", "void_blue_count", "void_red_count")
        }

    @api.model
    def _attach_after_commit(self, clearing):
        """Queue the certificate of `clearing`, cleared in this transaction: rendered and attached
        on a new cursor once the transaction has committed, and by the cron as a fallback."""
        after_commit.queue(
            self, clearing, PENDING_KEY, "_attach_in_request", CRON, CRON_DELAY, _logger,
            "Certificate",
        )  # fmt: skip

    @api.model
    def _attach_in_request(self, clearings, slots):
        """Attach the certificates of `clearings` now if one of `slots` render slots is free (None:
        no limit); else leave them to the cron, triggered now: all HTTP workers rendering at once
        would wait for each other to serve wkhtmltopdf's CSS until Odoo kills them."""
        if slots is not None and not advisory_locks.try_render_slot(self.env.cr, slots):
            _logger.info(
                "Certificate of clearing ids %s left to the cron: %s request(s) render already",
                clearings.ids, slots,
            )  # fmt: skip
            # sudo: users may not read crons
            self.env.ref(CRON).sudo()._trigger()
            return self.env["ir.attachment"]
        return self._attach_missing(clearings)

    @api.model
    def _attach_missing(self, clearings):
        """Render and attach the certificate of each sealed clearing of `clearings` that has
        none yet, in the current transaction. A clearing another worker is rendering right now
        is skipped (its lock is only tried): each certificate is attached once."""
        attachments = self.env["ir.attachment"]
        for clearing in clearings:
            # The lock first: a transaction starting here sees what a renderer that held it
            # committed (its snapshot is taken by this statement).
            if not advisory_locks.try_certificate_lock(self.env.cr, clearing.id):
                continue
            clearing.invalidate_recordset(["certificate_id", "hash"])
            sealed = clearing.sudo().exists()  # sudo: whether it has one, whoever renders it
            if not sealed or sealed.certificate_id or not sealed.hash:
                continue
            attachments |= self._attach(clearing)
        return attachments

    @api.model
    def _cron_attach_missing(self):
        """ir.cron: attach the certificates still missing (the request that cleared crashed
        after its commit, or ran in a test). Each rendered as its approver would see it, in
        their language; committed one by one."""
        # sudo: the cron works for every company
        clearings = (
            self.env["invoice.clearing"]
            .sudo()
            .search(
                [("hash", "!=", False), ("certificate_id", "=", False)],
                order="id",
                limit=CRON_BATCH,
            )
        )
        todo = [(c.id, c.approved_by.lang or self.env.lang, c.company_id.id) for c in clearings]
        # Each clearing in a transaction of its own, started by its lock (see _attach_missing).
        self.env["ir.cron"]._commit_progress(remaining=len(todo))
        for index, (clearing_id, lang, company_id) in enumerate(todo):
            renderer = self.with_context(lang=lang, allowed_company_ids=[company_id])
            renderer._attach_missing(renderer.env["invoice.clearing"].browse(clearing_id))
            self.env["ir.cron"]._commit_progress(1, remaining=len(todo) - index - 1)
        if len(clearings) == CRON_BATCH:  # more may wait: come back at once
            self.env.ref(CRON)._trigger()

    @api.model
    def _attach(self, clearing):
        """Render the certificate of `clearing` and attach it, immutable (see _attach_missing,
        which attaches it once, for a clearing without one)."""
        clearing.ensure_one()
        report = "invoice_clearing.action_report_clearing_certificate"
        content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(report, clearing.ids)
        extension = "pdf" if report_type == "pdf" else "html"  # tests render HTML unless forced
        values = {
            "name": f"{clearing.name.replace('/', '-')}-certificate.{extension}",
            "raw": content,
            "res_model": clearing._name,
            "res_id": clearing.id,
            "mimetype": "application/pdf" if report_type == "pdf" else "text/html",
        }
        if report_type == "pdf":
            # The chatter asks the first viewer's browser for a preview otherwise, and an
            # auditor may not write one: give it the PDF icon up front.
            with file_open("web/static/img/mimetypes/pdf.svg", "rb") as icon:
                values["thumbnail"] = base64.b64encode(icon.read())
        # sudo: the addon attaches it, not the approver; certificate_id is a protected field
        attachment = self.env["ir.attachment"].sudo().create(values)
        with_bypass(clearing).sudo().certificate_id = attachment
        return attachment
