"""Upload the bureau's 全量发票查询 export of one company and month, then reconcile it."""

import base64
import binascii

from odoo import fields, models
from odoo.exceptions import UserError

from ..tools.periods import month_bounds, month_start


def _last_month(index):
    def default(self):
        return month_bounds(month_start(fields.Date.context_today(self), -1))[index]

    return default


class InvoiceClearingImportWizard(models.TransientModel):
    _name = "invoice.clearing.import.wizard"
    _description = "Import Bureau Export"

    file = fields.Binary(
        "Export File", required=True, help="xlsx or CSV exported from 全量发票查询"
    )
    file_name = fields.Char()
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )  # fmt: skip
    date_from = fields.Date("Period From", required=True, default=_last_month(0))
    date_to = fields.Date("Period To", required=True, default=_last_month(1))

    def action_import(self):
        self.ensure_one()
        encoded = self.file or b""
        if isinstance(encoded, str):
            encoded = encoded.encode()
        # Refuse before decoding: base64 is 4/3 of the file's size (padding aside).
        Import = self.env["invoice.clearing.import"]
        if len(encoded) * 3 // 4 > Import._max_bytes() + 3:
            Import._check_size(len(encoded) * 3 // 4 - encoded[-2:].count(b"="))
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise UserError(self.env._("The uploaded file is damaged. Upload it again.")) from None
        batch = self.env["invoice.clearing.import"].import_file(
            self.company_id, self.date_from, self.date_to, data, self.file_name or ""
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "invoice.clearing.import",
            "res_id": batch.id,
            "views": [(False, "form")],
        }
