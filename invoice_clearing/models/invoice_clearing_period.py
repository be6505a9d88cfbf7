"""The period overview (月结看板): one read-only row per company and fapiao month.

A query, not a table (`_auto = False`): nothing to refresh, always what the register, the
clearings and the calendar say now. The query is built per request (`_table_query`) so that
"today" is the user's day (and the tests' frozen day), as the lock of res_company uses it.

Rows: for every company, each month from the earliest of its first managed period, its first
fapiao and its first clearing, up to the current month; a month before the first managed period
only when it has fapiao or a clearing. The id encodes company and month
(company_id * 100000 + year * 12 + month - 1), so links and activities can point at a row.

Status (the first that applies):

- cleared (已清卡): a cleared whole-period clearing of the company reaches the month's last day
  (as the lock counts it, res_company._clearing_uncleared_periods);
- to_approve (待审批): the month's clearing waits for approval;
- blocked (有阻止问题): the month's clearing is a checked draft with blocking problems;
- ready (可清卡): the month's clearing is a checked draft without blocking problems;
- locked (锁盘): a managed month not cleared past its filing deadline while the company locks
  invoicing: customer invoices dated after the month are refused until it is cleared;
- overdue (逾期): the same with the company's lock turned off;
- reopened (已重新开启): a manager reopened the month's clearing and it is not cleared again;
- open, "Not Checked" (未检查): anything else (no clearing yet, or a draft not checked).

Past its deadline a month still shows how far its clearing is (to approve, blocked, ready):
`past_deadline` says beside it that the deadline passed (and `invoicing_locked` whether the
company locks invoicing for it). A reopened month neither locks nor is past its deadline: it was cleared
in its time and is being corrected (res_company._clearing_locked_period). The problems counted
are those of the last check: `changed_since_check` says when the month's fapiao, invoices, the
bureau's export or the filing changed after it (check again to count them afresh).

The month's clearing: the latest clearing not cancelled whose end date falls in the month, a
whole-period clearing before a date-range one (a number-scope clearing has no month); else the
reopened clearing of a reopened month.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import periods

# id = company_id * ID_FACTOR + year * 12 + month - 1 (a month index below 100,000 until year 8333)
ID_FACTOR = 100000
STATUSES = [
    ("open", "Not Checked"),
    ("ready", "Ready"),
    ("blocked", "Blocked"),
    ("to_approve", "To Approve"),
    ("overdue", "Overdue"),
    ("locked", "Locked"),
    ("reopened", "Reopened"),
    ("cleared", "Cleared"),
]


def _deadline_sql(company, due):
    """The filing deadline due in month `due` (a date expression) for `company` (an id
    expression), as invoice.clearing.deadline._deadline_for_period: the company's own record,
    else the national one, else the 15th."""
    return SQL(
        """COALESCE(
            (SELECT d.date FROM invoice_clearing_deadline d
              WHERE d.year = EXTRACT(YEAR FROM %(due)s)::int
                AND d.month = EXTRACT(MONTH FROM %(due)s)::int
                AND (d.company_id = %(company)s OR d.company_id IS NULL)
              ORDER BY d.company_id NULLS LAST LIMIT 1),
            (%(due)s + 14))""",
        due=due,
        company=company,
    )


# The month's figures of the overview, aggregated over `f` (the month's fapiao), as its query
# writes them (see _period_query).
MONTH_FIGURES = SQL(
    """count(*) FILTER (WHERE f.void_date IS NULL AND f.is_red IS NOT TRUE),
       count(*) FILTER (WHERE f.void_date IS NULL AND f.is_red),
       count(*) FILTER (WHERE f.void_date IS NOT NULL),
       sum(f.amount_untaxed) FILTER (WHERE f.void_date IS NULL),
       sum(f.amount_tax) FILTER (WHERE f.void_date IS NULL),
       sum(f.amount_total) FILTER (WHERE f.void_date IS NULL),
       count(*) FILTER (WHERE f.void_date IS NULL AND f.uploaded IS NOT TRUE)"""
)
# The month's fapiao as a check judged them: the figures (PostgreSQL computes each identical
# aggregate once, so in the overview's own pass over the month they cost nothing more) and three
# cheap sums for what they do not count (still open, rates, invoice links).
FAPIAO_FACTS = SQL(
    """concat_ws(',', %s, count(*) FILTER (WHERE f.clearing_id IS NULL), sum(f.tax_rate),
                 sum(COALESCE(f.move_id, 0)))""",
    MONTH_FIGURES,
)


def _facts_signature_sql(fapiao_facts, company, date_from, date_end, clearing):
    """A digest of the facts a check of the month judged (SQL expressions as arguments): the
    month's fapiao (`fapiao_facts`, FAPIAO_FACTS over them), its customer invoices, the bureau's
    exports covering it and the clearing's filing. Stored by the check, compared by the
    overview: a different digest means "changed since the check". Sums and counts only (exact
    numeric), the same whatever order PostgreSQL reads the rows in."""
    return SQL(
        """md5(concat_ws('/', %(fapiao_facts)s,
            (SELECT concat_ws(',', count(*), count(*) FILTER (WHERE m.state = 'posted'),
                    sum(m.amount_total_signed), sum(m.amount_tax_signed),
                    sum(m.id::bigint) FILTER (WHERE m.state = 'posted'))
               FROM account_move m
              WHERE m.company_id = %(company)s AND m.move_type IN ('out_invoice', 'out_refund')
                AND m.invoice_date BETWEEN %(date_from)s AND %(date_end)s),
            (SELECT max(i.id) FROM invoice_clearing_import i
              WHERE i.company_id = %(company)s AND i.state NOT IN ('failed', 'processing')
                AND i.date_from <= %(date_end)s AND i.date_to >= %(date_from)s),
            (SELECT concat_ws(',', count(*), sum(l.tax_rate * l.amount_untaxed),
                    sum(l.amount_untaxed), sum(l.amount_tax), max(c.filing_date))
               FROM invoice_clearing c
               LEFT JOIN invoice_clearing_filing_line l ON l.clearing_id = c.id
              WHERE c.id = %(clearing)s)))""",
        fapiao_facts=fapiao_facts,
        company=company,
        date_from=date_from,
        date_end=date_end,
        clearing=clearing,
    )


class InvoiceClearingPeriod(models.Model):
    _name = "invoice.clearing.period"
    _description = "Fapiao Period"
    _auto = False
    _order = "date desc, company_id"
    _rec_name = "name"
    _depends = {
        "invoice.clearing.fapiao": [
            "company_id", "issue_date", "amount_untaxed", "amount_tax", "amount_total",
            "is_red", "void_date", "uploaded", "clearing_id", "tax_rate", "move_id",
        ],
        "invoice.clearing": [
            "company_id", "state", "scope", "date_to", "checked_at", "reopened_at",
            "check_signature", "filing_date",
        ],
        "invoice.clearing.problem": ["clearing_id", "severity"],
        "invoice.clearing.filing.line": ["clearing_id", "tax_rate", "amount_untaxed", "amount_tax"],
        "account.move": [
            "company_id", "move_type", "invoice_date", "state", "amount_total_signed",
            "amount_tax_signed",
        ],
        "invoice.clearing.deadline": ["date", "year", "month", "company_id"],
        "invoice.clearing.import": ["company_id", "date_from", "date_to", "state"],
        "res.company": ["clearing_first_period", "clearing_start_date", "clearing_lock_enabled"],
    }  # fmt: skip

    name = fields.Char("Period", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date("Month", readonly=True, help="First day of the fapiao month (开票期间)")
    date_end = fields.Date("Month End", readonly=True)
    deadline = fields.Date(
        readonly=True, help="申报截止日期: the last day to file the return and clear the month"
    )
    days_left = fields.Integer(
        compute="_compute_days_left", help="Days until the filing deadline (negative: passed)"
    )
    managed = fields.Boolean(
        readonly=True,
        help="From the company's first managed period on: required before later months and "
        "counted by the lock (锁盘)",
    )
    status = fields.Selection(STATUSES, readonly=True, group_expand=True)
    past_deadline = fields.Boolean(
        readonly=True,
        help="逾期: a managed month not cleared (nor reopened) past its filing deadline; the status "
        "still says how far its clearing is",
    )
    invoicing_locked = fields.Boolean(
        readonly=True,
        help="锁盘: past its deadline while the company locks invoicing, customer invoices dated "
        "after the month are refused until it is cleared",
    )
    reopened = fields.Boolean(
        readonly=True,
        help="已重新开启: its clearing was reopened and the month is not cleared again",
    )
    changed_since_check = fields.Boolean(
        "Changed Since the Check",
        readonly=True,
        help="The month's fapiao, invoices, the bureau's export or the filing changed after the "
        "last check: its problems and status are those of that check until it is checked again",
    )
    clearing_id = fields.Many2one("invoice.clearing", readonly=True)
    clearing_state = fields.Selection(related="clearing_id.state", string="Clearing State")
    archive_attachment_id = fields.Many2one(
        related="clearing_id.archive_attachment_id", string="Archive Package"
    )
    blue_count = fields.Integer("Blue", readonly=True, help="正数发票, not voided")
    red_count = fields.Integer("Red-letter", readonly=True, help="负数发票, not voided")
    void_count = fields.Integer("Voided", readonly=True, help="作废发票")
    fapiao_count = fields.Integer("Fapiao", readonly=True)
    amount_untaxed = fields.Monetary("Net Amount", readonly=True, help="金额, voided excluded")
    amount_tax = fields.Monetary("Tax", readonly=True, help="税额, voided excluded")
    amount_total = fields.Monetary("Total", readonly=True, help="价税合计, voided excluded")
    not_uploaded_count = fields.Integer(
        "Not Uploaded", readonly=True, help="Fapiao of the month not known to the bureau yet"
    )
    blocking_count = fields.Integer("Blocking Problems", readonly=True)
    warning_count = fields.Integer("Warnings", readonly=True)
    last_import_date = fields.Datetime(
        "Last Import", readonly=True, help="When the bureau's export covering the month was last imported"
    )  # fmt: skip
    quota_use = fields.Float(
        "Quota Use (%)",
        compute="_compute_quota_use",
        help="授信额度: share of the month's invoicing quota used",
    )

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        return self._period_query(today)

    @api.model
    def _first_managed_sql(self, today):
        """First managed month of company `c`, as res_company._clearing_first_period: the
        configured one, else the first month whose deadline is on or after the start date."""
        start = SQL("COALESCE(c.clearing_start_date, %s::date)", today)
        return SQL(
            """COALESCE(date_trunc('month', c.clearing_first_period)::date,
                CASE WHEN %(deadline)s >= %(start)s
                     THEN (date_trunc('month', %(start)s) - interval '1 month')::date
                     ELSE date_trunc('month', %(start)s)::date END)""",
            deadline=_deadline_sql(SQL("c.id"), SQL("date_trunc('month', %s)::date", start)),
            start=start,
        )

    @api.model
    def _month_values(self, today):
        """(company id, month) of every row, as SQL VALUES: from each company's first managed
        month, first fapiao or first clearing (whichever is earliest) to the current month.

        Computed first, so that PostgreSQL knows how many rows it joins (a generate_series per
        company is estimated at 1,000 rows, which makes it plan, and JIT-compile, for millions).
        """
        for model, names in [
            ("invoice.clearing.fapiao", ["company_id", "issue_date"]),
            ("invoice.clearing", ["company_id", "state", "date_to"]),
            ("res.company", ["clearing_first_period", "clearing_start_date"]),
        ]:
            self.env[model].flush_model(names)
        current = periods.month_start(today)
        self.env.cr.execute(
            SQL(
                """SELECT c.id, LEAST(
                       %(first_managed)s,
                       (SELECT date_trunc('month', min(f.issue_date))::date
                          FROM invoice_clearing_fapiao f WHERE f.company_id = c.id),
                       (SELECT date_trunc('month', min(cl.date_to))::date FROM invoice_clearing cl
                         WHERE cl.company_id = c.id AND cl.state != 'cancelled'),
                       %(current)s::date)
                     FROM res_company c""",
                first_managed=self._first_managed_sql(today),
                current=current,
            )
        )
        rows = [
            SQL("(%s, %s::date)", company_id, month)
            for company_id, first in self.env.cr.fetchall()
            for month in periods.month_starts(first, periods.month_start(current, 1))
        ]
        if not rows:  # no company at all (never in practice): an empty, well-typed table
            return SQL("(SELECT NULL::int, NULL::date WHERE FALSE)")
        return SQL("(VALUES %s)", SQL(", ").join(rows))

    @api.model
    def _period_query(self, today):
        """The rows: months per company, then their deadline, clearing, status and fapiao."""
        return SQL(
            """
WITH company AS (
    SELECT c.id, c.name, c.clearing_lock_enabled AS lock_enabled,
           %(first_managed)s AS first_managed,
           (SELECT max(cl.date_to) FROM invoice_clearing cl
             WHERE cl.company_id = c.id AND cl.state = 'cleared' AND cl.scope = 'period')
             AS cleared_until
      FROM res_company c
), month AS (
    SELECT co.*, m.month AS date, (m.month + interval '1 month - 1 day')::date AS date_end
      FROM %(months)s AS m(company_id, month)
      JOIN company co ON co.id = m.company_id
), period AS (
    SELECT mo.*, mo.date >= mo.first_managed AS managed,
           mo.cleared_until IS NOT NULL AND mo.cleared_until >= mo.date_end AS cleared,
           %(deadline)s AS deadline, cl.id AS clearing_id, cl.state AS clearing_state,
           cl.checked_at AS checked_at, cl.check_signature,
           EXISTS (SELECT 1 FROM invoice_clearing r
                    WHERE r.company_id = mo.id AND r.state = 'cancelled' AND r.scope = 'period'
                      AND r.reopened_at IS NOT NULL AND r.date_to BETWEEN mo.date AND mo.date_end)
             AS was_reopened,
           COALESCE(pr.blocking_count, 0) AS blocking_count,
           COALESCE(pr.warning_count, 0) AS warning_count
      FROM month mo
      LEFT JOIN LATERAL (
           SELECT cl.id, cl.state, cl.checked_at, cl.check_signature FROM invoice_clearing cl
            WHERE cl.company_id = mo.id
              AND (cl.state != 'cancelled' OR (cl.reopened_at IS NOT NULL AND cl.scope = 'period'))
              AND cl.date_to BETWEEN mo.date AND mo.date_end
            ORDER BY cl.state != 'cancelled' DESC, cl.scope = 'period' DESC, cl.id DESC
            LIMIT 1) cl ON TRUE
      LEFT JOIN LATERAL (
           SELECT count(*) FILTER (WHERE p.severity = 'blocking') AS blocking_count,
                  count(*) FILTER (WHERE p.severity = 'warning') AS warning_count
             FROM invoice_clearing_problem p WHERE p.clearing_id = cl.id) pr ON TRUE
     WHERE mo.date >= mo.first_managed
        OR EXISTS (SELECT 1 FROM invoice_clearing_fapiao f WHERE f.company_id = mo.id
                      AND f.issue_date BETWEEN mo.date AND mo.date_end)
        OR EXISTS (SELECT 1 FROM invoice_clearing cl WHERE cl.company_id = mo.id
                      AND cl.state != 'cancelled' AND cl.date_to BETWEEN mo.date AND mo.date_end)
), flags AS (
    SELECT pe.*, pe.was_reopened AND NOT pe.cleared AS reopened,
           pe.managed AND pe.deadline < %(today)s AND NOT pe.cleared AND NOT pe.was_reopened
             AS past_deadline,
           pe.clearing_state IN ('draft', 'to_approve') AND pe.checked_at IS NOT NULL AS checked
      FROM period pe
), status AS (
    SELECT fl.*, CASE
           WHEN fl.cleared THEN 'cleared'
           WHEN fl.clearing_state = 'to_approve' THEN 'to_approve'
           WHEN fl.clearing_state = 'draft' AND fl.checked_at IS NOT NULL
                AND fl.blocking_count > 0 THEN 'blocked'
           WHEN fl.clearing_state = 'draft' AND fl.checked_at IS NOT NULL THEN 'ready'
           WHEN fl.past_deadline AND fl.lock_enabled THEN 'locked'
           WHEN fl.past_deadline THEN 'overdue'
           WHEN fl.reopened THEN 'reopened'
           ELSE 'open' END AS status
      FROM flags fl
)
SELECT st.id * %(factor)s + EXTRACT(YEAR FROM st.date)::int * 12
           + EXTRACT(MONTH FROM st.date)::int - 1 AS id,
       to_char(st.date, 'YYYY-MM') || ' · ' || st.name AS name,
       st.id AS company_id, st.date, st.date_end, st.deadline, st.managed, st.status,
       st.past_deadline, st.past_deadline AND st.lock_enabled AS invoicing_locked, st.reopened,
       CASE WHEN st.checked THEN st.check_signature IS DISTINCT FROM %(signature)s
            ELSE FALSE END AS changed_since_check,
       st.clearing_id, st.blocking_count, st.warning_count,
       fa.blue_count, fa.red_count, fa.void_count,
       fa.blue_count + fa.red_count + fa.void_count AS fapiao_count,
       COALESCE(fa.amount_untaxed, 0) AS amount_untaxed,
       COALESCE(fa.amount_tax, 0) AS amount_tax,
       COALESCE(fa.amount_total, 0) AS amount_total,
       fa.not_uploaded_count,
       (SELECT max(i.create_date) FROM invoice_clearing_import i
         WHERE i.company_id = st.id AND i.state NOT IN ('failed', 'processing')
           AND i.date_from <= st.date_end AND i.date_to >= st.date) AS last_import_date
  FROM status st
  LEFT JOIN LATERAL (
       SELECT count(*) FILTER (WHERE f.void_date IS NULL AND f.is_red IS NOT TRUE) AS blue_count,
              count(*) FILTER (WHERE f.void_date IS NULL AND f.is_red) AS red_count,
              count(*) FILTER (WHERE f.void_date IS NOT NULL) AS void_count,
              sum(f.amount_untaxed) FILTER (WHERE f.void_date IS NULL) AS amount_untaxed,
              sum(f.amount_tax) FILTER (WHERE f.void_date IS NULL) AS amount_tax,
              sum(f.amount_total) FILTER (WHERE f.void_date IS NULL) AS amount_total,
              count(*) FILTER (WHERE f.void_date IS NULL AND f.uploaded IS NOT TRUE)
                AS not_uploaded_count,
              %(fapiao_facts)s AS fapiao_facts
         FROM invoice_clearing_fapiao f
        WHERE f.company_id = st.id AND f.issue_date BETWEEN st.date AND st.date_end) fa ON TRUE
""",
            first_managed=self._first_managed_sql(today),
            months=self._month_values(today),
            today=today,
            factor=ID_FACTOR,
            deadline=_deadline_sql(SQL("mo.id"), SQL("(mo.date + interval '1 month')::date")),
            fapiao_facts=FAPIAO_FACTS,
            signature=_facts_signature_sql(
                SQL("fa.fapiao_facts"),
                SQL("st.id"),
                SQL("st.date"),
                SQL("st.date_end"),
                SQL("st.clearing_id"),
            ),
        )

    @api.model
    def _check_signature(self, clearing):
        """The digest of the facts of `clearing`'s month now (see _facts_signature_sql), or
        False for a clearing without a month (a number scope)."""
        if not clearing.date_to:
            return False
        for model in ("invoice.clearing.fapiao", "account.move", "invoice.clearing.import",
                      "invoice.clearing.filing.line", "invoice.clearing"):  # fmt: skip
            self.env[model].flush_model()
        [(signature,)] = self.env.execute_query(
            SQL(
                "SELECT %s",
                _facts_signature_sql(
                    SQL(
                        """(SELECT %s FROM invoice_clearing_fapiao f
                             WHERE f.company_id = %s AND f.issue_date BETWEEN %s AND %s)""",
                        FAPIAO_FACTS,
                        clearing.company_id.id,
                        periods.month_start(clearing.date_to),
                        periods.month_end(clearing.date_to),
                    ),
                    clearing.company_id.id,
                    periods.month_start(clearing.date_to),
                    periods.month_end(clearing.date_to),
                    clearing.id,
                ),
            )
        )
        return signature

    @api.depends("deadline")
    def _compute_days_left(self):
        today = fields.Date.context_today(self)
        for period in self:
            period.days_left = (period.deadline - today).days if period.deadline else 0

    def _compute_quota_use(self):
        """Share of the month's invoicing quota (授信额度) used: one search for the rows shown,
        then the quotas' own `usage_percent`; 0 for a month without a recorded quota."""
        usage = self.env["invoice.clearing.quota"]._usage_by_company_month(
            self.company_id, set(self.mapped("date"))
        )
        for period in self:
            period.quota_use = usage.get((period.company_id.id, period.date), 0.0)

    # ---------------------------------------------------------------- actions
    def _check_preparer(self):
        if not self.env.user.has_group("invoice_clearing.group_clearing_user"):
            raise AccessError(
                self.env._("Only fapiao clearing users may prepare and check a clearing.")
            )

    def action_open(self):
        """The month's clearing, or a new whole-period clearing of the month to fill in."""
        self.ensure_one()
        if self.clearing_id:
            return {
                "type": "ir.actions.act_window",
                "res_model": "invoice.clearing",
                "res_id": self.clearing_id.id,
                "views": [(False, "form")],
                "target": "current",
            }
        self._check_preparer()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Clear Fapiao"),
            "res_model": "invoice.clearing",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_scope": "period",
                "default_company_id": self.company_id.id,
                "default_date_from": fields.Date.to_string(self.date),
                "default_date_to": fields.Date.to_string(self.date_end),
            },
        }

    def action_download_archive(self):
        """The archive package (归档包) of the month's clearing."""
        self.ensure_one()
        if not self.clearing_id:
            raise UserError(
                self.env._(
                    "%(period)s has no clearing yet, so no archive package.", period=self.name
                )
            )
        return self.clearing_id.action_download_archive()

    def _draft_clearing(self):
        """The month's clearing to check: its own draft (or the one waiting for approval),
        else a new whole-period draft of the month."""
        self.ensure_one()
        if self.clearing_id.state in ("draft", "to_approve"):
            return self.clearing_id
        return (
            self.env["invoice.clearing"]
            .with_company(self.company_id)
            .create(
                {
                    "company_id": self.company_id.id,
                    "scope": "period",
                    "date_from": self.date,
                    "date_to": self.date_end,
                }
            )
        )

    def action_check(self):
        """Check each selected month (creating its draft clearing when it has none) and say
        in one notification how each came out. Cleared months are skipped."""
        self._check_preparer()
        if not self:
            raise UserError(self.env._("Select the periods to check."))
        skipped, checked, failed = self.filtered(lambda p: p.status == "cleared"), [], []
        for period in self - skipped:
            try:
                with self.env.cr.savepoint():
                    clearing = period._draft_clearing()
                    clearing.action_check()
            except UserError as error:  # e.g. a background job runs: say so, check the others
                failed.append((period, error.args[0]))
                continue
            checked.append((period, clearing))
        self.env.flush_all()
        self.invalidate_recordset()
        lines = [
            self.env._(
                "%(period)s: %(blocking)s blocking problem(s), %(warnings)s warning(s)",
                period=period.name,
                blocking=clearing.blocking_count,
                warnings=clearing.warning_count,
            )
            for period, clearing in checked
        ]
        lines += [
            self.env._("%(period)s: already cleared, not checked", period=period.name)
            for period in skipped
        ]
        lines += [
            self.env._("%(period)s: not checked: %(reason)s", period=period.name, reason=reason)
            for period, reason in failed
        ]
        blocked = sum(1 for _period, clearing in checked if clearing.blocking_count)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._(
                    "%(checked)s period(s) checked: %(ready)s without blocking problems, "
                    "%(blocked)s blocked",
                    checked=len(checked),
                    ready=len(checked) - blocked,
                    blocked=blocked,
                ),
                "message": "\n".join(lines),
                "type": "warning" if blocked or failed else "success",
                "sticky": bool(blocked or failed),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _period_id(self, company, month):
        """The id of the row of `company` and the month of `month`."""
        return company.id * ID_FACTOR + month.year * 12 + month.month - 1
