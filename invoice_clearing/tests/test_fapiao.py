"""The fapiao register through the ORM, as the roles that use it."""

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import VALID_IDENTITIES, FapiaoCommon


@tagged("post_install", "-at_install")
class TestFapiaoRegister(FapiaoCommon):
    def assertRefused(self, exception, vals, *expected_texts, user=None):
        """Creating `vals` is refused with a message naming each text; nothing is written."""
        Fapiao = self.env["invoice.clearing.fapiao"].with_user(user or self.clerk)
        count = Fapiao.sudo().search_count([])
        with self.assertRaises(exception) as caught:
            Fapiao.create(vals)
        for text in expected_texts:
            self.assertIn(text, str(caught.exception))
        self.assertEqual(Fapiao.sudo().search_count([]), count)
        return caught.exception

    def test_every_kind_with_valid_data(self):
        for kind in VALID_IDENTITIES:
            with self.subTest(kind=kind):
                fapiao = self.create_fapiao(user=self.clerk, kind=kind)
                self.assertEqual(fapiao.fapiao_type, kind)
                self.assertEqual(fapiao.state, "normal")
                self.assertFalse(fapiao.clearing_id)
                self.assertEqual(fapiao.buyer_vat, self.buyer.vat)
                self.assertEqual(fapiao.company_id, self.company)

    def test_input_is_normalised(self):
        fapiao = self.create_fapiao(
            user=self.clerk, kind="vat_special", number="０１２３ ４５６７", code=" 3200191130 "
        )
        self.assertEqual((fapiao.code, fapiao.number), ("3200191130", "01234567"))
        # A 12-digit code that went through Excel as a number lost its leading zero.
        fapiao = self.create_fapiao(user=self.clerk, kind="e_general", code=44001900111)
        self.assertEqual(fapiao.code, "044001900111")

    def test_wrong_lengths_are_refused(self):
        self.assertRefused(
            ValidationError, self.fapiao_vals("vat_special", code="320019113"), "320019113"
        )
        self.assertRefused(
            ValidationError, self.fapiao_vals("vat_special", number="1234567"), "1234567"
        )
        self.assertRefused(
            ValidationError, self.fapiao_vals("digital_general", number="2644200000000000001"),
            "2644200000000000001",
        )  # fmt: skip

    def test_non_digits_are_refused(self):
        self.assertRefused(
            ValidationError, self.fapiao_vals("vat_special", number="0123456O"), "0123456O"
        )

    def test_kind_must_match_code(self):
        # 044001900111 is an e-general code (ends in 11), not a special VAT one.
        self.assertRefused(
            ValidationError, self.fapiao_vals("vat_special", code="044001900111"), "044001900111"
        )

    def test_duplicate_numbers_are_refused(self):
        self.create_fapiao(kind="vat_special")
        self.create_fapiao(kind="digital_general")
        self.assertRefused(ValidationError, self.fapiao_vals("vat_special"), "01234567")
        self.assertRefused(
            ValidationError, self.fapiao_vals("digital_general"), "26442000000000000002"
        )
        # The same number under another code is another fapiao.
        self.create_fapiao(kind="vat_general")

    def test_duplicate_is_refused_by_the_database_too(self):
        """The unique index holds even when the Python check is bypassed (two sessions racing)."""
        self.create_fapiao(kind="digital_general")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env.cr.execute(
                """INSERT INTO invoice_clearing_fapiao
                       (company_id, partner_id, fapiao_type, number, issue_date, state)
                   VALUES (%s, %s, 'digital_general', '26442000000000000002', now(), 'normal')""",
                [self.company.id, self.buyer.id],
            )

    def test_inconsistent_amounts_are_refused(self):
        self.assertRefused(
            ValidationError, self.fapiao_vals(amount_total=200.0), "200", user=self.clerk
        )
        self.assertRefused(
            ValidationError, self.fapiao_vals(amount_tax=20.0, amount_total=120.0), "20"
        )
        # A blue fapiao with negative amounts is a red-letter one that was not flagged as such.
        self.assertRefused(
            ValidationError,
            self.fapiao_vals(amount_untaxed=-100.0, amount_tax=-13.0, amount_total=-113.0),
            "-100.00",
        )

    def test_void_rules(self):
        paper = self.create_fapiao(user=self.clerk, kind="vat_special")
        paper.with_user(self.clerk).action_void()
        self.assertEqual(paper.state, "void")
        self.assertEqual(paper.void_date, self.today)

        digital = self.create_fapiao(user=self.clerk, kind="digital_special")
        with self.assertRaises(UserError) as caught:
            digital.with_user(self.clerk).action_void()
        self.assertIn("红字", str(caught.exception))
        self.assertEqual(digital.state, "normal")

        last_month = self.today - relativedelta(months=1)
        old = self.create_fapiao(kind="vat_general", issue_date=last_month)
        with self.assertRaises(UserError) as caught:
            old.with_user(self.clerk).action_void()
        self.assertIn(str(last_month), str(caught.exception))
        self.assertFalse(old.void_date)

    def test_red_letter_moves_origin_to_partial_then_full(self):
        blue = self.create_fapiao(kind="digital_special", amount=1000.0)
        red_vals = {"is_red": True, "origin_fapiao_id": blue.id}
        forms = [self.red_form(blue, f"2644200000000000009{n}").name for n in (7, 8, 9)]
        self.create_fapiao(
            kind="digital_special", number="26442000000000000003", amount=-400.0,
            red_reference=forms[0], **red_vals,
        )  # fmt: skip
        self.assertEqual(blue.state, "red_partial")
        self.create_fapiao(
            kind="digital_special", number="26442000000000000004", amount=-600.0,
            red_reference=forms[1], **red_vals,
        )  # fmt: skip
        self.assertEqual(blue.state, "red_full")
        # Reversing more than the blue fapiao's total is refused.
        self.assertRefused(
            ValidationError,
            self.fapiao_vals(
                "digital_special",
                number="26442000000000000005",
                amount=-1.0,
                red_reference=forms[2],
                **red_vals,
            ),
            "26442000000000000005",
        )

    def test_red_reference_length(self):
        self.assertRefused(
            ValidationError,
            self.fapiao_vals(is_red=True, amount=-100.0, red_reference="12345"),
            "12345",
        )

    def test_auditor_reads_but_cannot_write(self):
        fapiao = self.create_fapiao()
        self.assertEqual(fapiao.with_user(self.auditor).number, fapiao.number)
        with self.assertRaises(AccessError):
            fapiao.with_user(self.auditor).write({"uploaded": True})
        with self.assertRaises(AccessError):
            self.create_fapiao(user=self.auditor, kind="vat_special")

    def test_users_without_role_see_nothing(self):
        fapiao = self.create_fapiao()
        billing = new_test_user(self.env, "ic_billing_only", groups="account.group_account_invoice")
        with self.assertRaises(AccessError):
            fapiao.with_user(billing).read(["number"])

    def test_multi_company_isolation(self):
        other = self.setup_other_company(name="Other Co")["company"]
        theirs = self.create_fapiao(kind="vat_special", company_id=other.id)
        mine = self.create_fapiao(kind="vat_special")  # same number, other company: allowed
        Fapiao = self.env["invoice.clearing.fapiao"].with_user(self.clerk)
        self.assertEqual(Fapiao.search([("number", "=", "01234567")]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.clerk).read(["number"])


@tagged("post_install", "-at_install")
class TestInvoiceFapiao(FapiaoCommon):
    def _register(self, move, numbers, **header):
        wizard = (
            self.env["invoice.clearing.fapiao.register"]
            .with_user(self.clerk)
            .create({"move_id": move.id, **header})
        )
        for line, number in zip(wizard.line_ids, numbers, strict=True):
            line.number = number
        wizard.action_confirm()
        return move.fapiao_ids

    def test_register_one_fapiao_per_rate(self):
        invoice = self.posted_invoice(
            [(1000.0, self.tax_13), (200.0, self.tax_6), (500.0, self.tax_13)]
        )
        fapiao = self._register(invoice, ["26442000000000000011", "26442000000000000012"])
        self.assertEqual(invoice.fapiao_count, 2)
        by_rate = {f.tax_rate: f for f in fapiao}
        self.assertEqual(sorted(by_rate), [6.0, 13.0])
        self.assertAlmostEqual(by_rate[13.0].amount_untaxed, 1500.0)
        self.assertAlmostEqual(by_rate[13.0].amount_tax, 195.0)
        self.assertAlmostEqual(by_rate[6.0].amount_total, 212.0)
        self.assertEqual(fapiao.partner_id, self.buyer)
        self.assertFalse(any(fapiao.mapped("is_red")))

    def test_credit_note_wizard_proposes_the_confirmed_form(self):
        invoice = self.posted_invoice([(1000.0, self.tax_13)])
        blue = self._register(invoice, ["26442000000000000041"])
        refund = self._reverse_invoice(invoice, post=True)
        Wizard = self.env["invoice.clearing.fapiao.register"].with_user(self.clerk)
        self.red_form(blue, "26442000000000000089", state="pending")
        self.assertFalse(Wizard.create({"move_id": refund.id}).red_reference, "not confirmed")
        self.red_form(blue, "26442000000000000090")
        wizard = Wizard.create({"move_id": refund.id})
        self.assertEqual(wizard.red_reference, "26442000000000000090")
        self.assertEqual(wizard.line_ids.origin_fapiao_id, blue)
        wizard.line_ids.number = "26442000000000000042"
        wizard.action_confirm()
        self.assertEqual(refund.fapiao_ids.red_reference, "26442000000000000090")
        # Two confirmed forms: the clerk chooses.
        self.red_form(blue, "26442000000000000091", amount_untaxed=-10.0, amount_tax=-1.3,
                      amount_total=-11.3)  # fmt: skip
        self.red_form(blue, "26442000000000000092", amount_untaxed=-10.0, amount_tax=-1.3,
                      amount_total=-11.3)  # fmt: skip
        self.assertFalse(Wizard.create({"move_id": refund.id}).red_reference)

    def test_credit_note_fapiao_is_red_and_reverses_the_original(self):
        invoice = self.posted_invoice([(1000.0, self.tax_13)])
        blue = self._register(invoice, ["26442000000000000021"])
        refund = self._reverse_invoice(invoice, post=True)
        self.red_form(blue, "26442000000000000088")
        red = self._register(refund, ["26442000000000000022"], red_reference="26442000000000000088")
        self.assertTrue(red.is_red)
        self.assertEqual(red.origin_fapiao_id, blue)
        self.assertAlmostEqual(red.amount_total, -1130.0)
        self.assertEqual(blue.state, "red_full")

    def test_partial_credit_note(self):
        invoice = self.posted_invoice([(1000.0, self.tax_13)])
        blue = self._register(invoice, ["26442000000000000031"])
        refund = self.posted_invoice([(300.0, self.tax_13)], move_type="out_refund")
        refund.reversed_entry_id = invoice
        self.red_form(blue, "26442000000000000087")
        self._register(refund, ["26442000000000000032"], red_reference="26442000000000000087")
        self.assertEqual(blue.state, "red_partial")


@tagged("post_install", "-at_install")
class TestFapiaoMessagesLanguage(FapiaoCommon):
    def test_errors_in_the_users_language(self):
        vals = self.fapiao_vals("vat_special", code="320019113")
        Fapiao = self.env["invoice.clearing.fapiao"].with_user(self.clerk)
        with self.assertRaises(ValidationError) as caught:
            Fapiao.with_context(lang="zh_CN").create(vals)
        self.assertIn("发票代码 320019113 为 9 位", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            Fapiao.with_context(lang="en_US").create(vals)
        self.assertIn("Fapiao code 320019113 has 9 digits", str(caught.exception))
