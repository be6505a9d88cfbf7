"""Pure tests of the parts of the spreadsheet reader the two export parsers share: the header found
below title rows, the amount of a cell, the row errors collected (each with the caller's words)."""

from decimal import Decimal

from ..tools import spreadsheet as sp
from ..tools.rule_error import FapiaoRuleError
from .tools_case import ToolsCase, parametrize

ALIASES = {"number": ("编号", "单号"), "amount": ("金额",), "note": ("备注",)}


class Missing(Exception):
    pass


class NotFound(Exception):
    pass


def find(rows, required=("number", "amount"), max_row=3):
    return sp.find_header(
        rows,
        ALIASES,
        required,
        normalize=lambda value: sp.cell_text(value).replace(" ", ""),
        is_header=lambda columns: "number" in columns,
        missing=Missing,
        not_found=NotFound,
        max_row=max_row,
    )


def refuse(value):
    return FapiaoRuleError("amount_total", "%(value)s is not an amount", value=value)


class TestFindHeader(ToolsCase):
    def test_header_below_title_rows(self):
        rows = [["导出结果"], [], [None, "金 额", "单号", "编号", "备注"], ["x", 1, 2, 3]]
        assert find(rows) == ({"amount": 1, "number": 2, "note": 4}, 3)

    def test_first_text_of_a_column_wins(self):
        columns, _row = find([["金额", "编号", "金额"]])
        assert columns == {"amount": 0, "number": 1}

    def test_the_callers_is_header_tells_a_title_row(self):
        assert find([["金额", "备注"], ["编号", "金额"]]) == ({"number": 0, "amount": 1}, 2)

    def test_missing_required_columns_named_by_their_labels(self):
        with self.assertRaises(Missing) as caught:
            find([["标题"], ["编号", "备注"]], required=("number", "amount", "note"))
        assert caught.exception.args == (2, "金额")
        with self.assertRaises(Missing) as caught:
            find([["编号"]], required=("amount", "note"))
        assert caught.exception.args == (1, "金额, 备注")

    def test_only_the_first_rows_are_searched(self):
        rows = iter([["a"], ["b"], ["c"], ["编号", "金额"]])
        with self.assertRaises(NotFound):
            find(rows)
        assert find([["a"], ["b"], ["c"], ["编号", "金额"]], max_row=4)[1] == 4

    def test_no_rows(self):
        with self.assertRaises(NotFound):
            find([])


class TestCellAmount(ToolsCase):
    @parametrize(
        ("value", "cents"),
        [(113, "113.00"), (113.005, "113.01"), (Decimal("-1.5"), "-1.50"), ("¥1,130.00", "1130.00"),
         ("￥ -56.5", "-56.50"), ("１１３", "113.00")],
    )  # fmt: skip
    def test_numbers_and_text(self, value, cents):
        assert sp.cell_amount(value, "amount_total", Decimal(10) ** 13, refuse) == Decimal(cents)

    @parametrize(
        ("value", "shown"),
        [("abc", "abc"), ("¥x", "x"), (True, "True"), ("=100+13", "=100+13"), (10**13, 10**13),
         ("-10000000000000", "-10000000000000"), ("1e20", "1e20"), ("nan", "nan"), (None, "")],
    )  # fmt: skip
    def test_the_callers_error(self, value, shown):
        with self.assertRaises(FapiaoRuleError) as caught:
            sp.cell_amount(value, "amount_total", Decimal(10) ** 13, refuse)
        assert caught.exception.params == {"value": shown}

    def test_amount_errors_keep_fapiao_amounts_words(self):
        limit = Decimal(10) ** 13
        for value, words in (("abc", "is not a number"), ("1e16", "too large")):
            with self.assertRaises(FapiaoRuleError) as caught:
                sp.cell_amount(value, "amount_tax", limit, refuse, amount_errors=True)
            assert words in str(caught.exception) and caught.exception.field == "amount_tax"
        with self.assertRaises(FapiaoRuleError) as caught:
            sp.cell_amount("¥10000000000000", "amount_tax", limit, refuse, amount_errors=True)
        assert str(caught.exception) == "10000000000000 is not an amount"


class TestAddRowError(ToolsCase):
    def test_errors_are_placed_then_cut_once(self):
        errors = []
        for row in range(1, 6):
            sp.add_row_error(
                errors,
                FapiaoRuleError("amount_tax", "bad %(value)s", value=row),
                "row %(row)s: %(error)s",
                3,
                "only the first %(max)s",
                row=row,
            )
        assert [str(e) for e in errors] == [
            "row 1: bad 1", "row 2: bad 2", "row 3: bad 3", "only the first 3",
        ]  # fmt: skip
        assert [e.field for e in errors] == ["amount_tax"] * 3 + ["file"]

    def test_without_overflow_the_rest_is_dropped(self):
        errors = []
        for row in range(4):
            sp.add_row_error(errors, FapiaoRuleError("x", "bad"), "%(error)s", 2, row=row)
        assert [str(e) for e in errors] == ["bad", "bad"]


class TestParseBody(ToolsCase):
    def parse(self, rows):
        refused = []

        def parse_row(number, cells):
            if cells["amount"] is None:
                raise FapiaoRuleError("amount", "no amount")
            return (cells["number"], cells["amount"], number)

        parsed, skipped = sp.parse_body(
            rows,
            4,
            {"number": 1, "amount": 0},
            parse_row,
            skip=lambda row: not any(row) or row[0] == "合计",
            refuse=lambda number, error: refused.append((number, error.field, str(error))),
            key=lambda result: (result[0], result[0]),
            duplicate="%(number)s again (first row %(first)s)",
        )
        return parsed, skipped, refused

    def test_rows_numbered_from_the_first_skipped_and_refused(self):
        rows = [[10, "A"], [], [None, "D"], [30, "B"], [40, "A"], ["合计", None], [50]]
        parsed, skipped, refused = self.parse(rows)
        # Row 10 has no number cell: None past the row's end, a key of its own.
        self.assertEqual(parsed, [("A", 10, 4), ("B", 30, 7), (None, 50, 10)])
        self.assertEqual(skipped, 2)  # the blank row and the footer
        self.assertEqual(
            refused, [(6, "amount", "no amount"), (8, "number", "A again (first row 4)")]
        )
