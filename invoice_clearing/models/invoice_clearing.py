"""A clearing (清卡记录): resolves a scope of fapiao, checks it, and on approval freezes it.

Approval happens in one transaction under a per-company database lock; the summary is computed
by PostgreSQL (GROUP BY) and the hash over the frozen content is chained per company. Beside
it: the checks and summary (invoice_clearing_check.py), who may do what and four-eyes
(invoice_clearing_approval.py), freezing the scope at once or in background batches
(invoice_clearing_freeze.py), protected fields and append-only chatter
(invoice_clearing_audited.py), the hash (invoice_clearing_integrity.py), the database locks
(advisory_locks.py).
"""

import logging
import os
import shutil
import tempfile

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.addons.base.models.res_users import check_identity
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools.translate import LazyTranslate

from ..tools import fapiao_number
from ..tools.periods import month_end, month_start
from ..tools.rule_error import FapiaoRuleError
from .guard_bypass import bypassed, with_bypass
from .invoice_clearing_job_owner import JobSpec

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

SCOPE_FIELDS = {"scope", "date_from", "date_to", "number_list", "company_id", "filing_date",
                "filing_line_ids"}  # fmt: skip
# Set by the clearing's own actions (guard_bypass), never written by a user: the audit fields, the
# state machine, the hash chain and the lines computed by the check.
PROTECTED_FIELDS = frozenset({
    "name", "company_id", "state", "prepared_by", "approved_by", "cleared_at", "checked_at",
    "failure_reason", "content_digest", "hash", "previous_hash", "reopen_reason",
    "reopen_requested_by", "reopened_by", "reopened_at", "frozen_fapiao_ids",
    "summary_line_ids", "problem_ids", "certificate_id", "fapiao_fingerprints", "job_state",
    "job_total", "job_done", "job_last_id", "invoice_digest", "invoice_line_fingerprints",
    "job_id", "job_ids", "tieout_line_ids", "lock_exception_ids", "check_signature",
    "archive_attachment_id",
})  # fmt: skip
# What a new clearing may carry for these fields: the defaults a client sends back.
CREATE_DEFAULTS = {"state": "draft", "name": "/"}
# Lines of the verifier's report shown in the notification of Verify Archive (all go to the chatter).
ARCHIVE_NOTIFIED_LINES = 20
ARCHIVE_LOGGED_LINES = 200
ARCHIVE_COPY_CHUNK = 1 << 20
# The header a clearing's hash certifies (every hash version), see _get_clearing_hash_fields.
HASH_HEADER_FIELDS = ("name", "company_id", "scope", "date_from", "date_to", "number_list",
                      "prepared_by", "approved_by", "cleared_at", "filing_date", "filing_line_ids")  # fmt: skip


class InvoiceClearing(models.Model):
    _name = "invoice.clearing"
    _description = "Fapiao Clearing"
    _inherit = [
        "invoice.clearing.check",
        "invoice.clearing.approval",
        "invoice.clearing.freeze",
        "invoice.clearing.audited.mixin",
        "invoice.clearing.job.owner",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "date_to desc, id desc"
    _check_company_auto = True
    # A large clearing freezes its fapiao in batches in the background (后台清卡), as the
    # superuser (beyond the approver's record rules); no limit of attempts: the company stays
    # locked until the job ends.
    _job_spec = JobSpec(
        "clearing", _lt("Clearing"), "invoice_clearing.ir_cron_clearing_jobs", max_attempts=0,
        logger=_logger,
    )  # fmt: skip

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
    tieout_line_ids = fields.One2many(
        "invoice.clearing.tieout.line", "clearing_id", "Tie-out", readonly=True, copy=False,
        help="账票表核对: ledger, fapiao and filing per rate, and what explains their differences",
    )  # fmt: skip
    blocking_count = fields.Integer(compute="_compute_problem_counts")
    warning_count = fields.Integer(compute="_compute_problem_counts")
    checked_at = fields.Datetime(readonly=True, copy=False, tracking=True)
    check_signature = fields.Char(
        readonly=True, copy=False,
        help="Digest of the month's facts the last check judged: the period overview says when "
        "they changed since",
    )  # fmt: skip
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
    lock_exception_ids = fields.One2many(
        "account.lock_exception", "invoice_clearing_id", "Lock Date Exceptions", readonly=True,
        context={"active_test": False},
        help="Odoo's sales lock date exception opened by the reopening, ended by the next "
        "clearing of the month",
    )  # fmt: skip
    # Reports and integrity
    certificate_id = fields.Many2one(
        "ir.attachment", readonly=True, copy=False,
        help="清卡凭证: the PDF rendered and attached on approval; it cannot be changed or deleted",
    )  # fmt: skip
    # The archive package (归档包), built after the clearing commits (invoice_clearing_archive.py).
    archive_attachment_id = fields.Many2one(
        "ir.attachment", "Archive Package", readonly=True, copy=False, index="btree_not_null",
        help="归档包: a ZIP of the certificate, summary, XLSX, the hashed data, the fapiao's original "
        "files and the bureau exports, with a manifest; it cannot be changed or deleted",
    )  # fmt: skip
    fapiao_fingerprints = fields.Binary(
        attachment=True, readonly=True, copy=False, groups="base.group_system",
        help="Per-fapiao SHA-256 prefixes taken at clearing time, to name a changed fapiao",
    )  # fmt: skip
    invoice_line_fingerprints = fields.Binary(
        attachment=True, readonly=True, copy=False, groups="base.group_system",
        help="Per-journal-item SHA-256 prefixes of the frozen invoices, to name a changed line",
    )  # fmt: skip
    job_state = fields.Selection(
        help="A large clearing freezes its fapiao in batches in the background (后台清卡)"
    )
    export_ids = fields.One2many(
        "invoice.clearing.export", "clearing_id", "XLSX Exports", readonly=True
    )
    job_total = fields.Integer(string="Fapiao to Freeze")
    job_done = fields.Integer(string="Fapiao Frozen")
    job_last_id = fields.Integer(help="Resume point: last frozen id")
    # The invoicing quota (授信额度) of the month the clearing ends in, shown on its form.
    quota_id = fields.Many2one(
        "invoice.clearing.quota", "Invoicing Quota", compute="_compute_quota_id",
        help="本月授信额度 of the clearing's month (its end date), if one is recorded",
    )  # fmt: skip
    # Copied by _compute_quota_id: a related field through a non-stored link cannot be triggered.
    quota_amount_granted = fields.Monetary("Quota Granted", compute="_compute_quota_id")
    quota_amount_used = fields.Monetary("Quota Used", compute="_compute_quota_id")
    quota_amount_remaining = fields.Monetary("Quota Remaining", compute="_compute_quota_id")
    quota_usage_percent = fields.Float("Quota Used (%)", compute="_compute_quota_id")
    quota_suspended = fields.Boolean(compute="_compute_quota_id")
    quota_valid_until = fields.Date(compute="_compute_quota_id")

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

    # ------------------------------------------------------- audit trail and hash
    def _protected_fields(self, create=False):
        # A new clearing starts as a draft prepared by its creator, in the company he chooses.
        return PROTECTED_FIELDS - {"company_id"} if create else PROTECTED_FIELDS

    def _protected_create_defaults(self):
        return {**CREATE_DEFAULTS, "prepared_by": self.env.uid}

    def _protected_message(self, fields):
        return self.env._(
            "%(fields)s of a fapiao clearing are set by its actions (check, submit, approve, "
            "cancel, reopen) and cannot be written directly.",
            fields=fields,
        )

    def _audit_trail_message(self):
        return self.env._("Messages of the clearing audit trail cannot be edited or deleted.")

    def _certified(self):
        return self.filtered(lambda c: c.state == "cleared" or c.hash)

    def _get_clearing_hash_fields(self, version):
        """Header fields a clearing of hash `version` certifies, like account.move's
        `_get_integrity_hash_fields`: a module hashing more of them adds a hash version."""
        return HASH_HEADER_FIELDS

    def write(self, vals):
        self._check_protected_write(vals)
        if "archive_attachment_id" in vals:
            self._check_archive_kept()
        if SCOPE_FIELDS & vals.keys():
            self._check_no_job()
        if self.filtered(lambda c: c.state in ("cleared", "cancelled")) and not bypassed(self.env):
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
        # sudo: the scope is the company's fapiao, whatever the user's record rules hide
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

    @api.depends("company_id", "date_to")
    def _compute_quota_id(self):
        Quota = self.env["invoice.clearing.quota"]
        for clearing in self:
            month = clearing.date_to and month_start(clearing.date_to)
            quota = month and Quota.search(
                [("company_id", "=", clearing.company_id.id), ("date", "=", month)], limit=1
            )
            quota = quota or Quota
            clearing.quota_id = quota
            clearing.quota_amount_granted = quota.amount_granted
            clearing.quota_amount_used = quota.amount_used
            clearing.quota_amount_remaining = quota.amount_remaining
            clearing.quota_usage_percent = quota.usage_percent
            clearing.quota_suspended = quota.suspended
            clearing.quota_valid_until = quota.valid_until

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

    # ------------------------------------------------------------ transitions
    def action_submit(self):
        """Check, then ask for approval (four-eyes) or clear at once (a manager, no four-eyes)."""
        self._check_group("invoice_clearing.group_clearing_user")
        self.check_access("write")
        result = True
        for clearing in self:
            clearing._check_submittable()
            if clearing._four_eyes():
                clearing._hand_over()
            else:
                result = clearing.action_approve()
        return result if len(self) == 1 else True

    def action_request_approval(self):
        """Hand a checked draft over to the clearing managers (交接), four-eyes or not.

        Without four-eyes a clerk cannot clear; this is how the preparer-approver flow works
        whichever the company's setting: the managers get a to-do, one of them clears.
        """
        self._check_group("invoice_clearing.group_clearing_user")
        self.check_access("write")
        for clearing in self:
            clearing._check_submittable()
            if not clearing._approvers(self.env.user):
                raise UserError(
                    self.env._(
                        "No other clearing manager of %(company)s can approve %(name)s. Ask an "
                        "administrator to give a colleague the Fapiao Clearing Manager role.",
                        company=clearing.company_id.name,
                        name=clearing.name,
                    )
                )
            clearing._hand_over()
            clearing.message_post(
                body=self.env._("Approval requested by %(user)s.", user=self.env.user.name)
            )
        return True

    def _check_submittable(self):
        """A draft, checked now, without blocking problems."""
        if self.state != "draft":
            raise UserError(self.env._("Only a draft clearing can be submitted."))
        self.action_check()
        if self.blocking_count:
            raise UserError(self._blocking_message())

    def _hand_over(self):
        """Wait for approval, prepared by the current user; the approvers get a to-do."""
        # sudo: state and preparer are protected fields, set by this action only
        with_bypass(self).sudo().write({"state": "to_approve", "prepared_by": self.env.uid})
        self._notify_approvers()

    @check_identity
    def action_approve_web(self):
        """The web client's approve button: Odoo's password prompt first, then approve; refused
        while the user is locked out for wrong passwords, even after another identity check."""
        self.env["invoice.clearing.identity.attempt"]._check_not_locked(
            self.env.user, self.company_id[:1], "invoice.clearing.action_approve_web"
        )
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

    def action_open_jobs(self):
        self.ensure_one()
        self._check_reader()
        return self.env["invoice.clearing.job"]._action_open_for(self)

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
        with_bypass(self).sudo().write({"state": "cancelled"})  # protected state, set by actions
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_reset_to_draft(self):
        self._check_group("invoice_clearing.group_clearing_user")
        self.check_access("write")
        self._check_no_job()
        for clearing in self.filtered(lambda c: c.state == "to_approve"):
            with_bypass(clearing).sudo().state = "draft"  # protected state, set by actions
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
        self._check_no_later_period_cleared()
        if self._four_eyes() and not self.env.su:
            if not self.reopen_requested_by:
                # sudo: the reopening fields are protected, set by this action only
                with_bypass(self).sudo().write(
                    {"reopen_requested_by": self.env.uid, "reopen_reason": reason}
                )
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
        self._release_fapiao()
        with_bypass(self).sudo().write(  # protected fields, set by this action only
            {
                "state": "cancelled",
                "reopen_reason": reason,
                "reopened_by": self.env.uid,
                "reopened_at": fields.Datetime.now(),
            }
        )
        self._open_lock_date(reason)
        self.message_post(
            body=self.env._(
                "Reopened by %(user)s: %(reason)s. Its fapiao are open again; the hash chain "
                "keeps this clearing.",
                user=self.env.user.name,
                reason=reason,
            )
        )
        return True

    def _check_no_later_period_cleared(self):
        """A whole period is reopened from the last cleared one back: a later cleared month
        would keep the reopened one locked (its lock date and its clearing cover it)."""
        if self.scope != "period":
            return
        later = self.sudo().search(  # sudo: the company's clearings, whatever the user reads
            [
                ("company_id", "=", self.company_id.id),
                ("state", "=", "cleared"),
                ("scope", "=", "period"),
                ("date_to", ">", self.date_to),
            ],
            order="date_to desc",
            limit=1,
        )
        if later:
            raise UserError(
                self.env._(
                    "%(name)s cannot be reopened while the later period of %(later)s (up to "
                    "%(date)s) is cleared. Reopen %(later)s first, then %(name)s.",
                    name=self.name,
                    later=later.name,
                    date=later.date_to,
                )
            )

    # ---------------------------------------------------------------- reports
    def _archive_missing(self):
        """The clearings of `self` whose package is due: cleared, certificate attached, none
        attached yet (a reopened clearing keeps the one it has and gets none later)."""
        return self.filtered(
            lambda c: (
                c.state == "cleared" and c.hash and c.certificate_id and not c.archive_attachment_id
            )
        )

    def _check_archive_kept(self):
        """A package, once attached, is never replaced (only the superuser may)."""
        kept = self.filtered("archive_attachment_id")
        if kept and self.env.uid != SUPERUSER_ID:
            raise AccessError(
                self.env._(
                    "Clearing %(name)s has its archive package already; it cannot be replaced.",
                    name=kept[0].name,
                )
            )

    def _archive_build(self):
        """Build and attach the archive package of this cleared clearing now (the caller runs
        after the clearing's commit and holds no lock); its attachment."""
        self.ensure_one()
        return self.env["invoice.clearing.archive"]._build_missing(self)

    def action_export_xlsx(self):
        """Download the clearing as XLSX (summary, fapiao and problems sheets); a clearing too
        large for one download is written in files by a background job (后台导出)."""
        self.ensure_one()
        self._check_reader()
        Export = self.env["invoice.clearing.export"]
        part_rows = Export._part_rows()
        if self.fapiao_count > part_rows:
            export = Export._start(self, part_rows)
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info",
                    "title": self.env._("XLSX export runs in the background"),
                    "message": self.env._(
                        "%(count)s fapiao are written in %(files)s files of up to %(rows)s "
                        "fapiao each. You are notified with the files when they are ready; "
                        "they stay under XLSX Exports on this clearing.",
                        count=self.fapiao_count,
                        files=export.part_count,
                        rows=part_rows,
                    ),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return {
            "type": "ir.actions.act_url",
            "url": f"/invoice_clearing/clearing/{self.id}/xlsx",
            "target": "download",
        }

    def action_open_exports(self):
        self.ensure_one()
        self._check_reader()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_clearing.action_invoice_clearing_export"
        )
        action["domain"] = [("clearing_id", "=", self.id)]
        return action

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

    # ---------------------------------------------------------------- archive package
    def action_download_archive(self):
        """Download the clearing's archive package (归档包) through /web/content, where the
        attachment's access follows the clearing's (its readers, auditors included)."""
        self.ensure_one()
        self._check_reader()
        attachment = self._archive_attachment()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    def action_verify_archive(self):
        """Run the stand-alone verifier on the stored package, as an auditor would on his own
        machine; log the result in the chatter like Verify Integrity and show it."""
        self.ensure_one()
        self._check_reader()
        report = self._archive_verify_report()
        lines = list(report.lines())
        self._log_archive_verification(report.ok, lines)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if report.ok else "danger",
                "sticky": not report.ok,
                "title": self.env._("Archive package verified")
                if report.ok
                else self.env._("Archive package verification failed"),
                "message": "\n".join(lines[:ARCHIVE_NOTIFIED_LINES]),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _log_archive_verification(self, ok, lines):
        """Post the verifier's lines in the chatter, signed by the checking user."""
        user = self.env.user
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        if not ok:
            _logger.warning(
                "Archive package of clearing %s (id %s) failed verification by user %s: %s",
                self.name, self.id, user.id, " ".join(lines[:ARCHIVE_NOTIFIED_LINES]),
            )  # fmt: skip
        shown = lines[:ARCHIVE_LOGGED_LINES]
        if len(lines) > len(shown):
            shown.append(self.env._("… and %(count)s more lines.", count=len(lines) - len(shown)))
        title = self.env._(
            "Archive package check by %(user)s on %(time)s: %(status)s.",
            user=user.name,
            time=now.strftime("%Y-%m-%d %H:%M:%S"),
            status=self.env._("OK") if ok else self.env._("FAILED"),
        )
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            title,
            Markup().join(Markup("<li>%s</li>") % line for line in shown),
        )
        # sudo: an auditor reads the clearing but may not write it; the note is signed by him
        self.sudo().message_post(
            body=body, author_id=user.partner_id.id, message_type="comment",
            subtype_xmlid="mail.mt_note",
        )  # fmt: skip

    @api.model
    def _archive_uninstall_warning(self):
        """What uninstalling does to the packages (the uninstall dialog and the server log say
        it), or False when there is none."""
        # sudo: every company's packages, whatever the administrator's companies
        count = self.sudo().search_count([("archive_attachment_id", "!=", False)])
        if not count:
            return False
        years = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("invoice_clearing.archive_retention_years", "30")
        )
        return self.env._(
            "%(count)s archive packages (归档包) of cleared clearings stay in the filestore after "
            "uninstalling Fapiao Clearing, but no user can open them from Odoo any more. "
            "Download them first (Download Archive on each clearing) and keep them %(years)s "
            "years.",
            count=count,
            years=years,
        )

    def _archive_attachment(self):
        """The package, readable by the current user; a clear error while it is not made."""
        attachment = self.archive_attachment_id
        if not attachment:
            raise UserError(
                self.env._(
                    "Clearing %(name)s has no archive package (归档包) yet: it is made when a "
                    "clearing is cleared, right after it is saved (in the background for a large "
                    "one). Reload the page in a moment.",
                    name=self.name,
                )
            )
        attachment.check_access("read")
        return attachment

    def _archive_verify_report(self):
        """archive_verify's Report on a temporary copy of the package, with the previous
        clearing's package when it has one (the chain link); in the user's language."""
        package = self._archive_attachment()
        from ..tools import archive_verify  # noqa: PLC0415 stdlib only, shared with the CLI

        previous = self.previous_hash and self.sudo().search(  # sudo: the company's chain
            [("company_id", "=", self.company_id.id), ("hash", "=", self.previous_hash)], limit=1
        )
        lang = "zh_CN" if self.env.lang == "zh_CN" else "en"
        with tempfile.TemporaryDirectory(prefix="invoice_clearing-archive-") as folder:
            path = _copy_attachment(package, os.path.join(folder, "package.zip"))
            previous_path = None
            if previous and previous.archive_attachment_id:
                previous_path = _copy_attachment(
                    previous.archive_attachment_id, os.path.join(folder, "previous.zip")
                )
            return archive_verify.verify(path, previous_path, lang=lang)


def _copy_attachment(attachment, path):
    """Copy an attachment's bytes to `path` in chunks (a package may be large)."""
    attachment = attachment.sudo()  # the caller checked the access; store_fname is technical
    with open(path, "wb") as target:
        if attachment.store_fname:
            source_path = attachment._full_path(attachment.store_fname)
            with open(source_path, "rb") as source:
                shutil.copyfileobj(source, target, ARCHIVE_COPY_CHUNK)
        else:
            target.write(attachment.raw or b"")
    return path
