"""What a user sees of the archive package (归档包) besides the download: the clearing notes,
the retention setting, the errors before a package exists and the uninstall warning."""

from odoo import fields
from odoo.addons.invoice_clearing import uninstall_hook
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged

from .archive_fixtures import attach_package, package_bytes
from .common import role_user

PARAM = "invoice_clearing.archive_retention_years"


@tagged("post_install", "-at_install")
class TestArchiveUi(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clearing = cls.env["invoice.clearing"].create(
            {"scope": "number", "number_list": "26442000000000400201"}
        )

    def test_clearing_notes_say_a_package_is_made(self):
        arch = self.env["invoice.clearing"].get_views([(False, "form")])["views"]["form"]["arch"]
        notes = arch[arch.index("清卡须知") :]
        self.assertIn("archive package (归档包)", notes)

    def test_auditor_sees_the_buttons(self):
        auditor = role_user(self.env, "ic_aui_auditor", "invoice_clearing.group_clearing_auditor")
        clearing_form = (
            self.env["invoice.clearing"]
            .with_user(auditor)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="action_download_archive"', clearing_form)
        self.assertIn('name="action_verify_archive"', clearing_form)
        card = (
            self.env["invoice.clearing.period"]
            .with_user(auditor)
            .get_views([(False, "kanban")])["views"]["kanban"]["arch"]
        )
        self.assertIn('name="action_download_archive"', card)

    def test_retention_setting_defaults_to_thirty_years(self):
        self.env["ir.config_parameter"].search([("key", "=", PARAM)]).unlink()
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.invoice_clearing_archive_retention_years, 30)
        settings.invoice_clearing_archive_retention_years = 10
        settings.execute()
        self.assertEqual(self.env["ir.config_parameter"].get_param(PARAM), "10")

    def test_retention_below_five_years_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "at least 5 years"):
            self.env["res.config.settings"].create({"invoice_clearing_archive_retention_years": 3})

    def test_download_before_the_package_is_made_says_so(self):
        with self.assertRaisesRegex(UserError, f"{self.clearing.name} has no archive package"):
            self.clearing.action_download_archive()
        with self.assertRaisesRegex(UserError, f"{self.clearing.name} has no archive package"):
            self.clearing.action_verify_archive()

    def test_period_without_clearing_has_no_package(self):
        company = self.env["res.company"].create({"name": "归档界面测试公司"})
        Period = self.env["invoice.clearing.period"]
        period = Period.browse(Period._period_id(company, fields.Date.context_today(company)))
        with self.assertRaisesRegex(UserError, "no clearing yet"):
            period.action_download_archive()

    def uninstall_wizard(self, module):
        return self.env["base.module.uninstall"].create(
            {
                "module_ids": [
                    (6, 0, self.env["ir.module.module"].search([("name", "=", module)]).ids)
                ]
            }
        )

    def test_uninstall_warns_that_packages_stay_in_the_filestore(self):
        attach_package(self.clearing, package_bytes({"reports/summary.pdf": b"%PDF-1.4\n"}))
        count = self.env["invoice.clearing"].search_count([("archive_attachment_id", "!=", False)])
        warning = self.uninstall_wizard("invoice_clearing").invoice_clearing_archive_warning
        self.assertIn(f"{count} archive packages", warning)
        self.assertIn("stay in the filestore", warning)
        # Uninstalling l10n_cn removes the addon too (it depends on it): the same warning.
        self.assertEqual(self.uninstall_wizard("l10n_cn").invoice_clearing_archive_warning, warning)
        with self.assertLogs("odoo.addons.invoice_clearing", "WARNING") as logs:
            uninstall_hook(self.env)
        self.assertIn("stay in the filestore", logs.output[0])

    def test_uninstalling_another_module_does_not_warn(self):
        attach_package(self.clearing, package_bytes({"reports/summary.pdf": b"%PDF-1.4\n"}))
        self.assertFalse(self.uninstall_wizard("base_import").invoice_clearing_archive_warning)
