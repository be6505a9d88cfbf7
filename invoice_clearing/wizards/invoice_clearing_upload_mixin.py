"""What the wizards that import a platform's export share: the file, its name, the company, and
the file's bytes (a damaged upload refused in the user's language)."""

import base64
import binascii

from odoo import fields, models
from odoo.exceptions import UserError


class InvoiceClearingUploadMixin(models.AbstractModel):
    """Each wizard names its `file` (label and help) and parses `_upload_data()` itself."""

    _name = "invoice.clearing.upload.mixin"
    _description = "Upload of an Export File"

    file = fields.Binary(required=True)
    file_name = fields.Char()
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )  # fmt: skip

    def _upload_data(self, max_bytes=None, check_size=None):
        """The uploaded file's bytes. With `max_bytes`, a larger file is refused by
        `check_size(size)` before it is decoded: base64 is 4/3 of the size (padding aside)."""
        self.ensure_one()
        encoded = self.file or b""
        if isinstance(encoded, str):
            encoded = encoded.encode()
        if max_bytes is not None and len(encoded) * 3 // 4 > max_bytes + 3:
            check_size(len(encoded) * 3 // 4 - encoded[-2:].count(b"="))
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise UserError(self.env._("The uploaded file is damaged. Upload it again.")) from None
