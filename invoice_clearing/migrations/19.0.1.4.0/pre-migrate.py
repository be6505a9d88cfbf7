"""19.0.1.4.0: a background job names its owner by model and id (res_model, res_id) instead of
one foreign key per kind of owner; existing jobs keep their owners."""

from odoo.addons.invoice_clearing.models.invoice_clearing_job import owners_from_columns


def migrate(cr, version):
    if version:
        owners_from_columns(cr)
