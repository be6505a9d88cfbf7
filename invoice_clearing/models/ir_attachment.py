"""Files of a cleared clearing or a frozen fapiao (the certificate, the bureau's proof) are kept.

Odoo lets anyone who may write a record delete its attachments; once the record is certified
(`_certified()` of a model of invoice.clearing.audited.mixin), only the superuser may remove or
replace them. The preview image the chatter computes in the browser is not evidence and stays
writable. A clearing's archive package (归档包) is kept even from `sudo()`: another module's code
running as sudo is not the superuser, who alone (at install and upgrade) may remove it.
"""

from odoo import SUPERUSER_ID, models
from odoo.exceptions import AccessError

PREVIEW_FIELDS = {"thumbnail"}


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _check_not_certified(self):
        if self.env.su or not self:
            return
        attachments = self.sudo()  # the rule holds whoever may read the attachments and records
        for model in self.env["invoice.clearing.audited.mixin"]._audited_models():
            ids = {a.res_id for a in attachments if a.res_model == model and a.res_id}
            if ids and self.env[model].sudo().browse(ids).exists()._certified():  # as above
                raise AccessError(
                    self.env._(
                        "This file belongs to a cleared clearing or a frozen fapiao and cannot "
                        "be changed or deleted."
                    )
                )

    def _check_not_archive(self):
        if self.env.uid == SUPERUSER_ID or not self:
            return
        # sudo: whichever clearing it belongs to, whoever tries
        clearing = (
            self.env["invoice.clearing"]
            .sudo()
            .search([("archive_attachment_id", "in", self.ids)], limit=1)
        )
        if clearing:
            raise AccessError(
                self.env._(
                    "%(file)s is the archive package of clearing %(clearing)s: it is kept for the "
                    "auditors and cannot be changed or deleted, not even by an administrator. "
                    "To correct the period, reopen it and clear it again: the new clearing gets "
                    "its own package.",
                    file=clearing.archive_attachment_id.name,
                    clearing=clearing.name,
                )
            )

    def write(self, vals):
        if set(vals) - PREVIEW_FIELDS:
            self._check_not_archive()
            self._check_not_certified()
        return super().write(vals)

    def unlink(self):
        self._check_not_archive()
        self._check_not_certified()
        return super().unlink()
