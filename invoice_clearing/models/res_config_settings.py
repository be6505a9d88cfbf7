"""The clearing's company settings in Settings > Invoicing."""

from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    clearing_first_period = fields.Date(related="company_id.clearing_first_period", readonly=False)
    clearing_lock_enabled = fields.Boolean(
        related="company_id.clearing_lock_enabled", readonly=False
    )
    clearing_four_eyes = fields.Boolean(related="company_id.clearing_four_eyes", readonly=False)
    clearing_start_date = fields.Date(related="company_id.clearing_start_date")
    clearing_first_period_effective = fields.Char(
        "First Managed Period in Effect", compute="_compute_clearing_first_period_effective"
    )

    @api.depends("clearing_first_period", "company_id")
    def _compute_clearing_first_period_effective(self):
        for settings in self:
            first = settings.clearing_first_period or (
                settings.company_id._clearing_first_period_default()
            )
            settings.clearing_first_period_effective = first.strftime("%Y-%m")
