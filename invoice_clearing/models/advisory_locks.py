"""The addon's PostgreSQL advisory locks, per company and per transaction (no ORM model).

Database locks, not Python ones: they serialize workers and machines alike (see docs/CONTRACT.md), and
PostgreSQL releases them at the end of the transaction, whatever happens. Five key pairs:

- (CLEARING_LOCK_NAMESPACE, company id): an approval holds it exclusively, every posting of a
  customer invoice shares it, so neither sees the other half done;
- (IMPORT_LOCK_NAMESPACE, company id): one import of the bureau's export at a time;
- (CERTIFICATE_LOCK_NAMESPACE, clearing id): one worker renders a clearing's certificate, the
  others skip it (nobody waits on it);
- (ARCHIVE_LOCK_NAMESPACE, clearing id): one worker builds a clearing's archive package;
- (RENDER_SLOT_NAMESPACE, slot): an HTTP request rendering a certificate, so that one HTTP
  worker stays free to serve wkhtmltopdf's CSS (see tools/render_slots.py).

Kept beside the models that take them, as mis_builder keeps its engines: this module needs a
cursor, so it is not one of the pure `tools/`.
"""

from odoo.tools import SQL

CLEARING_LOCK_NAMESPACE = 0x514B  # "QK" (清卡): approvals and postings of a company
IMPORT_LOCK_NAMESPACE = 0x4452  # "DR" (导入): imports of a company's bureau export
CERTIFICATE_LOCK_NAMESPACE = 0x515A  # "QZ" (清卡凭证): rendering a clearing's certificate
RENDER_SLOT_NAMESPACE = 0x5253  # "RS": HTTP requests rendering a certificate at once
ARCHIVE_LOCK_NAMESPACE = 0x4741  # "GA" (归档): building a clearing's archive package


def try_clearing_lock(cr, company_id):
    """Take the company's clearing lock exclusively if free: True if this transaction holds it."""
    cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", CLEARING_LOCK_NAMESPACE, company_id))
    return cr.fetchone()[0]


def try_shared_clearing_lock(cr, company_id):
    """Share the company's clearing lock with other postings: False while an approval holds it."""
    cr.execute(
        SQL("SELECT pg_try_advisory_xact_lock_shared(%s, %s)", CLEARING_LOCK_NAMESPACE, company_id)
    )
    return cr.fetchone()[0]


def import_lock(cr, company_id):
    """Wait for the company's import lock and hold it until the end of the transaction."""
    cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", IMPORT_LOCK_NAMESPACE, company_id))


def try_certificate_lock(cr, clearing_id):
    """Take the lock of rendering `clearing_id`'s certificate if free: True if this transaction
    holds it. Only tried, never waited for: a second renderer skips the clearing."""
    cr.execute(
        SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", CERTIFICATE_LOCK_NAMESPACE, clearing_id)
    )
    return cr.fetchone()[0]


def try_archive_lock(cr, clearing_id):
    """Take the lock of building `clearing_id`'s archive package if free (only tried)."""
    cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", ARCHIVE_LOCK_NAMESPACE, clearing_id))
    return cr.fetchone()[0]


def try_render_slot(cr, slots):
    """Take one of `slots` render slots of HTTP requests if one is free: True if this
    transaction holds it. Only tried: a request without a slot leaves the rendering to the cron."""
    for slot in range(slots):
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", RENDER_SLOT_NAMESPACE, slot))
        if cr.fetchone()[0]:
            return True
    return False
