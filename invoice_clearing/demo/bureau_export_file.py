"""Files shaped like the tax bureau's 全量发票查询 export, written for the demo's month, the tests
and the benchmark: the reader is `tools/bureau_export.py`, this is only its mirror."""

import csv
import io
from datetime import datetime
from decimal import Decimal

from ..tools import fapiao_number
from ..tools.bureau_export import (
    BASIC_COLUMNS,
    BASIC_SHEET,
    COLUMN_LABELS,
    DETAIL_COLUMNS,
    DETAIL_SHEET,
    LABEL_BY_KIND,
    STATUS_LABELS,
)

_YES, _NO = "是", "否"


def fapiao_row(fapiao, **cells):
    """The fapiao record `fapiao` as a row of its company's export; `cells` overrides or adds
    columns."""
    fapiao.ensure_one()
    return row_from_fapiao(
        kind=fapiao.fapiao_type, code=fapiao.code, number=fapiao.number,
        issue_date=fapiao.issue_date, amount_untaxed=fapiao.amount_untaxed,
        amount_tax=fapiao.amount_tax, amount_total=fapiao.amount_total, state=fapiao.state,
        is_red=fapiao.is_red, seller_vat=fapiao.company_id.vat,
        seller_name=fapiao.company_id.name, buyer_vat=fapiao.buyer_vat,
        buyer_name=fapiao.partner_id.name, **cells,
    )  # fmt: skip


def row_from_fapiao(
    *, kind, code, number, issue_date, amount_untaxed, amount_tax, amount_total, state, is_red,
    seller_vat, seller_name, buyer_vat, buyer_name, **cells,
):  # fmt: skip
    """The row of a register fapiao as the bureau's export lists it, for `write_export_xlsx/csv`.

    A digital kind's number goes to 数电发票号码, any other's to 发票代码 + 发票号码; `state` is the
    register's (written as the bureau's 发票状态). `cells` adds columns (source, risk, note...).
    """
    digital = kind in fapiao_number.DIGITAL_KINDS
    return {
        "code": "" if digital else code or "",
        "number": "" if digital else number,
        "digital_number": number if digital else "",
        "seller_vat": seller_vat,
        "seller_name": seller_name,
        "buyer_vat": buyer_vat or "",
        "buyer_name": buyer_name,
        "issue_date": issue_date,
        "amount_untaxed": amount_untaxed,
        "amount_tax": amount_tax,
        "amount_total": amount_total,
        "kind": kind,
        "status": state,
        "is_red": is_red,
        **cells,
    }


def _cell(row, key):
    value = row.get(key)
    if key == "status" and value in STATUS_LABELS:
        return STATUS_LABELS[value]
    if key == "kind_label" and not value and row.get("kind") in LABEL_BY_KIND:
        return LABEL_BY_KIND[row["kind"]]
    if key == "is_blue" and value is None:
        return _NO if row.get("is_red") else _YES
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_export_xlsx(rows, details=None, title=True, footer=True, sheet=BASIC_SHEET):
    """Bytes of an xlsx shaped like the bureau's export, from row dicts keyed like BASIC_COLUMNS.

    Values are written as given (an int 20-digit number is stored as Excel's number, a datetime as
    a date cell), so callers choose how messy the file is. `status` may be a register state
    (normal, void...) and `kind` a register kind; `details` rows go to sheet 信息汇总表.
    """
    from openpyxl import Workbook  # noqa: PLC0415 - only writing needs it

    book = Workbook()
    basic = book.active
    basic.title = sheet
    _write_sheet(basic, rows, BASIC_COLUMNS, title, footer)
    if details is not None:
        _write_sheet(book.create_sheet(DETAIL_SHEET), details, DETAIL_COLUMNS, title, False)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_sheet(sheet, rows, columns, title, footer):
    if title:
        sheet.append(["全量发票查询导出结果"])
        sheet.append(["导出时间：" + datetime.now().strftime("%Y-%m-%d %H:%M:%S")])
    sheet.append([COLUMN_LABELS[key] for key in columns])
    for position, row in enumerate(rows, start=1):
        sheet.append([position if key == "seq" and key not in row else _cell(row, key)
                      for key in columns])  # fmt: skip
    if footer:
        sheet.append(["合计", f"{len(rows)} 张"])


def write_export_csv(rows, encoding="utf-8-sig", title=True, footer=True):
    """Bytes of the export as CSV in `encoding` (utf-8, utf-8-sig or gb18030), all cells text."""
    out = io.StringIO()
    writer = csv.writer(out)
    if title:
        writer.writerow(["全量发票查询导出结果"])
    writer.writerow([COLUMN_LABELS[key] for key in BASIC_COLUMNS])
    for position, row in enumerate(rows, start=1):
        writer.writerow([
            position if key == "seq" and key not in row else _csv_cell(_cell(row, key))
            for key in BASIC_COLUMNS
        ])  # fmt: skip
    if footer:
        writer.writerow(["合计", f"{len(rows)} 张"])
    return out.getvalue().encode(encoding)


def _csv_cell(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else value
