"""The clearing (清卡): scopes, preconditions, approval, frozen data, reopening."""

from collections import defaultdict
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged

from ..models.guard_bypass import with_bypass
from .common import FapiaoCommon

MONTH = date(2026, 10, 1)
MONTH_END = date(2026, 10, 31)


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")  # October is open and its deadline (Nov 16) not yet passed
class ClearingCommon(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.clearing_first_period = MONTH
        cls.manager_2 = cls.manager.copy({"login": "ic_manager_2", "name": "Second Manager"})
        cls.month_fapiao = cls.env["invoice.clearing.fapiao"]
        serial = iter(range(1, 10_000))
        for kind, rate, amount, extra in [
            ("digital_general", 13.0, 1000.0, {}),
            ("digital_general", 13.0, 500.0, {}),
            ("digital_special", 6.0, 200.0, {}),
            ("vat_special", 13.0, 300.0, {}),
            ("digital_general", 13.0, -100.0, {"is_red": True}),
        ]:
            number = (
                f"264420000000{next(serial):08d}"
                if kind.startswith("digital")
                else f"{next(serial):08d}"
            )
            cls.month_fapiao |= cls.create_fapiao(
                kind=kind, number=number, amount=amount, rate=rate, issue_date=date(2026, 10, 15),
                uploaded=True, **extra,
            )  # fmt: skip
        cls.voided = cls.create_fapiao(
            kind="vat_special", number="00000099", amount=50.0, issue_date=date(2026, 10, 20), uploaded=True
        )  # fmt: skip
        with_bypass(cls.voided).void_date = date(2026, 10, 21)  # as voiding sets it
        cls.next_month = cls.create_fapiao(
            kind="digital_general", number="26442000000000009999", issue_date=date(2026, 11, 3), uploaded=True
        )  # fmt: skip

    def new_clearing(self, user=None, filing=True, **vals):
        vals = {"scope": "period", "date_from": MONTH, "date_to": MONTH_END, **vals}
        clearing = self.env["invoice.clearing"].with_user(user or self.clerk).create(vals)
        if filing and vals["scope"] == "period":
            clearing.write(
                {
                    "filing_date": date(2026, 11, 10),
                    "filing_line_ids": [
                        (0, 0, {"tax_rate": 13.0, "amount_untaxed": 1700.0, "amount_tax": 221.0}),
                        (0, 0, {"tax_rate": 6.0, "amount_untaxed": 200.0, "amount_tax": 12.0}),
                    ],
                }
            )
        return clearing

    def problems(self, clearing, severity="blocking"):
        return clearing.problem_ids.filtered(lambda p: p.severity == severity).mapped("message")


@tagged("post_install", "-at_install")
class TestClearingFlow(ClearingCommon):
    def test_period_clearing_end_to_end(self):
        clearing = self.new_clearing()
        self.assertRegex(clearing.name, r"^QK/2026/10/\d{4}$")
        clearing.with_user(self.clerk).action_check()
        self.assertFalse(self.problems(clearing), self.problems(clearing))

        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.state, "cleared")
        self.assertEqual(clearing.approved_by, self.manager)
        self.assertTrue(clearing.cleared_at)
        self.assertEqual(clearing.frozen_fapiao_ids, self.month_fapiao | self.voided)
        self.assertFalse(self.next_month.clearing_id, "a later fapiao is outside the period")
        self.assertEqual(self.company.sale_lock_date, MONTH_END)
        self.assertRegex(clearing.hash, r"^\$2\$[0-9a-f]{64}$")
        self.assertFalse(clearing.previous_hash)
        self.assertIn(clearing.hash, clearing.message_ids[0].body)
        self.assertEqual(len(self.month_fapiao.exists()), 5, "clearing never deletes a fapiao")

    def test_summary_equals_independent_computation(self):
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_submit()
        expected = defaultdict(lambda: defaultdict(float))
        for fapiao in clearing.frozen_fapiao_ids:
            kind = ("void_" if fapiao.void_date else "") + ("red" if fapiao.is_red else "blue")
            line = expected[(fapiao.fapiao_type, fapiao.tax_rate)]
            line[f"{kind}_count"] += 1
            line[f"{kind}_amount"] += fapiao.amount_untaxed
            line[f"{kind}_tax"] += fapiao.amount_tax
        got = {(line.fapiao_type, line.tax_rate): line for line in clearing.summary_line_ids}
        self.assertEqual(set(got), set(expected))
        for key, measures in expected.items():
            for measure, value in measures.items():
                self.assertAlmostEqual(got[key][measure], value, msg=f"{key} {measure}")
            line = got[key]
            self.assertAlmostEqual(line.net_amount, line.blue_amount + line.red_amount)
            self.assertAlmostEqual(line.net_tax, line.blue_tax + line.red_tax)
        self.assertAlmostEqual(clearing.amount_untaxed, 1900.0)
        self.assertAlmostEqual(clearing.amount_tax, 233.0)

    def test_hash_chain(self):
        first = self.new_clearing()
        first.with_user(self.manager).action_submit()
        second = self.new_clearing(
            scope="date", date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)
        )
        second.with_user(self.manager).action_submit()
        self.assertEqual(second.state, "cleared")
        self.assertEqual(second.previous_hash, first.hash)
        Integrity = self.env["invoice.clearing.integrity"]
        digests = (Integrity._fapiao_digest(second), second.invoice_digest)
        self.assertEqual(Integrity._compute_hash(second, first.hash, *digests), second.hash)
        self.assertNotEqual(Integrity._compute_hash(second, "0" * 64, *digests), second.hash)

    def test_date_scope_does_not_move_lock_date(self):
        clearing = self.new_clearing(
            scope="date", date_from=date(2026, 10, 1), date_to=date(2026, 10, 16)
        )
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.frozen_fapiao_ids, self.month_fapiao)
        self.assertFalse(self.voided.clearing_id)
        self.assertFalse(self.company.sale_lock_date and self.company.sale_lock_date >= MONTH)

    def test_number_scope(self):
        clearing = self.new_clearing(
            scope="number", number_list="3200191130:00000004\n26442000000000000001-26442000000000000002"
        )  # fmt: skip
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.state, "cleared")
        self.assertEqual(
            sorted(clearing.frozen_fapiao_ids.mapped("number")),
            ["00000004", "26442000000000000001", "26442000000000000002"],
        )

    def test_number_scope_reports_unknown_numbers(self):
        clearing = self.new_clearing(
            scope="number", number_list="26442000000000000001, 26442000000000000777"
        )
        clearing.with_user(self.clerk).action_check()
        self.assertTrue(any("26442000000000000777" in m for m in self.problems(clearing)))

    def test_clear_selected_fapiao_from_the_list(self):
        selected = self.month_fapiao[:2] | self.month_fapiao.filtered(lambda f: f.code)
        action = selected.with_user(self.clerk).action_clear_selected()
        clearing = self.env["invoice.clearing"].browse(action["res_id"])
        self.assertEqual(clearing.scope, "number")
        self.assertEqual(clearing.fapiao_ids, selected)
        self.assertTrue(clearing.checked_at, "the selection opens already checked, for review")
        clearing.with_user(self.manager).action_approve()
        self.assertEqual(clearing.frozen_fapiao_ids, selected)

    def test_fapiao_belongs_to_one_clearing(self):
        first = self.new_clearing(scope="number", number_list="26442000000000000001")
        first.with_user(self.manager).action_submit()
        second = self.new_clearing(scope="number", number_list="26442000000000000001")
        second.with_user(self.clerk).action_check()
        self.assertTrue(any(first.name in m for m in self.problems(second)))


@tagged("post_install", "-at_install")
class TestClearingPreconditions(ClearingCommon):
    def test_filing_missing_and_mismatch(self):
        clearing = self.new_clearing(filing=False)
        clearing.action_check()
        self.assertTrue(any("申报登记" in m for m in self.problems(clearing)))
        clearing.write(
            {
                "filing_date": date(2026, 11, 10),
                "filing_line_ids": [
                    (0, 0, {"tax_rate": 13.0, "amount_untaxed": 1600.0, "amount_tax": 221.0})
                ],
            }
        )
        clearing.action_check()
        messages = " ".join(self.problems(clearing))
        self.assertIn("1700.00", messages)  # the fapiao figure
        self.assertIn("1600.00", messages)  # the filed figure
        self.assertIn("Rate 6%", messages)  # a rate missing from the filing

    def test_not_uploaded_names_the_fapiao(self):
        self.month_fapiao[0].uploaded = False
        clearing = self.new_clearing()
        clearing.action_check()
        self.assertTrue(any(self.month_fapiao[0].number in m for m in self.problems(clearing)))

    def test_amount_identity_broken_behind_the_orm(self):
        self.env.cr.execute(
            "UPDATE invoice_clearing_fapiao SET amount_total = 999 WHERE id = %s",
            [self.month_fapiao[0].id],
        )
        self.month_fapiao.invalidate_recordset()
        clearing = self.new_clearing()
        clearing.action_check()
        self.assertTrue(
            any(self.month_fapiao[0].number in m and "金额" in m for m in self.problems(clearing))
        )

    def test_invoices_in_scope(self):
        draft = self._create_invoice(invoice_date=date(2026, 10, 5), partner_id=self.buyer.id,
                                     invoice_line_ids=[self._prepare_invoice_line(price_unit=10.0, tax_ids=self.tax_13)])  # fmt: skip
        posted = self.posted_invoice([(10.0, self.tax_13)], date=date(2026, 10, 6))
        clearing = self.new_clearing()
        clearing.action_check()
        self.assertTrue(any(draft.display_name in m for m in self.problems(clearing)))
        self.assertTrue(any(posted.name in m for m in self.problems(clearing, "warning")))

    def test_earlier_period_must_be_cleared_first(self):
        self.company.clearing_first_period = date(2026, 9, 1)
        clearing = self.new_clearing()
        clearing.action_check()
        self.assertTrue(
            any("2026-09" in m for m in self.problems(clearing)), self.problems(clearing)
        )

    def test_past_deadline_is_a_warning(self):
        with freeze_time("2026-11-20"):
            clearing = self.new_clearing()
            clearing.action_check()
        self.assertTrue(any("2026-11-16" in m for m in self.problems(clearing, "warning")))
        self.assertFalse(self.problems(clearing), "lateness alone does not block the clearing")

    def test_empty_scope(self):
        clearing = self.new_clearing(
            scope="date", date_from=date(2026, 9, 1), date_to=date(2026, 9, 30)
        )
        clearing.action_check()
        self.assertTrue(self.problems(clearing))

    def test_failed_approval_is_recorded_and_rolled_back(self):
        clearing = self.new_clearing(filing=False)
        result = clearing.with_user(self.manager).action_approve()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertEqual(clearing.state, "draft")
        self.assertIn("申报登记", clearing.failure_reason)
        self.assertIn("清卡失败", clearing.message_ids[0].body)
        self.assertFalse(self.month_fapiao.filtered("clearing_id"))
        self.assertFalse(self.company.sale_lock_date and self.company.sale_lock_date >= MONTH)

    def test_submit_with_blocking_problems_raises(self):
        clearing = self.new_clearing(filing=False)
        with self.assertRaises(UserError):
            clearing.with_user(self.clerk).action_submit()
        self.assertEqual(clearing.state, "draft")


@tagged("post_install", "-at_install")
class TestClearingRoles(ClearingCommon):
    def test_user_cannot_approve_or_cancel(self):
        clearing = self.new_clearing()
        with self.assertRaises(AccessError):
            clearing.with_user(self.clerk).action_approve()
        with self.assertRaises(AccessError):
            clearing.with_user(self.clerk).action_cancel()
        with self.assertRaises(AccessError):
            clearing.with_user(self.clerk).action_submit()  # no four-eyes: submit clears
        self.assertEqual(clearing.state, "draft")

    def test_auditor_reads_only(self):
        clearing = self.new_clearing()
        self.assertEqual(clearing.with_user(self.auditor).name, clearing.name)
        for method in ("action_check", "action_submit", "action_approve", "action_cancel"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(clearing.with_user(self.auditor), method)()
        with self.assertRaises(AccessError):
            clearing.with_user(self.auditor).write({"date_to": date(2026, 10, 30)})

    def test_four_eyes(self):
        self.company.clearing_four_eyes = True
        clearing = self.new_clearing(user=self.manager)
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.state, "to_approve")
        with self.assertRaises(AccessError):
            clearing.with_user(self.manager).action_approve()
        self.assertEqual(clearing.state, "to_approve")
        clearing.with_user(self.manager_2).action_approve()
        self.assertEqual(clearing.state, "cleared")
        self.assertEqual(
            (clearing.prepared_by, clearing.approved_by), (self.manager, self.manager_2)
        )

    def test_clerk_requests_approval_without_four_eyes(self):
        """Four-eyes off: the clerk hands over, a manager gets the to-do and clears."""
        clearing = self.new_clearing()
        clearing.with_user(self.clerk).action_request_approval()
        self.assertEqual((clearing.state, clearing.prepared_by), ("to_approve", self.clerk))
        todo = clearing.activity_ids.filtered(lambda a: a.user_id == self.manager)
        self.assertEqual(todo.summary, f"Approve fapiao clearing {clearing.name}")
        self.assertIn("Approval requested by", clearing.message_ids[0].body)
        clearing.with_user(self.manager).action_approve()
        self.assertEqual(clearing.state, "cleared")
        self.assertEqual((clearing.prepared_by, clearing.approved_by), (self.clerk, self.manager))
        self.assertFalse(clearing.activity_ids)

    def test_request_approval_refuses_blocking_problems_and_non_drafts(self):
        clearing = self.new_clearing()
        self.month_fapiao[0].uploaded = False
        with self.assertRaisesRegex(UserError, "cannot proceed"):
            clearing.with_user(self.clerk).action_request_approval()
        self.assertEqual(clearing.state, "draft")
        self.assertFalse(clearing.activity_ids)
        self.month_fapiao[0].uploaded = True
        clearing.with_user(self.clerk).action_request_approval()
        with self.assertRaisesRegex(UserError, "Only a draft clearing"):
            clearing.with_user(self.clerk).action_request_approval()
        with self.assertRaises(AccessError):
            clearing.with_user(self.auditor).action_request_approval()

    def test_request_approval_needs_another_manager(self):
        """A manager alone in the company is told to find an approver; nothing changes."""
        clearing = self.new_clearing(user=self.manager)
        group = self.env.ref("invoice_clearing.group_clearing_manager")
        (group.all_user_ids - self.manager).write({"group_ids": [Command.unlink(group.id)]})
        with self.assertRaisesRegex(UserError, "No other clearing manager"):
            clearing.with_user(self.manager).action_request_approval()
        self.assertEqual((clearing.state, clearing.prepared_by), ("draft", self.manager))

    def test_cleared_clearing_cannot_be_changed_or_deleted(self):
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_submit()
        with self.assertRaises(UserError):
            clearing.with_user(self.manager).write({"date_to": date(2026, 10, 30)})
        with self.assertRaises(UserError):
            clearing.with_user(self.manager).unlink()
        with self.assertRaises(UserError):
            clearing.filing_line_ids[0].with_user(self.manager).amount_tax = 0
        with self.assertRaises(UserError):
            clearing.with_user(self.manager).action_cancel()


@tagged("post_install", "-at_install")
class TestFrozenData(ClearingCommon):
    def setUp(self):
        super().setUp()
        self.invoice = self.posted_invoice([(1000.0, self.tax_13)], date=date(2026, 10, 15))
        self.month_fapiao[0].sudo().move_id = self.invoice
        self.clearing = self.new_clearing()
        self.clearing.with_user(self.manager).action_submit()
        self.assertEqual(self.clearing.state, "cleared")
        self.frozen = self.month_fapiao[0]

    def test_frozen_fapiao_refuses_every_role(self):
        for user in (self.clerk, self.manager):
            with self.subTest(user=user.login), self.assertRaises(UserError):
                self.frozen.with_user(user).write({"amount_untaxed": 1.0})
            with self.subTest(user=user.login), self.assertRaises(UserError):
                self.frozen.with_user(user).action_void()
        with self.assertRaises(UserError):
            self.frozen.with_user(self.manager).unlink()
        with self.assertRaises(AccessError):
            self.frozen.with_user(self.auditor).write({"uploaded": False})
        self.assertTrue(self.frozen.exists())

    def test_frozen_invoice(self):
        with self.assertRaises(UserError):
            self.invoice.with_user(self.manager).button_draft()
        with self.assertRaises(UserError):
            self.invoice.with_user(self.manager).write({"invoice_date": date(2026, 10, 1)})
        self.assertEqual(self.invoice.state, "posted")

    def test_posting_into_cleared_period_refused(self):
        late = self._create_invoice(
            invoice_date=date(2026, 10, 30), partner_id=self.buyer.id,
            invoice_line_ids=[self._prepare_invoice_line(price_unit=10.0, tax_ids=self.tax_13)],
        )  # fmt: skip
        with self.assertRaises(UserError) as caught:
            late.action_post()
        self.assertIn("2026-10-31", str(caught.exception))
        self.assertEqual(late.state, "draft")
        # The open period still accepts invoices and credit notes.
        refund = self.posted_invoice(
            [(10.0, self.tax_13)], move_type="out_refund", date=date(2026, 11, 5)
        )
        self.assertEqual(refund.state, "posted")

    def test_red_letter_in_open_period_still_possible(self):
        red = self.create_fapiao(
            user=self.clerk, kind="digital_general", number="26442000000000005555", amount=-100.0,
            is_red=True, origin_fapiao_id=self.frozen.id, issue_date=date(2026, 11, 2),
            red_reference=self.red_form(self.frozen, "26442000000000005556").name,
        )  # fmt: skip
        self.assertFalse(red.clearing_id)
        self.assertEqual(self.frozen.state, "red_partial")

    def test_reopen(self):
        with self.assertRaises(AccessError):
            self.clearing.with_user(self.clerk).action_reopen("typo")
        with self.assertRaises(UserError):
            self.clearing.with_user(self.manager).action_reopen("")
        self.clearing.with_user(self.manager).action_reopen("The bureau's comparison failed")
        self.assertEqual(self.clearing.state, "cancelled")
        self.assertEqual(self.clearing.reopened_by, self.manager)
        self.assertTrue(self.clearing.hash, "the hash chain keeps a reopened clearing")
        self.assertFalse(self.frozen.clearing_id)
        self.frozen.with_user(self.clerk).write({"note": "corrected"})
        self.assertIn("comparison failed", self.clearing.message_ids[0].body)

    def test_reopen_four_eyes(self):
        self.company.clearing_four_eyes = True
        self.clearing.with_user(self.manager).action_reopen("wrong month")
        self.assertEqual(self.clearing.state, "cleared")
        with self.assertRaises(AccessError):
            self.clearing.with_user(self.manager).action_reopen()
        self.clearing.with_user(self.manager_2).action_reopen()
        self.assertEqual(self.clearing.state, "cancelled")
        self.assertEqual(self.clearing.reopen_requested_by, self.manager)
