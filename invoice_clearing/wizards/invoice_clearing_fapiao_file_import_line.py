"""One uploaded fapiao file as read, with the invoices it may belong to."""

from odoo import fields, models

from ..tools.fapiao_number import FAPIAO_TYPES


class InvoiceClearingFapiaoFileImportLine(models.TransientModel):
    _name = "invoice.clearing.fapiao.file.import.line"
    _description = "Uploaded Fapiao File"

    wizard_id = fields.Many2one(
        "invoice.clearing.fapiao.file.import", required=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="wizard_id.company_id.currency_id")
    attachment_id = fields.Many2one("ir.attachment", "File", required=True, ondelete="cascade")
    file_name = fields.Char()
    fapiao_type = fields.Selection(FAPIAO_TYPES, "Kind")
    code = fields.Char("Fapiao Code")
    number = fields.Char("Fapiao Number")
    issue_date = fields.Date()
    partner_id = fields.Many2one("res.partner", "Buyer")
    buyer_name = fields.Char("Buyer on the Fapiao", help="购买方名称 as printed on the fapiao")
    tax_rates = fields.Char("Tax Rates (%)", help="税率: several on a fapiao with rate lines")
    amount_total = fields.Monetary("Total")
    is_red = fields.Boolean("Red-letter")
    origin_number = fields.Char("Reversed Fapiao", help="The blue fapiao a red-letter one reverses")
    candidate_move_ids = fields.Many2many(
        "account.move",
        "invoice_clearing_fapiao_file_import_line_move_rel",
        "line_id",
        "move_id",
        "Matching Invoices",
    )
    candidate_count = fields.Integer(compute="_compute_candidate_count")
    move_id = fields.Many2one(
        "account.move",
        "Invoice",
        domain="[('id', 'in', candidate_move_ids)]",
        help="The invoice to link: proposed when one invoice of the buyer has the same total; "
        "choose among the matching ones when there are several, or leave it empty",
    )

    def _compute_candidate_count(self):
        for line in self:
            line.candidate_count = len(line.candidate_move_ids)
