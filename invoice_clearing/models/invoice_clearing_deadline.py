"""The filing-deadline calendar (申报截止日期): data users edit each year, never a constant."""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import periods

# Reminders go out this many days before a deadline; under LAST_CALL days, once if none went out.
REMIND_DAYS = (5, 2)
LAST_CALL = 2


class InvoiceClearingDeadline(models.Model):
    _name = "invoice.clearing.deadline"
    _description = "Fapiao Filing Deadline"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id"

    date = fields.Date(
        "Deadline", required=True, tracking=True,
        help="申报截止日期: the last day to file the VAT return and clear (清卡) the fapiao period "
        "of the previous month.",
    )  # fmt: skip
    year = fields.Integer(
        compute="_compute_year_month", store=True, index=True, readonly=False,
        help="申报年度: year in which the deadline falls (taken from the deadline).",
    )  # fmt: skip
    month = fields.Integer(
        compute="_compute_year_month", store=True, readonly=False,
        help="申报月份: month in which the deadline falls; it closes the period of the month before.",
    )  # fmt: skip
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="适用公司: empty for the national calendar (all companies); set for an exception of "
        "one company, which wins over the national date.",
    )

    _month_uniq = models.UniqueIndex(
        "(year, month, COALESCE(company_id, 0))",
        "A month has one filing deadline (and at most one exception per company).",
    )

    @api.depends("date")
    def _compute_year_month(self):
        for deadline in self:
            if deadline.date:
                deadline.year, deadline.month = deadline.date.year, deadline.date.month

    @api.constrains("date", "year", "month")
    def _check_year_month(self):
        for deadline in self:
            if (deadline.year, deadline.month) != (deadline.date.year, deadline.date.month):
                raise ValidationError(
                    self.env._(
                        "The deadline %(date)s does not fall in %(year)s-%(month)02d.",
                        date=deadline.date,
                        year=deadline.year,
                        month=deadline.month,
                    )
                )

    @api.depends("date", "company_id")
    def _compute_display_name(self):
        for deadline in self:
            if not deadline.date:
                deadline.display_name = False
                continue
            deadline.display_name = self.env._(
                "Filing deadline %(date)s (period %(period)s)",
                date=deadline.date,
                period=periods.month_start(deadline.date, -1).strftime("%Y-%m"),
            )

    @api.model
    def _deadline_record(self, company, due_month):
        """The calendar record of the month `due_month`: the company's own, else the national one."""
        # sudo: the calendar applies to every user who posts or clears
        records = self.sudo().search(
            [
                ("year", "=", due_month.year),
                ("month", "=", due_month.month),
                ("company_id", "in", [company.id, False]),
            ]
        )
        return records.filtered("company_id")[:1] or records[:1]

    @api.model
    def _deadline_for_period(self, company, period_start):
        """(deadline, warning or False) for clearing the month starting at `period_start`.

        The deadline falls in the following month; a company's own record wins over the
        national one; a month missing from the calendar falls back to the 15th, with a warning.
        """
        due_month = periods.month_start(period_start, 1)
        record = self._deadline_record(company, due_month)
        if record:
            return record.date, False
        return due_month.replace(day=15), self.env._(
            "No filing deadline is recorded for %(month)s; the 15th is assumed. Add the calendar "
            "of %(year)s in Configuration > Filing Deadlines.",
            month=due_month.strftime("%Y-%m"),
            year=due_month.year,
        )

    def _reminder_summary(self, company, period, due, days):
        return self.env._(
            "Clear fapiao period %(period)s of %(company)s by %(date)s (%(days)s days left)",
            period=period.strftime("%Y-%m"),
            company=company.name,
            date=due,
            days=days,
        )

    def _reminder_note(self, company, period):
        """A link to the period's row in the period overview (月结看板), where the month is
        checked and opened; the activity itself stays on the calendar record (a stored one)."""
        period_id = self.env["invoice.clearing.period"]._period_id(company, period)
        return Markup('<p><a href="/odoo/action-invoice_clearing.action_invoice_clearing_period/%s">%s</a></p>') % (
            period_id,
            self.env._("Open period %(period)s in the period overview", period=period.strftime("%Y-%m")),
        )  # fmt: skip

    @api.model
    def _cron_remind_deadlines(self, today=None):
        """Daily: a to-do for every clearing manager 5 and 2 days before an open deadline.

        Under 2 days (the cron missed a day, or the calendar changed late) one reminder is sent
        if none was. Activities already scheduled are never duplicated.
        """
        today = today or fields.Date.context_today(self)
        # sudo: the cron reminds every clearing manager of every company, as no user could
        managers = self.env.ref("invoice_clearing.group_clearing_manager").sudo().all_user_ids
        Activity = self.env["mail.activity"].sudo().with_context(active_test=False)
        for company in self.env["res.company"].sudo().search([("id", "!=", False)]):
            for period in company._clearing_uncleared_periods(periods.month_start(today)):
                due, _warning = self._deadline_for_period(company, period)
                days = (due - today).days
                if days not in REMIND_DAYS and not 0 <= days < LAST_CALL:
                    continue
                record = self._deadline_record(company, due)
                if not record:
                    continue  # no calendar entry to attach to: the fallback warning says so
                summary = self._reminder_summary(company, period, due, days)
                if days in REMIND_DAYS:
                    known = [summary]
                else:  # last call: only if no reminder of this period went out at all
                    known = [
                        self._reminder_summary(company, period, due, d)
                        for d in (*REMIND_DAYS, *range(LAST_CALL))
                    ]
                for user in managers.filtered(
                    lambda u, c=company: c in u.company_ids and not u.share
                ):
                    if Activity.search_count(
                        [
                            ("res_model", "=", self._name),
                            ("res_id", "=", record.id),
                            ("user_id", "=", user.id),
                            ("summary", "in", known),
                        ],
                        limit=1,
                    ):
                        continue
                    record.sudo().activity_schedule(  # sudo: see above
                        "mail.mail_activity_data_todo",
                        date_deadline=due,
                        summary=summary,
                        note=self.with_context(lang=user.lang)._reminder_note(company, period),
                        user_id=user.id,
                    )
