"""The clearing certificate (清卡凭证): its values (the clearing, its totals and a QR code of its
hash), and the PDF attached to the clearing when it clears."""

import base64

from odoo import api, models
from odoo.tools import file_open


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
    def _attach(self, clearing):
        """Render the certificate of `clearing`, just cleared, and attach it, immutable."""
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
        clearing.sudo().certificate_id = attachment
        return attachment
