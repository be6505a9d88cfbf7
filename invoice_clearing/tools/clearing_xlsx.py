"""XLSX export of a clearing: summary, fapiao and problems sheets (xlsxwriter, no Odoo import).

Amounts and counts are written as numbers so totals recompute in Excel; codes, numbers and tax
IDs as text so leading zeros and 20-digit numbers survive.

Memory stays bounded whatever the number of fapiao: xlsxwriter's `constant_memory` mode writes
each row to a temporary file as it comes (rows are consumed from an iterator, never listed), and
the workbook is assembled into a file, not in memory. A sheet longer than Excel's 1,048,576 rows
continues on "<name> (2)", "<name> (3)"... with the same header.

Speed: xlsxwriter spends about 8 µs of Python per cell (argument checks, a cell tuple, its
attribute and escaping helpers); `_FastRows` writes a whole row's XML at once, byte for byte what
xlsxwriter writes for it, and leaves any unusual row to xlsxwriter (see its docstring).
"""

import math
import re
import tempfile

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

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
    fast = _FastRows.make(worksheet, formats, kinds)
    for values in sheet["rows"]:
        row += 1
        if row >= max_rows:
            if fast:
                fast.flush()
            part += 1
            worksheet, row = _start_part(workbook, formats, sheet, part)
            fast = _FastRows.make(worksheet, formats, kinds)
            row += 1
        if len(values) != len(kinds):
            raise ValueError(f"{len(values)} values for {len(kinds)} columns: {values!r}")
        if fast and fast.put(row, values):
            continue
        for col, value in enumerate(values):
            _write_cell(worksheet, formats, row, col, value, kinds[col])
    if fast:
        fast.flush()


def _start_part(workbook, formats, sheet, part):
    """A new worksheet with the title rows (first part only) and the header; the header's row."""
    worksheet = workbook.add_worksheet(sheet_name(sheet["name"], part))
    row = 0
    for label, value in sheet.get("title_rows", ()) if part == 1 else ():
        worksheet.write_string(row, 0, str(label), formats["bold"])
        _write_cell(worksheet, formats, row, 1, value, TEXT)
        row += 1
    if row:
        row += 1
    for col, (title, kind) in enumerate(sheet["columns"]):
        worksheet.set_column(col, col, 22 if kind == TEXT else 14)
        worksheet.write_string(row, col, title, formats["head"])
    worksheet.freeze_panes(row + 1, 0)
    return worksheet, row


def _write_cell(worksheet, formats, row, col, value, kind):
    if value is None or value is False or value == "":  # an empty cell, not an empty string
        return
    if kind == TEXT:
        worksheet.write_string(row, col, str(value), formats[TEXT])
    elif kind == DATE:
        worksheet.write_datetime(row, col, value, formats[DATE])
    else:
        worksheet.write_number(row, col, float(value), formats[kind])


# Text xlsxwriter rewrites before writing it (_xHHHH_ escapes, control characters, non-characters).
_SPECIAL_TEXT = re.compile(r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_TEXT_MAX = 32_767  # xlsxwriter cuts longer text
_BUFFER_ROWS = 200  # rows joined into one write of the worksheet's temporary file


class _FastRows:
    """Rows of one constant_memory worksheet written as one XML string each: the bytes xlsxwriter's
    `_write_single_row` writes for them (the writer tests compare both), without its per-cell calls.

    `put` returns False, writing nothing, for a row it leaves to xlsxwriter's own calls: text
    xlsxwriter would rewrite (control characters, `_xHHHH_`, rich text, over 32,767 characters),
    a number that is not finite, a format xlsxwriter has not numbered yet. `make` returns None
    when the worksheet is not in the state this relies on (constant_memory, default row
    attributes, xlsxwriter's internals as known), so an xlsxwriter that changed them falls back
    to the per-cell path. `flush` must be called when the sheet is done.
    """

    __slots__ = ("buffer", "columns", "dates", "formats", "worksheet", "xf")

    @classmethod
    def make(cls, worksheet, formats, kinds):
        needed = ("fh", "previous_row", "table", "set_rows", "comments", "_check_dimensions",
                  "_write_single_row", "_convert_date_time", "default_row_height",
                  "original_row_height", "excel_version")  # fmt: skip
        if not (
            getattr(worksheet, "constant_memory", False)
            and all(hasattr(worksheet, name) for name in needed)
            and worksheet.default_row_height == worksheet.original_row_height
            and worksheet.excel_version != 2010
            and not worksheet.set_rows
            and not worksheet.comments
        ):
            return None
        fast = cls()
        fast.worksheet, fast.formats, fast.dates, fast.buffer = worksheet, formats, {}, []
        fast.columns = [(f'<c r="{xl_col_to_name(col)}', kind) for col, kind in enumerate(kinds)]
        fast.xf = dict.fromkeys(kinds)  # kind -> '" s="n"', taken once xlsxwriter numbered it
        return fast

    def put(self, row, values):
        worksheet, buffer = self.worksheet, self.buffer
        if row <= worksheet.previous_row:
            self.flush()
            return False
        if worksheet.table:  # a row xlsxwriter holds: what is buffered goes before it
            self.flush()
        # The held row is written first (its formats take their index before this row's, as
        # they would); nothing is held after this one.
        worksheet._write_single_row(row)
        number = str(row + 1)
        xfs, cells, texts, first, last = self.xf, [], [], None, None
        for col, value in enumerate(values):
            if value is None or value is False or value == "":  # empty, as _write_cell
                continue
            start, kind = self.columns[col]
            xf = xfs[kind]
            if xf is None:
                xf = self._xf(kind)
                if xf is None:
                    self.flush()
                    return False
            if kind == TEXT:
                text = value if type(value) is str else str(value)
                texts.append(text)
                space = ' xml:space="preserve"' if text != text.strip() else ""
                if "&" in text or "<" in text or ">" in text:
                    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                cells.append(f'{start}{number}{xf} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            else:
                if kind == DATE:
                    serial = self.dates.get(value)
                    if serial is None:
                        serial = self.dates[value] = worksheet._convert_date_time(value)
                else:
                    serial = float(value)
                    if not math.isfinite(serial):
                        self.flush()
                        return False
                cells.append(f"{start}{number}{xf}><v>{serial:.16G}</v></c>")
            if first is None:
                first = col
            last = col
        if texts:
            joined = "\n".join(texts)  # one search for the row; "\n" is no special character
            if (
                _SPECIAL_TEXT.search(joined)
                or ("<r>" in joined and any(t.startswith("<r>") and t.endswith("</r>") for t in texts))
                or (len(joined) > _TEXT_MAX and max(map(len, texts)) > _TEXT_MAX)
            ):  # fmt: skip
                self.flush()
                return False
        if cells:
            worksheet._check_dimensions(row, first)
            worksheet._check_dimensions(row, last)
            buffer.append(f'<row r="{number}">{"".join(cells)}</row>')
            if len(buffer) >= _BUFFER_ROWS:
                self.flush()
        return True

    def flush(self):
        """Write the buffered rows into the worksheet's temporary file."""
        if self.buffer:
            self.worksheet.fh.write("".join(self.buffer))
            self.buffer.clear()

    def _xf(self, kind):
        """'" s="n"' of a kind's format, or None while xlsxwriter has not numbered that format:
        formats are numbered in the order xlsxwriter writes their first cell, so that row is
        left to it (the file stays the same byte for byte)."""
        index = getattr(self.formats[kind], "xf_index", None)
        if index is None:
            return None
        xf = self.xf[kind] = f'" s="{index}"'
        return xf
