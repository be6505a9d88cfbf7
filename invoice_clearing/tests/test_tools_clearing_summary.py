"""Pure tests of the summary arithmetic: folding the database's groups into summary lines."""

from decimal import Decimal

from odoo.addons.invoice_clearing.tools import clearing_summary

from .tools_case import ToolsCase


class TestClearingSummary(ToolsCase):
    """Folding the database's groups into summary lines."""

    def test_fold_groups_into_lines(self):
        groups = [
            ("vat_special", 13.0, False, False, 3, Decimal("300.00"), Decimal("39.00")),
            ("vat_special", 13.0, True, False, 1, Decimal("-50.00"), Decimal("-6.50")),
            ("vat_special", 13.0, False, True, 1, Decimal("20.00"), Decimal("2.60")),
            ("vat_special", 6.0, False, False, 1, Decimal("100.00"), Decimal("6.00")),
            ("digital_general", 13.0, True, True, 2, Decimal("-10.00"), Decimal("-1.30")),
        ]
        lines = clearing_summary.fold_groups(groups)
        assert [(line["fapiao_type"], line["tax_rate"]) for line in lines] == [
            ("digital_general", 13.0), ("vat_special", 13.0), ("vat_special", 6.0),
        ]  # fmt: skip
        special = lines[1]
        assert (special["blue_count"], special["red_count"], special["void_blue_count"]) == (
            3,
            1,
            1,
        )
        assert special["net_amount"] == Decimal("250.00")
        assert special["net_tax"] == Decimal("32.50")
        assert lines[0]["void_red_count"] == 2 and lines[0]["net_amount"] == 0

    def test_fold_groups_empty(self):
        assert clearing_summary.fold_groups([]) == []

    def test_clearing_hash_version_2_covers_the_invoices(self):
        header = {"name": "QK/2026/10/0001"}
        v1 = clearing_summary.clearing_hash("", header, [], "f" * 64)
        v2 = clearing_summary.clearing_hash("", header, [], "f" * 64, "a" * 64)
        assert v1 != v2
        assert v2 != clearing_summary.clearing_hash("", header, [], "f" * 64, "b" * 64)
        assert v1 == clearing_summary.clearing_hash("", header, [], "f" * 64, None)
