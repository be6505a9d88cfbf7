"""One tax rate of a fapiao with several rates (税率明细): a 数电 fapiao keeps one number for
lines at 13 % and 6 %, so the register splits its amounts here instead of into two fapiao.

A fapiao with one rate has no lines: its own `tax_rate` and amounts say it all. Where a fapiao
has lines, the summary, the tie-out and the clearing's hash read them (`rate_rows`), and the
fapiao's `tax_rate` is its main rate, where the summary counts it once.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import fapiao_amount
from .guard_bypass import bypassed

# Checked by the fapiao as a whole (its constraint) while it writes its lines itself.
VIA_FAPIAO = "invoice_clearing_rate_lines_via_fapiao"

LINE_TABLE = "invoice_clearing_fapiao_line"
# What a clearing certifies of each rate line of a fapiao (every hash version so far).
CLEARING_HASH_FIELDS = dict.fromkeys(
    (1, 2), ("tax_rate", "tax_exempt", "amount_untaxed", "amount_tax")
)


def rate_columns(fapiao, line):
    """The rows per rate of fapiao aliased `fapiao`, given its rate lines LEFT JOINed as `line`
    on `rate_join_condition`: {column: SQL} of tax_rate, amount_untaxed, amount_tax and
    counted, true on one row per fapiao (its own, or its line at its main rate), so that the
    summary counts a fapiao once while it splits its amounts by rate."""
    fa, li = SQL.identifier(fapiao), SQL.identifier(line)
    return {
        "tax_rate": SQL("coalesce(%s.tax_rate, %s.tax_rate)", li, fa),
        "amount_untaxed": SQL("coalesce(%s.amount_untaxed, %s.amount_untaxed)", li, fa),
        "amount_tax": SQL("coalesce(%s.amount_tax, %s.amount_tax)", li, fa),
        "counted": SQL(
            """(%(l)s.id IS NULL OR (%(l)s.tax_rate = %(f)s.tax_rate
                AND coalesce(%(l)s.tax_exempt, false) = coalesce(%(f)s.tax_exempt, false)))""",
            l=li,
            f=fa,
        ),
    }


def rate_join_condition(fapiao, line):
    """The LEFT JOIN condition of `rate_columns`: the lines of a fapiao with several rates."""
    fa, li = SQL.identifier(fapiao), SQL.identifier(line)
    return SQL("%s.multi_rate AND %s.fapiao_id = %s.id", fa, li, fa)


def rate_join(fapiao, line="rate_line"):
    """`LEFT JOIN` of the rate lines of fapiao aliased `fapiao`, for `rate_columns(fapiao, line)`."""
    return SQL(
        "LEFT JOIN %s %s ON %s",
        SQL.identifier(LINE_TABLE),
        SQL.identifier(line),
        rate_join_condition(fapiao, line),
    )


class InvoiceClearingFapiaoLine(models.Model):
    _name = "invoice.clearing.fapiao.line"
    _description = "Fapiao Rate Line"
    _order = "fapiao_id, tax_rate desc, id"
    # The order of a fapiao's lines in the text its clearing hashes.
    _clearing_hash_order = ("tax_rate", "tax_exempt", "id")
    _check_company_auto = True

    fapiao_id = fields.Many2one(
        "invoice.clearing.fapiao", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="fapiao_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="fapiao_id.currency_id")
    tax_rate = fields.Float(
        "Tax Rate (%)", digits=(5, 2), required=True, aggregator=False, help="税率, e.g. 13.0"
    )
    tax_exempt = fields.Boolean(help="免税 / 不征税: tax is shown as *** and must be 0")
    amount_untaxed = fields.Monetary("Amount", required=True, help="金额 at this rate")
    amount_tax = fields.Monetary("Tax", required=True, help="税额 at this rate")
    amount_total = fields.Monetary(
        "Total", compute="_compute_amount_total", store=True, help="价税合计 at this rate"
    )

    @api.model
    def _get_clearing_hash_fields(self, version):
        """What a clearing of hash `version` certifies of a rate line, inside its fapiao's text."""
        return CLEARING_HASH_FIELDS[version]

    @api.depends("amount_untaxed", "amount_tax")
    def _compute_amount_total(self):
        for line in self:
            line.amount_total = line.amount_untaxed + line.amount_tax

    @api.constrains("tax_rate", "tax_exempt", "amount_untaxed", "amount_tax")
    def _check_amounts(self):
        for line in self:
            fapiao = line.fapiao_id
            problems = fapiao_amount.check_amounts(
                line.amount_untaxed,
                line.amount_tax,
                line.amount_untaxed + line.amount_tax,
                line.tax_rate,
                fapiao.is_red,
                tax_exempt=line.tax_exempt,
            )
            if problems:
                raise ValidationError(
                    "\n".join(
                        self.env._(
                            "Fapiao %(fapiao)s, line at %(rate)s%%: %(error)s",
                            fapiao=fapiao.display_name,
                            rate=f"{line.tax_rate:g}",
                            error=problem.render(self.env._),
                        )
                        for problem in problems
                    )
                )

    # A line is part of its fapiao: frozen with it, and checked against it when written alone.
    @api.model_create_multi
    def create(self, vals_list):
        fapiao_ids = {vals["fapiao_id"] for vals in vals_list if vals.get("fapiao_id")}
        fapiao = self.env["invoice.clearing.fapiao"].browse(fapiao_ids).exists()
        fapiao._check_not_frozen()
        fapiao._track_lines()
        lines = super().create(vals_list)
        lines._check_fapiao()
        return lines

    def write(self, vals):
        self.fapiao_id._check_not_frozen()
        if "fapiao_id" in vals and not bypassed(self.env):
            raise ValidationError(
                self.env._("A rate line belongs to its fapiao and cannot be moved to another.")
            )
        self.fapiao_id._track_lines()
        result = super().write(vals)
        self._check_fapiao()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_frozen(self):
        self.fapiao_id._check_not_frozen()

    def unlink(self):
        fapiao = self.fapiao_id
        fapiao._track_lines()
        result = super().unlink()
        fapiao.exists()._check_fapiao_lines_alone()
        return result

    def _check_fapiao(self):
        """Lines written on their own still add up to their fapiao; written through the fapiao
        (its form, the register wizard), the fapiao's own constraint checks them once, after
        its amounts and all its lines are written."""
        self.fapiao_id._check_fapiao_lines_alone()
