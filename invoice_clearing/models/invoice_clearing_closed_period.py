"""A cleared period admits no fapiao (已清卡期间不接受发票) until it is reopened.

A service without records: registering, importing or re-dating a fapiao asks it whether the
date is still open. The rule of which dates a clearing closes is `tools/cleared_periods.py`;
this model reads the clearings (one query per batch) and serializes the registration with the
approvals of the company: it shares the company's clearing lock as postings do, which an
approval holds exclusively (see advisory_locks), so a fapiao is either in the approval's scope
or refused after it.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import cleared_periods
from . import advisory_locks
from .fresh_snapshot import fresh_cursor

_logger = logging.getLogger(__name__)


class InvoiceClearingClosedPeriod(models.AbstractModel):
    _name = "invoice.clearing.closed.period"
    _description = "Cleared Fapiao Periods"

    @api.model
    def _check_open(self, dated):
        """Refuse fapiao dated in a cleared period of their company.

        `dated`: (company id, issue date, name for the message) per fapiao. Takes the
        companies' clearing lock shared until the end of the transaction, so no approval
        commits before this registration does.
        """
        found = self._first_closed(dated)
        if found:
            raise UserError(self._closed_message(*found[1:]))

    @api.model
    def _first_closed(self, dated):
        """(position, name, date, clearings closing it) of the first of `dated` (see
        `_check_open`) inside a cleared period, or None: one query for the whole batch."""
        dated = [
            (position, company_id, fields.Date.to_date(day), name)
            for position, (company_id, day, name) in enumerate(dated)
            if company_id and day
        ]
        if not dated:
            return None
        company_ids = sorted({company_id for _pos, company_id, _day, _name in dated})
        self._share_clearing_lock(company_ids)
        closing_by_company = self._closing_clearings(company_ids)
        for position, company_id, day, name in dated:
            found = cleared_periods.covering(closing_by_company.get(company_id, []), day)
            if found:
                _logger.info(
                    "Fapiao %s dated %s refused: period cleared by %s",
                    name, day, ", ".join(c.name for c in found),
                )  # fmt: skip
                return position, name, day, found
        return None

    @api.model
    def _check_redated(self, fapiao, vals):
        """Refuse to move `fapiao` into a cleared period (a new date or company in `vals`)."""
        if not {"company_id", "issue_date"} & vals.keys():
            return
        moved = []
        for record in fapiao:
            company_id = vals.get("company_id", record.company_id.id)
            day = fields.Date.to_date(vals.get("issue_date", record.issue_date))
            if (company_id, day) != (record.company_id.id, record.issue_date):
                moved.append((company_id, day, record.display_name))
        self._check_open(moved)

    @api.model
    def _share_clearing_lock(self, company_ids):
        for company in self.env["res.company"].sudo().browse(company_ids):  # sudo: its name
            if not advisory_locks.try_shared_clearing_lock(self.env.cr, company.id):
                _logger.info(
                    "Fapiao registration refused: a clearing of company %s holds its lock",
                    company.id,
                )
                raise UserError(
                    self.env._(
                        "A fapiao clearing of %(company)s is in progress. Register or change "
                        "the fapiao again when it is finished.",
                        company=company.name,
                    )
                )

    @api.model
    def _closing_clearings(self, company_ids):
        """{company id: [cleared_periods.Clearing]} of the clearings closing dates now.

        Read in this transaction's snapshot (its own uncommitted clearings and reopenings) and
        in a fresh one: a clearing committed after this snapshot was taken is invisible to it.
        Under the shared lock no approval commits meanwhile, so the fresh read is complete.
        """
        Clearing = self.env["invoice.clearing"]
        query = SQL(
            """SELECT id, name, scope, date_from, date_to, state, company_id FROM %s
                WHERE company_id IN %s AND scope IN %s AND date_to IS NOT NULL
                  AND state IN %s""",
            SQL.identifier(Clearing._table),
            tuple(company_ids),
            cleared_periods.CLOSING_SCOPES,
            cleared_periods.READ_STATES,
        )
        Clearing.flush_model(["name", "scope", "date_from", "date_to", "state", "company_id"])
        own = self.env.execute_query(query)
        fresh = []
        with fresh_cursor(self.env, Clearing._table) as cr:
            if cr is not None:
                cr.execute(query)
                fresh = cr.fetchall()
        result = {}
        for clearing in cleared_periods.closing_clearings(own, fresh):
            result.setdefault(clearing.company_id, []).append(clearing)
        return result

    @api.model
    def _closed_message(self, name, day, clearings):
        names = ", ".join(clearing.name for clearing in clearings)
        return self.env._(
            "Fapiao %(fapiao)s is dated %(date)s, in period %(period)s cleared by %(clearing)s. "
            "A cleared period admits no fapiao until it is reopened: ask a clearing manager to "
            "reopen %(clearing)s, then try again.",
            fapiao=name,
            date=day,
            period=cleared_periods.period_label(clearings[0], day),
            clearing=names,
        )
