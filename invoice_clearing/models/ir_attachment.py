"""Files of a cleared clearing or a frozen fapiao (the certificate, the bureau's proof) are kept.

Odoo lets anyone who may write a record delete its attachments; once the record is certified
(`_certified()` of a model of invoice.clearing.audited.mixin), only the superuser may remove or
replace them. The preview image the chatter computes in the browser is not evidence and stays
writable.
"""

from odoo import models
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

    def write(self, vals):
        if set(vals) - PREVIEW_FIELDS:
            self._check_not_certified()
        return super().write(vals)

    def unlink(self):
        self._check_not_certified()
        return super().unlink()
