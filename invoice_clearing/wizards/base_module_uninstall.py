"""The uninstall dialog warns that the clearings' archive packages stay in the filestore.

Uninstalling drops the clearings but not their attachments; Odoo then lets nobody but the
superuser read an attachment of a removed model, so the packages are downloaded before.
"""

from odoo import api, fields, models


class BaseModuleUninstall(models.TransientModel):
    _inherit = "base.module.uninstall"

    invoice_clearing_archive_warning = fields.Text(
        "Archive Packages", compute="_compute_invoice_clearing_archive_warning"
    )

    @api.depends("module_ids")
    def _compute_invoice_clearing_archive_warning(self):
        for wizard in self:
            removed = "invoice_clearing" in wizard._get_modules().mapped("name")
            wizard.invoice_clearing_archive_warning = (
                removed and self.env["invoice.clearing"]._archive_uninstall_warning()
            )
