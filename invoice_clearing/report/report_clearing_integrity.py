"""Values of the integrity report: the check is run when the report is printed."""

from odoo import api, fields, models


class ReportClearingIntegrity(models.AbstractModel):
    _name = "report.invoice_clearing.report_clearing_integrity"
    _description = "Clearing Integrity Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        clearings = self.env["invoice.clearing"].browse(docids)
        clearings.check_access("read")
        results = self.env["invoice.clearing.integrity"]._verify(clearings.filtered("hash"))
        return {
            "doc_ids": docids,
            "doc_model": "invoice.clearing",
            "docs": clearings,
            "companies": clearings.company_id,
            "results": results,
            "unhashed": clearings.filtered(lambda c: not c.hash),
            "all_ok": all(r["ok"] for r in results),
            "checked_at": fields.Datetime.now(),
            "checked_by": self.env.user,
        }
