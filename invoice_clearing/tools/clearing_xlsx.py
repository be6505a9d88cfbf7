"""XLSX export of a clearing: summary, fapiao and problems sheets (xlsxwriter, no Odoo import).

Amounts and counts are written as numbers so totals recompute in Excel; codes, numbers and tax
IDs as text so leading zeros and 20-digit numbers survive.

Only xlsxwriter's public API is used (`Workbook`, `add_format`, `write_string`, `write_number`,
`write_datetime`...): Odoo pins xlsxwriter, and an upgrade must not break the export.

Memory stays bounded whatever the number of fapiao: xlsxwriter's `constant_memory` mode writes
each row to a temporary file as it comes (rows are consumed from an iterator, never listed), and
the workbook is assembled into a file, not in memory. A sheet longer than Excel's 1,048,576 rows
continues on "<name> (2)", "<name> (3)"... with the same header.

Speed: nearly all the time is xlsxwriter's own work per cell; this module adds one bound method,
one shared format and one type check per cell, chosen once per column (`_column_writers`).
"""

import tempfile
from datetime import date

import xlsxwriter

TEXT, NUMBER, INTEGER, DATE, PERCENT = "text", "number", "integer", "date", "percent"
EXCEL_MAX_ROWS = 1_048_576  # rows of a worksheet, header included
SHEET_NAME_MAX = 31


def write_workbook(sheets, target, max_rows=EXCEL_MAX_ROWS):
    """Write the .xlsx for `sheets` into `target` (a path or a binary file object).

    `sheets`: dicts with `name`, `title_rows` (list of (label, value) pairs printed above the
    table, on the first sheet of a split table only), `columns` (list of (title, kind)) and
    `rows` (iterable of tuples, one value per column; None leaves the cell empty).
    `max_rows` is Excel's limit; tests lower it to split small tables.
    """
    workbook = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "strings_to_numbers": False, "tmpdir": tempfile.gettempdir()},
    )
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
        _write_sheet(workbook, formats, sheet, max_rows)
    workbook.close()


def build_workbook(sheets, max_rows=EXCEL_MAX_ROWS):
    """The .xlsx bytes for `sheets` (see write_workbook): for small exports and tests."""
    with tempfile.TemporaryFile() as output:
        write_workbook(sheets, output, max_rows)
        output.seek(0)
        return output.read()


def sheet_name(name, part):
    """The name of part `part` (1, 2...) of a sheet, within Excel's 31 characters."""
    suffix = f" ({part})" if part > 1 else ""
    return name[: SHEET_NAME_MAX - len(suffix)] + suffix


def _write_sheet(workbook, formats, sheet, max_rows):
    kinds = [kind for _title, kind in sheet["columns"]]
    part = 1
    worksheet, row = _start_part(workbook, formats, sheet, part)
    writers = _column_writers(worksheet, formats, kinds)
    for values in sheet["rows"]:
        row += 1
        if row >= max_rows:
            part += 1
            worksheet, row = _start_part(workbook, formats, sheet, part)
            writers = _column_writers(worksheet, formats, kinds)
            row += 1
        if len(values) != len(writers):
            raise ValueError(f"{len(values)} values for {len(kinds)} columns: {values!r}")
        for col, value in enumerate(values):
            if value is None:
                continue
            write, cell_format, value_type, convert = writers[col]
            if type(value) is value_type:
                if value or value_type is not str:  # "" is an empty cell
                    write(row, col, value, cell_format)
            elif not (value is False or value == ""):  # the uncommon case, checked in full
                write(row, col, value if convert is None else convert(value), cell_format)


def _column_writers(worksheet, formats, kinds):
    """Per column, what `_write_sheet` does with a value: (the worksheet's method, the shared
    cell format, the value's usual type, the conversion of any other type or None)."""
    writers = []
    for kind in kinds:
        if kind == TEXT:
            writers.append((worksheet.write_string, formats[TEXT], str, str))
        elif kind == DATE:
            writers.append((worksheet.write_datetime, formats[DATE], date, None))
        else:
            writers.append((worksheet.write_number, formats[kind], float, float))
    return writers


def _start_part(workbook, formats, sheet, part):
    """A new worksheet with the title rows (first part only) and the header; the header's row."""
    worksheet = workbook.add_worksheet(sheet_name(sheet["name"], part))
    row = 0
    for label, value in sheet.get("title_rows", ()) if part == 1 else ():
        worksheet.write_string(row, 0, str(label), formats["bold"])
        if not (value is None or value is False or value == ""):
            worksheet.write_string(row, 1, str(value), formats[TEXT])
        row += 1
    if row:
        row += 1
    for col, (title, kind) in enumerate(sheet["columns"]):
        worksheet.set_column(col, col, 22 if kind == TEXT else 14)
        worksheet.write_string(row, col, title, formats["head"])
    worksheet.freeze_panes(row + 1, 0)
    return worksheet, row
