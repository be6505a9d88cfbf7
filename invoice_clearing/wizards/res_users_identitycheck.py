"""Odoo's password prompt, counted and locked out when it guards clearing or reopening."""

import json

from odoo import models
from odoo.exceptions import UserError

# (model, method) of the actions whose password prompt is locked out after wrong passwords.
GUARDED_ACTIONS = frozenset(
    {
        ("invoice.clearing", "action_approve_web"),
        ("invoice.clearing.reopen", "action_confirm_web"),
    }
)


class ResUsersIdentitycheck(models.TransientModel):
    """Before clearing and reopening, a locked-out user is refused whatever the password, and
    every password typed is logged; Odoo's other identity checks are left as they are."""

    _inherit = "res.users.identitycheck"

    def _clearing_guard(self):
        """The guarded records, their company and the action, or None for other checks."""
        self.ensure_one()
        # sudo: the request is Odoo's own field of this wizard, readable by nobody else
        raw = self.sudo().request
        if not raw:
            return None
        _context, model, ids, method, _args, _kwargs = json.loads(raw)
        if (model, method) not in GUARDED_ACTIONS:
            return None
        records = self.env[model].sudo().browse(ids).exists()
        company = records.company_id if "company_id" in records._fields else None
        if company is None:
            company = records.clearing_id.company_id
        return company[:1] or self.env.company, f"{model}.{method}"

    def _check_identity(self):
        guard = self._clearing_guard()
        if not guard:
            return super()._check_identity()
        company, action = guard
        Attempt = self.env["invoice.clearing.identity.attempt"]
        user = self.env.user
        Attempt._check_not_locked(user, company, action)
        try:
            result = super()._check_identity()
        except UserError:
            attempt = Attempt._log(user, company, action, "failure")
            if attempt.locked_until:
                raise UserError(Attempt._lock_message(user, attempt.locked_until)) from None
            raise
        Attempt._log(user, company, action, "success")
        return result
