"""Pure tests of the parts of the spreadsheet reader the two export parsers share: the header found
below title rows, the amount of a cell, the row errors collected (each with the caller's words)."""

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook

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


# ------------------------------------------------------------------------- the spec-driven reader
def _letters(value):
    text = sp.cell_text(value)
    if not text.isalpha():
        raise FapiaoRuleError("name", "%(value)s is not a name", value=text)
    return text


def _count(value):
    text = sp.cell_text(value)
    if text and not text.isdigit():
        raise FapiaoRuleError("count", "%(value)s is no count", value=text)
    return int(text) if text else None


def _build(sheet, number, cells):
    """The count is read before the name: a row with both faults is named by its count."""
    count = cells["count"]
    return sheet, number, cells["number"], count, cells["name"], cells.get("name")


class SpecError(FapiaoRuleError):
    def __init__(self, template, /, **params):
        super().__init__("file", template, **params)


SPEC = sp.ExportSpec(
    columns={
        "number": sp.Column(("编号", "单号"), required=True),
        "name": sp.Column(("名称",), required=True, convert=_letters),
        "count": sp.Column(("数量",), convert=_count),
    },
    is_header=lambda columns: "number" in columns,
    messages=sp.ExportMessages(
        empty="empty",
        too_large="%(size)s MB > %(max)s MB",
        binary="binary",
        encoding="encoding",
        damaged_workbook="damaged workbook",
        damaged_csv="damaged csv",
        header_missing="%(sheet)s row %(row)s lacks %(columns)s",
        header_not_found="no header in %(max)s rows of %(sheet)s",
        no_rows="no rows in %(sheet)s",
        row_error="%(sheet)s row %(row)s, %(column)s: %(error)s",
        duplicate="%(number)s again (row %(first)s)",
    ),
    error=SpecError,
    build=_build,
    key=lambda row: (row[2], row[2]),
    max_header_row=3,
)


def read(data):
    def consume(cells):
        errors = []
        rows, skipped = sp.parse_rows(
            SPEC, cells.sheet, cells.body, cells.header_row + 1, cells.columns, errors
        )
        return rows, skipped, [str(error) for error in errors]

    return sp.read_export(data, SPEC, consume)


class TestReadExport(ToolsCase):
    def test_csv_delimiter_is_the_one_that_finds_the_header(self):
        # More commas than semicolons in the file: the header decides, not a count.
        data = "标题,导出,结果,,,,,,\n编号;名称;数量\nA1;Ann;1,000\nA2;Bob;3\n".encode()
        rows, _skipped, errors = read(data)
        assert [row[2] for row in rows] == ["A2"]
        assert errors == ["CSV row 3, 数量: 1,000 is no count"]

    def test_one_footer_rule_blank_rows_and_decoding(self):
        for encoding in ("utf-8", "utf-8-sig", "gb18030"):
            text = "编号\t名称\t数量\nA1\tAnn\t1\n\n合计\t\t1\n制表人：张三\n注：仅供参考\n"
            rows, skipped, errors = read(text.encode(encoding))
            assert ([row[2] for row in rows], skipped, errors) == (["A1"], 4, []), encoding

    def test_cells_are_converted_in_the_order_the_builder_reads_them(self):
        rows, _skipped, errors = read("编号,名称,数量\nA1,A1,x\nA2,B2,2\nA3,Cy,\n".encode())
        assert rows == [("CSV", 4, "A3", None, "Cy", "Cy")]  # cells.get: the cell as read
        assert errors == ["CSV row 2, 数量: x is no count", "CSV row 3, 名称: B2 is not a name"]

    def test_row_errors_in_the_callers_words_with_duplicates(self):
        rows, _skipped, errors = read("编号,名称,数量\nA1,Ann,1\nA1,Bob,2\n".encode())
        assert [row[2] for row in rows] == ["A1"]
        assert errors == ["CSV row 3, 编号: A1 again (row 2)"]

    def test_file_errors_in_the_callers_words(self):
        for data, message in (
            (b"", "empty"),
            (b" \n", "empty"),
            (sp.XLS_MAGIC + b"rest", "binary"),
            (b"a\x00b", "binary"),
            (b"\xff\xfe\xfa\xfb\x81", "encoding"),
            (sp.XLSX_MAGIC + b"broken", "damaged workbook"),
            ("标题\n编号,数量\nA1,1\n".encode(), "CSV row 2 lacks 名称"),
            ("a\nb\nc\n编号,名称\n".encode(), "no header in 3 rows of CSV"),
        ):
            with self.assertRaises(SpecError) as caught:
                read(data)
            assert str(caught.exception) == message, (data, str(caught.exception))
        with self.assertRaises(SpecError) as caught:
            sp.read_export(b"x" * 3 * 1024 * 1024, SPEC, None, max_bytes=2 * 1024 * 1024)
        assert str(caught.exception) == "3.0 MB > 2 MB"

    def test_the_same_rows_from_xlsx(self):
        book = Workbook()
        for values in (["清单"], ["编号", "名称", "数量"], ["A1", "Ann", 1], ["制表：李四"]):
            book.active.append(values)
        out = io.BytesIO()
        book.save(out)
        rows, skipped, errors = read(out.getvalue())
        assert (rows, skipped, errors) == ([("Sheet", 3, "A1", 1, "Ann", "Ann")], 1, [])


def invalid(text):
    return FapiaoRuleError("date", "%(value)s is not a date", value=text)


def out_of_range(serial):
    return FapiaoRuleError("date", "%(value)s is out of range", value=serial)


class TestCellDatetime(ToolsCase):
    @parametrize(
        ("value", "expected"),
        [(datetime(2026, 11, 2, 10, 30, 5, 7), datetime(2026, 11, 2, 10, 30, 5)),
         (date(2026, 11, 2), datetime(2026, 11, 2)),
         (46328.4375, datetime(2026, 11, 2, 10, 30)), ("46328", datetime(2026, 11, 2)),
         ("2026-11-02 10:30:00", datetime(2026, 11, 2, 10, 30)),
         ("2026/11/2", datetime(2026, 11, 2)), ("２０２６年１１月２日", datetime(2026, 11, 2)),
         ("20261102", datetime(2026, 11, 2)), (" 2026.11.02T08:05 ", datetime(2026, 11, 2, 8, 5))],
    )  # fmt: skip
    def test_datetimes(self, value, expected):
        assert sp.cell_datetime(value, invalid) == expected
        assert sp.cell_datetime(value, invalid, with_time=False) == expected.date()

    @parametrize(
        ("value", "message"),
        [("2026-02-30", "2026-02-30 is not a date"), ("2026-11-02 24:00", "2026-11-02 24:00 is not a date"),
         (None, "— is not a date"), ("yesterday", "yesterday is not a date"),
         (12345, "12345 is not a date"), (True, "True is not a date")],
    )  # fmt: skip
    def test_invalid(self, value, message):
        with self.assertRaises(FapiaoRuleError) as caught:
            sp.cell_datetime(value, invalid)
        assert str(caught.exception) == message

    def test_a_date_drops_the_time_unchecked_and_serials_out_of_range(self):
        assert sp.cell_datetime("2026-11-02 25:99", invalid, with_time=False) == date(2026, 11, 2)
        for serial in (12345, "99999", 36525.5):
            with self.assertRaises(FapiaoRuleError) as caught:
                sp.cell_datetime(serial, invalid, out_of_range=out_of_range)
            assert str(caught.exception).endswith("is out of range"), serial
