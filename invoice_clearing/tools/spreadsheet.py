"""The one reader of the spreadsheets the platforms export (xlsx or CSV), whatever the file says
about them.

An export is declared as an `ExportSpec` (its columns with their header aliases, which are
required, each column's converter, how a checked row is built, and the caller's messages); the
bureau's 全量发票查询 export (bureau_export.py) and the platform's list of 红字确认单
(red_confirmation_export.py) are two such specs. The reader does the rest once for both: refuse a
file that is no export, tell xlsx from CSV, decode text (UTF-8 with or without BOM, GB18030),
find a CSV's delimiter, find the header below title rows, pass over blank rows and footers
(合计, 制表...), read Excel's serial dates and amount cells, and collect row errors in the
caller's words.
"""

import calendar
import codecs
import csv
import functools
import io
import itertools
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from . import fapiao_amount
from .fapiao_number import to_halfwidth
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
    found = _locate_header(rows, aliases, normalize=normalize, is_header=is_header, max_row=max_row)
    if found is None:
        raise not_found()
    columns, number = found
    labels = [aliases[name][0] for name in required if name not in columns]
    if labels:
        raise missing(number, ", ".join(labels))
    return columns, number


def _locate_header(rows, aliases, *, normalize, is_header, max_row):
    """(columns, row number) of the first header row among the first `max_row` rows, or None."""
    by_text = {normalize(text): name for name, texts in aliases.items() for text in texts}
    for number, row in enumerate(itertools.islice(rows, max_row), start=1):
        columns = {}
        for index, value in enumerate(row or ()):
            name = by_text.get(normalize(value))
            if name and name not in columns:
                columns[name] = index
        if is_header(columns):
            return columns, number
    return None


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


def parse_body(
    rows, first, columns, parse, *, skip, refuse, key=None, duplicate=None, seen=None, cells=dict
):
    """The rows below a sheet's header, parsed, and how many were passed over.

    Row `first` is the first of `rows`. Each row `skip` does not pass over (blank, a footer)
    becomes its cells, {column name: value} by `columns` (None past the row's end), and
    `parse(number, cells)` its result. `refuse(number, error)` receives each FapiaoRuleError
    `parse` raises, and, for a row whose identity an earlier row already had, the error of the
    caller's `duplicate` template placing %(number)s and %(first)s (the earlier row's number):
    `key(result)` gives (identity, number as shown); without `key`, rows may repeat an identity
    (one row per fapiao line). A refused row is not a parsed row. `seen` (identity -> row
    number, updated) holds the identities of rows parsed before `rows`, when a sheet is parsed
    in slices. `cells` is the type of a row's cells: a dict of the cells as read, or a `Cells`
    type converting each cell as `parse` reads it.
    """
    parsed, skipped = [], 0
    seen = {} if seen is None else seen
    for number, row in enumerate(rows, start=first):
        if skip(row):
            skipped += 1
            continue
        values = {name: row[index] if index < len(row) else None for name, index in columns.items()}
        try:
            result = parse(number, values if cells is dict else cells(values))
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


# ------------------------------------------------------------------------------- the one reader
# The first cell of a footer row starts so (half-width, without spaces): totals, notes, the
# export's stamp and its maker (制表人).
FOOTER = re.compile(r"(合计|总计|小计|共计|注:|说明:|导出|制表)")
_SPACES = re.compile(r"\s+")


def is_blank(row):
    return not row or all(cell_text(value) == "" for value in row)


def is_footer(row):
    """Whether `row` is a footer: its first non-empty cell starts with a FOOTER word."""
    first = next((text for value in row if (text := cell_text(value))), "")
    return bool(FOOTER.match(_SPACES.sub("", to_halfwidth(first))))


def skip_row(row):
    """Rows of a sheet's body that are no record: blank rows and footers."""
    return is_blank(row) or is_footer(row)


def header_key(value):
    """A header cell as compared with the aliases: half-width, without spaces and `*` (a
    required column's mark), without a unit suffix (元) or (%)."""
    text = _SPACES.sub("", to_halfwidth(cell_text(value))).replace("*", "")
    return text.removesuffix("(元)").removesuffix("(%)")


class Cells(dict):
    """A row's cells by column name (the header's columns only). `cells[name]` is the cell
    converted by its column's converter when the row's builder reads it, so that a row with
    several faults is named by the first its builder checks (and a column the header lacks is
    None converted); `cells.get(name)` is the cell as read.

    `convert` (column name -> converter) is a class attribute: each spec has its subclass
    (`ExportSpec.cells_type`), so that a row's Cells is made as fast as a dict."""

    __slots__ = ()
    convert = {}

    def __getitem__(self, name, _get=dict.get):
        convert = self.convert.get(name)
        return _get(self, name) if convert is None else convert(_get(self, name))


@dataclass(frozen=True, slots=True)
class Column:
    """A column of an export: the header texts that name it (its label first), whether the
    header must have it, and the converter of its cells (a cell as read -> its value, raising a
    FapiaoRuleError that names the column); None keeps the cell as read."""

    aliases: tuple
    required: bool = False
    convert: Callable | None = None


@dataclass(frozen=True, slots=True)
class ExportMessages:
    """The caller's words for what the reader refuses: templates marked with rule_error's `_`,
    translated when rendered. Optional ones fall back to a general one (see each)."""

    empty: str  # no bytes, or only blanks
    too_large: str  # %(size)s, %(max)s (MB)
    binary: str  # neither xlsx nor text
    encoding: str  # text neither UTF-8 nor GB18030
    damaged_workbook: str  # an xlsx archive that cannot be opened
    damaged_csv: str
    header_missing: str  # %(sheet)s, %(row)s, %(columns)s (the labels of the missing ones)
    header_not_found: str  # %(sheet)s, %(max)s (rows searched)
    no_rows: str  # %(sheet)s: a header, no record below it
    row_error: str  # %(sheet)s, %(row)s, %(column)s (the error's column label), %(error)s
    duplicate: str | None = None  # %(number)s, %(first)s (its first row)
    overflow: str | None = None  # %(max)s: the errors listed are cut there
    old_excel: str | None = None  # the binary .xls format; `binary` without it
    damaged_sheet: str | None = None  # a sheet of a valid archive; `damaged_workbook` without it
    no_sheet: str | None = None  # %(sheet)s, %(names)s: a workbook without the spec's sheet


@dataclass(frozen=True)
class ExportSpec:
    """One platform's export, declared: what `read_export` and `parse_rows` need to read it.

    `columns` (name -> Column, the missing required ones listed in this order); `is_header`
    tells the header from title rows by the columns a row names; `build(sheet, row number,
    cells)` makes the checked row from its `Cells`; `key(row)` gives (identity, number as shown) when a row may
    not repeat an earlier row's identity; `sheet` is the workbook's sheet to read (else the only
    or first one); `error(template, **params)` is the caller's error of a file as a whole.
    """

    columns: dict
    is_header: Callable
    messages: ExportMessages
    error: Callable
    build: Callable | None = None
    key: Callable | None = None
    sheet: str = ""
    max_header_row: int = 30
    max_errors: int = 200
    max_bytes: int = 20 * 1024 * 1024
    normalize: Callable = header_key
    aliases: dict = field(init=False, repr=False)
    cells_type: type = field(init=False, repr=False)  # Cells with the columns' converters

    def __post_init__(self):
        aliases = {name: column.aliases for name, column in self.columns.items()}
        convert = {name: c.convert for name, c in self.columns.items() if c.convert is not None}
        cells_type = type("Cells", (Cells,), {"__slots__": (), "convert": convert})
        object.__setattr__(self, "aliases", aliases)
        object.__setattr__(self, "cells_type", cells_type)

    @property
    def required(self):
        return tuple(name for name, column in self.columns.items() if column.required)

    def label(self, name):
        """The header text of column `name` as the export writes it (`name` if no column)."""
        column = self.columns.get(name)
        return column.aliases[0] if column else name

    def fail(self, template, **params):
        return self.error(template, **params)

    def find_header(self, rows, sheet):
        """(column index by name, header row number) among the first rows of `sheet`."""
        return find_header(
            rows,
            self.aliases,
            self.required,
            normalize=self.normalize,
            is_header=self.is_header,
            missing=lambda row, columns: self.fail(
                self.messages.header_missing, sheet=sheet, row=row, columns=columns
            ),
            not_found=lambda: self.fail(
                self.messages.header_not_found, max=self.max_header_row, sheet=sheet
            ),
            max_row=self.max_header_row,
        )

    def add_error(self, errors, sheet, row, error):
        """List a row's `error` in `errors` (cut at max_errors) in the caller's words."""
        add_row_error(
            errors,
            error,
            self.messages.row_error,
            self.max_errors,
            self.messages.overflow,
            sheet=sheet,
            row=row,
            column=self.label(error.field),
        )


@dataclass(slots=True)
class SheetCells:
    """A sheet of an export as read, its header found, before any check of its rows."""

    sheet: str
    columns: dict  # column name -> index
    header_row: int  # row number of the header; the body starts below it
    body: object  # the rows below the header (tuples of cells), title rows excluded
    other_sheet: Callable = None  # name -> the rows of another sheet of the workbook, or None


CSV_SHEET = "CSV"  # the name a CSV file's only sheet has in messages


def read_export(data, spec, consume, max_bytes=None):
    """consume(SheetCells) of the export `data` (xlsx or CSV, told apart by content), called
    while the file is open (its rows are iterators), and its result.

    Raises the spec's error for a file that is no export: empty, larger than `max_bytes` (the
    spec's by default), binary, in another encoding, damaged, without the spec's sheet, without
    a header among its first rows or whose header lacks a required column.
    """
    data = check_file(data, spec, spec.max_bytes if max_bytes is None else max_bytes)
    if data[:4] == XLSX_MAGIC:
        return _read_workbook(data, spec, consume)
    return _read_csv(data, spec, consume)


def check_file(data, spec, max_bytes):
    """The bytes of `data`; the spec's error if it is no export whatever its rows."""
    messages = spec.messages
    if not isinstance(data, (bytes, bytearray)):
        raise spec.fail(messages.empty)
    if len(data) > max_bytes:
        raise spec.fail(
            messages.too_large,
            size=round(len(data) / 1024 / 1024, 1),
            max=max_bytes // 1024 // 1024,
        )
    if not data.strip():
        raise spec.fail(messages.empty)
    if data[:8] == XLS_MAGIC:
        raise spec.fail(messages.old_excel or messages.binary)
    return bytes(data)


def _read_workbook(data, spec, consume):
    messages = spec.messages
    try:
        names, sheet_rows, close = open_xlsx(data)
    except Unreadable:
        raise spec.fail(messages.damaged_workbook) from None
    try:
        sheet = _choose_sheet(names, spec)

        def other_sheet(name):
            return sheet_rows(name) if name in names and name != sheet else None

        return consume(_sheet_cells(spec, sheet, sheet_rows(sheet), other_sheet))
    except FapiaoRuleError:
        raise
    except Exception:  # a damaged sheet inside a valid archive
        raise spec.fail(messages.damaged_sheet or messages.damaged_workbook) from None
    finally:
        close()


def _choose_sheet(names, spec):
    if not spec.sheet or spec.sheet in names:
        return spec.sheet or names[0]
    if len(names) == 1:
        return names[0]
    raise spec.fail(spec.messages.no_sheet, sheet=spec.sheet, names=", ".join(names))


def _read_csv(data, spec, consume):
    """The CSV's rows decoded as they are read (the text is never held whole), split by the
    first delimiter with which a header stands among the first rows (a comma when none)."""
    messages = spec.messages
    try:
        encoding = csv_encoding(data)
    except Unreadable as error:
        raise spec.fail(
            messages.binary if error.reason == "binary" else messages.encoding
        ) from None
    delimiter = next(
        (d for d in CSV_DELIMITERS if _has_header(csv_stream_rows(data, encoding, d), spec)),
        CSV_DELIMITERS[0],
    )
    try:
        return consume(_sheet_cells(spec, CSV_SHEET, csv_stream_rows(data, encoding, delimiter)))
    except csv.Error:
        raise spec.fail(messages.damaged_csv) from None


def _has_header(rows, spec):
    try:
        return (
            _locate_header(
                rows,
                spec.aliases,
                normalize=spec.normalize,
                is_header=spec.is_header,
                max_row=spec.max_header_row,
            )
            is not None
        )
    except csv.Error:
        return False


def _sheet_cells(spec, sheet, rows, other_sheet=None):
    rows = iter(rows)
    head = list(itertools.islice(rows, spec.max_header_row))
    columns, header_row = spec.find_header(head, sheet)
    body = itertools.chain(head[header_row:], rows)
    return SheetCells(sheet, columns, header_row, body, other_sheet or (lambda name: None))


def parse_rows(spec, sheet, rows, first, columns, errors, *, build=None, seen=None):
    """(checked rows, rows passed over) of the body `rows` of `sheet`, the first numbered `first`:
    blank and footer rows passed over, each other row built by `build` (the spec's by default)
    from its converted cells, its errors listed in `errors` in the spec's words. A row repeating
    an earlier row's identity (the spec's key; `seen` holds those of earlier slices) is refused."""
    return parse_body(
        rows,
        first,
        columns,
        functools.partial(build or spec.build, sheet),
        skip=skip_row,
        refuse=lambda number, error: spec.add_error(errors, sheet, number, error),
        key=spec.key,
        duplicate=spec.messages.duplicate,
        seen=seen,
        cells=spec.cells_type,
    )


# ---------------------------------------------------------------------------- dates of cells
EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 1 is 1900-01-01 counting Excel's phantom 1900-02-29
SERIAL_RANGE = (36526, 73051)  # 2000-01-01 .. 2099-12-31: plausible dates of an export
_SERIAL_TEXT = re.compile(r"\d{5}(\.\d+)?")
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})()()()")  # the time's groups: empty


def cell_datetime(value, invalid, *, out_of_range=None, with_time=True):
    """The naive datetime (`with_time`) or the date of a cell: a datetime, a date, an Excel
    serial (a number, or five digits as text) of a day between 2000 and 2099, or text
    (2026-11-02, 2026/11/2, 2026年11月2日, 20261102, optionally followed by HH:MM[:SS]).

    `invalid(text)` builds the caller's error for any other cell (`text` "—" when empty),
    `out_of_range(serial)` for a serial outside those years (`invalid` without it). Without
    `with_time` the time is dropped unchecked.
    """
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None) if with_time else value.date()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day) if with_time else value
    text = to_halfwidth(cell_text(value))
    serial = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        serial = value
    elif _SERIAL_TEXT.fullmatch(text):
        serial = float(text)
    if serial is not None:
        if SERIAL_RANGE[0] <= serial <= SERIAL_RANGE[1]:
            if with_time:
                return (EXCEL_EPOCH + timedelta(days=float(serial))).replace(microsecond=0)
            return EXCEL_EPOCH.date() + timedelta(days=int(serial))
        if out_of_range is not None:
            raise out_of_range(serial)
    match = _DATE_TEXT.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match:
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups("0"))
        valid_day = year and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]
        if valid_day and not with_time:
            return date(year, month, day)
        if valid_day and hour < 24 and minute < 60 and second < 60:
            return datetime(year, month, day, hour, minute, second)
    raise invalid(text or "—")
