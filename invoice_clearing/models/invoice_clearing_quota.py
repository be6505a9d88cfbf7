"""The monthly invoicing quota (授信额度) of the 电子发票服务平台, per company and month.

The platform grants a quota (本月授信额度) in 价税合计; every fapiao issued uses it. The user or an
integrator enters what was granted; what the month used is summed by PostgreSQL from the register
on every read (never stored, so it cannot drift from the fapiao):

- a blue fapiao issued in the month uses its 价税合计, unless it is voided (作废: the platform gives
  the quota back);
- a red-letter fapiao gives quota back (its negative 价税合计) only when the blue fapiao it reverses
  was issued in the same month; a red-letter fapiao of an earlier month's fapiao, or without its
  blue fapiao in the register, gives nothing back (the platform restores the quota of the month
  only);
- every kind counts: 数电 and paper fapiao share the one quota (发票总额度).

The quota is valid until the filing deadline of its month (申报期限, invoice.clearing.deadline).
Clearing the month (a cleared whole-period clearing reaching its last day) renews it
(调整授信额度有效期): the validity moves to the filing deadline of the following month.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import quota as rules
from ..tools.periods import month_end, month_start
from .guard_bypass import bypassed, with_bypass

WARNING_PARAM = "invoice_clearing.quota_warning_percent"
# Set by the quota's own code (renewal, alerts) through guard_bypass, never by a user or sudo().
PROTECTED_FIELDS = frozenset({"renewed_at", "renewed_by_clearing_id", "notified_level"})
# Computed from the register on read: forgotten when a fapiao changes in this transaction.
USAGE_FIELDS = ["amount_used", "amount_remaining", "usage_percent", "usage_level"]
# The fapiao fields the usage reads.
FAPIAO_USAGE_FIELDS = frozenset(
    {"company_id", "issue_date", "amount_total", "void_date", "is_red", "origin_fapiao_id"}
)
LEVEL_SELECTION = [
    (rules.LEVEL_NONE, "Normal"),
    (rules.LEVEL_WARNING, "Warning"),
    (rules.LEVEL_EXHAUSTED, "Used Up"),
]


class InvoiceClearingQuota(models.Model):
    _name = "invoice.clearing.quota"
    _description = "Invoicing Quota"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, company_id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        "Month",
        required=True,
        tracking=True,
        default=lambda self: month_start(fields.Date.context_today(self)),
        help="授信月份: the first day of the month the quota is granted for (any day of it may be "
        "entered: it is stored as the first).",
    )
    amount_granted = fields.Monetary(
        "Granted",
        tracking=True,
        help="本月授信额度: the quota granted by the platform for the month, in 价税合计.",
    )
    amount_used = fields.Monetary(
        "Used",
        compute="_compute_usage",
        help="已用额度: 价税合计 of the month's fapiao in the register. Voided fapiao do not count; "
        "a red-letter fapiao gives quota back only when its blue fapiao is of the same month.",
    )
    amount_remaining = fields.Monetary(
        "Remaining",
        compute="_compute_usage",
        help="可用剩余额度: granted minus used, never below 0.",
    )
    usage_percent = fields.Float(
        "Used (%)", compute="_compute_usage", digits=(5, 2), aggregator=False
    )
    usage_level = fields.Selection(
        LEVEL_SELECTION,
        compute="_compute_usage",
        help="Warning from the threshold of the system parameter "
        "invoice_clearing.quota_warning_percent (80 % by default), used up at 100 %.",
    )
    notified_level = fields.Selection(
        LEVEL_SELECTION,
        "Announced Level",
        default=rules.LEVEL_NONE,
        readonly=True,
        copy=False,
        help="The highest level the clearing managers were given a to-do for: never announced "
        "twice. Lowered again when a raised quota brings the usage below it.",
    )
    suspended = fields.Boolean(
        tracking=True, help="暂停授信: the tax bureau suspended the quota for risk."
    )
    suspension_reason = fields.Char(tracking=True)
    valid_until = fields.Date(
        compute="_compute_valid_until",
        store=True,
        readonly=False,
        tracking=True,
        help="授信额度有效期: the filing deadline of the month; moved to the next month's deadline "
        "when the month is cleared.",
    )
    renewed_at = fields.Datetime(
        "Renewed On",
        readonly=True,
        copy=False,
        help="调整授信额度有效期: when clearing renewed it.",
    )
    renewed_by_clearing_id = fields.Many2one(
        "invoice.clearing",
        "Renewed By",
        readonly=True,
        copy=False,
        ondelete="set null",
        index="btree_not_null",
        help="The clearing of the month that renewed the quota's validity.",
    )
    note = fields.Text("Notes")

    _company_month_uniq = models.UniqueIndex(
        "(company_id, date)", "A company has one invoicing quota per month."
    )

    @api.depends("date", "company_id.name")
    def _compute_name(self):
        for quota in self:
            month = quota.date.strftime("%Y-%m") if quota.date else ""
            quota.name = f"{month} {quota.company_id.name or ''}".strip()

    @api.depends("date", "company_id")
    def _compute_valid_until(self):
        # sudo: the national calendar and the company's own deadlines, whatever the user reads
        Deadline = self.env["invoice.clearing.deadline"].sudo()
        for quota in self:
            if quota.date and quota.company_id:
                month = month_start(quota.date)
                quota.valid_until = Deadline._deadline_for_period(quota.company_id, month)[0]
            else:
                quota.valid_until = False

    @api.depends("company_id", "date", "amount_granted")
    def _compute_usage(self):
        keys = {(q.company_id.id, month_start(q.date)) for q in self if q.company_id and q.date}
        used = self._used_by_company_month(keys)
        threshold = self._warning_percent()
        for quota in self:
            key = (quota.company_id.id, month_start(quota.date)) if quota.date else None
            amount = used.get(key, 0.0)
            quota.amount_used = amount
            quota.amount_remaining = rules.remaining(quota.amount_granted, amount)
            quota.usage_percent = rules.usage_percent(quota.amount_granted, amount)
            quota.usage_level = rules.alert_level(quota.usage_percent, threshold)

    # ------------------------------------------------------------ the usage, in SQL
    def _used_sql(self, keys):
        """SELECT company_id, month, used: the quota used per (company, month) of `keys` (an SQL
        relation of company_id and month), grouped by PostgreSQL in one pass (see the module's
        docstring for what counts)."""
        Fapiao = self.env["invoice.clearing.fapiao"]
        return SQL(
            """SELECT k.company_id, k.month, SUM(f.amount_total) AS used
                 FROM %(keys)s
                 JOIN %(fapiao)s f
                   ON f.company_id = k.company_id
                  AND f.issue_date >= k.month AND f.issue_date < k.month + interval '1 month'
            LEFT JOIN %(fapiao)s o ON o.id = f.origin_fapiao_id
                WHERE f.void_date IS NULL
                  AND (f.is_red IS NOT TRUE
                       OR (o.issue_date >= k.month AND o.issue_date < k.month + interval '1 month'))
             GROUP BY k.company_id, k.month""",
            keys=keys,
            fapiao=SQL.identifier(Fapiao._table),
        )

    @api.model
    def _used_by_company_month(self, keys):
        """{(company_id, month_start): amount used} for the (company_id, month_start) `keys`, in
        one query whatever their number. Reads the register in SQL: the quota's record rules
        already limit who sees the sums."""
        if not keys:
            return {}
        self.env["invoice.clearing.fapiao"].flush_model(FAPIAO_USAGE_FIELDS)
        values = SQL(", ").join(SQL("(%s, %s::date)", company, month) for company, month in keys)
        relation = SQL("(VALUES %s) AS k(company_id, month)", values)
        rows = self.env.execute_query(self._used_sql(relation))
        return {(company, month): float(used or 0.0) for company, month, used in rows}

    @api.model
    def _usage_by_company_month(self, companies, months):
        """{(company_id, month_start): usage percent} of the quotas recorded for `companies`
        (records or ids) and `months` (any day of each): for overviews such as the period
        overview. One search, then the `usage_percent` every quota computes (one query for them
        all): the usage is worked out in one place. A month without a recorded quota is absent;
        the user's record rules apply, as to the overview's rows."""
        company_ids = companies.ids if hasattr(companies, "ids") else list(companies)
        starts = sorted({month_start(m) for m in months})
        if not company_ids or not starts:
            return {}
        quotas = self.search_fetch(
            Domain("company_id", "in", company_ids) & Domain("date", "in", starts),
            ["company_id", "date", "amount_granted"],
        )
        return {(quota.company_id.id, quota.date): quota.usage_percent for quota in quotas}

    @api.model
    def _warning_percent(self):
        # sudo: a system parameter, read for every user who registers fapiao or reads a quota
        param = self.env["ir.config_parameter"].sudo().get_param(WARNING_PARAM)
        return rules.parse_percent(param)

    # ------------------------------------------------------------ create / write
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_protected(vals)
            self._check_suspension_reason(vals)
            if vals.get("date"):
                vals["date"] = month_start(fields.Date.to_date(vals["date"]))
        quotas = super().create(vals_list)
        quotas._notify_usage()
        return quotas

    def write(self, vals):
        self._check_protected(vals)
        if {"suspended", "suspension_reason"} & vals.keys():
            for quota in self:
                quota._check_suspension_reason(vals)
        if vals.get("date"):
            vals = dict(vals, date=month_start(fields.Date.to_date(vals["date"])))
        result = super().write(vals)
        if {"amount_granted", "date", "company_id"} & vals.keys():
            self._reset_notified_level()
            self._notify_usage()
        return result

    def _check_protected(self, vals):
        protected = PROTECTED_FIELDS & vals.keys()
        if protected and not bypassed(self.env):
            raise UserError(
                self.env._(
                    "%(fields)s of an invoicing quota are set when the month is cleared or an "
                    "alert is sent, and cannot be written directly.",
                    fields=", ".join(sorted(protected)),
                )
            )

    def _check_suspension_reason(self, vals):
        """A suspension needs its reason: refused before anything is written."""
        suspended = vals.get("suspended", self.suspended)
        reason = vals.get("suspension_reason", self.suspension_reason)
        if suspended and not (reason or "").strip():
            raise UserError(
                self.env._(
                    "Invoicing quota %(quota)s is suspended (暂停授信): enter the reason the tax "
                    "bureau gave.",
                    quota=self.name or vals.get("date") or "",
                )
            )

    def _reset_notified_level(self):
        """A quota raised below an announced level may warn again when it is reached anew."""
        for quota in self:
            if rules.is_higher(quota.notified_level or rules.LEVEL_NONE, quota.usage_level):
                # sudo: the announced level is protected, lowered by the quota's own code
                with_bypass(quota).sudo().notified_level = quota.usage_level

    # ------------------------------------------------------------ alerts
    @api.model
    def _fapiao_changed(self, vals):
        """A fapiao was written: the usage read so far in this transaction may be stale."""
        if FAPIAO_USAGE_FIELDS & vals.keys():
            self.invalidate_model(USAGE_FIELDS)

    @api.model
    def _notify_usage_of_fapiao(self, fapiao):
        """Alert on the quotas of the months `fapiao` were just registered in."""
        self.invalidate_model(USAGE_FIELDS)
        keys = {(f.company_id.id, month_start(f.issue_date)) for f in fapiao if f.issue_date}
        if not keys:
            return
        # sudo: the clerk registering fapiao neither writes quotas nor schedules managers' to-dos
        quotas = self.sudo().search(
            Domain("company_id", "in", list({c for c, _m in keys}))
            & Domain("date", "in", list({m for _c, m in keys}))
        )
        quotas.filtered(lambda q: (q.company_id.id, q.date) in keys)._notify_usage()

    @api.model
    def _cron_notify_usage(self, today=None):
        """Daily: alert on the quotas of this month and the last (fapiao registered late, a
        threshold lowered); what was announced is never announced again."""
        today = today or fields.Date.context_today(self)
        # sudo: the cron looks at the quotas of every company
        self.sudo().search([("date", ">=", month_start(today, -1))])._notify_usage()

    def _notify_usage(self):
        """A to-do for every clearing manager of the company when a quota reaches a level it has
        not announced yet (warning threshold, then used up): one per quota and level."""
        self.invalidate_model(USAGE_FIELDS)  # read afresh: fapiao or the threshold changed
        managers = self.env.ref("invoice_clearing.group_clearing_manager").sudo().all_user_ids
        # sudo: alerts are the quota's own, whoever triggers them; the level is protected
        for quota in with_bypass(self).sudo():
            level = quota.usage_level
            if not rules.is_higher(level, quota.notified_level or rules.LEVEL_NONE):
                continue
            summary = quota._alert_summary(level)
            for user in managers.filtered(
                lambda u, c=quota.company_id: c in u.company_ids and not u.share
            ):
                quota.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=quota.valid_until or fields.Date.context_today(self),
                    summary=summary,
                    user_id=user.id,
                )
            quota.message_post(body=summary)
            quota.notified_level = level

    def _alert_summary(self, level):
        values = {
            "quota": self.name,
            "percent": f"{self.usage_percent:g}",
            "used": self.amount_used,
            "granted": self.amount_granted,
        }
        if level == rules.LEVEL_EXHAUSTED:
            return self.env._(
                "Invoicing quota %(quota)s is used up (%(percent)s%%: %(used)s of %(granted)s). "
                "Ask the tax bureau to adjust the quota (调整授信额度).",
                **values,
            )
        return self.env._(
            "Invoicing quota %(quota)s is %(percent)s%% used (%(used)s of %(granted)s).",
            **values,
        )

    # ------------------------------------------------------------ renewal
    @api.model
    def _renew_for_clearing(self, clearing):
        """The clearing of a whole month renews the quotas of the months it closed
        (调整授信额度有效期): each becomes valid until the filing deadline of its next month."""
        if not clearing._clears_whole_period():
            return
        # sudo: renewal follows the clearing, whatever the approver may write on quotas
        # protected renewal fields, set by the clearing only
        quotas = (
            with_bypass(self)
            .sudo()
            .search(
                [
                    ("company_id", "=", clearing.company_id.id),
                    ("date", "<=", month_start(clearing.date_to)),
                    ("renewed_at", "=", False),
                ]
            )
        )
        Deadline = self.env["invoice.clearing.deadline"].sudo()  # the calendar, see above
        now = fields.Datetime.now()
        for quota in quotas:  # the months this clearing closed: usually one
            until, _warning = Deadline._deadline_for_period(
                quota.company_id, month_start(quota.date, 1)
            )
            vals = {"renewed_at": now, "renewed_by_clearing_id": clearing.id}
            if not quota.valid_until or quota.valid_until < until:
                vals["valid_until"] = until
            quota.write(vals)
            quota.message_post(
                body=self.env._(
                    "Validity renewed by clearing %(clearing)s (调整授信额度有效期): valid until "
                    "%(date)s.",
                    clearing=clearing.name,
                    date=quota.valid_until,
                )
            )

    # ------------------------------------------------------------ the clearing's check
    @api.model
    def _clearing_problems(self, clearing):
        """Warnings of `clearing`'s check about the quotas of its months: suspended, used up,
        or expired without renewal (the 数电 equivalent of a locked device)."""
        if clearing.scope == "number" or not clearing.date_to:
            return []
        first = clearing.date_from if clearing.scope == "date" else clearing.date_to
        # sudo: the check reads the company's quotas, whatever the user's record rules hide
        quotas = self.sudo().search(
            [
                ("company_id", "=", clearing.company_id.id),
                ("date", ">=", month_start(first or clearing.date_to)),
                ("date", "<=", month_end(clearing.date_to)),
            ],
            order="date",
        )
        today = fields.Date.context_today(self)
        problems = []
        for quota in quotas:
            link = ("invoice.clearing.quota", Domain("id", "=", quota.id))
            if quota.suspended:
                message = self.env._(
                    "The invoicing quota of %(month)s is suspended (暂停授信): %(reason)s. The "
                    "platform refuses new fapiao until the tax bureau lifts the suspension.",
                    month=quota.date.strftime("%Y-%m"),
                    reason=quota.suspension_reason,
                )
                problems.append(clearing._problem("warning", message, *link))
            if quota.amount_used > 0 and quota.amount_remaining <= 0:
                message = self.env._(
                    "The invoicing quota of %(month)s is used up: %(used)s issued of %(granted)s "
                    "granted (%(percent)s%%). Fapiao beyond the quota are refused by the "
                    "platform; ask the tax bureau to adjust the quota (调整授信额度).",
                    month=quota.date.strftime("%Y-%m"),
                    used=quota.amount_used,
                    granted=quota.amount_granted,
                    percent=f"{quota.usage_percent:g}",
                )
                problems.append(clearing._problem("warning", message, *link))
            if quota.valid_until and quota.valid_until < today and not quota.renewed_at:
                message = self.env._(
                    "The invoicing quota of %(month)s expired on %(date)s (授信额度有效期) and "
                    "was not renewed: clearing the period renews it.",
                    month=quota.date.strftime("%Y-%m"),
                    date=quota.valid_until,
                )
                problems.append(clearing._problem("warning", message, *link))
        return problems

    def _usage_text(self):
        """One line for the clearing's reports (summary PDF, XLSX): granted, used, remaining."""
        self.ensure_one()
        return self.env._(
            "%(month)s: granted %(granted)s, used %(used)s (%(percent)s%%), remaining "
            "%(remaining)s%(suspended)s",
            month=self.date.strftime("%Y-%m"),
            granted=f"{self.amount_granted:,.2f}",
            used=f"{self.amount_used:,.2f}",
            percent=f"{self.usage_percent:g}",
            remaining=f"{self.amount_remaining:,.2f}",
            suspended=self.env._(", suspended") if self.suspended else "",
        )

    def action_open_fapiao(self):
        """The fapiao of the quota's month: what used it."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_clearing.action_invoice_clearing_fapiao"
        )
        action["domain"] = [
            ("company_id", "=", self.company_id.id),
            ("issue_date", ">=", self.date),
            ("issue_date", "<=", month_end(self.date)),
        ]
        action["context"] = {}
        return action
