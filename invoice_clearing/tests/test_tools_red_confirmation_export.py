"""Pure tests of the 红字确认单 states and of the parser of the platform's list export."""

import csv
import io
from datetime import datetime
from decimal import Decimal

from ..tools import red_confirmation_export as rc
from ..tools.rule_error import FapiaoRuleError
from . import red_confirmation_file as rf
from .tools_case import ToolsCase, parametrize

FORM = "26312000000000000001"
BLUE = "26312000000000000777"


def row(**overrides):
    values = {
        "number": FORM,
        "blue_number": BLUE,
        "initiator": "销方",
        "reason": "销货退回",
        "amount_untaxed": "-100.00",
        "amount_tax": "-13.00",
        "amount_total": "-113.00",
        "status": "04",
        "requested_at": "2026-11-02 10:30:00",
    }
    values.update(overrides)
    return values


def csv_with(header, rows, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


class TestRedConfirmationStates(ToolsCase):
    def test_every_code_has_a_state(self):
        assert [code for code, _label in rc.STATUS_CODES] == [f"{n:02d}" for n in range(1, 12)]
        assert set(rc.STATE_BY_CODE) == {code for code, _label in rc.STATUS_CODES}
        assert set(rc.STATE_BY_CODE.values()) <= {state for state, _label in rc.STATES}

    @parametrize(
        ("code", "state"),
        [("01", "confirmed"), ("02", "pending"), ("03", "pending"), ("04", "confirmed"),
         ("05", "refused"), ("06", "refused"), ("07", "expired"), ("08", "withdrawn"),
         ("09", "withdrawn"), ("10", "refused"), ("11", "refused")],
    )  # fmt: skip
    def test_state_by_code(self, code, state):
        assert rc.STATE_BY_CODE[code] == state

    def test_codes_of_the_workflow(self):
        assert rc.pending_code("seller") == "02" and rc.pending_code("buyer") == "03"
        assert rc.refused_code("seller") == "05" and rc.refused_code("buyer") == "06"
        assert rc.withdrawn_code("pending") == "08" and rc.withdrawn_code("confirmed") == "09"

    def test_expiry_is_72_hours_later(self):
        assert rc.expiry(datetime(2026, 11, 2, 10, 0)) == datetime(2026, 11, 5, 10, 0)


class TestRedConfirmationExport(ToolsCase):
    def test_csv_round_trip(self):
        parsed = rc.parse_forms(rf.write_forms_csv([row()]))
        assert not parsed.errors
        (form,) = parsed.rows
        assert form.number == FORM and form.blue_number == BLUE
        assert form.initiator == "seller" and form.reason == "sales_return"
        assert (form.amount_untaxed, form.amount_tax, form.amount_total) == (
            Decimal("-100.00"), Decimal("-13.00"), Decimal("-113.00"),
        )  # fmt: skip
        assert form.status_code == "04" and form.state == "confirmed"
        assert form.requested_at == datetime(2026, 11, 2, 10, 30)

    def test_xlsx_round_trip(self):
        parsed = rc.parse_forms(rf.write_forms_xlsx([row(), row(number=FORM[:-1] + "2", status=2)]))
        assert not parsed.errors, [str(e) for e in parsed.errors]
        assert [r.status_code for r in parsed.rows] == ["04", "02"]
        assert parsed.sheet == "红字确认单"

    def test_gb18030_and_aliases(self):
        header = ["确认单编号", "蓝字数电发票号码", "发起方", "红冲原因", "红冲金额", "红冲税额",
                  "红冲价税合计", "状态", "申请日期"]  # fmt: skip
        data = csv_with(
            ["红字确认单查询结果"] * 1 + [""] * 8,
            [header, [FORM, BLUE, "购方发起", "销售折让", "100", "13", "113",
                      "作废（超72小时未确认）", "2026/11/2"]],
            encoding="gb18030",
        )  # fmt: skip
        (form,) = rc.parse_forms(data).rows
        assert form.initiator == "buyer" and form.reason == "sales_allowance"
        assert form.amount_total == Decimal("-113.00"), "positive amounts are read as red"
        assert form.status_code == "07" and form.state == "expired"
        assert form.requested_at == datetime(2026, 11, 2)

    @parametrize(
        ("value", "code"),
        [("04", "04"), (4, "04"), ("4", "04"), ("购销双方已确认", "04"), ("04 购销双方已确认", "04"),
         ("销方录入待购方确认", "02"), ("作废(发起方已撤销)", "08"), ("确认后撤销", "09"),
         ("无需确认", "01"), (" 作废（销方录入购方否认） ", "05")],
    )  # fmt: skip
    def test_status_text_or_code(self, value, code):
        assert rc.parse_status(value) == code

    @parametrize(
        ("overrides", "column", "words"),
        [
            ({"number": "123"}, "红字确认单编号", "20-digit"),
            ({"blue_number": 2.6312e19}, "蓝字发票号码", "Excel"),
            ({"initiator": "第三方"}, "录入方", "第三方"),
            ({"reason": "不想要了"}, "冲红原因", "不想要了"),
            ({"amount_tax": "abc"}, "税额", "abc"),
            ({"amount_total": "-120.00"}, "价税合计", "-120.00"),
            ({"status": "99"}, "确认单状态", "99"),
            ({"requested_at": "yesterday"}, "录入日期", "yesterday"),
        ],
    )
    def test_row_errors_name_row_and_column(self, overrides, column, words):
        second = row(number=FORM[:-1] + "9")
        second.update(overrides)
        parsed = rc.parse_forms(rf.write_forms_xlsx([row(), second]))
        assert len(parsed.rows) == 1
        (error,) = [str(e) for e in parsed.errors]
        assert "row 4" in error, error  # title row, header, first form
        assert f"column {column}" in error, error
        assert words in error, error

    def test_duplicate_number(self):
        parsed = rc.parse_forms(rf.write_forms_csv([row(), row()]))
        (error,) = [str(e) for e in parsed.errors]
        assert "second time" in error and "row 3" in error

    def test_footer_and_blank_rows_are_skipped(self):
        data = rf.write_forms_csv([row()]) + "\r\n合计,,,,,-100,-13,-113,,\r\n".encode()
        parsed = rc.parse_forms(data)
        assert len(parsed.rows) == 1 and not parsed.errors

    @parametrize(
        ("data", "words"),
        [
            (b"", "empty"),
            (b"a,b,c\r\n1,2,3\r\n", "红字确认单编号"),
            (csv_with(["红字确认单编号", "蓝字发票号码", "金额"], [[FORM, BLUE, "1"]]), "录入方"),
            (b"PK\x03\x04broken", "cannot be read"),
        ],
    )
    def test_file_errors(self, data, words):
        try:
            rc.parse_forms(data)
        except FapiaoRuleError as error:
            assert words in str(error), str(error)
        else:
            raise AssertionError("refused")


class TestRedConfirmationExportReader(ToolsCase):
    """The list is read by the reader the bureau's export uses: same footers, delimiters, dates."""

    def test_a_footer_naming_its_maker_is_no_form(self):
        data = rf.write_forms_csv([row()]) + "制表人：张三,,,,,,,,\r\n".encode()
        parsed = rc.parse_forms(data)
        assert (len(parsed.rows), parsed.errors) == (1, [])

    def test_semicolons_with_thousands_separators(self):
        header = [rc.COLUMN_LABELS[key] for key in rc.HEADERS]
        values = [FORM, BLUE, "销方", "销货退回", "-1,000.00", "-130.00", "-1,130.00", "04",
                  "20261102"]  # fmt: skip
        data = ";".join(header).encode() + b"\r\n" + ";".join(values).encode() + b"\r\n"
        (form,) = rc.parse_forms(data).rows
        assert (form.amount_total, form.requested_at) == (
            Decimal("-1130.00"),
            datetime(2026, 11, 2),
        )
