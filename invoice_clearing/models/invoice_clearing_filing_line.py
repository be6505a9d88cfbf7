"""The VAT return's figures for one rate (申报登记), compared with the fapiao summary."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from .guard_bypass import bypassed


class InvoiceClearingFilingLine(models.Model):
    _name = "invoice.clearing.filing.line"
    _inherit = ["invoice.clearing.line.mixin"]
    _description = "Filed VAT Figures"
    _order = "clearing_id, tax_rate desc"

    tax_rate = fields.Float("Tax Rate (%)", digits=(5, 2), required=True, aggregator=False)
    amount_untaxed = fields.Monetary("Declared Sales", help="申报销售额")
    amount_tax = fields.Monetary("Declared Tax", help="申报税额")

    _rate_uniq = models.Constraint(
        "UNIQUE(clearing_id, tax_rate)", "Each rate appears once in the filing record."
    )

    @api.model
    def _get_clearing_hash_fields(self, version):
        """What the clearing's hash certifies of its filing record, per rate (every version)."""
        return ("tax_rate", "amount_untaxed", "amount_tax")

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_clearing_open()
        return lines

    def write(self, vals):
        self._check_clearing_open()
        if "clearing_id" in vals and not bypassed(self.env):
            # A line moved into another clearing would change that clearing's filing record.
            raise UserError(
                self.env._("A filing line belongs to its clearing and cannot be moved to another.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_if_open(self):
        self._check_clearing_open()

    def _check_clearing_open(self):
        self.clearing_id._check_no_job()
        closed = self.clearing_id.filtered(lambda c: c.state in ("cleared", "cancelled"))
        if closed and not bypassed(self.env):
            raise UserError(
                self.env._(
                    "The filing record of %(name)s is part of a closed clearing and cannot change.",
                    name=closed[0].name,
                )
            )
