"""Download of a clearing as XLSX, for the users allowed to read it (users, managers, auditors)."""

from odoo import http
from odoo.http import content_disposition, request

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class InvoiceClearingController(http.Controller):
    @http.route("/invoice_clearing/clearing/<int:clearing_id>/xlsx", type="http", auth="user")
    def clearing_xlsx(self, clearing_id, **kwargs):
        clearing = request.env["invoice.clearing"].browse(clearing_id).exists()
        if not clearing:
            raise request.not_found()
        clearing._check_reader()  # AccessError: HTTP 403
        name, content = request.env["report.invoice_clearing.clearing_xlsx"]._generate(clearing)
        return request.make_response(
            content,
            headers=[
                ("Content-Type", XLSX_MIMETYPE),
                ("Content-Disposition", content_disposition(name)),
            ],
        )
