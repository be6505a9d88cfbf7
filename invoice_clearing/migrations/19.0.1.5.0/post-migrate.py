"""19.0.1.5.0: cleared clearings get their archive package (归档包). The upgrade only queues
them: the cron that builds missing packages runs right after it, one clearing at a time, a
large one by a background job, so the upgrade itself stays short."""

from odoo.addons.invoice_clearing.models.invoice_clearing_archive import queue_missing


def migrate(cr, version):
    if version:
        queue_missing(cr)
