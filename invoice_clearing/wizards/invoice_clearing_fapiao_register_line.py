"""One fapiao to register: one per VAT rate of the invoice."""

from odoo import fields, models


class InvoiceClearingFapiaoRegisterLine(models.TransientModel):
    _name = "invoice.clearing.fapiao.register.line"
    _description = "Fapiao to Register"

    wizard_id = fields.Many2one(
        "invoice.clearing.fapiao.register", required=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    number = fields.Char(
        "Fapiao Number",
        help="发票号码 (8 or 20 digits). The same number on several lines registers one fapiao "
        "with a rate line per rate.",
    )
    tax_rate = fields.Float("Tax Rate (%)", digits=(5, 2))
    amount_untaxed = fields.Monetary("Amount")
    amount_tax = fields.Monetary("Tax")
    amount_total = fields.Monetary("Total")
    origin_fapiao_id = fields.Many2one("invoice.clearing.fapiao", "Reversed Fapiao")
