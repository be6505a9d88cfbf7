"""Odoo's lock date exception, linked to the fapiao clearing whose reopening created it."""

from odoo import fields, models


class AccountLockException(models.Model):
    _inherit = "account.lock_exception"

    # Copied by Odoo when it recreates an exception after a lock date change (`_recreate`), so
    # the clearing of the month again still finds and ends it.
    invoice_clearing_id = fields.Many2one(
        "invoice.clearing", "Reopened Fapiao Clearing", readonly=True, index="btree_not_null",
        ondelete="restrict",
        help="The reopened fapiao clearing whose month this exception opens; the next clearing "
        "of that month ends it.",
    )  # fmt: skip
