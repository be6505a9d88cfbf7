"""Certificates (清卡凭证) and fingerprints of a clearing are evidence: nobody edits or deletes them."""

from odoo import models
from odoo.exceptions import UserError


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _clearing_evidence(self):
        """The attachments of `self` that a clearing keeps as evidence."""
        candidates = self.sudo().filtered(lambda a: a.res_model == "invoice.clearing")
        if not candidates:
            return candidates
        fingerprints = candidates.filtered(lambda a: a.res_field == "fapiao_fingerprints")
        self.env.cr.execute(
            "SELECT certificate_id FROM invoice_clearing WHERE certificate_id IN %s",
            [tuple(candidates.ids)],
        )
        return fingerprints | self.browse([row[0] for row in self.env.cr.fetchall()])

    def _check_clearing_evidence(self):
        if self.env.su:
            return
        evidence = self._clearing_evidence()
        if evidence:
            raise UserError(
                self.env._(
                    "%(name)s is the evidence of a clearing (清卡凭证) and cannot be changed or deleted.",
                    name=evidence[0].name,
                )
            )

    def write(self, vals):
        self._check_clearing_evidence()
        return super().write(vals)

    def unlink(self):
        self._check_clearing_evidence()
        return super().unlink()
