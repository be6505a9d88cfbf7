"""A clearing (清卡记录): freezes and certifies the fapiao of a scope.

The register only needs the link and the state for now; scopes, checks, summary and approval
are built on this model by the clearing feature.
"""

from odoo import fields, models


class InvoiceClearing(models.Model):
    _name = "invoice.clearing"
    _description = "Fapiao Clearing"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, copy=False, readonly=True, default="/", index="trigram")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date_to = fields.Date("Up To", help="截止日期")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_approve", "To Approve"),
            ("cleared", "Cleared"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    fapiao_ids = fields.One2many("invoice.clearing.fapiao", "clearing_id", readonly=True)
