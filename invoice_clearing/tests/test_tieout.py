"""The 账票表 tie-out: ledger, fapiao and filing per rate, and the buckets of their differences."""

import json
from collections import defaultdict
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, freeze_time, tagged
from odoo.tools import mute_logger

from ..tools import fapiao_amount
from .common import FapiaoCommon

MONTH, MONTH_END = date(2026, 10, 1), date(2026, 10, 31)


def ledger_by_rate(moves):
    """{rate: [base, tax]} of posted customer invoices, read line by line through the ORM."""
    totals = defaultdict(lambda: [0.0, 0.0])
    for line in moves.line_ids:
        if line.tax_line_id and line.tax_line_id.amount_type == "percent":
            totals[round(line.tax_line_id.amount, 2)][1] -= line.balance
        elif line.display_type == "product":
            rate = fapiao_amount.line_rate((t.amount_type, t.amount) for t in line.tax_ids)
            totals[round(rate, 2)][0] -= line.balance
    return totals


@tagged("post_install", "-at_install")
class TestTieoutDemo(TransactionCase):
    """Acceptance: the demo's ready month ties out to figures computed independently."""

    def test_ready_month_equals_independent_figures(self):
        company = self.env.ref("invoice_clearing.demo_company")
        last_month = fields.Date.today() + relativedelta(months=-1, day=1)
        ready = self.env["invoice.clearing"].search(
            [("company_id", "=", company.id), ("date_from", "=", last_month)]
        )
        self.assertEqual(ready.state, "draft")
        ready.action_check()
        moves = self.env["account.move"].search(
            [("company_id", "=", company.id), ("state", "=", "posted"),
             ("move_type", "in", ("out_invoice", "out_refund")),
             ("date", ">=", last_month), ("date", "<=", ready.date_to)]
        )  # fmt: skip
        ledger = ledger_by_rate(moves)
        fapiao = defaultdict(lambda: [0.0, 0.0])
        for record in ready.fapiao_ids.filtered(lambda f: not f.void_date):
            fapiao[record.tax_rate][0] += record.amount_untaxed
            fapiao[record.tax_rate][1] += record.amount_tax
        filed = {line.tax_rate: line for line in ready.filing_line_ids}
        unbilled_moves = moves.filtered(
            lambda m: not m.fapiao_ids.filtered(lambda f: not f.void_date)
        )
        self.assertTrue(unbilled_moves, "the demo has unbilled revenue (未开票收入)")
        unbilled = ledger_by_rate(unbilled_moves)
        lines = {line.tax_rate: line for line in ready.tieout_line_ids}
        self.assertEqual(set(lines), set(ledger) | set(fapiao) | set(filed))
        self.assertGreaterEqual(len(lines), 3)
        for rate, line in lines.items():
            with self.subTest(rate=rate):
                self.assertAlmostEqual(line.ledger_amount, ledger[rate][0], places=2)
                self.assertAlmostEqual(line.ledger_tax, ledger[rate][1], places=2)
                self.assertAlmostEqual(line.fapiao_amount, fapiao[rate][0], places=2)
                self.assertAlmostEqual(line.fapiao_tax, fapiao[rate][1], places=2)
                self.assertAlmostEqual(line.filing_amount, filed[rate].amount_untaxed, places=2)
                self.assertAlmostEqual(line.filing_tax, filed[rate].amount_tax, places=2)
                self.assertAlmostEqual(line.unbilled_amount, unbilled[rate][0], places=2)
                self.assertAlmostEqual(line.unbilled_tax, unbilled[rate][1], places=2)
                for bucket in ("no_invoice", "month", "unexplained"):
                    self.assertEqual((line[f"{bucket}_amount"], line[f"{bucket}_tax"]), (0, 0))
        self.assertFalse(
            ready.problem_ids.filtered(lambda p: "(账)" in p.message), "nothing unexplained"
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestTieoutBuckets(FapiaoCommon):
    """One invoice or fapiao per bucket in October 2026, a fapiao of an October invoice in
    November; 13 % and 6 % (see the expected figures in each test)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.clearing_first_period = MONTH
        serial = iter(range(1, 100))

        def fapiao(move, amount, rate, day, **extra):
            return cls.create_fapiao(
                number=f"264420000000{next(serial):08d}", amount=amount, rate=rate,
                issue_date=day, uploaded=True, move_id=move.id if move else False, **extra,
            )  # fmt: skip

        oct_5, oct_30 = date(2026, 10, 5), date(2026, 10, 30)
        cls.matched = cls.posted_invoice([(1000.0, cls.tax_13)], date=oct_5)
        fapiao(cls.matched, 1000.0, 13.0, oct_5)
        cls.unbilled = cls.posted_invoice([(200.0, cls.tax_13)], date=date(2026, 10, 8))
        cls.orphan = fapiao(None, 300.0, 13.0, date(2026, 10, 9))
        cls.late = cls.posted_invoice([(400.0, cls.tax_6)], date=oct_30)
        cls.late_fapiao = fapiao(cls.late, 400.0, 6.0, date(2026, 11, 2))
        # Odoo's tax 13.01 (100.10 × 13 %), the fapiao's 13.02: a rounding cent.
        cls.rounded = cls.posted_invoice([(100.10, cls.tax_13)], date=oct_5)
        fapiao(cls.rounded, 100.10, 13.0, oct_5, amount_tax=13.02, amount_total=113.12)
        cls.partial = cls.posted_invoice([(500.0, cls.tax_6)], date=oct_5)

    def clearing(self, **vals):
        vals = {"scope": "period", "date_from": MONTH, "date_to": MONTH_END, **vals}
        clearing = self.env["invoice.clearing"].with_user(self.clerk).create(vals)
        clearing.action_check()
        return clearing

    def line(self, clearing, rate):
        [line] = clearing.tieout_line_ids.filtered(lambda line: line.tax_rate == rate)
        return line

    def figures(self, line, bucket):
        return line[f"{bucket}_amount"], line[f"{bucket}_tax"]

    def test_ledger_fapiao_and_invoices_without_fapiao(self):
        line = self.line(self.clearing(), 13.0)
        self.assertAlmostEqual(line.ledger_amount, 1300.10)
        self.assertAlmostEqual(line.ledger_tax, 169.01)
        self.assertAlmostEqual(line.fapiao_amount, 1400.10)
        self.assertAlmostEqual(line.fapiao_tax, 182.02)
        self.assertEqual(self.figures(line, "unbilled"), (200.0, 26.0))

    def test_fapiao_without_invoice(self):
        line = self.line(self.clearing(), 13.0)
        self.assertEqual(self.figures(line, "no_invoice"), (-300.0, -39.0))

    def test_rounding_cent(self):
        line = self.line(self.clearing(), 13.0)
        self.assertEqual(self.figures(line, "rounding"), (0.0, -0.01))
        self.assertEqual(self.figures(line, "unexplained"), (0.0, 0.0))
        self.assertEqual(self.figures(line, "diff"), (-100.0, -13.01))

    def test_month_difference_on_both_sides(self):
        october = self.line(self.clearing(), 6.0)
        self.assertEqual(self.figures(october, "month"), (400.0, 24.0))
        november = self.line(
            self.clearing(scope="date", date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)),
            6.0,
        )
        self.assertEqual(self.figures(november, "ledger"), (0.0, 0.0))
        self.assertEqual(self.figures(november, "fapiao"), (400.0, 24.0))
        self.assertEqual(self.figures(november, "month"), (-400.0, -24.0))
        self.assertEqual(self.figures(november, "unexplained"), (0.0, 0.0))

    def test_unexplained_rest_is_a_warning_naming_the_invoice(self):
        self.create_fapiao(
            number="26442000000000000777", amount=450.0, rate=6.0, issue_date=date(2026, 10, 6),
            uploaded=True, move_id=self.partial.id,
        )  # fmt: skip
        clearing = self.clearing()
        line = self.line(clearing, 6.0)
        self.assertEqual(self.figures(line, "unexplained"), (50.0, 3.0))
        [warning] = clearing.problem_ids.filtered(lambda p: "(Tie-out tab)" in p.message)
        self.assertEqual(warning.severity, "warning")
        self.assertIn("Rate 6%", warning.message)
        self.assertEqual(warning.res_model, "account.move")
        self.assertEqual(self.env["account.move"].search(json.loads(warning.domain)), self.partial)
        self.assertFalse(
            [p for p in clearing.problem_ids if "(Tie-out tab)" in p.message and "13" in p.message],
            "13 % is fully explained",
        )

    def test_invoices_without_fapiao_only_is_not_a_warning(self):
        self.create_fapiao(
            number="26442000000000000778", amount=500.0, rate=6.0, issue_date=date(2026, 10, 6),
            uploaded=True, move_id=self.partial.id,
        )  # fmt: skip
        clearing = self.clearing()
        self.assertFalse(clearing.problem_ids.filtered(lambda p: "(Tie-out tab)" in p.message))
        self.assertEqual(self.figures(self.line(clearing, 6.0), "unexplained"), (0.0, 0.0))

    def test_number_scope_ledger_is_the_listed_fapiao_invoices(self):
        clearing = self.clearing(scope="number", number_list=self.late_fapiao.number)
        line = self.line(clearing, 6.0)
        self.assertEqual(self.figures(line, "ledger"), (400.0, 24.0))
        self.assertEqual(self.figures(line, "fapiao"), (400.0, 24.0))
        self.assertEqual(self.figures(line, "diff"), (0.0, 0.0))
        self.assertEqual(len(clearing.tieout_line_ids), 1)

    def test_kept_when_cleared_and_outside_the_hash(self):
        clearing = self.clearing(scope="date", date_from=MONTH, date_to=MONTH_END)
        before = clearing.tieout_line_ids.read(["tax_rate", "month_amount", "fapiao_amount"])
        clearing.with_user(self.manager).action_approve()
        self.assertEqual(clearing.state, "cleared", clearing.failure_reason)
        after = clearing.tieout_line_ids.read(["tax_rate", "month_amount", "fapiao_amount"])
        self.assertEqual([dict(r, id=0) for r in after], [dict(r, id=0) for r in before])
        [result] = self.env["invoice.clearing.integrity"]._verify(clearing)
        self.assertTrue(result["ok"], result["findings"])
        self.env.cr.execute(
            "UPDATE invoice_clearing_tieout_line SET month_amount = 1 WHERE clearing_id = %s",
            [clearing.id],
        )
        self.env.invalidate_all()
        [result] = self.env["invoice.clearing.integrity"]._verify(clearing)
        self.assertTrue(result["ok"], "the tie-out is derived, not certified")
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_model"):
            clearing.tieout_line_ids.with_user(self.manager).write({"month_amount": 5})
