"""What every line of a clearing has: the clearing, its company and its currency."""

from odoo import fields, models


class InvoiceClearingLineMixin(models.AbstractModel):
    """Summary lines, filing lines and check results: deleted with their clearing, in its
    company (the multi-company record rules read the stored `company_id`) and its currency."""

    _name = "invoice.clearing.line.mixin"
    _description = "Line of a Clearing"

    clearing_id = fields.Many2one("invoice.clearing", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="clearing_id.company_id", store=True)
    currency_id = fields.Many2one(related="clearing_id.currency_id")
