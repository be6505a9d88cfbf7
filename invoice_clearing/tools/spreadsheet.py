"""Rows of the spreadsheets the platforms export (xlsx or CSV), whatever the file says about them.

Shared by the readers of the bureau's 全量发票查询 export (bureau_export.py) and of the platform's
list of 红字确认单 (red_confirmation_export.py): which xlsx reader to use, how a CSV's encoding and
delimiter are found, where the header stands below the title rows, how an amount cell is read and
how row errors are collected. The callers turn `Unreadable` into a message about their own file and
pass their own messages to the rest: each export is named in its own words.
"""

import codecs
import csv
import io
import itertools
import json
import re
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from . import fapiao_amount
from .rule_error import FapiaoRuleError

# Readers of xlsx, fastest first: python-calamine (Rust, optional: ~4x faster than openpyxl on a
# month of 100,000 rows, see the README's benchmark) when installed, openpyxl otherwise.
XLSX_READERS = ("calamine", "openpyxl")
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary Excel format
_EXACT_FLOAT = 2**53  # below this an integral float is the integer Excel stored

# A formula element in a worksheet's XML: <f>, <f t="shared" ...>, <x:f/>.
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_SCAN_CHUNK = 1 << 20
_CURRENCY = re.compile(r"[¥￥]")


class Unreadable(Exception):
    """The file is not what it claims to be. `reason`: "workbook" (a damaged xlsx), "binary"
    (neither xlsx nor text) or "encoding" (text neither UTF-8 nor GB18030)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def xlsx_reader(data=None):
    """The name of the xlsx reader open_xlsx uses: the first of XLSX_READERS importable.

    calamine reads a formula's cached result, not its text; openpyxl reads the text, which the
    parsers keep inert or refuse as a value. Platform exports have no formulas: a workbook that
    has some (edited by hand) is read by openpyxl, so it is judged by its formulas' text.
    """
    if data is not None and _has_formulas(data):
        return "openpyxl"
    for name in XLSX_READERS:
        if name == "calamine":
            try:
                import python_calamine  # noqa: F401, PLC0415 - optional accelerator
            except ImportError:
                continue
        return name
    return "openpyxl"


def _has_formulas(data):
    """Whether a worksheet of the xlsx `data` holds a formula (streamed, chunk by chunk)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with archive.open(name) as sheet:
                    tail = b""
                    while chunk := sheet.read(_SCAN_CHUNK):
                        if _FORMULA.search(tail + chunk):
                            return True
                        tail = chunk[-16:]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        return False  # damaged: the reader says so, with its message
    return False


def open_xlsx(data):
    """(sheet names, rows of a sheet by name, close) of the xlsx `data`: the same rows (tuples,
    None for an empty cell, int for an integral number) whichever reader reads them.

    Raises Unreadable when the archive cannot be opened; a damaged sheet inside a valid archive
    raises from its rows (callers catch that around their reading).
    """
    if xlsx_reader(data) == "calamine":
        from python_calamine import CalamineWorkbook  # noqa: PLC0415 - optional accelerator

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception:  # a damaged archive: openpyxl's verdict
            book = None
        if book is not None:
            return book.sheet_names, lambda name: _calamine_rows(book, name), book.close
    from openpyxl import load_workbook  # noqa: PLC0415 - only xlsx files need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many types on a damaged archive
        raise Unreadable("workbook") from None
    return book.sheetnames, lambda name: book[name].iter_rows(values_only=True), book.close


def _calamine_rows(book, name):
    """A sheet's rows from column A, as openpyxl gives them: calamine's start at the first column in
    use (its rows already start at row 1, so row numbers in the messages are the ones Excel shows)."""
    sheet = book.get_sheet_by_name(name)
    pad = (None,) * (sheet.start or (0, 0))[1]
    for cells in sheet.iter_rows():
        yield pad + _calamine_row(cells)


def _calamine_row(cells):
    """A calamine row as openpyxl gives it: None for an empty cell, an int for an integral number."""
    return tuple(
        None if value == "" else
        int(value) if type(value) is float and value.is_integer() and abs(value) < _EXACT_FLOAT
        else value
        for value in cells
    )  # fmt: skip


_CELL_TYPES = {"datetime": datetime, "date": date, "time": time}


def cells_json(rows):
    """JSON text of rows of cells as the readers give them (text, numbers, dates, times, None):
    cells_from_json gives back equal rows (as lists). A cell of another type becomes its text."""
    return json.dumps(list(rows), ensure_ascii=False, default=_cell_json)


def _cell_json(value):
    for name, kind in _CELL_TYPES.items():
        if type(value) is kind:
            return {"t": name, "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {"t": "timedelta", "v": value.total_seconds()}
    if isinstance(value, Decimal):
        return {"t": "decimal", "v": str(value)}
    return str(value)


def _cell_from_json(value):
    kind = value.get("t")
    if kind == "timedelta":
        return timedelta(seconds=value["v"])
    if kind == "decimal":
        return Decimal(value["v"])
    return _CELL_TYPES[kind].fromisoformat(value["v"])


def cells_from_json(text):
    """The rows of cells_json's `text`."""
    return json.loads(text, object_hook=_cell_from_json)


def cell_text(value):
    """A cell as stripped text; numbers and dates in their plain form. Never evaluated."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def decode_csv(data):
    """The text of CSV `data`: UTF-8 (with or without BOM), else GB18030, the encodings the
    platforms and Excel write. Raises Unreadable for a binary file or another encoding."""
    if b"\x00" in data:
        raise Unreadable("binary")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return codecs.decode(data, encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("encoding")


def csv_rows(text, delimiter):
    """The rows of CSV `text` (a lazy reader: csv.Error surfaces while iterating)."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def csv_encoding(data):
    """The encoding decode_csv would decode CSV `data` with ("utf-8-sig" or "gb18030"), checked
    chunk by chunk without holding the text: a month's CSV is 20 MB of bytes but 40 to 80 MB
    as text. Raises Unreadable as decode_csv does."""
    if b"\x00" in data:
        raise Unreadable("binary")
    for encoding in ("utf-8-sig", "gb18030"):
        if encoding == "utf-8-sig" and 0 < len(data) < 3 and codecs.BOM_UTF8.startswith(data):
            # A file cut inside the BOM: the incremental decoder waits for the rest of it and,
            # even when told the input ended, returns nothing instead of failing.
            continue
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), _SCAN_CHUNK):
                decoder.decode(data[start : start + _SCAN_CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise Unreadable("encoding")


def csv_stream_rows(data, encoding, delimiter):
    """The rows of CSV `data` in `encoding` (see csv_encoding), decoded as they are read: the
    rows csv_rows gives for its text, without the text held whole."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    return csv.reader(stream, delimiter=delimiter)


# Comma as the platforms write it; tab or semicolon when Excel re-saved it in another locale.
CSV_DELIMITERS = ",\t;"


def find_header(rows, aliases, required, *, normalize, is_header, missing, not_found, max_row):
    """(column index by name, header row number) of a sheet whose header stands below title rows.

    The header is the first of the first `max_row` rows whose cells name columns that `is_header`
    accepts (a dict of column name -> index). `aliases` gives each column's name the header texts
    that name it, the first being its label; cells and texts are compared after `normalize`. The
    caller's errors are raised: `missing(row, labels)` when the header lacks `required` columns
    (their labels joined by commas), `not_found()` when no row is a header.
    """
    by_text = {normalize(text): name for name, texts in aliases.items() for text in texts}
    for number, row in enumerate(itertools.islice(rows, max_row), start=1):
        columns = {}
        for index, value in enumerate(row or ()):
            name = by_text.get(normalize(value))
            if name and name not in columns:
                columns[name] = index
        if is_header(columns):
            labels = [aliases[name][0] for name in required if name not in columns]
            if labels:
                raise missing(number, ", ".join(labels))
            return columns, number
    raise not_found()


def cell_amount(value, field, limit, refuse, *, amount_errors=False):
    """The amount of a cell in cents (a Decimal): a number as it is, text without its ¥ or ￥.

    `refuse(value)` builds the caller's error for an amount of `limit` or more and for a cell that
    is no number, `value` being the cell as read (text without its currency sign). With
    `amount_errors`, a cell that is no number or beyond any fapiao keeps fapiao_amount's error.
    """
    if not isinstance(value, (int, float, Decimal)) or isinstance(value, bool):
        value = _CURRENCY.sub("", cell_text(value))
    try:
        amount = fapiao_amount.to_cents_of(value, field)
    except FapiaoRuleError:
        if amount_errors:
            raise
        raise refuse(value) from None
    if abs(amount) >= limit:
        raise refuse(value)
    return amount


def parse_body(rows, first, columns, parse, *, skip, refuse, key=None, duplicate=None, seen=None):
    """The rows below a sheet's header, parsed, and how many were passed over.

    Row `first` is the first of `rows`. Each row `skip` does not pass over (blank, a footer)
    becomes its cells, {column name: value} by `columns` (None past the row's end), and
    `parse(number, cells)` its result. `refuse(number, error)` receives each FapiaoRuleError
    `parse` raises, and, for a row whose identity an earlier row already had, the error of the
    caller's `duplicate` template placing %(number)s and %(first)s (the earlier row's number):
    `key(result)` gives (identity, number as shown); without `key`, rows may repeat an identity
    (one row per fapiao line). A refused row is not a parsed row. `seen` (identity -> row
    number, updated) holds the identities of rows parsed before `rows`, when a sheet is parsed
    in slices.
    """
    parsed, skipped = [], 0
    seen = {} if seen is None else seen
    for number, row in enumerate(rows, start=first):
        if skip(row):
            skipped += 1
            continue
        cells = {name: row[index] if index < len(row) else None for name, index in columns.items()}
        try:
            result = parse(number, cells)
        except FapiaoRuleError as error:
            refuse(number, error)
            continue
        if key:
            identity, shown = key(result)
            if identity in seen:
                error = FapiaoRuleError("number", duplicate, number=shown, first=seen[identity])
                refuse(number, error)
                continue
            seen[identity] = number
        parsed.append(result)
    return parsed, skipped


def add_row_error(errors, error, template, limit, overflow=None, **params):
    """Append the row's FapiaoRuleError `error` to `errors` as the caller's `template` (placed by
    `params`, `error` its last part) while fewer than `limit` are listed, then `overflow` once
    (a template of the `max` listed): a broken file is not worth listing further."""
    if len(errors) < limit:
        errors.append(FapiaoRuleError(error.field, template, **params, error=error))
    elif overflow and len(errors) == limit:
        errors.append(FapiaoRuleError("file", overflow, max=limit))
