"""Download of a clearing as XLSX, for the users allowed to read it (users, managers, auditors)."""

import tempfile

from odoo import http
from odoo.http import Response, content_disposition, request
from odoo.tools._vendor.send_file import send_file

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class InvoiceClearingController(http.Controller):
    @http.route("/invoice_clearing/clearing/<int:clearing_id>/xlsx", type="http", auth="user")
    def clearing_xlsx(self, clearing_id, **kwargs):
        clearing = request.env["invoice.clearing"].browse(clearing_id).exists()
        if not clearing:
            raise request.not_found()
        clearing._check_reader()  # AccessError: HTTP 403
        # Written to a temporary file and streamed from it: the response never holds the whole
        # workbook (the file is unlinked already; closing the response frees it).
        output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
        try:
            name = request.env["report.invoice_clearing.clearing_xlsx"]._write(clearing, output)
            size = output.tell()
            output.seek(0)
        except Exception:
            output.close()
            raise
        response = send_file(
            output,
            request.httprequest.environ,
            mimetype=XLSX_MIMETYPE,
            as_attachment=True,
            download_name=name,
            response_class=Response,
            conditional=False,
        )
        response.headers["Content-Length"] = str(size)
        response.headers["Content-Disposition"] = content_disposition(name)
        return response
