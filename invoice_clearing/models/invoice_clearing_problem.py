"""A precondition check result: what blocks (or may block) a clearing, and where to fix it."""

import json

from odoo import fields, models


class InvoiceClearingProblem(models.Model):
    _name = "invoice.clearing.problem"
    _inherit = ["invoice.clearing.line.mixin"]
    _description = "Clearing Check Result"
    _order = "clearing_id, severity, id"

    severity = fields.Selection(
        [("blocking", "Blocking"), ("warning", "Warning")], required=True, default="blocking"
    )
    message = fields.Text(required=True)
    res_model = fields.Char("Records")
    domain = fields.Char()

    def action_open_records(self):
        """The records to fix, in their own list."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("To fix"),
            "res_model": self.res_model,
            "domain": json.loads(self.domain or "[]"),
            "views": [(False, "list"), (False, "form")],
            "target": "current",
        }
