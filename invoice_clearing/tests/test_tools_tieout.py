"""Pure tests of the tie-out arithmetic: the database's groups and the filing folded per rate."""

from decimal import Decimal

from odoo.addons.invoice_clearing.tools import tieout

from .tools_case import ToolsCase

D = Decimal


class TestTieout(ToolsCase):
    def test_rest_is_unexplained_and_buckets_add_up(self):
        # rate, ledger, fapiao, unbilled, no invoice, month, rounding (amount and tax each)
        groups = [
            (D("13.00"), D("1300.10"), D("169.01"), D("1400.10"), D("182.02"),
             D(200), D(26), D(-300), D(-39), None, None, None, D("-0.01")),
            (D("6.00"), D(900), D(54), D(450), D(27), None, None, None, None, D(400), D(24),
             D(0), D(0)),
        ]  # fmt: skip
        lines = tieout.fold(groups, {13.0: (1400.10, 182.02), 6.0: (450, 27)})
        assert [line["tax_rate"] for line in lines] == [13.0, 6.0]
        high, low = lines
        assert (high["diff_amount"], high["diff_tax"]) == (D("-100.00"), D("-13.01"))
        assert (high["unexplained_amount"], high["unexplained_tax"]) == (0, 0)
        assert not tieout.unexplained(high)
        assert (low["unexplained_amount"], low["unexplained_tax"]) == (D(50), D(3))
        assert tieout.unexplained(low)
        assert (high["filing_diff_amount"], low["filing_diff_tax"]) == (0, 0)
        for line in lines:
            for part in ("amount", "tax"):
                buckets = sum(line[f"{b}_{part}"] for b in tieout.BUCKETS)
                assert buckets == line[f"ledger_{part}"] - line[f"fapiao_{part}"]

    def test_filing_rate_alone_and_no_filing(self):
        lines = tieout.fold([], {9.0: (D(100), D(9))})
        assert lines[0]["tax_rate"] == 9.0
        assert (lines[0]["filing_amount"], lines[0]["filing_diff_amount"]) == (D(100), D(100))
        groups = [(D(13), D(100), D(13), D(100), D(13), *([None] * 8))]
        [line] = tieout.fold(groups, {})
        assert (line["filing_amount"], line["filing_diff_amount"]) == (0, 0), "nothing filed"

    def test_rates_merge_on_cents(self):
        groups = [(D("13.0"), D(1), D(0), D(0), D(0), *([None] * 8))]
        [line] = tieout.fold(groups, {13: (D(1), D(0))})
        assert line["filing_amount"] == D(1) and line["ledger_amount"] == D(1)
