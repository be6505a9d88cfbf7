"""19.0.1.2.0: background jobs are records (invoice.clearing.job); the former job columns of
clearings and imports become their jobs, and the two crons call the job model."""

from odoo.addons.invoice_clearing.models.invoice_clearing_job import jobs_from_columns


def migrate(cr, version):
    if version:
        jobs_from_columns(cr)
