"""19.0.1.1.0: clearing hashes carry their version; existing ones are version 1."""

from odoo.addons.invoice_clearing.models.invoice_clearing_integrity import prefix_version_1_hashes


def migrate(cr, version):
    if version:
        prefix_version_1_hashes(cr)
