"""Files of a cleared clearing or a frozen fapiao (the certificate, the bureau's proof) are kept.

Odoo lets anyone who may write a record delete its attachments; once the record is certified,
only the superuser may remove or replace them. The preview image the chatter computes in the
browser is not evidence and stays writable.
"""

from odoo import models
from odoo.exceptions import AccessError

PREVIEW_FIELDS = {"thumbnail"}


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _check_not_certified(self):
        if self.env.su or not self:
            return
        attachments = self.sudo()
        ids = {
            model: {a.res_id for a in attachments if a.res_model == model and a.res_id}
            for model in ("invoice.clearing", "invoice.clearing.fapiao")
        }
        clearings = self.env["invoice.clearing"].sudo().browse(ids["invoice.clearing"]).exists()
        fapiao = self.env["invoice.clearing.fapiao"].sudo().browse(ids["invoice.clearing.fapiao"])
        if clearings.filtered(lambda c: c.state == "cleared" or c.hash) or fapiao.exists().filtered(
            "clearing_id"
        ):
            raise AccessError(
                self.env._(
                    "This file belongs to a cleared clearing or a frozen fapiao and cannot be "
                    "changed or deleted."
                )
            )

    def write(self, vals):
        if set(vals) - PREVIEW_FIELDS:
            self._check_not_certified()
        return super().write(vals)

    def unlink(self):
        self._check_not_certified()
        return super().unlink()
