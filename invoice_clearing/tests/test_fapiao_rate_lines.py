"""A fapiao with several tax rates (one 数电 number, lines at 13 % and 6 %): registered once with
rate lines, split by rate in the summary and the tie-out, certified by the hash, frozen."""

import base64
import io
from datetime import date

import openpyxl

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..models.guard_bypass import with_bypass
from .common import migration_script
from .fapiao_files import SELLER_VAT, einvoice_xml
from .test_clearing import ClearingCommon

NUMBER = "26442000000000077001"
OCTOBER = date(2026, 10, 15)


@tagged("post_install", "-at_install")
class TestFapiaoRateLines(ClearingCommon):
    def multi_rate_fapiao(self, number=NUMBER, move=None, **vals):
        """One digital fapiao: 13 % on 100.00 and 6 % on 50.00, issued in the clearing's month."""
        Fapiao = self.env["invoice.clearing.fapiao"].with_user(self.clerk)
        return Fapiao.create(
            {
                **self.fapiao_vals(number=number, issue_date=OCTOBER, uploaded=True),
                "move_id": move.id if move else False,
                **Fapiao._rate_line_vals([(13.0, False, 100.0, 13.0), (6.0, False, 50.0, 3.0)]),
                **vals,
            }
        )

    def summary(self, clearing):
        clearing.action_check()
        return {
            (line.fapiao_type, line.tax_rate): (line.blue_count, line.blue_amount, line.blue_tax)
            for line in clearing.summary_line_ids
        }

    def test_fapiao_holds_its_rates_as_lines(self):
        fapiao = self.multi_rate_fapiao()
        self.assertRecordValues(fapiao, [{
            "multi_rate": True, "tax_rate": 13.0, "amount_untaxed": 150.0, "amount_tax": 16.0,
            "amount_total": 166.0,
        }])  # fmt: skip
        self.assertEqual(
            [
                (line.tax_rate, line.amount_untaxed, line.amount_total)
                for line in fapiao.rate_line_ids
            ],
            [(13.0, 100.0, 113.0), (6.0, 50.0, 53.0)],
        )
        self.assertEqual(fapiao.rates_label, "13% / 6%")
        single = self.month_fapiao[0]
        self.assertEqual(single.rates_label, f"{single.tax_rate:g}%")

    def test_summary_splits_the_amounts_and_counts_the_fapiao_once(self):
        clearing = self.new_clearing()
        before = self.summary(clearing)
        self.multi_rate_fapiao()
        after = self.summary(clearing)
        added = {
            key: tuple(
                round(a - b, 2) for a, b in zip(after[key], before.get(key, (0, 0, 0)), strict=True)
            )
            for key in after
        }
        self.assertEqual(added[("digital_general", 13.0)], (1, 100.0, 13.0))
        self.assertEqual(added[("digital_general", 6.0)], (0, 50.0, 3.0))
        self.assertEqual(sum(count for count, _amount, _tax in added.values()), 1)
        self.assertFalse(
            [m for m in self.problems(clearing) if "amount checks" in m],
            "its tax is right per rate, though not at its main rate alone",
        )

    def test_summary_pdf_lists_each_rate_of_the_fapiao(self):
        fapiao = self.multi_rate_fapiao()
        Report = self.env["report.invoice_clearing.report_clearing_summary"]
        rows = Report._fapiao_list(self.new_clearing(), 1000)["rows"]
        (row,) = [row for row in rows if row["number"] == fapiao.number]
        self.assertEqual(row["rate"], "13% / 6%")
        self.assertIn("13%", [row["rate"] for row in rows if row["number"] != fapiao.number])

    def test_xlsx_lists_the_rate_lines(self):
        fapiao = self.multi_rate_fapiao()
        clearing = self.new_clearing()
        Report = self.env["report.invoice_clearing.clearing_xlsx"]
        _name, content = Report._generate(clearing)
        book = openpyxl.load_workbook(io.BytesIO(content))
        rows = list(book["Rate Lines"].iter_rows(values_only=True))
        self.assertEqual(
            [row[:3] for row in rows[1:]],
            [(fapiao.display_name, 13.0, 100.0), (fapiao.display_name, 6.0, 50.0)],
        )
        (fapiao_row,) = [
            row for row in book["Fapiao"].iter_rows(values_only=True) if fapiao.number in row
        ]
        self.assertIn(166.0, fapiao_row, "the Fapiao sheet keeps the fapiao's total")

    def test_tieout_compares_each_rate(self):
        invoice = self.posted_invoice([(100.0, self.tax_13), (50.0, self.tax_6)], date=OCTOBER)
        clearing = self.new_clearing()
        clearing.action_check()
        before = {line.tax_rate: line for line in clearing.tieout_line_ids}
        before = {rate: (line.fapiao_amount, line.unbilled_amount) for rate, line in before.items()}
        self.multi_rate_fapiao(move=invoice)
        clearing.action_check()
        for line in clearing.tieout_line_ids:
            fapiao_added = {13.0: 100.0, 6.0: 50.0}[line.tax_rate]
            fapiao_before, unbilled_before = before[line.tax_rate]
            self.assertAlmostEqual(line.fapiao_amount - fapiao_before, fapiao_added)
            # The invoice is billed now, at both rates: its revenue leaves the unbilled bucket.
            self.assertAlmostEqual(unbilled_before - line.unbilled_amount, fapiao_added)

    def test_hash_certifies_the_rate_lines(self):
        fapiao = self.multi_rate_fapiao()
        clearing = self.new_clearing()
        clearing.filing_line_ids.filtered(lambda line: line.tax_rate == 13.0).write(
            {"amount_untaxed": 1800.0, "amount_tax": 234.0}
        )
        clearing.filing_line_ids.filtered(lambda line: line.tax_rate == 6.0).write(
            {"amount_untaxed": 250.0, "amount_tax": 15.0}
        )
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.state, "cleared", clearing.failure_reason)
        self.assertEqual(fapiao.clearing_id, clearing)
        Integrity = self.env["invoice.clearing.integrity"]
        self.env.invalidate_all()
        self.assertTrue(Integrity._verify(clearing)[0]["ok"])
        six = fapiao.rate_line_ids.filtered(lambda line: line.tax_rate == 6.0)
        self.env.cr.execute(
            "UPDATE invoice_clearing_fapiao_line SET amount_untaxed = 60 WHERE id = %s", [six.id]
        )
        self.env.invalidate_all()
        result = Integrity._verify(clearing)[0]
        self.assertFalse(result["ok"])
        self.assertIn(fapiao.display_name, " ".join(result["findings"]))

    def test_frozen_rate_lines_cannot_change(self):
        fapiao = self.multi_rate_fapiao()
        with_bypass(fapiao).clearing_id = self.new_clearing()  # as the approval freezes it
        line = fapiao.rate_line_ids[0]
        for act in (
            lambda: line.with_user(self.manager).write({"amount_untaxed": 99.0}),
            lambda: line.with_user(self.manager).unlink(),
            lambda: (
                self.env["invoice.clearing.fapiao.line"]
                .with_user(self.manager)
                .create(
                    {"fapiao_id": fapiao.id, "tax_rate": 9.0, "amount_untaxed": 0, "amount_tax": 0}
                )
            ),
        ):
            with self.assertRaises(UserError) as caught:
                act()
            self.assertIn("frozen", str(caught.exception))
        self.assertEqual(len(fapiao.rate_line_ids), 2)
        self.assertEqual(line.amount_untaxed, 100.0)

    def test_lines_must_add_up_to_their_fapiao(self):
        fapiao = self.multi_rate_fapiao()
        line = fapiao.rate_line_ids.filtered(lambda line: line.tax_rate == 6.0)
        with self.assertRaises(ValidationError) as caught:
            line.with_user(self.clerk).write({"amount_untaxed": 60.0, "amount_tax": 3.6})
        self.assertIn("agree", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            line.with_user(self.clerk).write({"amount_tax": 9.0})
        self.assertIn("0.06", str(caught.exception))  # its own rate still holds
        self.assertEqual((line.amount_untaxed, line.amount_tax), (50.0, 3.0))
        # Through its fapiao, the fapiao and its lines change together.
        fapiao.with_user(self.clerk).write({
            "amount_untaxed": 160.0, "amount_tax": 16.6, "amount_total": 176.6,
            "rate_line_ids": [(1, line.id, {"amount_untaxed": 60.0, "amount_tax": 3.6})],
        })  # fmt: skip
        self.assertEqual(line.amount_total, 63.6)
        with self.assertRaises(ValidationError) as caught:
            fapiao.with_user(self.clerk).write({"tax_rate": 9.0})
        self.assertIn("none of its rate lines", str(caught.exception))

    def test_register_wizard_one_number_for_several_rates(self):
        invoice = self.posted_invoice([(1000.0, self.tax_13), (200.0, self.tax_6)])
        wizard = (
            self.env["invoice.clearing.fapiao.register"]
            .with_user(self.clerk)
            .create({"move_id": invoice.id})
        )
        self.assertEqual(len(wizard.line_ids), 2)
        wizard.line_ids.number = NUMBER
        wizard.action_confirm()
        fapiao = invoice.fapiao_ids
        self.assertRecordValues(fapiao, [{
            "number": NUMBER, "multi_rate": True, "tax_rate": 13.0, "amount_untaxed": 1200.0,
            "amount_tax": 142.0, "amount_total": 1342.0,
        }])  # fmt: skip
        self.assertEqual(sorted(fapiao.rate_line_ids.mapped("tax_rate")), [6.0, 13.0])

    def test_file_with_several_rates_registers_one_fapiao(self):
        self.company.vat = SELLER_VAT
        xml = einvoice_xml(
            number=NUMBER, issue_time=OCTOBER.isoformat(), buyer_vat=self.buyer.vat,
            totals=("300.00", "25.00", "325.00"),
            lines=(("*货物*茶叶", "100.00", "13%", "13.00"), ("*服务*咨询", "200.00", "0.06", "12.00")),
        )  # fmt: skip
        Fapiao = self.env["invoice.clearing.fapiao"].with_user(self.clerk)
        ids = Fapiao.import_files(
            self.company.id, [{"name": "two-rates.xml", "datas": base64.b64encode(xml).decode()}]
        )
        fapiao = Fapiao.browse(ids)
        self.assertRecordValues(fapiao, [{
            "number": NUMBER, "multi_rate": True, "tax_rate": 6.0, "amount_total": 325.0,
        }])  # fmt: skip
        self.assertEqual(
            sorted(
                (line.tax_rate, line.amount_untaxed, line.amount_tax)
                for line in fapiao.rate_line_ids
            ),
            [(6.0, 200.0, 12.0), (13.0, 100.0, 13.0)],
        )

    def test_upgrade_adds_the_flag_without_computing_it(self):
        self.env.flush_all()
        self.env.cr.execute("ALTER TABLE invoice_clearing_fapiao DROP COLUMN multi_rate")
        script = migration_script("19.0.1.3.0", "pre-migrate")
        script.migrate(self.env.cr, None)  # a fresh install: the ORM creates it
        self.env.cr.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'invoice_clearing_fapiao'"
            " AND column_name = 'multi_rate'"
        )
        self.assertFalse(self.env.cr.fetchall())
        script.migrate(self.env.cr, "19.0.1.2.0")
        script.migrate(self.env.cr, "19.0.1.2.0")  # idempotent
        self.env.cr.execute("SELECT count(*), count(multi_rate) FROM invoice_clearing_fapiao")
        total, flagged = self.env.cr.fetchone()
        self.assertGreater(total, 0)
        self.assertEqual(flagged, 0, "created empty: no fapiao had rate lines")


@tagged("post_install", "-at_install")
class TestRateLinesChatter(ClearingCommon):
    """A fapiao's chatter shows how its rate lines changed, whichever way they were written."""

    @classmethod
    def default_env_context(cls):
        return {}  # the chatter is what is tested: tracking on

    def fapiao_with_lines(self, lines):
        Fapiao = self.env["invoice.clearing.fapiao"].with_user(self.clerk)
        fapiao = Fapiao.create(
            {
                **self.fapiao_vals(number=NUMBER, issue_date=OCTOBER, uploaded=True),
                **Fapiao._rate_line_vals(lines),
            }
        )
        self.flush_tracking()  # created in an earlier request
        return fapiao

    def flush_tracking(self):
        self.env.flush_all()
        self.env.cr.flush()  # runs the precommit hooks that write the tracking messages

    def tracked(self, fapiao):
        """(old, new) of each tracked change of the rate lines, oldest first."""
        values = fapiao.sudo().message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "rate_lines_detail"
        )
        return [(value.old_value_char, value.new_value_char) for value in values.sorted("id")]

    def test_written_through_the_fapiao(self):
        fapiao = self.fapiao_with_lines([(13.0, False, 100.0, 13.0), (6.0, False, 50.0, 3.0)])
        self.assertEqual(self.tracked(fapiao), [])  # no change on creation
        line = fapiao.rate_line_ids.filtered(lambda line: line.tax_rate == 6.0)
        fapiao.with_user(self.clerk).write({
            "amount_untaxed": 160.0, "amount_tax": 16.6, "amount_total": 176.6,
            "rate_line_ids": [(1, line.id, {"amount_untaxed": 60.0, "amount_tax": 3.6})],
        })  # fmt: skip
        self.flush_tracking()
        self.assertEqual(
            self.tracked(fapiao),
            [("13%: 100.00 + 13.00 | 6%: 50.00 + 3.00", "13%: 100.00 + 13.00 | 6%: 60.00 + 3.60")],
        )

    def test_written_alone(self):
        fapiao = self.fapiao_with_lines([(13.0, False, 100.0, 13.0), (0.0, True, 50.0, 0.0)])
        line = fapiao.rate_line_ids.filtered(lambda line: line.tax_rate == 0.0)
        line.with_user(self.clerk).tax_exempt = False  # 免税 → 零税率: the sums still agree
        self.flush_tracking()
        self.assertEqual(
            self.tracked(fapiao),
            [("13%: 100.00 + 13.00 | 0% (exempt): 50.00 + 0.00", "13%: 100.00 + 13.00 | 0%: 50.00 + 0.00")],
        )  # fmt: skip
