"""Tracked changes (old → new value) of clearings and fapiao are part of their audit trail."""

from odoo import models
from odoo.exceptions import AccessError


class MailTrackingValue(models.Model):
    _inherit = "mail.tracking.value"

    def _check_audit_trail(self):
        if self.env.su:
            return
        audited_models = self.env["invoice.clearing.audited.mixin"]._audited_models()
        # sudo: tracking values are readable by administrators only; the rule holds for all
        if self.sudo().filtered(lambda value: value.mail_message_id.model in audited_models):
            raise AccessError(
                self.env._(
                    "The chatter of a fapiao or a clearing is its audit trail: its messages "
                    "cannot be edited or deleted."
                )
            )

    def write(self, vals):
        self._check_audit_trail()
        return super().write(vals)

    def unlink(self):
        self._check_audit_trail()
        return super().unlink()
