"""Freezing a clearing's scope (冻结): the act of clearing, once the checks pass.

A mixin of `invoice.clearing`. Under the company's database lock, the open fapiao of the scope get
the clearing (one UPDATE), the integrity service seals it (hash chain) and the sales lock date
moves to the period's end. A scope above the background threshold is frozen batch by batch by
a background job (invoice.clearing.job, 后台清卡): each batch is committed with the job's
progress, the last transaction re-checks the whole scope and clears it, or releases every batch.
The certificate is rendered only after that transaction commits (see the certificate report):
no lock is held while wkhtmltopdf waits on Odoo's HTTP.
"""

import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools.periods import month_end, month_start
from . import advisory_locks
from .guard_bypass import with_bypass

_logger = logging.getLogger(__name__)

# Scopes larger than this run as a background job (system parameters, see data/).
THRESHOLD_PARAM = "invoice_clearing.background_threshold"
DEFAULT_THRESHOLD = 200_000
BATCH_PARAM = "invoice_clearing.background_batch_size"
DEFAULT_BATCH = 50_000


class InvoiceClearingFreeze(models.AbstractModel):
    """The inheriting model provides the clearing's fields (`company_id`, `state`, `job_id` and
    its related `job_*`, `fapiao_count`, ...), its scope (`_scope_domain`, `_scope_query`) and
    its check (`_run_check`, `_blocking_message`, `_check_invoices_unchanged`)."""

    _name = "invoice.clearing.freeze"
    _description = "Clearing Freeze"

    def _try_company_lock(self):
        """The per-company advisory lock for this transaction: True if we hold it now."""
        return advisory_locks.try_clearing_lock(self.env.cr, self.company_id.id)

    def _lock_company(self):
        """Serialize clearings of one company across workers and machines (database locks).

        A background job of the company keeps it locked between its batches: its running job
        (invoice.clearing.job) is read here under the advisory lock.
        """
        # The clearing's row too, never waited for: a transaction writing it holds it (Odoo
        # skips a locked row); one that committed a change of it after this transaction's
        # snapshot fails this one with a serialization error, which Odoo retries afresh.
        busy = not self._try_company_lock() or not self.try_lock_for_update()
        # sudo: the company's running clearing job, whoever approves
        busy = busy or bool(
            self.env["invoice.clearing.job"].sudo().search_count(
                [("company_id", "=", self.company_id.id), ("kind", "=", "clearing"),
                 ("state", "=", "running")], limit=1,
            )
        )  # fmt: skip
        if busy:
            _logger.info(
                "Approval of clearing %s (id %s) refused: company %s is locked by another clearing",
                self.name, self.id, self.company_id.id,
            )  # fmt: skip
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
        """Freeze what is left of the checked scope and seal it (the caller ran the check); its
        certificate is queued, rendered once this transaction has committed."""
        approver = approver or self.env.user
        self._check_invoices_unchanged()
        self._check_fapiao_unchanged()
        expected = self.fapiao_count
        open_scope = SQL("id IN %s AND clearing_id IS NULL", self._scope_query().subselect())
        frozen = self._set_fapiao_clearing(self.id, open_scope)
        frozen += self.job_done if self.job_state == "running" else 0
        if frozen != expected:
            raise UserError(
                self.env._(
                    "The fapiao of this scope changed while clearing (%(frozen)s instead of "
                    "%(expected)s). Check again and retry.",
                    frozen=frozen,
                    expected=expected,
                )
            )
        now = fields.Datetime.now()
        vals = {"state": "cleared", "approved_by": approver.id, "cleared_at": now}
        with_bypass(self).sudo().write({**vals, "failure_reason": False})  # set by approval
        self.env["invoice.clearing.integrity"]._seal(self)
        self._end_reopenings()
        self._move_lock_date()
        self.env["invoice.clearing.quota"]._renew_for_clearing(self)
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
        self.env["report.invoice_clearing.report_clearing_certificate"]._attach_after_commit(self)
        self.env["invoice.clearing.archive"]._build_after_commit(self)  # after the certificate
        if self.job_state == "running":
            self.job_id._done(done=frozen)
        _logger.info(
            "Clearing %s (id %s) of company %s cleared by user %s: %s fapiao frozen, hash %s",
            self.name, self.id, self.company_id.id, approver.id, frozen, self.hash,
        )  # fmt: skip

    def _background_threshold(self):
        return self._int_param(THRESHOLD_PARAM, DEFAULT_THRESHOLD)

    def _int_param(self, key, default):
        # sudo: a system parameter, read for the approving manager, who may not read settings
        param = self.env["ir.config_parameter"].sudo().get_param(key)
        return int(param) if param else default

    def _job_start(self):
        """Start the background job: running from now on, it keeps the company's clearings
        locked (see _lock_company) until it ends."""
        self.env["invoice.clearing.job"]._start_for(self, state="running", total=self.fapiao_count)
        with_bypass(self).sudo().write({"approved_by": self.env.uid, "failure_reason": False})
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
        batch_size = self._int_param(BATCH_PARAM, DEFAULT_BATCH)
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
        Fapiao = self.env["invoice.clearing.fapiao"]
        Fapiao.flush_model()
        batch = Fapiao.sudo()._search(  # the whole scope, as the check saw it, whatever the cron user may read
            self._scope_domain()
            & Domain("clearing_id", "=", False)
            & Domain("id", ">", self.job_last_id),
            order="id",
            limit=batch_size,
        )
        self.env.cr.execute(
            SQL(
                """UPDATE %s SET clearing_id = %s
                    WHERE id IN %s AND clearing_id IS NULL RETURNING id""",
                SQL.identifier(Fapiao._table),
                self.id,
                batch.subselect(),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        if ids:
            self.job_id._advance(len(ids), last_id=max(ids))
            Fapiao.invalidate_model(["clearing_id"])
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
        self._release_fapiao()
        with_bypass(self).sudo().failure_reason = reason  # protected, set by the approval
        self.message_post(
            body=self.env._("Clearing failed (清卡失败): %(reason)s", reason=reason),
            partner_ids=self.approved_by.partner_id.ids,
        )

    def _clears_whole_period(self):
        """Whether the scope covers whole periods up to a month end (all open fapiao up to it)."""
        return self.scope == "period" and self.date_to and self.date_to == month_end(self.date_to)

    def _move_lock_date(self):
        """A whole period cleared up to its month end locks sales up to it (never backwards)."""
        if not self._clears_whole_period():
            return
        # As the superuser: the lock date follows the clearing, not the user; and Odoo revokes
        # and recreates the active lock date exceptions on a new lock date, which only an
        # accounting adviser may do (action_revoke), and a clearing manager need not be one.
        company = self.company_id.with_user(SUPERUSER_ID)
        if not company.sale_lock_date or company.sale_lock_date < self.date_to:
            company.sale_lock_date = self.date_to

    def _open_lock_date(self, reason):
        """Open the reopened month to corrections with Odoo's own lock date exception.

        The sales lock date stays at the period's end, the mark of what was cleared; an
        exception (account.lock_exception) for every user lowers it to the day before the
        month, records the reason and who reopened (its creator), shows on the company's
        chatter and in Odoo's audit trail of what was posted during it. Every user: the
        forgotten invoices and credit notes are posted by billing users, not only by the
        managers who reopened (four-eyes when on). Moving the lock date back instead would
        erase that mark and leave no record in Odoo's own lock date history.
        """
        if not self._clears_whole_period():
            return
        company = self.company_id.sudo()  # sudo: the company's lock date, whoever reopens
        before = month_start(self.date_to) - timedelta(days=1)
        if not company.sale_lock_date or company.sale_lock_date <= before:
            return  # nothing of the month is locked
        # sudo: only accounting advisers create exceptions; the reopening is the clearing
        # managers' act, approved as the clearing says (four-eyes when on)
        exception = (
            self.env["account.lock_exception"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "user_id": False,  # for everyone (see above)
                    "sale_lock_date": before,
                    "reason": self.env._(
                        "%(clearing)s reopened: %(reason)s", clearing=self.name, reason=reason
                    ),
                    "invoice_clearing_id": self.id,
                }
            )
        )
        self.message_post(
            body=self.env._(
                "Sales lock date exception %(exception)s: customer invoices and credit notes dated "
                "from %(start)s may be posted in the month, and reset to draft, until it is "
                "cleared again; the sales lock date stays at %(lock)s.",
                exception=exception.id,
                start=month_start(self.date_to),
                lock=company.sale_lock_date,
            )
        )

    def _end_reopenings(self):
        """A whole period cleared again ends the exceptions its reopened clearings opened."""
        if not self._clears_whole_period():
            return
        exceptions = (
            self.env["account.lock_exception"]
            .sudo()  # the company's exceptions, whatever the approver may read
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("invoice_clearing_id", "!=", False),
                    ("invoice_clearing_id.date_to", "<=", self.date_to),
                    ("state", "=", "active"),
                ]
            )
        )
        if exceptions:
            # Revoked as Odoo revokes them (ended now, kept in its history); as the superuser,
            # because action_revoke is the accounting adviser's button and the clearing ends
            # the exception its reopening opened.
            exceptions.with_user(SUPERUSER_ID).action_revoke()
            self.message_post(
                body=self.env._(
                    "The sales lock date exception opened by reopening %(clearings)s ended: "
                    "sales are locked again up to %(date)s.",
                    clearings=", ".join(exceptions.invoice_clearing_id.mapped("name")),
                    date=self.date_to,
                )
            )

    def _release_fapiao(self):
        """Open again the fapiao this clearing froze (a failed background job, a reopening)."""
        self._set_fapiao_clearing(None, SQL("clearing_id = %s", self.id))

    def _set_fapiao_clearing(self, clearing_id, where):
        """Give the fapiao matching `where` (SQL) to clearing `clearing_id` (None: to none) in
        one UPDATE; how many changed."""
        Fapiao = self.env["invoice.clearing.fapiao"]
        Fapiao.flush_model()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET clearing_id = %s WHERE %s",
                SQL.identifier(Fapiao._table),
                clearing_id,
                where,
            )
        )
        count = self.env.cr.rowcount
        Fapiao.invalidate_model(["clearing_id"])
        return count

    def _record_failure(self, reason):
        _logger.warning("Clearing %s (id %s) failed: %s", self.name, self.id, reason)
        with_bypass(self).sudo().failure_reason = reason  # protected, set by the approval
        self.message_post(body=self.env._("Clearing failed (清卡失败): %(reason)s", reason=reason))
