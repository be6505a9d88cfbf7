"""Register the fapiao issued for an invoice, amounts from the invoice: a line per tax rate; lines
with the same number are one fapiao with several rates."""

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
        "Red-letter Form No.",
        compute="_compute_red_reference",
        store=True,
        readonly=False,
        help="红字信息表编号 / 红字发票信息确认单编号; for a 数电 credit note, the confirmed form "
        "(红字确认单) of the reversed fapiao when there is exactly one",
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
    def _compute_red_reference(self):
        for wizard in self:
            origins = wizard._origin_fapiao()
            forms = self.env["invoice.clearing.red.confirmation"].search(
                [("blue_fapiao_id", "in", origins.ids), ("state", "=", "confirmed")], limit=2
            )
            wizard.red_reference = forms.name if len(forms) == 1 else False

    @api.depends("move_id")
    def _compute_line_ids(self):
        for wizard in self:
            commands = [fields.Command.clear()]
            by_rate = wizard._amounts_by_rate()
            # A number typed into l10n_cn's own field before the register existed is not lost:
            # it is one fapiao, with a rate line per rate where the invoice has several.
            number = wizard.move_id.fapiao or False
            for rate, amounts in sorted(by_rate.items(), reverse=True):
                commands.append(
                    fields.Command.create({"tax_rate": rate, "number": number, **amounts})
                )
            wizard.line_ids = commands

    def _amounts_by_rate(self):
        """Invoice amounts grouped by VAT rate; negative on a credit note (red-letter fapiao)."""
        move = self.move_id
        sign = -1 if move.move_type == "out_refund" else 1
        origin_fapiao = self._origin_fapiao()
        totals = defaultdict(lambda: {"amount_untaxed": 0.0, "amount_total": 0.0})
        for line in move.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            rate = fapiao_amount.line_rate((t.amount_type, t.amount) for t in line.tax_ids)
            totals[rate]["amount_untaxed"] += sign * line.price_subtotal
            totals[rate]["amount_total"] += sign * line.price_total
        for rate, amounts in totals.items():
            amounts["amount_tax"] = amounts["amount_total"] - amounts["amount_untaxed"]
            origin = origin_fapiao.filtered(
                lambda f, rate=rate: rate in (f.rate_line_ids.mapped("tax_rate") or [f.tax_rate])
            )[:1]
            amounts["origin_fapiao_id"] = origin.id
        return totals

    def _origin_fapiao(self):
        """The blue fapiao of the invoice a credit note reverses (none for an invoice)."""
        return self.move_id.reversed_entry_id.fapiao_ids.filtered(
            lambda f: not f.is_red and f.state != "void"
        )

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
        Fapiao = self.env["invoice.clearing.fapiao"]
        by_number = defaultdict(lambda: self.env["invoice.clearing.fapiao.register.line"])
        for line in self.line_ids:
            by_number[line.number.strip()] |= line
        fapiao = Fapiao.create(
            [
                {
                    "company_id": self.move_id.company_id.id,
                    "move_id": self.move_id.id,
                    "partner_id": self.move_id.commercial_partner_id.id,
                    "fapiao_type": self.fapiao_type,
                    "code": self.code or False,
                    "number": lines[0].number,
                    "issue_date": self.issue_date,
                    **self._amount_vals(lines),
                    "is_red": self.is_red,
                    "origin_fapiao_id": lines.origin_fapiao_id[:1].id,
                    "red_reference": self.red_reference or False,
                }
                for lines in by_number.values()
            ]
        )
        self.move_id.message_post(
            body=self.env._(
                "Fapiao registered: %(numbers)s", numbers=", ".join(fapiao.mapped("display_name"))
            )
        )
        return self.move_id.action_view_fapiao()

    def _amount_vals(self, lines):
        """The amounts of the fapiao of `lines` (one number): as entered for one rate; for
        several rates (one 数电 fapiao with lines at 13 % and 6 %), summed, with rate lines."""
        if len(lines) == 1:
            return {
                "tax_rate": lines.tax_rate,
                "amount_untaxed": lines.amount_untaxed,
                "amount_tax": lines.amount_tax,
                "amount_total": lines.amount_total,
            }
        return self.env["invoice.clearing.fapiao"]._rate_line_vals(
            [(line.tax_rate, False, line.amount_untaxed, line.amount_tax) for line in lines]
        )
