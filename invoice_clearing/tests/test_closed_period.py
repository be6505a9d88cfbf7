"""A cleared period admits no fapiao until it is reopened: every way in is refused, in words."""

import base64
from contextlib import closing
from datetime import date
from xmlrpc.client import Fault

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, freeze_time, tagged
from odoo.tools import SQL, mute_logger

from ..demo import bureau_export_file as bf
from ..models import advisory_locks
from ..models.guard_bypass import with_bypass
from .common import BUYER_USCC, FapiaoCommon, web_user
from .fapiao_files import SELLER_VAT, einvoice_xml
from .test_clearing import ClearingCommon
from .test_import import BureauImportCommon

REOPEN = "until it is reopened"


def cleared_clearing(env, company, scope, date_from, date_to, number_list=False):
    """A clearing of `company` in state cleared, as the period rule reads it (its approval is
    tested in test_clearing): the superuser sets what only the approval sets."""
    vals = {
        "company_id": company.id, "scope": scope, "date_from": date_from,
        "date_to": date_to, "number_list": number_list,
    }  # fmt: skip
    clearing = env["invoice.clearing"].sudo().create(vals)
    with_bypass(clearing).write({"state": "cleared"})
    return clearing


@tagged("post_install", "-at_install")
class TestClosedPeriod(ClearingCommon):
    """October cleared by its manager: its dates and every earlier one admit no fapiao."""

    def setUp(self):
        super().setUp()
        self.clearing = self.new_clearing()
        self.clearing.with_user(self.manager).action_submit()
        self.assertEqual(self.clearing.state, "cleared")
        self.Fapiao = self.env["invoice.clearing.fapiao"]

    def assertRefused(self, action, *texts):
        """`action` raises a UserError naming `texts`, and no fapiao changed."""
        before = self.Fapiao.sudo().search_read([], ["issue_date", "company_id"])
        with self.assertRaises(UserError) as caught:
            action()
        for text in texts:
            self.assertIn(text, str(caught.exception))
        self.env.invalidate_all()
        self.assertEqual(self.Fapiao.sudo().search_read([], ["issue_date", "company_id"]), before)
        return str(caught.exception)

    def test_creating_in_a_cleared_month_is_refused(self):
        for user in (self.clerk, self.manager):
            with self.subTest(user=user.login):
                message = self.assertRefused(
                    lambda u=user: self.create_fapiao(
                        user=u, number="26442000000000007001", issue_date=date(2026, 10, 20)
                    ),
                    "26442000000000007001", "2026-10-20", "2026-10", self.clearing.name,
                    "reopen", REOPEN,
                )  # fmt: skip
        self.assertIn("ask a clearing manager to reopen", message)
        # A whole-period clearing closes every date up to its end, not only its month.
        self.assertRefused(
            lambda: self.create_fapiao(
                user=self.clerk, number="26442000000000007002", issue_date=date(2026, 8, 31)
            ),
            "2026-08",
            self.clearing.name,
        )
        # Several at once: refused together, naming the one inside.
        both = [
            self.fapiao_vals(number="26442000000000007003", issue_date=date(2026, 11, 2)),
            self.fapiao_vals(number="26442000000000007004", issue_date="2026-10-31"),
        ]
        self.assertRefused(
            lambda: self.Fapiao.with_user(self.clerk).create(both),
            "26442000000000007004", "2026-10-31",
        )  # fmt: skip
        # The open month still takes fapiao.
        fapiao = self.create_fapiao(
            user=self.clerk, number="26442000000000007005", issue_date=date(2026, 11, 1)
        )
        self.assertFalse(fapiao.clearing_id)

    def test_moving_a_fapiao_into_a_cleared_month_is_refused(self):
        november = self.next_month.with_user(self.clerk)
        self.assertRefused(
            lambda: november.write({"issue_date": date(2026, 10, 30)}),
            "26442000000000009999", "2026-10-30", self.clearing.name, REOPEN,
        )  # fmt: skip
        self.assertEqual(self.next_month.issue_date, date(2026, 11, 3))
        # Other changes, and the same date written back, stay possible.
        november.write({"note": "checked", "issue_date": date(2026, 11, 3)})
        november.write({"issue_date": "2026-11-04"})
        self.assertEqual(self.next_month.issue_date, date(2026, 11, 4))

    def test_register_wizard_refused_on_an_invoice_of_the_cleared_month(self):
        invoice = self.posted_invoice([(100.0, self.tax_13)], date=date(2026, 11, 2))
        wizard = (
            self.env["invoice.clearing.fapiao.register"]
            .with_user(self.clerk)
            .create({"move_id": invoice.id, "issue_date": date(2026, 10, 25)})
        )
        wizard.line_ids.number = "26442000000000007010"
        self.assertRefused(wizard.action_confirm, "2026-10-25", self.clearing.name, REOPEN)
        self.assertFalse(invoice.fapiao_ids)

    def test_reopened_month_admits_fapiao_until_cleared_again(self):
        self.clearing.with_user(self.manager).action_reopen("A fapiao was forgotten")
        forgotten = self.create_fapiao(
            user=self.clerk, number="26442000000000007020", issue_date=date(2026, 10, 28),
            uploaded=True,
        )  # fmt: skip
        self.month_fapiao[0].with_user(self.clerk).write({"issue_date": date(2026, 10, 16)})
        again = self.new_clearing(filing=False)
        again.write({
            "filing_date": date(2026, 11, 10),
            "filing_line_ids": [
                (0, 0, {"tax_rate": 13.0, "amount_untaxed": 1800.0, "amount_tax": 234.0}),
                (0, 0, {"tax_rate": 6.0, "amount_untaxed": 200.0, "amount_tax": 12.0}),
            ],
        })  # fmt: skip
        again.with_user(self.manager).action_submit()
        self.assertEqual(again.state, "cleared", again.failure_reason)
        self.assertEqual(forgotten.clearing_id, again)
        self.assertRefused(
            lambda: self.create_fapiao(
                user=self.clerk, number="26442000000000007021", issue_date=date(2026, 10, 29)
            ),
            again.name,
            REOPEN,
        )


@tagged("post_install", "-at_install")
class TestClosedPeriodScopes(FapiaoCommon):
    """A date-range clearing closes its range; a number clearing closes no date."""

    def test_date_range_and_number_scopes(self):
        cleared_clearing(self.env, self.company, "date", date(2026, 9, 10), date(2026, 9, 20))
        cleared_clearing(
            self.env, self.company, "number", False, False, number_list="26442000000000008001"
        )
        with self.assertRaises(UserError) as caught:
            self.create_fapiao(
                user=self.clerk, number="26442000000000008002", issue_date=date(2026, 9, 15)
            )
        self.assertIn("2026-09-10 – 2026-09-20", str(caught.exception))
        for number, day in [
            ("26442000000000008003", date(2026, 9, 9)),
            ("26442000000000008004", date(2026, 9, 21)),
            ("26442000000000008001", date(2026, 9, 30)),
        ]:
            self.assertTrue(self.create_fapiao(user=self.clerk, number=number, issue_date=day))

    def test_an_approval_in_progress_refuses_registration(self):
        """While another session holds the company's clearing lock (an approval), registering
        waits for nothing and says so."""
        other = self.setup_other_company(name="Busy Co")["company"]
        self.clerk.company_ids |= other
        Fapiao = self.env["invoice.clearing.fapiao"]
        vals = self.fapiao_vals(number="26442000000000008020", company_id=other.id)
        with closing(self.env.registry.cursor()) as approval:
            approval.execute(
                SQL(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)",
                    advisory_locks.CLEARING_LOCK_NAMESPACE,
                    other.id,
                )
            )
            self.assertTrue(approval.fetchone()[0], "no one else holds it")
            count = Fapiao.sudo().search_count([])
            with self.assertRaises(UserError) as caught:
                Fapiao.with_user(self.clerk).create(vals)
            self.assertIn("Busy Co", str(caught.exception))
            self.assertIn("in progress", str(caught.exception))
            self.assertEqual(Fapiao.sudo().search_count([]), count)
            approval.rollback()
        self.assertTrue(Fapiao.with_user(self.clerk).create(vals))

    def test_other_companies_periods_do_not_close(self):
        other = self.setup_other_company(name="Other Cleared Co")["company"]
        cleared_clearing(self.env, other, "period", False, date(2026, 10, 31))
        fapiao = self.create_fapiao(
            user=self.clerk, number="26442000000000008010", issue_date=date(2026, 10, 5)
        )
        self.assertTrue(fapiao.exists())


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestClosedPeriodBureauImport(BureauImportCommon):
    def test_create_fapiao_of_a_bureau_line_in_a_cleared_period(self):
        batch = self.do_import(bf.write_export_xlsx(self.month_rows()))
        line = batch.line_ids.filtered(lambda x: x.outcome == "bureau_only")
        clearing = cleared_clearing(
            self.env, self.company, "date", date(2026, 10, 1), date(2026, 10, 15)
        )
        count = self.env["invoice.clearing.fapiao"].sudo().search_count([])
        with self.assertRaises(UserError) as caught:
            line.with_user(self.clerk).action_create_fapiao()
        for text in ("26442000000000000008", "2026-10-15", clearing.name, REOPEN):
            self.assertIn(text, str(caught.exception))
        self.assertEqual(self.env["invoice.clearing.fapiao"].sudo().search_count([]), count)
        self.assertFalse(line.fapiao_id or line.resolved)


@tagged("post_install", "-at_install")
class TestClosedPeriodFiles(FapiaoCommon):
    def test_files_dated_in_a_cleared_period_register_nothing(self):
        self.company.vat = SELLER_VAT
        clearing = cleared_clearing(self.env, self.company, "period", False, date(2026, 10, 31))
        files = [
            {"name": name, "datas": base64.b64encode(einvoice_xml(number=number, issue_time=day))}
            for name, number, day in [
                ("november.xml", "26312000000000012301", "2026-11-02 09:00:00"),
                ("october.xml", "26312000000000012302", "2026-10-30 09:00:00"),
            ]
        ]
        Fapiao = self.env["invoice.clearing.fapiao"]
        count = Fapiao.sudo().search_count([])
        with self.assertRaises(UserError) as caught:
            Fapiao.with_user(self.clerk).import_files(self.company.id, files)
        for text in ("october.xml", "26312000000000012302", clearing.name, REOPEN):
            self.assertIn(text, str(caught.exception))
        self.assertNotIn("november.xml", str(caught.exception))
        self.assertEqual(Fapiao.sudo().search_count([]), count, "all or nothing")
        [fapiao_id] = Fapiao.with_user(self.clerk).import_files(self.company.id, files[:1])
        self.assertEqual(Fapiao.browse(fapiao_id).issue_date, date(2026, 11, 2))


@tagged("post_install", "-at_install")
class TestClosedPeriodRpc(HttpCase):
    def test_rpc_create_in_a_cleared_period(self):
        clerk = web_user(self.env, "ic_closed_rpc", "invoice_clearing.group_clearing_user")
        buyer = self.env["res.partner"].create({"name": "RPC Buyer", "vat": BUYER_USCC})
        clearing = cleared_clearing(self.env, clerk.company_id, "period", False, date(2026, 10, 31))

        def rpc(method, *args):
            return self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, clerk.id, "ic_closed_rpc_pw",
                "invoice.clearing.fapiao", method, list(args), {},
            )  # fmt: skip

        vals = {
            "partner_id": buyer.id, "fapiao_type": "digital_general",
            "number": "26442000000000008101", "issue_date": "2026-10-12", "tax_rate": 13.0,
            "amount_untaxed": 100.0, "amount_tax": 13.0, "amount_total": 113.0,
        }  # fmt: skip
        count = rpc("search_count", [])
        with mute_logger("odoo.http"), self.assertRaises(Fault) as caught:
            rpc("create", vals)
        first_line = caught.exception.faultString.split("\n")[0]
        self.assertNotIn("Traceback", first_line)
        for text in ("26442000000000008101", "2026-10-12", clearing.name, REOPEN):
            self.assertIn(text, caught.exception.faultString)
        self.assertEqual(rpc("search_count", []), count)
        vals["issue_date"] = fields.Date.to_string(date(2026, 11, 12))
        self.assertTrue(rpc("create", vals))
