"""Uninstall on a copy of the test database (made by `make test`) leaves nothing behind.

The uninstall commits, so it cannot run inside a test transaction: a new process does it on the copy.
"""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys, odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config
    config.parse_config(["-c", sys.argv[1], "--log-level=warn"])
    registry = Registry(sys.argv[2])
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.module.module"].search([("name", "=", "invoice_clearing")]).button_immediate_uninstall()
    with Registry(sys.argv[2]).cursor() as cr:
        cr.execute("SELECT table_name FROM information_schema.tables "
                   "WHERE table_name LIKE 'invoice_clearing%%'")
        tables = [r[0] for r in cr.fetchall()]
        cr.execute("SELECT count(*) FROM ir_model_access a JOIN ir_model m ON m.id = a.model_id "
                   "WHERE m.model LIKE 'invoice.clearing%%'")
        access = cr.fetchone()[0]
        # The demo company and its customers stay: their invoices are accounting history.
        cr.execute("SELECT count(*) FROM ir_model_data WHERE module = 'invoice_clearing' "
                   "AND model NOT IN ('res.company', 'res.partner')")
        xmlids = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM res_groups WHERE name->>'en_US' = 'Auditor'")
        print(tables, access, xmlids)
    """
)


def test_uninstall_leaves_no_tables_or_access_rules(odoo_conf, uninstall_db):
    out = (
        subprocess.run(
            [sys.executable, "-c", SCRIPT, odoo_conf, uninstall_db],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert out == "[] 0 0", f"left behind after uninstall (tables, access rules, xmlids): {out}"
