"""Journal items of a cleared invoice keep what the invoice and its fapiao print."""

from odoo import api, models
from odoo.tools import SQL

from .guard_bypass import bypassed

# What a line prints on the invoice or its fapiao, and the amounts that follow from it. Payment
# and reconciliation fields (amount_residual, reconciled, matched_*, full_reconcile_id, ...) are
# deliberately absent; so is the analytic distribution, which prints nowhere and which
# controlling may reallocate after the fact.
PROTECTED_LINE_FIELDS = frozenset({
    "move_id", "display_type", "sequence", "product_id", "name", "quantity", "product_uom_id",
    "price_unit", "discount", "tax_ids", "tax_line_id", "tax_repartition_line_id",
    "price_subtotal", "price_total", "balance", "debit", "credit", "amount_currency",
    "currency_id", "date_maturity",
})  # fmt: skip
# Content of a line hashed by a clearing, per hash version (version 1 hashed no line).
CLEARING_HASH_LINE_FIELDS = {
    1: (),
    2: ("move_id", "display_type", "product_id", "name", "quantity", "product_uom_id",
        "price_unit", "discount", "tax_ids", "price_subtotal", "price_total", "balance",
        "amount_currency", "currency_id"),
}  # fmt: skip


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        move_ids = {vals["move_id"] for vals in vals_list if isinstance(vals.get("move_id"), int)}
        if move_ids:
            self.env["account.move"].browse(move_ids)._check_not_cleared()
        return super().create(vals_list)

    def write(self, vals):
        protected = {f: v for f, v in vals.items() if f in PROTECTED_LINE_FIELDS}
        if protected and not bypassed(self.env):
            self.move_id._check_not_cleared(self, protected)
            if isinstance(protected.get("move_id"), int):  # moving lines into a cleared invoice
                self.env["account.move"].browse(protected["move_id"])._check_not_cleared()
        return super().write(vals)

    def unlink(self):
        # Before Odoo's own checks, so that the refusal names the clearing.
        self.move_id._check_not_cleared()
        return super().unlink()

    @api.model
    def _get_clearing_hash_fields(self, version):
        """Line fields a clearing of hash `version` certifies (like Odoo's integrity fields)."""
        return CLEARING_HASH_LINE_FIELDS[version]

    @api.model
    def _clearing_hash_columns(self, version, alias="l"):
        """One text per line of the hashed fields, in SQL, normalised so a value reads the same
        however it was written (numbers rounded to 6 places, many2many ids sorted)."""
        parts = [SQL.identifier(alias, "id")]
        for name in self._get_clearing_hash_fields(version):
            field = self._fields[name]
            column = SQL.identifier(alias, name)
            if field.type == "many2many":
                parts.append(
                    SQL(
                        "(SELECT string_agg(r.%s::text, ',' ORDER BY r.%s) FROM %s r WHERE r.%s = %s)",
                        SQL.identifier(field.column2),
                        SQL.identifier(field.column2),
                        SQL.identifier(field.relation),
                        SQL.identifier(field.column1),
                        SQL.identifier(alias, "id"),
                    )
                )
            elif field.type in ("float", "monetary"):
                parts.append(SQL("round(%s::numeric, 6)", column))
            else:
                parts.append(SQL("%s::text", column))
        return SQL(
            "concat_ws('|', %s)", SQL(", ").join(SQL("coalesce(%s::text, '')", p) for p in parts)
        )
