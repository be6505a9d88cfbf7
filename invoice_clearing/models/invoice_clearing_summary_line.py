"""One line of a clearing's monthly summary (开票汇总表): a fapiao kind at one rate."""

from odoo import fields, models

from ..tools.fapiao_number import FAPIAO_TYPES


class InvoiceClearingSummaryLine(models.Model):
    _name = "invoice.clearing.summary.line"
    _inherit = ["invoice.clearing.line.mixin"]
    _description = "Clearing Summary Line"
    _order = "clearing_id, fapiao_type, tax_rate desc"

    fapiao_type = fields.Selection(FAPIAO_TYPES, "Kind", required=True)
    tax_rate = fields.Float("Tax Rate (%)", digits=(5, 2), aggregator=False)
    blue_count = fields.Integer("Blue", help="正数发票份数")
    blue_amount = fields.Monetary(help="正数金额")
    blue_tax = fields.Monetary(help="正数税额")
    red_count = fields.Integer("Red", help="负数发票份数")
    red_amount = fields.Monetary(help="负数金额")
    red_tax = fields.Monetary(help="负数税额")
    void_blue_count = fields.Integer("Voided Blue", help="正数废票份数")
    void_blue_amount = fields.Monetary("Voided Blue Amount", help="正废金额")
    void_blue_tax = fields.Monetary("Voided Blue Tax", help="正废税额")
    void_red_count = fields.Integer("Voided Red", help="负数废票份数")
    void_red_amount = fields.Monetary("Voided Red Amount", help="负废金额")
    void_red_tax = fields.Monetary("Voided Red Tax", help="负废税额")
    net_amount = fields.Monetary(help="实际销售金额 = 正数金额 + 负数金额")
    net_tax = fields.Monetary(help="实际销售税额 = 正数税额 + 负数税额")
