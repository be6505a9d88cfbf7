"""Reopen a cleared clearing: a manager's logged act with a mandatory reason."""

from odoo import fields, models


class InvoiceClearingReopen(models.TransientModel):
    _name = "invoice.clearing.reopen"
    _description = "Reopen Clearing"

    clearing_id = fields.Many2one("invoice.clearing", required=True, readonly=True)
    reason = fields.Text(required=True, help="Why the cleared period must be reopened")

    def action_confirm(self):
        self.clearing_id.action_reopen(self.reason)
        return {"type": "ir.actions.act_window_close"}
