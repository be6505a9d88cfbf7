"""Values of the clearing certificate (清卡凭证): the clearing, its totals and a QR code of its hash."""

import base64

from odoo import api, models


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
