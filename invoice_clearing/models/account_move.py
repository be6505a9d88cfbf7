"""Customer invoices and credit notes carry the fapiao issued for them."""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.periods import month_end
from . import advisory_locks
from .fresh_snapshot import fresh_cursor
from .guard_bypass import bypassed

_logger = logging.getLogger(__name__)

# What a clearing certified about an invoice and what the invoice prints; payments,
# reconciliation, sending, attachments and the chatter stay possible. Lines: account_move_line.
FROZEN_MOVE_FIELDS = frozenset({
    "partner_id", "commercial_partner_id", "invoice_date", "date", "currency_id",
    "invoice_line_ids", "line_ids", "amount_untaxed", "amount_tax", "amount_total",
    "state", "move_type", "company_id", "name", "ref", "payment_reference", "journal_id",
    "invoice_date_due", "invoice_payment_term_id", "fiscal_position_id", "partner_shipping_id",
    "narration", "invoice_cash_rounding_id",
})  # fmt: skip


class AccountMove(models.Model):
    _inherit = "account.move"

    fapiao_ids = fields.One2many("invoice.clearing.fapiao", "move_id")
    fapiao_count = fields.Integer(compute="_compute_fapiao_count")

    @api.depends("fapiao_ids")
    def _compute_fapiao_count(self):
        Fapiao = self.env["invoice.clearing.fapiao"]
        # Billing users without a clearing role see no fapiao, and no error on the invoice.
        counts = (
            dict(Fapiao._read_group([("move_id", "in", self.ids)], ["move_id"], ["__count"]))
            if Fapiao.has_access("read")
            else {}
        )
        for move in self:
            move.fapiao_count = counts.get(move._origin, 0)

    def _check_not_cleared(self, records=None, vals=None):
        """Refuse to change an invoice whose fapiao a clearing froze, to any writer (sudo included)
        but the addon's own acts (guard_bypass).

        With `vals`, only a real change of `records` (these invoices or their lines) is
        refused: writing back the value a frozen invoice already has (an import of unchanged
        rows, a client's round trip) changes nothing it printed.
        """
        if bypassed(self.env) or not self:
            return
        # sudo: billing users without a clearing role are refused all the same
        frozen = self.sudo().fapiao_ids.filtered("clearing_id")
        if not frozen:
            return
        if vals is not None:
            Move = self.env["account.move"]
            changed = (
                (records or self)
                .sudo()  # compares with what is stored, whatever the user may read
                .filtered(
                    lambda r: (
                        (r.move_id if r._name == "account.move.line" else r) in frozen.move_id
                        and any(Move._field_will_change(r, vals, name) for name in vals)
                    )
                )
            )
            if not changed:
                return
        raise UserError(
            self.env._(
                "%(move)s has fapiao cleared by %(clearing)s: the invoice and its lines are "
                "frozen. Issue a credit note (red-letter fapiao) to correct it, or ask a clearing "
                "manager to reopen %(clearing)s.",
                move=frozen[0].move_id.display_name,
                clearing=frozen[0].clearing_id.name,
            )
        )

    def write(self, vals):
        frozen = {name: value for name, value in vals.items() if name in FROZEN_MOVE_FIELDS}
        if frozen:
            self._check_not_cleared(self, frozen)
        return super().write(vals)

    def _post(self, soft=True):
        self._check_invoicing_not_locked()
        self._check_not_in_cleared_period()
        return super()._post(soft)

    def _check_invoicing_not_locked(self):
        """锁盘: no customer invoice dated after a period left uncleared past its filing deadline.

        Invoices and credit notes dated inside that period (or before it) stay possible: they
        are the work needed to clear it.
        """
        customer = self.filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))
        today = fields.Date.context_today(self)
        Deadline = self.env["invoice.clearing.deadline"]
        for company in customer.company_id.sudo():  # sudo: lock settings, for any poster
            if not company.clearing_lock_enabled:
                continue
            period = company._clearing_locked_period()
            if not period:
                continue
            for move in customer.filtered(lambda m, c=company: m.company_id == c):
                invoice_date = move.invoice_date or today  # Odoo dates it today when posting
                if invoice_date <= month_end(period):
                    continue
                deadline, _warning = Deadline._deadline_for_period(company, period)
                _logger.info(
                    "Posting of %s refused: period %s of company %s uncleared past %s",
                    move.display_name, period.strftime("%Y-%m"), company.id, deadline,
                )  # fmt: skip
                raise UserError(
                    self.env._(
                        "Invoicing is locked (锁盘): the fapiao period %(period)s was not cleared "
                        "before its filing deadline %(deadline)s, so %(move)s dated %(date)s cannot "
                        "be posted. Clear period %(period)s (Accounting > Fapiao Clearing) to "
                        "unlock invoicing; invoices and credit notes dated up to %(end)s can still "
                        "be posted.",
                        period=period.strftime("%Y-%m"),
                        deadline=deadline,
                        move=move.display_name,
                        date=invoice_date,
                        end=month_end(period),
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
        for company in customer.company_id:
            # Shared with other postings, exclusive with an approval (invoice.clearing).
            if not advisory_locks.try_shared_clearing_lock(self.env.cr, company.id):
                _logger.info(
                    "Posting refused: a clearing of company %s holds its clearing lock", company.id
                )
                raise UserError(
                    self.env._(
                        "A fapiao clearing of %(company)s is in progress. Post the invoice again "
                        "when it is finished.",
                        company=company.name,
                    )
                )
        cleared_until = self._cleared_until(customer.company_id)
        for move in customer:
            until = cleared_until.get(move.company_id.id)
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

    def _cleared_until(self, companies):
        """{company id: end of its last cleared period}, from this snapshot and a fresh one.

        A clearing committed after this transaction began is invisible to its snapshot; the
        fresh read closes that window (no clearing can commit while the shared lock is held).
        """
        query = SQL(
            """SELECT company_id, max(date_to) FROM invoice_clearing
                WHERE state = 'cleared' AND scope = 'period' AND company_id IN %s
             GROUP BY company_id""",
            tuple(companies.ids),
        )
        self.env["invoice.clearing"].flush_model()
        result = dict(self.env.execute_query(query))
        with fresh_cursor(self.env, self.env["invoice.clearing"]._table) as fresh:
            if fresh is None:
                return result
            fresh.execute(query)
            for company_id, until in fresh.fetchall():
                result[company_id] = max(until, result.get(company_id) or until)
        return result

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
