"""Company settings of the clearing, and which of its periods are cleared, open or locked."""

from odoo import fields, models

from ..tools import periods


class ResCompany(models.Model):
    _inherit = "res.company"

    clearing_start_date = fields.Date(
        "Fapiao Clearing Since",
        default=fields.Date.context_today,
        help="启用日期: the day the company started using the fapiao clearing (set when the addon "
        "is installed, or when the company is created). Periods whose filing deadline had "
        "already passed on that day were cleared outside Odoo: they are never required or locked.",
    )
    clearing_first_period = fields.Date(
        "First Managed Period",
        help="首个管理期间: first month managed by the fapiao clearing. Earlier months may still be "
        "registered and cleared for the record, but are never required before a later period and "
        "never lock invoicing. Empty: the first month whose filing deadline is on or after the "
        "day the company started using the clearing.",
    )
    clearing_lock_enabled = fields.Boolean(
        "Lock Invoicing After the Deadline",
        default=True,
        help="锁盘: refuse to post customer invoices and credit notes dated after a fapiao period "
        "that is not cleared past its filing deadline.",
    )
    clearing_four_eyes = fields.Boolean(
        "Four-eyes Approval",
        help="双人复核: a clearing is approved by another clearing manager than its preparer.",
    )

    def _clearing_first_period(self):
        """First day of the first managed month: the configured one, else the default."""
        self.ensure_one()
        if self.clearing_first_period:
            return periods.month_start(self.clearing_first_period)
        return self._clearing_first_period_default()

    def _clearing_first_period_default(self):
        """The first month whose filing deadline is on or after the start date.

        A company adopting the addon mid-year is never required to clear, nor locked for,
        months it had already cleared at the bureau before using Odoo for it.
        """
        self.ensure_one()
        start = self.clearing_start_date or fields.Date.context_today(self)
        previous = periods.month_start(start, -1)
        deadline, _warning = self.env["invoice.clearing.deadline"]._deadline_for_period(
            self, previous
        )
        return previous if deadline >= start else periods.month_start(previous, 1)

    def _clearing_cleared_until(self):
        """Last day covered by a cleared whole-period clearing of the company, or None."""
        self.ensure_one()
        [(until,)] = (
            self.env["invoice.clearing"]
            .sudo()  # the company's lock follows its clearings, whoever posts
            ._read_group(
                [("company_id", "=", self.id), ("state", "=", "cleared"), ("scope", "=", "period")],
                aggregates=["date_to:max"],
            )
        )
        return until or None

    def _clearing_uncleared_periods(self, before):
        """First days of the managed months before `before` that are not cleared yet.

        A period is cleared when a cleared clearing of scope `period` reaches its last day.
        """
        self.ensure_one()
        cleared_until = self._clearing_cleared_until()
        return [
            start
            for start in periods.month_starts(self._clearing_first_period(), before)
            if not cleared_until or periods.month_end(start) > cleared_until
        ]

    def _clearing_locked_period(self, today=None):
        """First day of the earliest period left uncleared past its filing deadline, or False.

        Only managed periods (from the first managed period) before the current month count.
        A reopened month does not lock: it was cleared (and filed) in its time, and the
        company is correcting it; locking its later invoicing would punish that correction.
        """
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        Deadline = self.env["invoice.clearing.deadline"]
        reopened = self._clearing_reopened_periods()
        for period in self._clearing_uncleared_periods(periods.month_start(today)):
            if period in reopened:
                continue
            deadline, _warning = Deadline._deadline_for_period(self, period)
            if deadline < today:
                return period
        return False

    def _clearing_reopened_periods(self):
        """First days of the months a manager reopened and nobody cleared again yet."""
        self.ensure_one()
        cleared_until = self._clearing_cleared_until()
        # sudo: the company's lock follows its clearings, whoever posts
        reopened = (
            self.env["invoice.clearing"]
            .sudo()
            .search_fetch(
                [
                    ("company_id", "=", self.id),
                    ("scope", "=", "period"),
                    ("state", "=", "cancelled"),
                    ("reopened_at", "!=", False),
                ],
                ["date_to"],
            )
        )
        return {
            periods.month_start(clearing.date_to)
            for clearing in reopened
            if not cleared_until or clearing.date_to > cleared_until
        }
