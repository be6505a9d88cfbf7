"""Adopting the addon in a company already on Odoo: l10n_cn chart, months of history, no lock-out.

`TestAdoption` builds such a company in any database. `TestInstalledWithoutDemo` runs on the
database `make test` installs from Apps without demo data (scripts/adoption_db.py), where the
addon arrived after months of invoicing.
"""

from datetime import date
from unittest import SkipTest

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, freeze_time, tagged

from .common import FapiaoCommon

START = date(2026, 12, 3)  # the day the company installs the addon
HISTORY = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]  # cleared at the bureau before


@tagged("post_install", "-at_install")
class TestAdoption(FapiaoCommon):
    country_code = "CN"
    chart_template = "cn"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.clearing_start_date = START
        Tax = cls.env["account.tax"]
        cls.cn_tax = {
            rate: Tax.search(
                [
                    ("company_id", "=", cls.company.id),
                    ("type_tax_use", "=", "sale"),
                    ("amount", "=", rate),
                    ("price_include", "=", False),
                ],
                limit=1,
            )
            for rate in (13.0, 9.0, 6.0)
        }

    def invoice(self, day, lines, move_type="out_invoice", post=True):
        return self._create_invoice(
            move_type=move_type,
            partner_id=self.buyer.id,
            invoice_date=day,
            invoice_line_ids=[
                self._prepare_invoice_line(price_unit=price, tax_ids=self.cn_tax[rate])
                for price, rate in lines
            ],
            post=post,
        )

    def register(self, move, number):
        wizard = (
            self.env["invoice.clearing.fapiao.register"]
            .with_context(default_move_id=move.id)
            .create({"fapiao_type": "digital_special", "issue_date": move.invoice_date})
        )
        for index, line in enumerate(wizard.line_ids):
            line.number = f"{number}{index:02d}"  # 18 + 2 digits
        wizard.action_confirm()
        return move.fapiao_ids

    def test_the_company_runs_on_the_l10n_cn_chart(self):
        self.assertEqual(self.company.chart_template, "cn")
        self.assertEqual(self.company.currency_id.name, "CNY")
        for rate, tax in self.cn_tax.items():
            self.assertTrue(tax, f"l10n_cn has a {rate:g}% sales tax")
            account = tax.with_company(self.company).invoice_repartition_line_ids.account_id
            self.assertTrue(account.code.startswith("2221"), f"{rate:g}%: 应交税费")

    @freeze_time(START)
    def test_a_new_company_starts_on_its_creation_day(self):
        company = self.env["res.company"].create(
            {"name": "新设 Co", "country_id": self.env.ref("base.cn").id}
        )
        self.assertEqual(company.clearing_start_date, START)
        self.assertEqual(company._clearing_first_period(), date(2026, 11, 1))  # due 12-15
        self.assertFalse(company._clearing_locked_period())

    @freeze_time(START)
    def test_history_registered_to_catch_up_never_locks(self):
        for month in HISTORY:
            move = self.invoice(month.replace(day=12), [(1000.0, 13.0), (200.0, 9.0)])
            self.register(move, f"2644200000{month.month:02d}000000")
        self.assertEqual(self.company._clearing_first_period(), date(2026, 11, 1))
        self.assertFalse(self.company._clearing_locked_period())
        self.assertEqual(
            self.company._clearing_uncleared_periods(date(2026, 12, 1)), [date(2026, 11, 1)]
        )
        today = self.invoice(START, [(500.0, 6.0)])
        self.assertEqual(today.state, "posted")
        november = self.env["invoice.clearing"].create(
            {"scope": "period", "date_to": date(2026, 11, 30)}
        )
        november.action_check()
        self.assertNotIn("earlier period", " ".join(november.problem_ids.mapped("message")))

    @freeze_time(START)
    def test_an_overdue_managed_period_locks_later_invoices_not_its_own(self):
        self.company.clearing_first_period = date(2026, 10, 1)  # due 2026-11-16: overdue
        self.assertEqual(self.company._clearing_locked_period(), date(2026, 10, 1))
        october = self.invoice(date(2026, 10, 20), [(1000.0, 13.0)])
        self.assertEqual(october.state, "posted", "the work that unlocks the period")
        refund = self.invoice(date(2026, 10, 25), [(100.0, 13.0)], move_type="out_refund")
        self.assertEqual(refund.state, "posted")
        september = self.invoice(date(2026, 9, 30), [(80.0, 9.0)])
        self.assertEqual(september.state, "posted", "before the locked period")

        for day in (date(2026, 11, 5), False):  # no date: Odoo would date it today
            later = self.invoice(day, [(300.0, 13.0)], post=False)
            with self.assertRaises(UserError) as caught:
                later.action_post()
            message = str(caught.exception)
            for part in ("锁盘", "2026-10", "2026-11-16", "2026-10-31", later.display_name):
                self.assertIn(part, message)
            self.assertEqual(later.state, "draft")

    @freeze_time(START)
    def test_the_oldest_month_clears_for_the_record_on_l10n_cn_taxes(self):
        august = [
            self.invoice(date(2026, 8, 5), [(1000.0, 13.0), (200.0, 9.0)]),
            self.invoice(date(2026, 8, 20), [(3000.0, 6.0)]),
        ]
        fapiao = self.register(august[0], "264420000008000000") | self.register(
            august[1], "264420000008000100"
        )
        fapiao.sudo().uploaded = True
        clearing = self.env["invoice.clearing"].create(
            {
                "scope": "period",
                "date_to": date(2026, 8, 31),
                "filing_date": date(2026, 9, 10),
                "filing_line_ids": [
                    Command.create(
                        {"tax_rate": 13.0, "amount_untaxed": 1000.0, "amount_tax": 130.0}
                    ),
                    Command.create({"tax_rate": 9.0, "amount_untaxed": 200.0, "amount_tax": 18.0}),
                    Command.create(
                        {"tax_rate": 6.0, "amount_untaxed": 3000.0, "amount_tax": 180.0}
                    ),
                ],
            }
        )
        clearing.action_check()
        blocking = clearing.problem_ids.filtered(lambda p: p.severity == "blocking")
        self.assertFalse(blocking, blocking.mapped("message"))
        self.assertIn(
            "cleared for the record only", " ".join(clearing.problem_ids.mapped("message"))
        )
        clearing.with_user(self.manager).action_approve()
        self.assertEqual(clearing.state, "cleared")
        self.assertEqual(clearing.fapiao_ids, fapiao)
        net = {line.tax_rate: (line.net_amount, line.net_tax) for line in clearing.summary_line_ids}
        self.assertEqual(net, {13.0: (1000.0, 130.0), 9.0: (200.0, 18.0), 6.0: (3000.0, 180.0)})
        self.assertFalse(self.company._clearing_locked_period())
        self.assertEqual(self.invoice(START, [(10.0, 13.0)]).state, "posted")

    def test_register_wizard_takes_the_number_typed_in_l10n_cn_field(self):
        move = self.invoice(date(2026, 11, 5), [(100.0, 13.0)])
        move.fapiao = "01234567"
        wizard = (
            self.env["invoice.clearing.fapiao.register"]
            .with_context(default_move_id=move.id)
            .create({"fapiao_type": "vat_special", "code": "3200191130"})
        )
        self.assertEqual(wizard.line_ids.number, "01234567")


@tagged("post_install", "-at_install", "-standard", "adoption")
class TestInstalledWithoutDemo(TransactionCase):
    """On the customer database: installed from Apps after months of l10n_cn invoicing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        posted = [("move_type", "=", "out_invoice"), ("state", "=", "posted")]
        if cls.env.ref("base.module_invoice_clearing").demo or not cls.env[
            "account.move"
        ].search_count(posted, limit=1):
            raise SkipTest("needs the customer database that scripts/adoption_db.py builds")
        cls.admin = cls.env.ref("base.user_admin")
        cls.main = cls.env.ref("base.main_company")
        cls.history = cls.env["account.move"].search(
            [("company_id", "=", cls.main.id), *posted], order="invoice_date, id"
        )

    def test_admin_manages_the_clearing_at_once(self):
        self.assertTrue(self.admin.has_group("invoice_clearing.group_clearing_manager"))
        menus = self.env["ir.ui.menu"].with_user(self.admin).load_menus(False)
        for xmlid in (
            "menu_invoice_clearing_root",
            "menu_invoice_clearing_fapiao",
            "menu_invoice_clearing_clearings",
            "menu_invoice_clearing_config",
        ):
            self.assertIn(self.env.ref(f"invoice_clearing.{xmlid}").id, menus, xmlid)
        Clearing = self.env["invoice.clearing"].with_user(self.admin)
        clearing = Clearing.create({"scope": "period", "date_to": self.history[-1].invoice_date})
        clearing.action_check()
        self.assertEqual(Clearing.search([("id", "=", clearing.id)]), clearing)
        self.assertTrue(clearing.problem_ids, "the check ran and reported in the admin's name")

    def test_history_is_l10n_cn_and_does_not_lock(self):
        self.assertGreaterEqual(len({m.invoice_date.replace(day=1) for m in self.history}), 3)
        self.assertEqual(self.main.chart_template, "cn")
        self.assertEqual(
            set(self.history.invoice_line_ids.tax_ids.mapped("amount")), {13.0, 9.0, 6.0}
        )
        start = self.main.clearing_start_date
        self.assertGreater(start, self.history[-1].invoice_date.replace(day=1))
        self.assertGreater(self.main._clearing_first_period(), self.history[0].invoice_date)

        oldest = self.history[0]
        wizard = (
            self.env["invoice.clearing.fapiao.register"]
            .with_user(self.admin)
            .with_context(default_move_id=oldest.id)
            .create({"fapiao_type": "digital_general", "issue_date": oldest.invoice_date})
        )
        for index, line in enumerate(wizard.line_ids):
            line.number = f"2631200000000{index:07d}"
        wizard.action_confirm()
        self.assertTrue(oldest.fapiao_ids)
        self.assertFalse(self.main._clearing_locked_period())

        new = (
            self.env["account.move"]
            .with_user(self.admin)
            .with_company(self.main)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": oldest.partner_id.id,
                    "invoice_date": date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "本月销售",
                                "price_unit": 100.0,
                                "tax_ids": oldest.invoice_line_ids.tax_ids[:1].ids,
                            }
                        )
                    ],
                }
            )
        )
        new.action_post()
        self.assertEqual(new.state, "posted")


@tagged("post_install", "-at_install")
class TestDemoOnL10nCn(TransactionCase):
    """The demo company invoices on the l10n_cn chart: its taxes read 13/9/6/3 %, never 15 %."""

    def test_demo_invoices_use_the_chinese_output_vat(self):
        company = self.env.ref("invoice_clearing.demo_company", raise_if_not_found=False)
        if not company:
            raise SkipTest("the demo data is not installed")
        self.assertEqual(company.chart_template, "cn")
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", company.id),
                ("move_id.move_type", "in", ("out_invoice", "out_refund")),
                ("display_type", "=", "product"),
            ]
        )
        self.assertTrue(lines)
        self.assertEqual(set(lines.tax_ids.mapped("amount")), {13.0, 9.0, 6.0, 3.0})
        for tax in lines.tax_ids:
            self.assertEqual(tax.tax_group_id.name, f"VAT {tax.amount:g}%")
            self.assertEqual(tax.invoice_label, f"{tax.amount:g}%")
            account = tax.with_company(company).invoice_repartition_line_ids.account_id
            self.assertTrue(account.code.startswith("2221"), f"{tax.name}: 应交税费")
