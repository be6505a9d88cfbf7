"""Register the fapiao issued for an invoice: one fapiao per tax rate, amounts from the invoice."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import fapiao_amount
from ..tools.fapiao_number import FAPIAO_TYPES


class InvoiceClearingFapiaoRegister(models.TransientModel):
    _name = "invoice.clearing.fapiao.register"
    _description = "Register Fapiao"

    move_id = fields.Many2one("account.move", "Invoice", required=True, readonly=True)
    company_id = fields.Many2one(related="move_id.company_id")
    currency_id = fields.Many2one(related="move_id.currency_id")
    is_red = fields.Boolean(
        compute="_compute_is_red", help="A credit note's fapiao is red-letter (红字)"
    )
    fapiao_type = fields.Selection(FAPIAO_TYPES, "Kind", required=True, default="digital_general")
    code = fields.Char("Fapiao Code", help="发票代码; leave empty for 数电")
    issue_date = fields.Date(required=True, default=fields.Date.context_today)
    red_reference = fields.Char(
        "Red-letter Form No.", help="红字信息表编号 / 红字发票信息确认单编号"
    )
    line_ids = fields.One2many(
        "invoice.clearing.fapiao.register.line",
        "wizard_id",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )

    @api.depends("move_id.move_type")
    def _compute_is_red(self):
        for wizard in self:
            wizard.is_red = wizard.move_id.move_type == "out_refund"

    @api.depends("move_id")
    def _compute_line_ids(self):
        for wizard in self:
            commands = [fields.Command.clear()]
            by_rate = wizard._amounts_by_rate()
            # A number typed into l10n_cn's own field before the register existed is not lost.
            number = wizard.move_id.fapiao if len(by_rate) == 1 else False
            for rate, amounts in sorted(by_rate.items(), reverse=True):
                commands.append(
                    fields.Command.create({"tax_rate": rate, "number": number, **amounts})
                )
            wizard.line_ids = commands

    def _amounts_by_rate(self):
        """Invoice amounts grouped by VAT rate; negative on a credit note (red-letter fapiao)."""
        move = self.move_id
        sign = -1 if move.move_type == "out_refund" else 1
        origin_fapiao = move.reversed_entry_id.fapiao_ids.filtered(
            lambda f: not f.is_red and f.state != "void"
        )
        totals = defaultdict(lambda: {"amount_untaxed": 0.0, "amount_total": 0.0})
        for line in move.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            rate = fapiao_amount.line_rate((t.amount_type, t.amount) for t in line.tax_ids)
            totals[rate]["amount_untaxed"] += sign * line.price_subtotal
            totals[rate]["amount_total"] += sign * line.price_total
        for rate, amounts in totals.items():
            amounts["amount_tax"] = amounts["amount_total"] - amounts["amount_untaxed"]
            origin = origin_fapiao.filtered(lambda f, rate=rate: f.tax_rate == rate)[:1]
            amounts["origin_fapiao_id"] = origin.id
        return totals

    def action_confirm(self):
        self.ensure_one()
        if not self.line_ids:
            raise UserError(self.env._("Add at least one fapiao line (one per tax rate)."))
        missing = self.line_ids.filtered(lambda line: not line.number)
        if missing:
            raise UserError(
                self.env._(
                    "Enter the fapiao number (发票号码) of the fapiao at %(rates)s%%.",
                    rates=", ".join(f"{rate:g}" for rate in missing.mapped("tax_rate")),
                )
            )
        fapiao = self.env["invoice.clearing.fapiao"].create(
            [
                {
                    "company_id": self.move_id.company_id.id,
                    "move_id": self.move_id.id,
                    "partner_id": self.move_id.commercial_partner_id.id,
                    "fapiao_type": self.fapiao_type,
                    "code": self.code or False,
                    "number": line.number,
                    "issue_date": self.issue_date,
                    "tax_rate": line.tax_rate,
                    "amount_untaxed": line.amount_untaxed,
                    "amount_tax": line.amount_tax,
                    "amount_total": line.amount_total,
                    "is_red": self.is_red,
                    "origin_fapiao_id": line.origin_fapiao_id.id,
                    "red_reference": self.red_reference or False,
                }
                for line in self.line_ids
            ]
        )
        self.move_id.message_post(
            body=self.env._(
                "Fapiao registered: %(numbers)s", numbers=", ".join(fapiao.mapped("display_name"))
            )
        )
        return self.move_id.action_view_fapiao()
