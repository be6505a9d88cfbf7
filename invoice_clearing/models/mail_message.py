"""The chatter of clearings and fapiao is their audit trail: append-only for everyone but the superuser.

Odoo lets authors edit their own comments and anybody who can write the document delete its
messages; for a legal act (清卡) that history must stay as it was written. For the same reason a message
added to it is signed by the user who adds it, never in someone else's name. The audited models
are those of invoice.clearing.audited.mixin.
"""

from odoo import api, models
from odoo.exceptions import AccessError

# What a reader changes on a message without touching its content: its own star.
PERSONAL_FIELDS = {"starred_partner_ids"}


class MailMessage(models.Model):
    _inherit = "mail.message"

    def _check_audit_trail(self):
        if self.env.su:
            return
        audited_models = self.env["invoice.clearing.audited.mixin"]._audited_models()
        # sudo: the rule holds for every message of these models, whoever may read it
        audited = self.sudo().filtered(lambda message: message.model in audited_models)
        if audited:
            raise AccessError(
                self.env._(
                    "The chatter of a fapiao or a clearing is its audit trail: its messages "
                    "cannot be edited or deleted."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        if not self.env.su:
            # Checked on the result, so context defaults (default_model, default_author_id)
            # cannot slip a message past the check.
            own = self.env.user.partner_id
            audited_models = self.env["invoice.clearing.audited.mixin"]._audited_models()
            signed = messages.sudo().filtered(lambda m: m.model in audited_models)  # as stored
            if any(message.author_id != own for message in signed):
                raise AccessError(
                    self.env._(
                        "The chatter of a fapiao or a clearing is its audit trail: a message "
                        "is signed by the user who writes it and cannot be posted in the name "
                        "of someone else."
                    )
                )
        return messages

    def write(self, vals):
        if vals.keys() - PERSONAL_FIELDS:
            self._check_audit_trail()
        return super().write(vals)

    def unlink(self):
        self._check_audit_trail()
        return super().unlink()
