"""Passwords typed in the identity check that guards clearing and reopening (清卡密码锁定).

Odoo's identity check (the password prompt) has no cooldown of its own. Here the prompts before
clearing and reopening are counted: too many wrong passwords in a window lock them for a cooldown.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# System parameter (ir.config_parameter) and its default.
MAX_FAILURES_PARAM = ("invoice_clearing.identity_max_failures", 5)
WINDOW_PARAM = ("invoice_clearing.identity_window_minutes", 15)
COOLDOWN_PARAM = ("invoice_clearing.identity_cooldown_minutes", 15)
LOCK_NAMESPACE = 0x4944  # "ID": advisory lock serializing one user's attempts across workers


class InvoiceClearingIdentityAttempt(models.Model):
    """One password typed before clearing or reopening: kept in the database, so that every worker
    sees the lock-out, and kept even when the request that typed it is rolled back."""

    _name = "invoice.clearing.identity.attempt"
    _description = "Clearing Password Attempt"
    _inherit = ["mail.thread", "mail.activity.mixin"]  # the managers' to-do on a lock-out
    _order = "attempted_at desc, id desc"
    _mail_post_access = "read"  # the managers who read the attempt mark its to-do done
    _rec_name = "user_id"

    user_id = fields.Many2one(
        "res.users", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="cascade"
    )
    attempted_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    result = fields.Selection(
        [
            ("success", "Correct Password"),
            ("failure", "Wrong Password"),
            ("refused", "Refused (Locked)"),
        ],
        required=True,
        readonly=True,
    )
    action = fields.Char(readonly=True, help="The guarded action the password was typed for")
    ip = fields.Char(string="IP Address", readonly=True)
    locked_until = fields.Datetime(
        readonly=True,
        help="On the wrong password that locked the check: until when it is refused",
    )

    _user_time_idx = models.Index("(user_id, attempted_at)")

    # ---------------------------------------------------------------- the rule
    @api.model
    def _param(self, param):
        key, default = param
        # sudo: system parameters, read for every user typing a password
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        return int(value) if value else default

    @api.model
    def _locked_until(self, user):
        """When `user`'s lock-out ends, or False when the check is open."""
        lock = self.sudo().search(
            [("user_id", "=", user.id), ("locked_until", ">", fields.Datetime.now())],
            order="locked_until desc",
            limit=1,
        )
        return lock.locked_until

    @api.model
    def _check_not_locked(self, user, company, action):
        """Refuse, and log the refusal, while `user` is locked out."""
        until = self._locked_until(user)
        if until:
            self._log(user, company, action, "refused")
            raise UserError(self._lock_message(user, until))

    @api.model
    def _lock_message(self, user, until):
        when = fields.Datetime.context_timestamp(self, until).strftime("%Y-%m-%d %H:%M")
        return self.env._(
            "Too many wrong passwords: the password check before clearing and reopening is "
            "locked for %(user)s until %(time)s. Try again after %(time)s; if you did not type "
            "these passwords, tell a clearing manager.",
            user=user.name,
            time=when,
        )

    # ----------------------------------------------------------------- the log
    @api.model
    def _log(self, user, company, action, result):
        """Record an attempt in this transaction and, should the transaction roll back (a wrong
        password raises an error), once more in a transaction of its own."""
        values = {
            "user_id": user.id,
            "company_id": company.id,
            "action": action,
            "result": result,
            "ip": request.httprequest.remote_addr if request else False,
            "attempted_at": fields.Datetime.now(),
        }
        attempt = self.sudo()._record(dict(values))  # sudo: the log is written by this code only
        registry, lang = self.env.registry, user.lang

        def record_after_rollback():
            try:
                with registry.cursor() as cr:
                    env = self.env(cr=cr, su=True, context={"lang": lang})
                    env[self._name]._record(dict(values))
            except Exception:
                _logger.exception("Could not log a clearing password attempt of user %s", user.id)

        self.env.cr.postrollback.add(record_after_rollback)
        return attempt

    @api.model
    def _record(self, values):
        """Create the attempt; the wrong password that reaches the limit locks the check and
        gives the company's clearing managers a to-do."""
        failures = 0
        if values["result"] == "failure":
            user_id, now = values["user_id"], values["attempted_at"]
            self.env.cr.execute(
                SQL("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_NAMESPACE, user_id)
            )
            failures = self._failures_since(user_id, now) + 1
            if failures >= self._param(MAX_FAILURES_PARAM):
                values["locked_until"] = now + timedelta(minutes=self._param(COOLDOWN_PARAM))
        attempt = self.create(values)
        if attempt.locked_until:
            _logger.warning(
                "Clearing password check of user %s locked until %s after %s wrong passwords",
                attempt.user_id.id, attempt.locked_until, failures,
            )  # fmt: skip
            attempt._notify_lock(failures)
        return attempt

    @api.model
    def _failures_since(self, user_id, now):
        """Wrong passwords of the window, counted from the last lock-out's end or the last
        correct password if later."""
        since = now - timedelta(minutes=self._param(WINDOW_PARAM))
        mine = [("user_id", "=", user_id), ("attempted_at", "<=", now)]
        ended = self.search(
            [*mine, ("locked_until", "<=", now)], order="locked_until desc", limit=1
        )
        success = self.search(
            [*mine, ("result", "=", "success")], order="attempted_at desc", limit=1
        )
        since = max([since, ended.locked_until or since, success.attempted_at or since])
        return self.search_count([*mine, ("result", "=", "failure"), ("attempted_at", ">", since)])

    def _notify_lock(self, failures):
        """A to-do for every clearing manager of the company, in the manager's language."""
        managers = self.env["res.users"].search(
            [
                (
                    "all_group_ids",
                    "in",
                    self.env.ref("invoice_clearing.group_clearing_manager").ids,
                ),
                ("company_ids", "in", self.company_id.ids),
                ("share", "=", False),
            ],
            order="id",
        )
        for manager in managers:
            attempt = self.with_context(lang=manager.lang)
            when = fields.Datetime.context_timestamp(
                attempt.with_user(manager), self.locked_until
            ).strftime("%Y-%m-%d %H:%M")
            attempt.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=manager.id,
                summary=attempt.env._(
                    "Clearing password locked for %(user)s after %(count)s wrong passwords",
                    user=self.user_id.name,
                    count=failures,
                ),
                note=attempt.env._(
                    "The password check before clearing and reopening is locked for %(user)s "
                    "until %(time)s (IP address %(ip)s). Make sure it was the user who typed "
                    "these passwords.",
                    user=self.user_id.name,
                    time=when,
                    ip=self.ip or "-",
                ),
            )
