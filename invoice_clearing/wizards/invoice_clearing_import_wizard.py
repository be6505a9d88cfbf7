"""Upload the bureau's 全量发票查询 export of one company and month, then reconcile it."""

from odoo import fields, models

from ..tools.periods import month_bounds, month_start


def _last_month(index):
    def default(self):
        return month_bounds(month_start(fields.Date.context_today(self), -1))[index]

    return default


class InvoiceClearingImportWizard(models.TransientModel):
    _name = "invoice.clearing.import.wizard"
    _inherit = ["invoice.clearing.upload.mixin"]
    _description = "Import Bureau Export"

    file = fields.Binary("Export File", help="xlsx or CSV exported from 全量发票查询")
    date_from = fields.Date("Period From", required=True, default=_last_month(0))
    date_to = fields.Date("Period To", required=True, default=_last_month(1))

    def action_import(self):
        self.ensure_one()
        Import = self.env["invoice.clearing.import"]
        data = self._upload_data(Import._max_bytes(), Import._check_size)
        batch = Import.import_file(
            self.company_id, self.date_from, self.date_to, data, self.file_name or ""
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "invoice.clearing.import",
            "res_id": batch.id,
            "views": [(False, "form")],
        }
