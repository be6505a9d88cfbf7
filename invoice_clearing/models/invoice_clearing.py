"""A clearing (清卡记录): resolves a scope of fapiao, checks it, and on approval freezes it.

Approval happens in one transaction under a per-company database lock; the summary is computed
by PostgreSQL (GROUP BY) and the hash over the frozen content is chained per company.
"""

import base64
import hashlib
import json
import logging
from contextlib import closing
from datetime import date

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.addons.base.models.res_users import check_identity
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, file_open

from ..tools import clearing_integrity, clearing_summary, fapiao_number
from ..tools.periods import month_end, month_start
from ..tools.rule_error import FapiaoRuleError
from .invoice_clearing_fapiao import AMOUNT_BROKEN

_logger = logging.getLogger(__name__)

# Version of the clearing hash written now, stored as `$<version>$<hex>` like Odoo's inalterable
# hash. 1: header, summary, filing record and frozen fapiao; 2: also their invoices' journal
# items (account.move.line._get_clearing_hash_fields). Each clearing verifies by its own.
HASH_VERSION = 2
HASH_VERSIONS = tuple(range(1, HASH_VERSION + 1))  # every version verifies its clearings
LOCK_NAMESPACE = 0x514B  # "QK": first key of the per-company advisory lock
# Scopes larger than this run as a background job (system parameter, see data/).
THRESHOLD_PARAM = "invoice_clearing.background_threshold"
DEFAULT_THRESHOLD = 200_000
BATCH_PARAM = "invoice_clearing.background_batch_size"
DEFAULT_BATCH = 50_000
DIGEST_CHUNK = 20_000  # rows per round trip while streaming the fapiao digest
SCOPE_FIELDS = {"scope", "date_from", "date_to", "number_list", "company_id", "filing_date",
                "filing_line_ids"}  # fmt: skip
# The content of a fapiao that a clearing certifies (state is derived; red-letter of a
# frozen fapiao stays possible, so the derived red state is not part of it).
# Set by the clearing's own actions (under sudo), never written by a user: the audit fields, the
# state machine, the hash chain and the lines computed by the check.
PROTECTED_FIELDS = frozenset({
    "name", "company_id", "state", "prepared_by", "approved_by", "cleared_at", "checked_at",
    "failure_reason", "content_digest", "hash", "previous_hash", "reopen_reason",
    "reopen_requested_by", "reopened_by", "reopened_at", "frozen_fapiao_ids",
    "summary_line_ids", "problem_ids", "certificate_id", "fapiao_fingerprints", "job_state",
    "job_total", "job_done", "job_last_id", "invoice_digest", "invoice_line_fingerprints",
    "job_id", "job_ids",
})  # fmt: skip
# What a new clearing may carry for these fields: the defaults a client sends back.
CREATE_DEFAULTS = {"state": "draft", "name": "/"}
HASHED_COLUMNS = SQL(
    """concat_ws('|', id, fapiao_type, coalesce(code, ''), number, issue_date, partner_id,
                 coalesce(buyer_vat, ''), amount_untaxed::numeric(16, 2),
                 amount_tax::numeric(16, 2), amount_total::numeric(16, 2),
                 tax_rate::numeric(6, 2), coalesce(tax_exempt, false), coalesce(is_red, false),
                 coalesce(origin_fapiao_id, 0), coalesce(void_date::text, ''))"""
)


class InvoiceClearing(models.Model):
    _name = "invoice.clearing"
    _description = "Fapiao Clearing"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, copy=False, readonly=True, default="/", index="trigram")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    scope = fields.Selection(
        [
            ("period", "Whole Period"),
            ("date", "Date Range"),
            ("number", "Fapiao Numbers"),
        ],
        required=True,
        default="period",
        tracking=True,
        help="全部清卡: every open fapiao up to the end date; 按日期清卡: a date range; "
        "按发票号码清卡: the listed numbers",
    )
    date_from = fields.Date("From", tracking=True)
    date_to = fields.Date("Up To", tracking=True, help="截止日期")
    number_list = fields.Text(
        "Fapiao Numbers",
        help="One number, code:number or first-last range per line or separated by commas",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_approve", "To Approve"),
            ("cleared", "Cleared"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    fapiao_ids = fields.Many2many(
        "invoice.clearing.fapiao",
        compute="_compute_fapiao_ids",
        string="Fapiao in Scope",
        help="Before clearing: the open fapiao of the scope; after: the fapiao it froze",
    )
    frozen_fapiao_ids = fields.One2many("invoice.clearing.fapiao", "clearing_id", readonly=True)
    fapiao_count = fields.Integer(compute="_compute_totals")
    amount_untaxed = fields.Monetary("Net Amount", compute="_compute_totals", help="实际销售金额")
    amount_tax = fields.Monetary("Net Tax", compute="_compute_totals", help="实际销售税额")
    prepared_by = fields.Many2one(
        "res.users", default=lambda self: self.env.user, readonly=True, copy=False
    )
    approved_by = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    cleared_at = fields.Datetime(readonly=True, copy=False, tracking=True)
    summary_line_ids = fields.One2many(
        "invoice.clearing.summary.line", "clearing_id", "Summary", readonly=True, copy=False
    )
    filing_date = fields.Date(tracking=True, help="申报日期: the VAT return was filed on")
    filing_line_ids = fields.One2many(
        "invoice.clearing.filing.line", "clearing_id", "Filed Figures", copy=False,
        help="申报登记: the sales and tax declared per rate in the VAT return",
    )  # fmt: skip
    problem_ids = fields.One2many(
        "invoice.clearing.problem", "clearing_id", "Problems", readonly=True, copy=False
    )
    blocking_count = fields.Integer(compute="_compute_problem_counts")
    warning_count = fields.Integer(compute="_compute_problem_counts")
    checked_at = fields.Datetime(readonly=True, copy=False, tracking=True)
    four_eyes = fields.Boolean(compute="_compute_four_eyes", help="双重复核: approver ≠ preparer")
    failure_reason = fields.Text(
        readonly=True, copy=False, help="Why the last clearing attempt failed (清卡失败)"
    )
    content_digest = fields.Char(readonly=True, copy=False, help="SHA-256 of the frozen fapiao")
    invoice_digest = fields.Char(
        readonly=True, copy=False,
        help="SHA-256 of the journal items of the frozen fapiao's invoices (hash version 2 on)",
    )  # fmt: skip
    hash = fields.Char(
        readonly=True, copy=False, index=True,
        help="$<version>$<SHA-256>: the version says what was hashed, so each clearing verifies by its own",
    )  # fmt: skip
    previous_hash = fields.Char(readonly=True, copy=False)
    reopen_reason = fields.Text(readonly=True, copy=False)
    reopen_requested_by = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    reopened_by = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    reopened_at = fields.Datetime(readonly=True, copy=False)
    # Reports and integrity (issue 5)
    certificate_id = fields.Many2one(
        "ir.attachment", readonly=True, copy=False,
        help="清卡凭证: the PDF rendered and attached on approval; it cannot be changed or deleted",
    )  # fmt: skip
    fapiao_fingerprints = fields.Binary(
        attachment=True, readonly=True, copy=False, groups="base.group_system",
        help="Per-fapiao SHA-256 prefixes taken at clearing time, to name a changed fapiao",
    )  # fmt: skip
    invoice_line_fingerprints = fields.Binary(
        attachment=True, readonly=True, copy=False, groups="base.group_system",
        help="Per-journal-item SHA-256 prefixes of the frozen invoices, to name a changed line",
    )  # fmt: skip
    # A large clearing freezes its fapiao in batches in the background (后台清卡): its job.
    job_id = fields.Many2one(
        "invoice.clearing.job", "Background Job", readonly=True, copy=False,
        index="btree_not_null", ondelete="set null",
    )  # fmt: skip
    job_ids = fields.One2many(
        "invoice.clearing.job", "clearing_id", "Background Jobs", readonly=True
    )
    job_state = fields.Selection(
        related="job_id.state", string="Background Job State",
        help="A large clearing freezes its fapiao in batches in the background (后台清卡)",
    )  # fmt: skip
    job_total = fields.Integer(related="job_id.total", string="Fapiao to Freeze")
    job_done = fields.Integer(related="job_id.done", string="Fapiao Frozen")
    job_last_id = fields.Integer(related="job_id.last_id", help="Resume point: last frozen id")
    job_progress = fields.Float(related="job_id.progress")

    @api.constrains("scope", "date_from", "date_to", "number_list")
    def _check_scope(self):
        for clearing in self:
            if clearing.scope in ("period", "date") and not clearing.date_to:
                raise UserError(self.env._("Enter the end date (截止日期) of the clearing."))
            if clearing.scope == "date" and (
                not clearing.date_from or clearing.date_from > clearing.date_to
            ):
                raise UserError(
                    self.env._(
                        "Enter a start date on or before the end date for a date-range clearing."
                    )
                )
            if clearing.scope == "number":
                try:
                    entries = fapiao_number.parse_number_list(clearing.number_list)
                except FapiaoRuleError as error:
                    raise UserError(error.render(self.env._)) from None
                if not entries:
                    raise UserError(self.env._("List the fapiao numbers to clear."))

    @api.onchange("scope", "date_to")
    def _onchange_period(self):
        if self.scope == "period" and self.date_to:
            self.date_to = month_end(self.date_to)
            self.date_from = month_start(self.date_to)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_protected_create(vals)
            if vals.get("name", "/") == "/":
                date = fields.Date.to_date(vals.get("date_to")) or fields.Date.context_today(self)
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_context(ir_sequence_date=date)
                    .next_by_code("invoice.clearing")
                )
        return super().create(vals_list)

    def _check_protected_create(self, vals):
        """A new clearing starts as a draft prepared by its creator; the rest is set by actions."""
        if self.env.su:
            return
        forced = {
            name
            for name in PROTECTED_FIELDS & vals.keys() - {"company_id"}
            if vals[name] and vals[name] != CREATE_DEFAULTS.get(name)
        }
        if "prepared_by" in forced and vals["prepared_by"] == self.env.uid:
            forced.discard("prepared_by")
        if forced:
            self._raise_protected(forced)

    def _check_can_update_message_content(self, messages):
        """The chatter of a clearing is its audit trail: nobody but the superuser edits it."""
        if not self.env.su:
            raise AccessError(
                self.env._("Messages of the clearing audit trail cannot be edited or deleted.")
            )
        return super()._check_can_update_message_content(messages)

    def _raise_protected(self, names):
        raise AccessError(
            self.env._(
                "%(fields)s of a fapiao clearing are set by its actions (check, submit, approve, "
                "cancel, reopen) and cannot be written directly.",
                fields=", ".join(sorted(self._fields[name].string for name in names)),
            )
        )

    def write(self, vals):
        if not self.env.su and PROTECTED_FIELDS & vals.keys():
            self._raise_protected(PROTECTED_FIELDS & vals.keys())
        if SCOPE_FIELDS & vals.keys():
            self._check_no_job()
        if self.filtered(lambda c: c.state in ("cleared", "cancelled")) and not self.env.su:
            allowed = {"message_main_attachment_id", "activity_ids"}
            if set(vals) - allowed:
                raise UserError(
                    self.env._(
                        "Clearing %(name)s is cleared or cancelled and cannot be changed. "
                        "Reopening a cleared period is a separate, logged act (Reopen).",
                        name=self.filtered(lambda c: c.state in ("cleared", "cancelled"))[0].name,
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        for clearing in self:
            if (
                clearing.state not in ("draft", "cancelled")
                or clearing.hash
                or (clearing.job_state == "running")
            ):
                raise UserError(
                    self.env._(
                        "Clearing %(name)s cannot be deleted: it was submitted or cleared. "
                        "Cancel a draft instead.",
                        name=clearing.name,
                    )
                )

    # ------------------------------------------------------------------ scope
    def _scope_domain(self):
        """Domain of the fapiao this clearing covers: its frozen ones once cleared."""
        self.ensure_one()
        if self.state == "cleared" or self.reopened_at:
            return Domain("clearing_id", "=", self.id)
        open_ = Domain("clearing_id", "=", False)
        if self.job_state == "running":  # its batches froze part of the scope already
            open_ |= Domain("clearing_id", "=", self.id)
        domain = Domain("company_id", "=", self.company_id.id) & open_
        if self.scope == "period":
            return domain & Domain("issue_date", "<=", self.date_to)
        if self.scope == "date":
            return (
                domain
                & Domain("issue_date", ">=", self.date_from)
                & Domain("issue_date", "<=", self.date_to)
            )
        entries = fapiao_number.parse_number_list(self.number_list)
        return domain & Domain.OR(self._number_entry_domain(entry) for entry in entries)

    @staticmethod
    def _number_entry_domain(entry):
        code, first, last = entry
        domain = Domain("number", "=", first) if first == last else (
            Domain("number", ">=", first) & Domain("number", "<=", last)
        )  # fmt: skip
        if first != last:  # numbers of the same length compare as text like as integers
            domain &= Domain("number", "=like", "_" * len(first))
        return domain & Domain("code", "=", code) if code else domain

    def _scope_query(self):
        return self.env["invoice.clearing.fapiao"].sudo()._search(self._scope_domain())

    @api.depends("state", "scope", "date_from", "date_to", "number_list", "company_id")
    def _compute_fapiao_ids(self):
        Fapiao = self.env["invoice.clearing.fapiao"]
        for clearing in self:
            try:
                clearing.fapiao_ids = (
                    Fapiao.search(clearing._scope_domain()) if clearing.id else Fapiao
                )
            except (FapiaoRuleError, TypeError):
                clearing.fapiao_ids = Fapiao

    @api.depends("summary_line_ids.net_amount", "summary_line_ids.net_tax")
    def _compute_totals(self):
        for clearing in self:
            lines = clearing.summary_line_ids
            clearing.fapiao_count = sum(
                lines.mapped(
                    lambda line: (
                        line.blue_count
                        + line.red_count
                        + line.void_blue_count
                        + line.void_red_count
                    )
                )
            )
            clearing.amount_untaxed = sum(lines.mapped("net_amount"))
            clearing.amount_tax = sum(lines.mapped("net_tax"))

    @api.depends("company_id")
    def _compute_four_eyes(self):
        for clearing in self:
            clearing.four_eyes = clearing._four_eyes()

    @api.depends("problem_ids.severity")
    def _compute_problem_counts(self):
        for clearing in self:
            severities = clearing.problem_ids.mapped("severity")
            clearing.blocking_count = severities.count("blocking")
            clearing.warning_count = severities.count("warning")

    # ---------------------------------------------------------------- summary
    def _summary_rows(self):
        """One dict per (fapiao_type, tax_rate), aggregated by PostgreSQL over the scope.

        The database groups by four plain keys in one pass over the scope; the few groups are
        folded into summary lines by clearing_summary.fold_groups.
        """
        self.ensure_one()
        self.env["invoice.clearing.fapiao"].flush_model()  # SQL below reads pending ORM writes too
        keys = SQL("fapiao_type, tax_rate, coalesce(is_red, false), void_date IS NOT NULL")
        query = self._scope_query()
        query.groupby = keys
        self.env.cr.execute(
            query.select(keys, SQL("count(*), sum(amount_untaxed), sum(amount_tax)"))
        )
        return clearing_summary.fold_groups(self.env.cr.fetchall())

    def _store_summary(self, rows):
        self.summary_line_ids.unlink()
        self.env["invoice.clearing.summary.line"].create(
            [{"clearing_id": self.id, **row} for row in rows]
        )

    def action_open_fapiao(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_clearing.action_invoice_clearing_fapiao"
        )
        action["domain"] = list(self._scope_domain())
        action["context"] = {}
        return action

    # ------------------------------------------------------------------ check
    def action_check(self):
        """Run every precondition; store the problems and the summary. Never raises for them."""
        self._check_group("invoice_clearing.group_clearing_user")
        self.check_access("write")
        for clearing in self:
            if clearing.state not in ("draft", "to_approve"):
                raise UserError(self.env._("Only a draft clearing can be checked."))
            clearing._check_no_job()
            clearing._run_check()
        return True

    def _run_check(self):
        rows = self._summary_rows()
        problems = self._collect_problems(rows)
        self.sudo()._store_summary(rows)
        self.sudo().problem_ids.unlink()
        self.sudo().problem_ids = [fields.Command.create(p) for p in problems]
        self.sudo().checked_at = fields.Datetime.now()

    def _collect_problems(self, rows):
        """All problems of the scope: dicts for invoice.clearing.problem (blocking or warning)."""
        problems = []
        Fapiao = self.env["invoice.clearing.fapiao"].sudo()
        scope = self._scope_domain()
        count = sum(
            r[m]
            for r in rows
            for m in ("blue_count", "red_count", "void_blue_count", "void_red_count")
        )
        if not count:
            problems.append(
                self._problem("blocking", self.env._("There is no open fapiao in this scope."))
            )
        if self.scope == "number":
            problems += self._unknown_number_problems()

        not_uploaded = Fapiao.search_count(
            scope & Domain("uploaded", "=", False) & Domain("void_date", "=", False)
        )
        if not_uploaded:
            sample = Fapiao.search(
                scope & Domain("uploaded", "=", False) & Domain("void_date", "=", False),
                limit=10,
                order="id",
            )
            problems.append(
                self._problem(
                    "blocking",
                    self.env._(
                        "%(count)s fapiao are not known to the tax bureau (not uploaded), e.g. "
                        "%(numbers)s. Upload them (or import the bureau's export to reconcile) "
                        "before clearing.",
                        count=not_uploaded,
                        numbers=", ".join(sample.mapped("display_name")),
                    ),
                    "invoice.clearing.fapiao",
                    scope & Domain("uploaded", "=", False) & Domain("void_date", "=", False),
                )
            )
        problems += self._amount_problems()
        problems += self._reconciliation_problems()
        problems += self._invoice_problems()
        problems += self._earlier_period_problems()
        if self.scope == "period":
            problems += self._filing_problems(rows)
        problems += self._deadline_problems()
        return problems

    def _problem(self, severity, message, res_model=False, domain=None):
        return {
            "severity": severity,
            "message": message,
            "res_model": res_model,
            "domain": json.dumps(list(domain), default=str) if domain is not None else False,
        }

    def _unknown_number_problems(self):
        problems = []
        Fapiao = self.env["invoice.clearing.fapiao"].sudo()
        company = Domain("company_id", "=", self.company_id.id)
        for code, first, last in fapiao_number.parse_number_list(self.number_list):
            entry_domain = company & self._number_entry_domain((code, first, last))
            found = Fapiao.search_fetch(entry_domain, ["number", "clearing_id"])
            numbers = set(found.mapped("number"))
            expected = {str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)}
            missing = sorted(expected - numbers)
            label = f"{code}:{first}" if code else first
            if first != last:
                label += f"-{last}"
            if missing:
                problems.append(
                    self._problem(
                        "blocking",
                        self.env._(
                            "%(entry)s: %(count)s fapiao numbers are not in the register, e.g. "
                            "%(numbers)s. Register them or correct the list.",
                            entry=label,
                            count=len(missing),
                            numbers=", ".join(missing[:10]),
                        ),
                    )
                )
            cleared = found.filtered("clearing_id")
            if cleared:
                problems.append(
                    self._problem(
                        "blocking",
                        self.env._(
                            "%(entry)s: %(count)s fapiao are already cleared (e.g. %(number)s by "
                            "%(clearing)s). Remove them from the list.",
                            entry=label,
                            count=len(cleared),
                            number=cleared[0].display_name,
                            clearing=cleared[0].clearing_id.name,
                        ),
                        "invoice.clearing.fapiao",
                        Domain("id", "in", cleared.ids),
                    )
                )
        return problems

    def _amount_problems(self):
        self.env.cr.execute(
            SQL(
                "SELECT id FROM invoice_clearing_fapiao WHERE %s AND id IN %s ORDER BY id",
                SQL(AMOUNT_BROKEN),
                self._scope_query().subselect(),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        if not ids:
            return []
        sample = self.env["invoice.clearing.fapiao"].sudo().browse(ids[:10])
        return [
            self._problem(
                "blocking",
                self.env._(
                    "%(count)s fapiao fail the amount checks (金额 + 税额 = 价税合计, 税额 = "
                    "金额 × 税率), e.g. %(numbers)s. Correct them as printed on the fapiao.",
                    count=len(ids),
                    numbers=", ".join(sample.mapped("display_name")),
                ),
                "invoice.clearing.fapiao",
                Domain("id", "in", ids),
            )
        ]

    def _reconciliation_problems(self):
        """Differences with the bureau's latest export that nobody resolved yet, as warnings.

        Only what the bureau lacks blocks (the "not uploaded" check): which of the register or
        the bureau is right about an amount, a status, a buyer or a fapiao issued outside Odoo
        is the user's decision, and the clearing must show that it is pending.
        """
        Line = self.env["invoice.clearing.import.line"].sudo()
        latest = (
            Domain("company_id", "=", self.company_id.id)
            & Domain("resolved", "=", False)
            & Domain("import_id.superseded_by_id", "=", False)
            & Domain("import_id.state", "=", "open")  # not the lines of an import still running
        )
        in_scope = latest & Domain("fapiao_id", "any", self._scope_domain())
        date_from, date_to = self._scope_dates()
        outside = Domain.FALSE
        if date_to:
            outside = (
                latest
                & Domain("outcome", "=", "bureau_only")
                & Domain("fapiao_id", "=", False)
                & Domain("issue_date", "<=", date_to)
            )
            if date_from:
                outside &= Domain("issue_date", ">=", date_from)

        def warning(domain, message):
            """[problem] naming the first lines found; `message` has %(count)s and %(numbers)s."""
            found = Line.search(domain, order="id") if not domain.is_false() else Line
            if not found:
                return []
            sample = ", ".join(":".join(filter(None, (x.code, x.number))) for x in found[:10])
            message %= {"count": len(found), "numbers": sample}
            model, records = "invoice.clearing.import.line", Domain("id", "in", found.ids)
            return [self._problem("warning", message, model, records)]

        mismatch = ("amount_mismatch", "status_mismatch")
        return (
            warning(
                in_scope & Domain("outcome", "in", mismatch),
                self.env._(
                    "%(count)s fapiao differ from the tax bureau's export in amount or status, "
                    "e.g. %(numbers)s. Resolve them in the reconciliation: apply the bureau's "
                    "values, issue a red-letter fapiao, or mark them resolved if Odoo is right."
                ),
            )
            + warning(
                in_scope & Domain("outcome", "=", "data_mismatch"),
                self.env._(
                    "%(count)s fapiao have another buyer or date at the tax bureau, e.g. "
                    "%(numbers)s. Check them in the reconciliation."
                ),
            )
            + warning(
                outside,
                self.env._(
                    "%(count)s fapiao of the tax bureau's export are not in the register "
                    "(issued outside Odoo), e.g. %(numbers)s; this clearing does not include "
                    "them. Register them from the reconciliation."
                ),
            )
        )

    def _scope_dates(self):
        """(first, last) issue date the scope covers, for the checks on invoices."""
        if self.scope == "period":
            return self._first_period(), self.date_to
        if self.scope == "date":
            return self.date_from, self.date_to
        return None, None

    def _first_period(self):
        """Where a whole-period scope starts: the first managed month, or the scope's own month
        for a month before it (cleared for the record after adopting the addon)."""
        return min(self.company_id._clearing_first_period(), month_start(self.date_to))

    def _invoice_problems(self):
        date_from, date_to = self._scope_dates()
        if not date_to:
            return []
        Move = self.env["account.move"].sudo()
        base = (
            Domain("company_id", "=", self.company_id.id)
            & Domain("move_type", "in", ("out_invoice", "out_refund"))
            & Domain("invoice_date", "<=", date_to)
        )
        if date_from:
            base &= Domain("invoice_date", ">=", date_from)
        problems = []
        drafts = base & Domain("state", "=", "draft")
        draft_count = Move.search_count(drafts)
        if draft_count:
            problems.append(
                self._problem(
                    "blocking",
                    self.env._(
                        "%(count)s customer invoices or credit notes dated in this scope are still "
                        "drafts (e.g. %(names)s). Post or delete them before clearing.",
                        count=draft_count,
                        names=", ".join(
                            Move.search(drafts, limit=5, order="id").mapped("display_name")
                        ),
                    ),
                    "account.move",
                    drafts,
                )
            )
        unbilled = base & Domain("state", "=", "posted") & Domain("fapiao_ids", "=", False)
        unbilled_count = Move.search_count(unbilled)
        if unbilled_count:
            problems.append(
                self._problem(
                    "warning",
                    self.env._(
                        "%(count)s posted customer invoices in this scope have no fapiao (e.g. "
                        "%(names)s). That is legal for unbilled revenue (未开票收入); register their "
                        "fapiao if they were issued.",
                        count=unbilled_count,
                        names=", ".join(
                            Move.search(unbilled, limit=5, order="id").mapped("display_name")
                        ),
                    ),
                    "account.move",
                    unbilled,
                )
            )
        return problems

    def _earlier_period_problems(self):
        start = (self.date_from or self.date_to) if self.scope != "number" else None
        if not start:
            return []
        periods = self.company_id._clearing_uncleared_periods(month_start(start))
        if not periods:
            return []
        return [
            self._problem(
                "blocking",
                self.env._(
                    "The earlier period %(periods)s is not cleared yet. Clear periods in order: "
                    "clear %(first)s first.",
                    periods=", ".join(p.strftime("%Y-%m") for p in periods),
                    first=periods[0].strftime("%Y-%m"),
                ),
                "invoice.clearing",
                Domain("company_id", "=", self.company_id.id),
            )
        ]

    def _filing_problems(self, rows):
        if not self.filing_date or not self.filing_line_ids:
            return [
                self._problem(
                    "blocking",
                    self.env._(
                        "The VAT filing (申报登记) is not recorded. Enter the filing date and the "
                        "declared sales and tax per rate in the Filing tab."
                    ),
                )
            ]
        filed = {
            line.tax_rate: (line.amount_untaxed, line.amount_tax) for line in self.filing_line_ids
        }
        differences = clearing_summary.filing_differences(clearing_summary.net_by_rate(rows), filed)
        return [
            self._problem(
                "blocking",
                self.env._(
                    "Rate %(rate)s%%: the fapiao total %(amount)s / tax %(tax)s differs from the "
                    "filed %(filed_amount)s / tax %(filed_tax)s. Correct the filing record or the "
                    "fapiao (票表比对).",
                    rate=f"{rate:g}",
                    amount=amount,
                    tax=tax,
                    filed_amount=filed_amount,
                    filed_tax=filed_tax,
                ),
            )
            for rate, amount, filed_amount, tax, filed_tax in differences
        ]

    def _deadline_problems(self):
        if not self.date_to or self.scope == "number":
            return []
        Deadline = self.env["invoice.clearing.deadline"]
        period_start = month_start(self.date_to)
        deadline, warning = Deadline.sudo()._deadline_for_period(self.company_id, period_start)
        problems = [self._problem("warning", warning)] if warning else []
        first_managed = self.company_id._clearing_first_period()
        if period_start < first_managed:
            problems.append(
                self._problem(
                    "warning",
                    self.env._(
                        "Period %(period)s is before the first managed period %(first)s: it is "
                        "cleared for the record only, and never locks invoicing.",
                        period=period_start.strftime("%Y-%m"),
                        first=first_managed.strftime("%Y-%m"),
                    ),
                )
            )
        elif deadline and fields.Date.context_today(self) > deadline:
            problems.append(
                self._problem(
                    "warning",
                    self.env._(
                        "The filing deadline %(deadline)s of period %(period)s has passed: "
                        "invoicing may be locked (锁盘) until this period is cleared.",
                        deadline=deadline,
                        period=period_start.strftime("%Y-%m"),
                    ),
                )
            )
        return problems

    # ------------------------------------------------------------ transitions
    def _check_group(self, xmlid):
        if not self.env.su and not self.env.user.has_group(xmlid):
            group = self.env.ref(xmlid)
            raise AccessError(
                self.env._(
                    "Only members of %(group)s may do this on a fapiao clearing.",
                    group=group.full_name,
                )
            )

    def _four_eyes(self):
        return self.company_id.clearing_four_eyes

    def action_submit(self):
        """Check, then ask for approval (four-eyes) or clear at once (a manager, no four-eyes)."""
        self._check_group("invoice_clearing.group_clearing_user")
        self.check_access("write")
        result = True
        for clearing in self:
            if clearing.state != "draft":
                raise UserError(self.env._("Only a draft clearing can be submitted."))
            clearing.action_check()
            if clearing.blocking_count:
                raise UserError(clearing._blocking_message())
            if clearing._four_eyes():
                clearing.sudo().write({"state": "to_approve", "prepared_by": self.env.uid})
                clearing._notify_approvers()
            else:
                result = clearing.action_approve()
        return result if len(self) == 1 else True

    def _blocking_message(self):
        messages = self.problem_ids.filtered(lambda p: p.severity == "blocking").mapped("message")
        return self.env._(
            "Clearing %(name)s cannot proceed:\n%(problems)s",
            name=self.name,
            problems="\n".join(f"• {m}" for m in messages),
        )

    def _notify_approvers(self):
        managers = self.env.ref("invoice_clearing.group_clearing_manager").all_user_ids.filtered(
            lambda u: self.company_id in u.company_ids and u != self.prepared_by and not u.share
        )
        for user in managers:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=self.env._("Approve fapiao clearing %(name)s", name=self.name),
            )

    @check_identity
    def action_approve_web(self):
        """The web client's approve button: Odoo's password prompt first, then approve."""
        return self.action_approve()

    def action_approve(self):
        """Clear: lock the company, re-check, freeze, summarize, hash, chain, move the lock date.

        A failed precondition rolls the work back and records the reason on the clearing
        (清卡失败); it returns False for that clearing instead of raising, so the reason stays.
        A scope above the background threshold starts a background job instead (后台清卡):
        the clearing turns cleared when the job has frozen every batch.
        """
        self._check_group("invoice_clearing.group_clearing_manager")
        self.check_access("write")
        results = []
        for clearing in self:
            clearing._check_approver()
            clearing._lock_company()
            try:
                with self.env.cr.savepoint():
                    clearing._run_check()
                    if clearing.blocking_count:
                        raise UserError(clearing._blocking_message())
                    if clearing.fapiao_count > clearing._background_threshold():
                        clearing._job_start()
                        results.append("background")
                    else:
                        clearing._clear()
                        results.append(True)
            except UserError as error:
                clearing._record_failure(str(error.args[0]) if error.args else str(error))
                results.append(False)
        if len(self) == 1 and results[0] is not True:
            return self._approve_notification(results[0])
        return all(results)

    def _approve_notification(self, result):
        if result == "background":
            params = {
                "type": "info",
                "title": self.env._("Clearing runs in the background"),
                "message": self.env._(
                    "%(count)s fapiao are frozen in batches in the background. The clearing "
                    "shows the progress and you are notified when it is done.",
                    count=self.job_total,
                ),
            }
        else:
            params = {
                "type": "danger",
                "sticky": True,
                "title": self.env._("Clearing failed"),
                "message": self.failure_reason,
            }
        params["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}

    def _check_approver(self):
        if self.state not in ("draft", "to_approve"):
            raise UserError(
                self.env._("Clearing %(name)s is not waiting for approval.", name=self.name)
            )
        if self._four_eyes() and not self.env.su:
            if self.state != "to_approve":
                raise UserError(
                    self.env._(
                        "Four-eyes approval is on: submit clearing %(name)s for approval first.",
                        name=self.name,
                    )
                )
            if self.prepared_by == self.env.user:
                raise AccessError(
                    self.env._(
                        "Four-eyes approval (双重复核): %(name)s was prepared by you, so another "
                        "clearing manager must approve it.",
                        name=self.name,
                    )
                )

    def _try_company_lock(self):
        """The per-company advisory lock for this transaction: True if we hold it now."""
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, self.company_id.id]
        )
        return self.env.cr.fetchone()[0]

    def _lock_company(self):
        """Serialize clearings of one company across workers and machines (database locks).

        A background job of the company keeps it locked between its batches: its running job
        (invoice.clearing.job) is read here under the advisory lock.
        """
        busy = not self._try_company_lock()
        if not busy:
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(
                        "SELECT state FROM invoice_clearing WHERE id = %s FOR UPDATE NOWAIT",
                        [self.id],
                    )
            except (pg_errors.LockNotAvailable, pg_errors.SerializationFailure):
                busy = True
        if not busy:
            self.env["invoice.clearing.job"].flush_model(["state"])
            self.env.cr.execute(
                """SELECT 1 FROM invoice_clearing_job
                    WHERE company_id = %s AND kind = 'clearing' AND state = 'running'""",
                [self.company_id.id],
            )
            busy = bool(self.env.cr.fetchone())
        if busy:
            raise UserError(
                self.env._(
                    "Another clearing of %(company)s is in progress. Wait until it is finished, "
                    "then try again.",
                    company=self.company_id.name,
                )
            )
        self.invalidate_recordset(["state", "job_id"])
        self.env["invoice.clearing.job"].invalidate_model(["state"])
        self._check_approver()

    def _check_no_job(self):
        running = self.filtered(lambda c: c.job_state == "running")
        if running:
            raise UserError(
                self.env._(
                    "Clearing %(name)s is running in the background (%(done)s of %(total)s "
                    "fapiao frozen). Wait until it is finished.",
                    name=running[0].name,
                    done=running[0].job_done,
                    total=running[0].job_total,
                )
            )

    def _clear(self, approver=None):
        """Freeze what is left of the checked scope and certify it (the caller ran the check)."""
        approver = approver or self.env.user
        self._check_invoices_unchanged()
        expected = self.fapiao_count
        Fapiao = self.env["invoice.clearing.fapiao"]
        Fapiao.flush_model()
        self.env.cr.execute(
            SQL(
                "UPDATE invoice_clearing_fapiao SET clearing_id = %s WHERE id IN %s AND clearing_id IS NULL",
                self.id,
                self._scope_query().subselect(),
            )
        )
        frozen = self.env.cr.rowcount + (self.job_done if self.job_state == "running" else 0)
        if frozen != expected:
            raise UserError(
                self.env._(
                    "The fapiao of this scope changed while clearing (%(frozen)s instead of "
                    "%(expected)s). Check again and retry.",
                    frozen=frozen,
                    expected=expected,
                )
            )
        Fapiao.invalidate_model(["clearing_id"])
        now = fields.Datetime.now()
        vals = {"state": "cleared", "approved_by": approver.id, "cleared_at": now}
        self.sudo().write({**vals, "failure_reason": False})
        previous = self.sudo().search(
            [("company_id", "=", self.company_id.id), ("hash", "!=", False), ("id", "!=", self.id)],
            order="cleared_at desc, id desc",
            limit=1,
        )
        digest = self._fapiao_digest()
        invoice_digest = self.env["invoice.clearing.integrity"]._store_invoice_fingerprints(self)
        self.sudo().write(
            {
                "content_digest": digest,
                "invoice_digest": invoice_digest,
                "previous_hash": previous.hash or False,
                "hash": self._compute_hash(previous.hash or "", digest, invoice_digest),
            }
        )
        self._move_lock_date()
        self.activity_unlink(["mail.mail_activity_data_todo"])
        self.message_post(
            body=self.env._(
                "Cleared by %(user)s: %(count)s fapiao frozen, net amount %(amount)s, tax %(tax)s. "
                "SHA-256 %(hash)s.",
                user=approver.name,
                count=frozen,
                amount=self.amount_untaxed,
                tax=self.amount_tax,
                hash=self.hash,
            ),
            partner_ids=approver.partner_id.ids if approver != self.env.user else [],
        )
        self.env["invoice.clearing.integrity"]._store_fingerprints(self)
        self._attach_certificate()
        if self.job_state == "running":
            self.job_id._done(done=frozen)

    def _check_invoices_unchanged(self):
        """Refuse if another session committed invoices of the scope this transaction cannot see.

        The check above reads this transaction's snapshot, taken before the company lock; an
        invoice posted meanwhile by another worker would stay open inside the cleared period.
        Postings wait for no lock while this one is held (see account.move), so a fresh
        snapshot read now is complete.
        """
        date_from, date_to = self._scope_dates()
        if not date_to:
            return
        scope = SQL(
            """FROM account_move
                WHERE company_id = %s AND move_type IN ('out_invoice', 'out_refund')
                  AND state != 'cancel' AND invoice_date <= %s AND invoice_date >= %s""",
            self.company_id.id,
            date_to,
            date_from or date(1900, 1, 1),
        )
        # One row either way, whatever the number of invoices; ids only when they differ.
        summary = SQL("SELECT count(*), md5(string_agg(id::text, ',' ORDER BY id)) %s", scope)
        self.env["account.move"].flush_model()
        [own] = self.env.execute_query(summary)
        if not self.env.registry.ready:  # installing: no other session, tables not committed
            return
        with closing(self.env.registry.cursor()) as fresh:
            fresh.execute(summary)
            if fresh.fetchone() == own:
                return
            fresh.execute(SQL("SELECT id %s", scope))
            seen = {row[0] for row in fresh.fetchall()}
        late = seen - {row[0] for row in self.env.execute_query(SQL("SELECT id %s", scope))}
        if late:
            raise UserError(
                self.env._(
                    "%(count)s customer invoices of this scope were posted or changed while "
                    "clearing. Check again and retry.",
                    count=len(late),
                )
            )

    def _fapiao_digest(self):
        """SHA-256 of the frozen fapiao: their HASHED_COLUMNS, one line each, in id order.

        Streamed in chunks (keyset on id) so memory stays flat however many fapiao there are;
        equal to PostgreSQL's sha256(string_agg(HASHED_COLUMNS, E'\\n' ORDER BY id)).
        """
        sha, last_id, separator = hashlib.sha256(), 0, b""
        while True:
            self.env.cr.execute(
                SQL(
                    """SELECT id, %s FROM invoice_clearing_fapiao
                        WHERE clearing_id = %s AND id > %s ORDER BY id LIMIT %s""",
                    HASHED_COLUMNS,
                    self.id,
                    last_id,
                    DIGEST_CHUNK,
                )
            )
            rows = self.env.cr.fetchall()
            if not rows:
                return sha.hexdigest()
            for _id, line in rows:
                sha.update(separator + line.encode())
                separator = b"\n"
            last_id = rows[-1][0]

    # ------------------------------------------------------------ background job
    def _background_threshold(self):
        param = self.env["ir.config_parameter"].sudo().get_param(THRESHOLD_PARAM)
        return int(param) if param else DEFAULT_THRESHOLD

    def _job_start(self):
        """Start the background job: running from now on, it keeps the company's clearings
        locked (see _lock_company) until it ends."""
        self.env["invoice.clearing.job"]._start_for(self, state="running", total=self.fapiao_count)
        self.sudo().write({"approved_by": self.env.uid, "failure_reason": False})
        self.message_post(
            body=self.env._(
                "Clearing approved by %(user)s: %(count)s fapiao are being frozen in the "
                "background.",
                user=self.env.user.name,
                count=self.job_total,
            )
        )

    def _job_run(self):
        """Hook of invoice.clearing.job: freeze the scope batch by batch, each batch committed
        with its progress, then clear in one last transaction (or fail, releasing every batch).

        Safe to interrupt anywhere: the next run resumes after the last committed batch, and
        only the last transaction, under the company lock, turns the clearing cleared. Returns
        False when the run yields before it (time slice used up, company busy).
        """
        job = self.job_id
        param = self.env["ir.config_parameter"].sudo().get_param(BATCH_PARAM)
        batch_size = int(param) if param else DEFAULT_BATCH
        while True:
            if not self._try_company_lock():  # a user checks this company right now
                job._pause(self.env._("A clearing of the company was being checked."))
                return False
            self.invalidate_recordset()
            job.invalidate_recordset()
            if job.state != "running":
                return False
            frozen = self._job_freeze_batch(batch_size)
            if not frozen:
                break
            if not job._commit(frozen):
                job._pause(self.env._("The cron's time slice was used up."), wake=True)
                return False
        self._job_finish()
        return True

    def _job_freeze_batch(self, batch_size):
        """Freeze the next batch of the open scope, by id, and record the progress with it."""
        self.env["invoice.clearing.fapiao"].flush_model()
        batch = (
            self.env["invoice.clearing.fapiao"]
            .sudo()
            ._search(
                self._scope_domain()
                & Domain("clearing_id", "=", False)
                & Domain("id", ">", self.job_last_id),
                order="id",
                limit=batch_size,
            )
        )
        self.env.cr.execute(
            SQL(
                """UPDATE invoice_clearing_fapiao SET clearing_id = %s
                    WHERE id IN %s AND clearing_id IS NULL RETURNING id""",
                self.id,
                batch.subselect(),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        if ids:
            self.job_id._advance(len(ids), last_id=max(ids))
            self.env["invoice.clearing.fapiao"].invalidate_model(["clearing_id"])
        return len(ids)

    def _job_finish(self):
        """Last transaction: re-check the whole scope, then clear it, or release every batch."""
        try:
            with self.env.cr.savepoint():
                self._run_check()
                if self.blocking_count:
                    raise UserError(self._blocking_message())
                self._clear(approver=self.approved_by)
        except UserError as error:
            self.job_id._fail(str(error.args[0]) if error.args else str(error))

    def _job_fail(self, reason):
        """Hook of invoice.clearing.job: release the fapiao the batches froze, in this one
        transaction (never half-frozen), and record why on the clearing."""
        self.env["invoice.clearing.fapiao"].flush_model()
        self.env.cr.execute(
            "UPDATE invoice_clearing_fapiao SET clearing_id = NULL WHERE clearing_id = %s",
            [self.id],
        )
        self.env["invoice.clearing.fapiao"].invalidate_model(["clearing_id"])
        self.sudo().failure_reason = reason
        self.message_post(
            body=self.env._("Clearing failed (清卡失败): %(reason)s", reason=reason),
            partner_ids=self.approved_by.partner_id.ids,
        )

    def action_open_jobs(self):
        self.ensure_one()
        self._check_reader()
        return self.env["invoice.clearing.job"]._action_open_for(self)

    def _hash_header(self):
        return {
            "name": self.name,
            "company": self.company_id.id,
            "scope": self.scope,
            "date_from": self.date_from or "",
            "date_to": self.date_to or "",
            "number_list": self.number_list or "",
            "prepared_by": self.prepared_by.id,
            "approved_by": self.approved_by.id,
            "cleared_at": self.cleared_at,
            "filing_date": self.filing_date or "",
            "filing": ";".join(
                f"{line.tax_rate:.2f}:{line.amount_untaxed:.2f}:{line.amount_tax:.2f}"
                for line in self.filing_line_ids.sorted("tax_rate")
            ),
        }

    def _compute_hash(self, previous_hash, digest, invoice_digest=None, version=HASH_VERSION):
        """The stored hash `$<version>$<hex>` of this clearing chained to `previous_hash`.

        The previous hash enters without its version prefix (as in Odoo's inalterable hash),
        so a version 2 clearing chains to a version 1 one; version 1 ignores `invoice_digest`.
        """
        if version not in HASH_VERSIONS:
            raise ValueError(f"clearing hash version {version} does not exist")
        lines = [
            {f: line[f] for f in ("fapiao_type", "tax_rate", *clearing_summary.SUMMARY_MEASURES)}
            for line in self.summary_line_ids
        ]
        hexdigest = clearing_summary.clearing_hash(
            clearing_integrity.split_hash(previous_hash)[1],
            self._hash_header(),
            lines,
            digest,
            (invoice_digest or "") if version >= 2 else None,
        )
        return clearing_integrity.format_hash(version, hexdigest)

    def _hash_version(self):
        """The version this clearing was hashed with (1 for a hash stored without prefix)."""
        return clearing_integrity.split_hash(self.hash)[0]

    def _move_lock_date(self):
        """A whole period cleared up to its month end locks sales up to it (never backwards)."""
        if self.scope != "period" or not self.date_to or self.date_to != month_end(self.date_to):
            return
        company = self.company_id.sudo()
        if not company.sale_lock_date or company.sale_lock_date < self.date_to:
            company.sale_lock_date = self.date_to

    def _record_failure(self, reason):
        self.sudo().failure_reason = reason
        self.message_post(body=self.env._("Clearing failed (清卡失败): %(reason)s", reason=reason))

    def action_cancel(self):
        """Cancel a draft or a clearing waiting for approval (managers)."""
        self._check_group("invoice_clearing.group_clearing_manager")
        self.check_access("write")
        for clearing in self:
            if clearing.state not in ("draft", "to_approve"):
                raise UserError(
                    self.env._(
                        "Clearing %(name)s is cleared: it cannot be cancelled, only reopened.",
                        name=clearing.name,
                    )
                )
        self._check_no_job()
        self.sudo().write({"state": "cancelled"})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_reset_to_draft(self):
        self._check_group("invoice_clearing.group_clearing_user")
        self.check_access("write")
        self._check_no_job()
        for clearing in self.filtered(lambda c: c.state == "to_approve"):
            clearing.sudo().state = "draft"
            clearing.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_reopen(self, reason=None):
        """Reopen a cleared clearing: releases its fapiao, keeps its hash, logs who/when/why.

        With four-eyes on, the first manager's call records the request; another manager's
        call reopens.
        """
        self._check_group("invoice_clearing.group_clearing_manager")
        self.check_access("write")
        self.ensure_one()
        if self.state != "cleared":
            raise UserError(self.env._("Only a cleared clearing can be reopened."))
        reason = (reason or "").strip() or self.reopen_reason
        if not reason:
            raise UserError(self.env._("Give the reason for reopening this clearing."))
        if self._four_eyes() and not self.env.su:
            if not self.reopen_requested_by:
                self.sudo().write({"reopen_requested_by": self.env.uid, "reopen_reason": reason})
                self.message_post(
                    body=self.env._(
                        "Reopening requested by %(user)s: %(reason)s. Another clearing manager "
                        "must confirm it.",
                        user=self.env.user.name,
                        reason=reason,
                    )
                )
                return True
            if self.reopen_requested_by == self.env.user:
                raise AccessError(
                    self.env._(
                        "Four-eyes approval (双重复核): another manager must confirm your reopening request."
                    )
                )
        self.env.cr.execute(
            "UPDATE invoice_clearing_fapiao SET clearing_id = NULL WHERE clearing_id = %s",
            [self.id],
        )
        self.env["invoice.clearing.fapiao"].invalidate_model(["clearing_id"])
        self.sudo().write(
            {
                "state": "cancelled",
                "reopen_reason": reason,
                "reopened_by": self.env.uid,
                "reopened_at": fields.Datetime.now(),
            }
        )
        self.message_post(
            body=self.env._(
                "Reopened by %(user)s: %(reason)s. Its fapiao are open again; the hash chain "
                "keeps this clearing.",
                user=self.env.user.name,
                reason=reason,
            )
        )
        return True

    # ---------------------------------------------------------------- reports
    def _attach_certificate(self):
        """Render the certificate (清卡凭证) and attach it, immutable, to this cleared clearing."""
        self.ensure_one()
        report = "invoice_clearing.action_report_clearing_certificate"
        content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(report, self.ids)
        extension = "pdf" if report_type == "pdf" else "html"  # tests render HTML unless forced
        values = {
            "name": f"{self.name.replace('/', '-')}-certificate.{extension}",
            "raw": content,
            "res_model": self._name,
            "res_id": self.id,
            "mimetype": "application/pdf" if report_type == "pdf" else "text/html",
        }
        if report_type == "pdf":
            # The chatter asks the first viewer's browser for a preview otherwise, and an
            # auditor may not write one: give it the PDF icon up front.
            with file_open("web/static/img/mimetypes/pdf.svg", "rb") as icon:
                values["thumbnail"] = base64.b64encode(icon.read())
        attachment = self.env["ir.attachment"].sudo().create(values)
        self.sudo().certificate_id = attachment
        return attachment

    def _check_reader(self):
        """Clearing users, managers and auditors may print, export and verify."""
        if not self.env.su and not self.env.user.has_groups(
            "invoice_clearing.group_clearing_user,invoice_clearing.group_clearing_auditor"
        ):
            raise AccessError(self.env._("Only fapiao clearing users and auditors may do this."))
        self.check_access("read")

    def action_export_xlsx(self):
        """Download the clearing as XLSX (summary, fapiao and problems sheets)."""
        self.ensure_one()
        self._check_reader()
        return {
            "type": "ir.actions.act_url",
            "url": f"/invoice_clearing/clearing/{self.id}/xlsx",
            "target": "download",
        }

    def action_verify_integrity(self):
        """Recompute the hashes, walk the chain, log the result in the chatter and show it."""
        self._check_reader()
        Integrity = self.env["invoice.clearing.integrity"]
        results = Integrity._verify(self.filtered("hash"))
        if not results:
            raise UserError(self.env._("Only a cleared clearing has a hash to verify."))
        Integrity._log(results)
        failed = [r for r in results if not r["ok"]]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "danger" if failed else "success",
                "sticky": bool(failed),
                "title": self.env._("Integrity check failed")
                if failed
                else self.env._("Integrity verified"),
                "message": "\n".join(f for r in failed for f in r["findings"])
                or self.env._("Hash and chain verified, nothing changed."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }


def prefix_version_1_hashes(cr):
    """Migration to hash versions: hashes written before them are version 1 (`$1$<hex>`).

    `previous_hash` gets the same prefix, so that it still equals the previous clearing's
    `hash` and the chain stays unbroken. Idempotent: prefixed values are left alone.
    Returns the number of clearings whose hash was prefixed.
    """
    cr.execute(
        r"""UPDATE invoice_clearing SET hash = '$1$' || hash
             WHERE hash IS NOT NULL AND hash !~ '^\$\d+\$'"""
    )
    count = cr.rowcount
    cr.execute(
        r"""UPDATE invoice_clearing SET previous_hash = '$1$' || previous_hash
             WHERE previous_hash IS NOT NULL AND previous_hash !~ '^\$\d+\$'"""
    )
    return count
