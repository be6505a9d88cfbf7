"""The clearing's company settings in Settings > Invoicing."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Issued fapiao are kept 5 years: no package may be meant to go sooner.
ARCHIVE_MIN_YEARS = 5


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    clearing_first_period = fields.Date(related="company_id.clearing_first_period", readonly=False)
    clearing_lock_enabled = fields.Boolean(
        related="company_id.clearing_lock_enabled", readonly=False
    )
    clearing_four_eyes = fields.Boolean(related="company_id.clearing_four_eyes", readonly=False)
    clearing_start_date = fields.Date(related="company_id.clearing_start_date")
    invoice_clearing_archive_retention_years = fields.Integer(
        "Archive Package Retention (Years)",
        config_parameter="invoice_clearing.archive_retention_years",
        default=30,
        help="How long the clearings' archive packages (归档包) are kept: accounting vouchers 30 "
        "years (会计档案管理办法), issued fapiao 5 years. Packages are never deleted by the addon.",
    )
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

    @api.constrains("invoice_clearing_archive_retention_years")
    def _check_archive_retention(self):
        for settings in self:
            if settings.invoice_clearing_archive_retention_years < ARCHIVE_MIN_YEARS:
                raise ValidationError(
                    self.env._(
                        "Keep the archive packages at least %(years)s years: issued fapiao are "
                        "kept 5 years, accounting vouchers 30 years.",
                        years=ARCHIVE_MIN_YEARS,
                    )
                )
