"""The clearing's company settings in Settings > Invoicing."""

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    clearing_first_period = fields.Date(related="company_id.clearing_first_period", readonly=False)
    clearing_lock_enabled = fields.Boolean(
        related="company_id.clearing_lock_enabled", readonly=False
    )
    clearing_four_eyes = fields.Boolean(related="company_id.clearing_four_eyes", readonly=False)
