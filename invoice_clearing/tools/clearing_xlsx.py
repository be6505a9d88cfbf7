"""XLSX export of a clearing: summary, fapiao and problems sheets (xlsxwriter, no Odoo import).

Amounts and counts are written as numbers so totals recompute in Excel; codes, numbers and tax
IDs as text so leading zeros and 20-digit numbers survive.
"""

import io

import xlsxwriter

TEXT, NUMBER, INTEGER, DATE, PERCENT = "text", "number", "integer", "date", "percent"


def build_workbook(sheets):
    """The .xlsx bytes for `sheets`: a list of dicts with `name`, `title_rows` (list of
    (label, value) pairs printed above the table), `columns` (list of (title, kind)) and `rows`
    (iterable of tuples, one value per column; None leaves the cell empty).
    """
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_numbers": False})
    formats = {
        "bold": workbook.add_format({"bold": True}),
        "head": workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1}),
        NUMBER: workbook.add_format({"num_format": "#,##0.00"}),
        INTEGER: workbook.add_format({"num_format": "0"}),
        DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        PERCENT: workbook.add_format({"num_format": "0.00"}),
        TEXT: workbook.add_format({"num_format": "@"}),
    }
    for sheet in sheets:
        _write_sheet(workbook, formats, sheet)
    workbook.close()
    return output.getvalue()


def _write_sheet(workbook, formats, sheet):
    worksheet = workbook.add_worksheet(sheet["name"][:31])
    row = 0
    for label, value in sheet.get("title_rows", ()):
        worksheet.write_string(row, 0, str(label), formats["bold"])
        _write_cell(worksheet, formats, row, 1, value, TEXT)
        row += 1
    if row:
        row += 1
    columns = sheet["columns"]
    for col, (title, kind) in enumerate(columns):
        worksheet.write_string(row, col, title, formats["head"])
        worksheet.set_column(col, col, 22 if kind == TEXT else 14)
    worksheet.freeze_panes(row + 1, 0)
    for values in sheet["rows"]:
        row += 1
        for col, (value, (_title, kind)) in enumerate(zip(values, columns, strict=True)):
            _write_cell(worksheet, formats, row, col, value, kind)


def _write_cell(worksheet, formats, row, col, value, kind):
    if value is None or value is False:
        return
    if kind == TEXT:
        worksheet.write_string(row, col, str(value), formats[TEXT])
    elif kind == DATE:
        worksheet.write_datetime(row, col, value, formats[DATE])
    else:
        worksheet.write_number(row, col, float(value), formats[kind])
