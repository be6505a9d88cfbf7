"""Customer invoices and credit notes carry the fapiao issued for them."""

from odoo import api, fields, models
from odoo.exceptions import UserError

# What a clearing certified about an invoice; payments and reconciliation stay possible.
FROZEN_MOVE_FIELDS = {
    "partner_id", "commercial_partner_id", "invoice_date", "date", "currency_id",
    "invoice_line_ids", "line_ids", "amount_untaxed", "amount_tax", "amount_total",
    "state", "move_type", "company_id",
}  # fmt: skip


class AccountMove(models.Model):
    _inherit = "account.move"

    fapiao_ids = fields.One2many("invoice.clearing.fapiao", "move_id")
    fapiao_count = fields.Integer(compute="_compute_fapiao_count")

    @api.depends("fapiao_ids")
    def _compute_fapiao_count(self):
        counts = dict(
            self.env["invoice.clearing.fapiao"]._read_group(
                [("move_id", "in", self.ids)], ["move_id"], ["__count"]
            )
        )
        for move in self:
            move.fapiao_count = counts.get(move._origin, 0)

    def _check_not_cleared(self):
        """Refuse to change an invoice whose fapiao a clearing froze (superuser excepted)."""
        if self.env.su:
            return
        frozen = self.sudo().fapiao_ids.filtered("clearing_id")
        if frozen:
            raise UserError(
                self.env._(
                    "%(move)s has fapiao cleared by %(clearing)s: the invoice is frozen. Issue a "
                    "credit note (red-letter fapiao) to correct it.",
                    move=frozen[0].move_id.display_name,
                    clearing=frozen[0].clearing_id.name,
                )
            )

    def write(self, vals):
        if FROZEN_MOVE_FIELDS & vals.keys():
            self._check_not_cleared()
        return super().write(vals)

    def _post(self, soft=True):
        self._check_invoicing_not_locked()
        self._check_not_in_cleared_period()
        return super()._post(soft)

    def _check_invoicing_not_locked(self):
        """锁盘: no customer invoice while a period stays uncleared past its filing deadline."""
        customer = self.filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))
        for company in customer.company_id.sudo():
            if not company.clearing_lock_enabled:
                continue
            period = company._clearing_locked_period()
            if period:
                deadline, _warning = self.env["invoice.clearing.deadline"]._deadline_for_period(
                    company, period
                )
                raise UserError(
                    self.env._(
                        "Invoicing is locked (锁盘): the fapiao period %(period)s was not cleared "
                        "before its filing deadline %(deadline)s. Clear that period (Accounting > "
                        "Fapiao Clearing) to unlock invoicing.",
                        period=period.strftime("%Y-%m"),
                        deadline=deadline,
                    )
                )

    def _check_not_in_cleared_period(self):
        """A customer invoice dated in a cleared period would need a fapiao in a closed month.

        Odoo would move its accounting date past the sales lock date and post it anyway; for
        fapiao that leaves a hole in a certified period, so it is refused instead.
        """
        customer = self.filtered(
            lambda m: m.move_type in ("out_invoice", "out_refund") and m.invoice_date
        )
        if not customer:
            return
        cleared_until = dict(
            self.env["invoice.clearing"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "in", customer.company_id.ids),
                    ("state", "=", "cleared"),
                    ("scope", "=", "period"),
                ],
                ["company_id"],
                ["date_to:max"],
            )
        )
        for move in customer:
            until = cleared_until.get(move.company_id)
            if until and move.invoice_date <= until:
                raise UserError(
                    self.env._(
                        "%(move)s is dated %(date)s, inside a cleared fapiao period (cleared up to "
                        "%(until)s). Date it in the open period, or issue a credit note there.",
                        move=move.display_name,
                        date=move.invoice_date,
                        until=until,
                    )
                )

    def button_draft(self):
        self._check_not_cleared()
        return super().button_draft()

    def button_cancel(self):
        self._check_not_cleared()
        return super().button_cancel()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_cleared(self):
        self._check_not_cleared()

    def action_view_fapiao(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_clearing.action_invoice_clearing_fapiao"
        )
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"default_move_id": self.id, "default_partner_id": self.partner_id.id}
        return action

    def action_register_fapiao(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Register Fapiao"),
            "res_model": "invoice.clearing.fapiao.register",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }
