"""19.0.1.3.0: fapiao may have rate lines (invoice.clearing.fapiao.line). No fapiao had any, so
the new stored flag `multi_rate` is created empty here rather than computed by the ORM for every
fapiao of the register (a million rows on a large database)."""


def migrate(cr, version):
    if version:
        cr.execute(
            "ALTER TABLE invoice_clearing_fapiao ADD COLUMN IF NOT EXISTS multi_rate boolean"
        )
