"""The ground the addon stands on: installed, roles and menu in place.

The clean uninstall, which must commit, is tested from outside: tests/test_uninstall.py.
"""

from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_module_installed(self):
        module = self.env["ir.module.module"].search([("name", "=", "invoice_clearing")])
        self.assertEqual(module.state, "installed")
        # The database runs the manifest's version (its migrations ran).
        self.assertEqual(module.latest_version, get_manifest("invoice_clearing")["version"])
        # The Apps page shows the addon's own icon and its description page (static/description).
        module.update_list()
        self.assertEqual(module.icon, "/invoice_clearing/static/description/icon.png")
        self.assertIn("The monthly routine", module.description_html)

    def test_groups_hierarchy(self):
        user = self.env.ref("invoice_clearing.group_clearing_user")
        manager = self.env.ref("invoice_clearing.group_clearing_manager")
        auditor = self.env.ref("invoice_clearing.group_clearing_auditor")
        self.assertIn(user, manager.all_implied_ids)
        self.assertNotIn(manager, auditor.all_implied_ids)
        self.assertNotIn(user, auditor.all_implied_ids, "an auditor must not get write roles")
        self.assertIn(self.env.ref("account.group_account_readonly"), auditor.all_implied_ids)

    def test_menu_under_accounting_restricted_to_roles(self):
        menu = self.env.ref("invoice_clearing.menu_invoice_clearing_root")
        self.assertEqual(menu.parent_id, self.env.ref("account.menu_finance"))
        self.assertEqual(
            set(menu.group_ids.mapped(lambda g: g.get_external_id()[g.id])),
            {"invoice_clearing.group_clearing_user", "invoice_clearing.group_clearing_auditor"},
        )
        self.assertEqual(menu.with_context(lang="zh_CN").name, "发票清卡")

    def test_menu_hidden_without_roles(self):
        billing = new_test_user(self.env, "ic_billing", groups="account.group_account_invoice")
        clerk = new_test_user(self.env, "ic_clerk", groups="invoice_clearing.group_clearing_user")
        menu = self.env.ref("invoice_clearing.menu_invoice_clearing_root")
        Menu = self.env["ir.ui.menu"]
        self.assertNotIn(menu.id, Menu.with_user(billing)._visible_menu_ids())
        self.assertIn(menu.id, Menu.with_user(clerk)._visible_menu_ids())
