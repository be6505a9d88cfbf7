"""Reopen a cleared clearing: a manager's logged act with a mandatory reason."""

from odoo import fields, models
from odoo.addons.base.models.res_users import check_identity


class InvoiceClearingReopen(models.TransientModel):
    _name = "invoice.clearing.reopen"
    _description = "Reopen Clearing"

    clearing_id = fields.Many2one("invoice.clearing", required=True, readonly=True)
    reason = fields.Text(required=True, help="Why the cleared period must be reopened")

    def action_confirm(self):
        self.clearing_id.action_reopen(self.reason)
        return {"type": "ir.actions.act_window_close"}

    @check_identity
    def action_confirm_web(self):
        """The web client's Reopen button: Odoo's password prompt first (locked out after
        repeated wrong passwords), then reopen."""
        self.env["invoice.clearing.identity.attempt"]._check_not_locked(
            self.env.user, self.clearing_id.company_id, "invoice.clearing.reopen.action_confirm_web"
        )
        return self.action_confirm()
