"""The tax bureau's "全量发票查询" export: its spec for the spreadsheet reader, and its checked rows.

See docs/FAPIAO.md, The bureau's export. Real files are messy (title rows, footers, Excel-mangled IDs, serial dates,
GB18030 CSV), so columns are found by name, every value is checked, and every unusable row yields
an error naming its sheet and row: nothing is guessed silently. Cell text is only ever read, never
evaluated, so a formula such as =HYPERLINK(...) in a name is kept as inert text. The file itself
(xlsx or CSV, encoding, delimiter, header, footers) is read by `spreadsheet.read_export` from the
specs at the end of this module.
"""

# `_` here is the marker of rule_error.py: these modules have no env to translate with.
# pylint: disable=prefer-env-translation

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from . import fapiao_amount, fapiao_number, spreadsheet, tax_id
from .fapiao_number import to_halfwidth
from .rule_error import FapiaoRuleError, _
from .spreadsheet import cell_text as _text

MAX_BYTES = 20 * 1024 * 1024
MAX_HEADER_ROW = 30  # title rows above the header
MAX_ERRORS = 200
MAX_AMOUNT = (
    Decimal(10) ** 13
)  # far above any single fapiao's 价税合计  # a file this broken is not worth listing further
BASIC_SHEET = "发票基础信息"
DETAIL_SHEET = "信息汇总表"

# Canonical column -> header variants seen in exports (compared after spreadsheet.header_key).
HEADERS = {
    "seq": ("序号",),
    "code": ("发票代码",),
    "number": ("发票号码",),
    "digital_number": ("数电发票号码", "数电票号码", "全电发票号码"),
    "seller_vat": ("销方识别号", "销方纳税人识别号", "销售方纳税人识别号", "销售方识别号"),
    "seller_name": ("销方名称", "销售方名称"),
    "buyer_vat": ("购方识别号", "购方纳税人识别号", "购买方纳税人识别号", "购买方识别号"),
    "buyer_name": ("购买方名称", "购方名称"),
    "issue_date": ("开票日期", "开票时间"),
    "amount_untaxed": ("金额", "不含税金额"),
    "amount_tax": ("税额",),
    "amount_total": ("价税合计",),
    "source": ("发票来源",),
    "kind_label": ("发票票种", "票种"),
    "status": ("发票状态",),
    "is_blue": ("是否正数发票",),
    "risk": ("发票风险等级",),
    "issuer": ("开票人",),
    "note": ("备注",),
    "tax_rate": ("税率", "税率/征收率"),
    "item_name": ("货物或应税劳务名称", "货物或应税劳务、服务名称"),
}
# The header the bureau writes today, in its order (the demo's writer uses it).
BASIC_COLUMNS = (
    "seq", "code", "number", "digital_number", "seller_vat", "seller_name", "buyer_vat",
    "buyer_name", "issue_date", "amount_untaxed", "amount_tax", "amount_total", "source",
    "kind_label", "status", "is_blue", "risk", "issuer", "note",
)  # fmt: skip
DETAIL_COLUMNS = (
    "seq", "code", "number", "digital_number", "issue_date", "item_name", "amount_untaxed",
    "tax_rate", "amount_tax",
)  # fmt: skip
REQUIRED = ("seller_vat", "buyer_vat", "issue_date", "amount_untaxed", "amount_tax",
            "amount_total", "status")  # fmt: skip

COLUMN_LABELS = {key: variants[0] for key, variants in HEADERS.items()}

STATUSES = {
    "正常": "normal",
    "已作废": "void",
    "作废": "void",
    "已红冲-全额": "red_full",
    "全额红冲": "red_full",
    "已红冲-部分": "red_partial",
    "部分红冲": "red_partial",
}
STATUS_LABELS = {
    "normal": "正常",
    "void": "已作废",
    "red_full": "已红冲-全额",
    "red_partial": "已红冲-部分",
}
# 发票票种 text (brackets made half-width, spaces removed) -> kind of the register.
KIND_BY_LABEL = {
    "电子发票(增值税专用发票)": "digital_special",
    "数电票(增值税专用发票)": "digital_special",
    "纸质发票(增值税专用发票)": "digital_special",
    "电子发票(普通发票)": "digital_general",
    "数电票(普通发票)": "digital_general",
    "纸质发票(普通发票)": "digital_general",
    "增值税专用发票": "vat_special",
    "增值税普通发票": "vat_general",
    "增值税普通发票(卷票)": "vat_roll",
    "增值税普通发票(卷式)": "vat_roll",
    "增值税电子普通发票": "e_general",
    "增值税电子专用发票": "e_special",
    "机动车销售统一发票": "motor_vehicle",
    "二手车销售统一发票": "used_vehicle",
}
LABEL_BY_KIND = {
    "digital_special": "电子发票(增值税专用发票)",
    "digital_general": "电子发票(普通发票)",
    "vat_special": "增值税专用发票",
    "vat_general": "增值税普通发票",
    "vat_roll": "增值税普通发票(卷票)",
    "e_general": "增值税电子普通发票",
    "e_special": "增值税电子专用发票",
    "motor_vehicle": "机动车销售统一发票",
    "used_vehicle": "二手车销售统一发票",
}
_YES, _NO = "是", "否"
EXEMPT_TEXTS = frozenset({"免税", "不征税", "***", "免征"})
_BRACKETS = str.maketrans({"（": "(", "）": ")", "\u3000": " "})
_SPACES = re.compile(r"\s+")
_RATE_PRECISION = Decimal("0.0001")
_FLOAT_TEXT = re.compile(r"\d+(\.\d*)?[eE][+-]?\d+|\d+\.\d*")


class ExportError(FapiaoRuleError):
    """The file as a whole cannot be read as an export: one message, nothing imported."""

    def __init__(self, template, /, **params):
        super().__init__("file", template, **params)


@dataclass(slots=True)
class ExportRow:
    """One checked row of sheet 发票基础信息 (amounts Decimal, IDs text, names normalised)."""

    sheet: str
    row: int
    code: str
    number: str
    digital_number: str
    seller_vat: str
    seller_name: str
    buyer_vat: str
    buyer_name: str
    issue_date: date
    amount_untaxed: Decimal
    amount_tax: Decimal
    amount_total: Decimal
    status: str
    is_red: bool
    kind: str | None
    kind_label: str = ""
    source: str = ""
    risk: str = ""
    issuer: str = ""
    note: str = ""
    tax_exempt: bool = False
    # A 20-digit 数电 number Excel stored as a float: its last digits are lost, only the rounded
    # value is known. The reconciliation may find it in the register (same rounding, amounts, date).
    rounded_number: str = ""
    tax_rates: tuple = ()  # percents (Decimal), from a 税率 column or sheet 信息汇总表
    # Several rates: (rate, exempt, amount, tax) per rate, summed from the lines on sheet
    # 信息汇总表 when each gives its amounts and they add up to the row's; else empty.
    rate_lines: tuple = ()

    @property
    def key(self):
        """Identity of the fapiao: ("", 数电发票号码), (发票代码, 发票号码) or ("~", rounded)."""
        return _key(self.code, self.number, self.digital_number, self.rounded_number)

    @property
    def display_number(self):
        if self.rounded_number:
            return f"{float(self.rounded_number):.14E}"
        return self.digital_number or f"{self.code} {self.number}".strip()

    @property
    def tax_rate(self):
        """The fapiao's single rate, or None when unknown or several."""
        return self.tax_rates[0] if len(self.tax_rates) == 1 else None


_DECIMALS = frozenset({"amount_untaxed", "amount_tax", "amount_total"})


def row_values(row):
    """The ExportRow `row` as JSON values (a slice of a background import is staged so)."""
    values = []
    for name in ExportRow.__slots__:
        value = getattr(row, name)
        if name == "issue_date":
            value = value.isoformat()
        elif name in _DECIMALS:
            value = str(value)
        elif name == "tax_rates":
            value = [str(rate) for rate in value]
        elif name == "rate_lines":
            value = [[str(rate), exempt, str(untaxed), str(tax)]
                     for rate, exempt, untaxed, tax in value]  # fmt: skip
        values.append(value)
    return values


def row_from_values(values, names=None):
    """The ExportRow of row_values(row); `names` (a dict) keeps one string per repeated text."""
    names = {} if names is None else names
    fields_ = {}
    for name, raw in zip(ExportRow.__slots__, values, strict=True):
        value = raw
        if name == "issue_date":
            value = date.fromisoformat(raw)
        elif name in _DECIMALS:
            value = Decimal(raw)
        elif name == "tax_rates":
            value = tuple(Decimal(rate) for rate in raw)
        elif name == "rate_lines":
            value = tuple((Decimal(rate), exempt, Decimal(untaxed), Decimal(tax))
                          for rate, exempt, untaxed, tax in raw)  # fmt: skip
        elif isinstance(raw, str):
            value = names.setdefault(raw, raw)
        fields_[name] = value
    return ExportRow(**fields_)


@dataclass(slots=True)
class ParsedExport:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # FapiaoRuleError, each naming sheet and row
    sheet: str = ""
    skipped_rows: int = 0  # title, empty and footer rows
    has_details: bool = False


# --------------------------------------------------------------------------------------- parse
def parse_export(data, filename="", max_bytes=MAX_BYTES):
    """Parse the bytes of an export (xlsx or CSV, told apart by content).

    `max_bytes` is the largest file accepted (the addon passes its system parameter).

    Returns a ParsedExport whose `errors` list every unusable row; raises ExportError when the
    file as a whole is not an export (too large, empty, binary, wrong columns).
    """
    return spreadsheet.read_export(data, BASIC_SPEC, _parse_sheet, max_bytes)


@dataclass(slots=True)
class ExportCells:
    """The cells of an export as read, before any check of its rows: what an import that
    works in bounded slices stages once, then parses slice by slice (parse_cells_slice)."""

    sheet: str
    columns: dict  # canonical column -> index
    header_row: int  # row number of the header; the body starts below it
    body: object  # the rows below the header (tuples of cells), title rows excluded
    details: object = None  # the rows of sheet 信息汇总表, or None without that sheet


def read_export_cells(data, consume, filename="", max_bytes=MAX_BYTES):
    """consume(ExportCells) of the export `data`, called while the file is open (its rows are
    iterators), and its result. Raises ExportError as parse_export does for a file that is no
    export or whose header lacks a column."""

    def read(cells):
        details = cells.other_sheet(DETAIL_SHEET)
        return consume(
            ExportCells(cells.sheet, cells.columns, cells.header_row, cells.body, details)
        )

    return spreadsheet.read_export(data, BASIC_SPEC, read, max_bytes)


def parse_cells_slice(cells, rows, start, seen, errors_before=0):
    """ParsedExport of `rows`, the body rows of `cells` from the `start`-th (title, blank and
    footer rows counted), checked as parse_export checks them.

    `seen` maps the identity of each row the earlier slices parsed to its row number (this
    slice adds its own), so that a row listed twice is refused across slices too;
    `errors_before` row errors were listed by the earlier slices (the list stops where
    parse_export's stops). Sheet 信息汇总表 is applied once every slice is parsed
    (apply_details_cells).
    """
    sheet = cells.sheet
    parsed = ParsedExport(sheet=sheet, skipped_rows=cells.header_row if start == 0 else 0)
    parsed.errors[:0] = [None] * errors_before  # add_row_error counts the earlier slices'
    parsed.rows, skipped = _parse_body(
        parsed, rows, cells.header_row + 1 + start, cells.columns, seen
    )
    del parsed.errors[:errors_before]
    parsed.skipped_rows += skipped
    return parsed


def apply_details_cells(parsed, details, errors_before=0):
    """The rates of sheet 信息汇总表 (its rows `details`, or None) on `parsed`, every row of the
    export parsed in slices; its errors follow the `errors_before` the slices listed, as
    parse_export adds them. A sheet with a header but no rows is refused as parse_export does."""
    if not parsed.rows and not errors_before:
        _no_rows(parsed.sheet)
    if details is None:
        return parsed
    parsed.errors[:0] = [None] * errors_before
    try:
        _apply_details(parsed, details)
    finally:
        del parsed.errors[:errors_before]
    return parsed


def check_export_rows(sheet, rows, errors):
    """Refuse a sheet parsed in slices whose header has no fapiao rows (`rows` and `errors`:
    how many its slices parsed and refused), as parse_export does."""
    if not rows and not errors:
        _no_rows(sheet)


def _parse_sheet(cells):
    """The ParsedExport of the export's sheet (spreadsheet.SheetCells), with the rates of sheet
    信息汇总表 when the workbook has it."""
    parsed = ParsedExport(sheet=cells.sheet, skipped_rows=cells.header_row)
    parsed.rows, skipped = _parse_body(parsed, cells.body, cells.header_row + 1, cells.columns)
    parsed.skipped_rows += skipped
    if not parsed.rows and not parsed.errors:
        _no_rows(cells.sheet)
    details = cells.other_sheet(DETAIL_SHEET)
    if details is not None:
        _apply_details(parsed, details)
    return parsed


def _parse_body(parsed, rows, first, columns, seen=None):
    """The export's rows below its header, from row number `first`, each checked; a fapiao
    listed twice refused (also across slices, through `seen`). Errors go to `parsed`."""
    return spreadsheet.parse_rows(
        BASIC_SPEC, parsed.sheet, rows, first, columns, parsed.errors, seen=seen
    )


def _no_rows(sheet):
    raise BASIC_SPEC.fail(BASIC_SPEC.messages.no_rows, sheet=sheet)


@functools.lru_cache(maxsize=4096)
def _tax_id(text, natural_person):
    """Checked tax ID; cached because an export repeats the seller's and its buyers' IDs."""
    return tax_id.check_tax_id(text, natural_person=natural_person)[0]


def _identity(cells):
    """(code, legacy number, 数电 number, rounded 数电 number) of a row's ID cells."""
    code = fapiao_number.normalize_code(cells.get("code"))
    legacy = fapiao_number.normalize_digits(
        cells.get("number"), "number", fapiao_number.LEGACY_NUMBER_LENGTH
    )
    raw = cells.get("digital_number")
    if not _text(raw) and not code and isinstance(cells.get("number"), (float, str)):
        raw = cells.get("number")  # 数电 number in the 发票号码 column (older exports)
        legacy = "" if _rounded(raw) else legacy
    rounded = _rounded(raw)
    digital = "" if rounded else fapiao_number.normalize_digits(raw, "number")
    if not digital and len(legacy) == fapiao_number.DIGITAL_NUMBER_LENGTH and not code:
        digital, legacy = legacy, ""
    return code, legacy, digital, rounded


def _rounded(value):
    """The integer text of a 20-digit ID Excel turned into a float (digits lost), else ""."""
    text = _SPACES.sub("", to_halfwidth(_text(value)))
    if not (isinstance(value, float) or _FLOAT_TEXT.fullmatch(text)):
        return ""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return ""
    if not number.is_finite() or number != number.to_integral_value() or number < 0:
        return ""
    digits = str(int(number))
    return excel_rounded(digits) if len(digits) == fapiao_number.DIGITAL_NUMBER_LENGTH else ""


def excel_rounded(digits):
    """`digits` rounded to the 15 significant digits Excel keeps, as integer text.

    Both a register number and the float Excel stored for it round to the same text, which lets
    the reconciliation recognise a 数电 number whose last digits Excel lost.
    """
    return str(int(Decimal(format(Decimal(digits), f".{fapiao_number.EXCEL_DIGITS - 1}E"))))


def _key(code, legacy, digital, rounded):
    if rounded:
        return ("~", rounded)
    return ("", digital) if digital else (code, legacy)


def _parse_row(sheet, number, cells):
    """The ExportRow of a row's `cells` (spreadsheet.Cells: each column converted as read, so
    a row is named by the first fault in this order)."""
    code, legacy, digital, rounded = _identity(cells)
    if not digital and not legacy and not rounded:
        raise FapiaoRuleError(
            "number",
            _("The row has neither a 数电发票号码 nor a 发票号码. Every fapiao row needs one."),
        )
    issue_date = cells["issue_date"]
    kind = _kind(cells["kind_label"], digital or rounded)
    if rounded:
        if kind not in fapiao_number.DIGITAL_KINDS:
            fapiao_number.normalize_digits(cells.get("digital_number"), "number")  # its message
    elif digital:
        # A paper 数电 fapiao also prints a code and 8-digit number; the 20 digits identify it.
        fapiao_number.check_fapiao_identity(kind, code, digital, today=issue_date)
    else:
        kind = kind or fapiao_number.detect_kind_from_code(code)
        fapiao_number.check_fapiao_identity(kind, code, legacy, today=issue_date)
    untaxed = cells["amount_untaxed"]
    tax = cells["amount_tax"]
    exempt = tax is None
    tax = Decimal("0.00") if exempt else tax
    total = cells["amount_total"]
    if abs(untaxed + tax - total) > fapiao_amount.TOTAL_TOLERANCE:
        raise FapiaoRuleError(
            "amount_total",
            _(
                "金额 %(untaxed)s + 税额 %(tax)s = %(sum)s, but 价税合计 is %(total)s. Export the file again; "
                "an edited export is not accepted."
            ),
            untaxed=untaxed,
            tax=tax,
            sum=untaxed + tax,
            total=total,
        )
    is_red = _is_red(cells, total)
    seller_vat = cells["seller_vat"]
    buyer_vat = cells["buyer_vat"]
    rates = ()
    if "tax_rate" in cells and (found := cells["tax_rate"]):
        rate, rate_exempt = found
        rates, exempt = (rate,), exempt or rate_exempt
    return ExportRow(
        sheet=sheet,
        row=number,
        code=code,
        number=legacy,
        digital_number=digital,
        status=cells["status"],
        rounded_number=rounded,
        seller_vat=seller_vat,
        buyer_vat=buyer_vat,
        note=cells["note"],
        issue_date=issue_date,
        amount_untaxed=untaxed,
        amount_tax=tax,
        amount_total=total,
        is_red=is_red,
        kind=kind,
        tax_exempt=exempt,
        tax_rates=rates,
        **{name: cells[name] for name in NAME_COLUMNS},
    )


def _apply_details(parsed, rows):
    """Rates per fapiao from sheet 信息汇总表 (one row per fapiao line), and a fapiao's amounts
    per rate where it has several."""
    lines = _detail_lines(parsed, rows, {row.key for row in parsed.rows})
    if lines is not None:
        parsed.has_details = True
        apply_detail_lines(parsed.rows, lines)


def _detail_lines(parsed, rows, keys):
    """The lines (key, rate, exempt, amounts or None) of sheet 信息汇总表's `rows`, each of a
    fapiao whose identity is in `keys`; their errors added to `parsed`'s; None without header."""
    rows = list(_take(rows))
    try:
        columns, header_row = DETAIL_SPEC.find_header(rows[:MAX_HEADER_ROW], DETAIL_SHEET)
    except ExportError as error:
        parsed.errors.append(error)
        return None
    lines, _skipped = spreadsheet.parse_rows(
        DETAIL_SPEC,
        DETAIL_SHEET,
        rows[header_row:],
        header_row + 1,
        columns,
        parsed.errors,
        build=lambda _sheet, number, cells: _detail_line(cells, keys, parsed.sheet),
    )
    return lines


def check_details_cells(parsed, details, keys, errors_before=0):
    """The lines of sheet 信息汇总表 of a file parsed in slices: (key, rate, exempt, amounts or
    None) of sheet 信息汇总表's rows `details`, whose fapiao must be among the identities `keys`
    of every slice's rows; their errors are added to `parsed` (an empty ParsedExport of the
    sheet) after the `errors_before` the slices listed, as parse_export adds them."""
    parsed.errors[:0] = [None] * errors_before
    try:
        return _detail_lines(parsed, details, keys) or []
    finally:
        del parsed.errors[:errors_before]


def apply_detail_lines(rows, lines):
    """The rates (and amounts per rate) of the detail `lines` on the `rows` they name; lines of
    other rows are passed over (a slice's rows take the lines of the whole sheet)."""
    by_key = {row.key: row for row in rows}
    rates, split, unsplit = {}, {}, set()
    for key, rate, exempt, amounts in lines:
        if key not in by_key:
            continue
        rates.setdefault(key, set()).add(rate)
        if exempt:
            by_key[key].tax_exempt = True
        if amounts is None or key in unsplit:
            unsplit.add(key)
            continue
        sums = split.setdefault(key, {}).setdefault((rate, exempt), [Decimal(0), Decimal(0)])
        sums[0] += amounts[0]
        sums[1] += amounts[1]
    for key, found in rates.items():
        row = by_key[key]
        row.tax_rates = tuple(sorted(found | set(row.tax_rates)))
        if key not in unsplit:
            row.rate_lines = _rate_lines(row, split[key])


def detail_line_values(line):
    """A detail line (check_details_cells) as JSON values, and back with detail_line_from."""
    key, rate, exempt, amounts = line
    return [list(key), str(rate), exempt, [str(a) for a in amounts] if amounts else None]


def detail_line_from(values):
    key, rate, exempt, amounts = values
    return (tuple(key), Decimal(rate), exempt,
            tuple(Decimal(a) for a in amounts) if amounts else None)  # fmt: skip


def _detail_line(cells, keys, sheet):
    """(key of its fapiao on sheet `sheet`, rate, exempt, (amount, tax) or None) of a line on
    sheet 信息汇总表."""
    code, legacy, digital, rounded = _identity(cells)
    key = _key(code, legacy, digital, rounded)
    if key not in keys and digital:
        key = _key("", "", "", excel_rounded(digital))  # rounded on the other sheet
    if key not in keys:
        raise FapiaoRuleError(
            "number",
            _(
                "Fapiao %(number)s is not listed on sheet %(sheet)s. Export both sheets together "
                "again."
            ),
            number=digital or rounded or f"{code} {legacy}".strip(),
            sheet=sheet,
        )
    rate, exempt = cells["tax_rate"]
    return key, rate, exempt, _detail_amounts(cells, exempt)


def _detail_amounts(cells, exempt):
    """(amount, tax) of a line on sheet 信息汇总表, or None when the sheet does not give them:
    they only split a fapiao by rate, so a missing or odd cell is no error."""
    try:
        untaxed = cells["amount_untaxed"]
        tax = Decimal(0) if exempt else cells["amount_tax"]
    except FapiaoRuleError:
        return None
    return untaxed, tax


def _rate_lines(row, sums):
    """The row's rate lines from its amounts per (rate, exempt), largest rate first, when there
    are several rates and they add up to the row's amount and tax; else ()."""
    if len(sums) < 2:
        return ()
    if (sum(s[0] for s in sums.values()) != row.amount_untaxed
            or sum(s[1] for s in sums.values()) != row.amount_tax):  # fmt: skip
        return ()
    return tuple(
        (rate, exempt, untaxed, tax)
        for (rate, exempt), (untaxed, tax) in sorted(sums.items(), reverse=True)
    )


def _take(rows, limit=2_000_000):
    for index, row in enumerate(rows):
        if index >= limit:
            break
        yield row


# ------------------------------------------------------------------------------------ values
# Names and labels, compared as normalize_name leaves them.
NAME_COLUMNS = ("seller_name", "buyer_name", "kind_label", "source", "risk", "issuer")


def _shared_name(value):
    """normalize_name, one string per distinct cell: an export repeats the seller, its buyers,
    kinds and sources on every row (100,000 rows hold a few hundred names, not 600,000)."""
    try:
        return _cached_name(value)
    except TypeError:  # an unhashable cell (a formula object of openpyxl)
        return normalize_name(value)


@functools.lru_cache(maxsize=4096, typed=True)
def _cached_name(value):
    return normalize_name(value)


def normalize_name(value):
    """A company name as the register compares it: half-width brackets, single spaces."""
    return _SPACES.sub(" ", _text(value).translate(_BRACKETS)).strip()


def _amount(value, field):
    """An amount in cents; numbers beyond any fapiao's (or Decimal's precision) are refused."""
    return spreadsheet.cell_amount(
        value,
        field,
        MAX_AMOUNT,
        lambda shown: FapiaoRuleError(
            field,
            _(
                "The %(label)s %(value)s is not a fapiao amount. Import the unchanged export of 全量发票查询."
            ),
            label=fapiao_amount.AMOUNT_LABELS[field],
            value=shown,
        ),
        amount_errors=True,
    )


def parse_date(value):
    """开票日期 from a datetime, an Excel serial (number or digits) or text; a FapiaoRuleError else."""
    return spreadsheet.cell_datetime(
        value, _not_a_date, out_of_range=_date_out_of_range, with_time=False
    )


def _not_a_date(text):
    return FapiaoRuleError(
        "issue_date",
        _("The 开票日期 %(value)s is not a date. The export writes it as YYYY-MM-DD HH:MM:SS."),
        value=text,
    )


def _date_out_of_range(serial):
    return FapiaoRuleError(
        "issue_date",
        _("The 开票日期 %(value)s is not a date between 2000 and 2099. Check the column 开票日期."),
        value=serial,
    )


def parse_rate(value):
    """(percent as Decimal, tax-exempt) from "13%", 13, 0.13, "免税" or "***".

    A number below 1 is a fraction (0.13 = 13%), from 1 up a percent; a result that is no VAT rate
    is refused, so 0.5 (50%?) is an error, not a guess.
    """
    text = _SPACES.sub("", to_halfwidth(_text(value)))
    if text in EXEMPT_TEXTS:
        return Decimal(0), True
    percent = text.endswith("%")
    try:
        rate = Decimal(text.removesuffix("%"))
    except InvalidOperation:
        rate = None
    if rate is not None and rate.is_finite():
        if not percent and abs(rate) < 1:
            rate *= 100
        rate = rate.quantize(_RATE_PRECISION, rounding=ROUND_HALF_UP).normalize()
    if (
        rate is None
        or not rate.is_finite()
        or rate not in fapiao_amount.CURRENT_RATES | fapiao_amount.OLD_RATES
    ):
        raise FapiaoRuleError(
            "tax_rate",
            _(
                "The 税率 %(value)s is not a VAT rate. The export writes rates as 13%%, 13 or "
                "0.13 (also 9, 6, 5, 3, 1.5, 1, 0.5, 0, 免税, 不征税)."
            ),
            value=text or "—",
        )
    return rate, False


def _status(value):
    text = _SPACES.sub("", to_halfwidth(_text(value)))
    if text in STATUSES:
        return STATUSES[text]
    raise FapiaoRuleError(
        "state",
        _(
            "The 发票状态 %(value)s is unknown; the export writes 正常, 已作废, 已红冲-全额 or 已红冲-部分."
        ),
        value=text or "—",
    )


def _is_red(cells, total):
    if "is_blue" not in cells:
        return total < 0
    text = _SPACES.sub("", _text(cells["is_blue"]))
    if text not in (_YES, _NO):
        raise FapiaoRuleError(
            "is_red",
            _("是否正数发票 is %(value)s; the export writes 是 or 否."),
            value=text or "—",
        )
    is_red = text == _NO
    if total and (total < 0) != is_red:
        raise FapiaoRuleError(
            "is_red",
            _(
                "是否正数发票 is %(value)s, but 价税合计 is %(total)s. Export the file again; an edited "
                "export is not accepted."
            ),
            value=text,
            total=total,
        )
    return is_red


def _kind(value, digital):
    text = _SPACES.sub("", normalize_name(value))
    if text in KIND_BY_LABEL:
        return KIND_BY_LABEL[text]
    if text:
        raise FapiaoRuleError(
            "fapiao_type",
            _("The 发票票种 %(value)s is unknown. Known kinds: %(kinds)s."),
            value=text,
            kinds=", ".join(LABEL_BY_KIND.values()),
        )
    if digital:
        raise FapiaoRuleError(
            "fapiao_type",
            _(
                "The 发票票种 of digital fapiao %(number)s is empty: it cannot tell a special from "
                "a general fapiao."
            ),
            number=digital,
        )
    return None


def _tax_amount(value):
    """税额, or None when the cell says the fapiao is exempt (免税, 不征税, ***)."""
    return None if _text(value) in EXEMPT_TEXTS else _amount(value, "amount_tax")


def _seller_vat(value):
    if not _text(value):
        raise FapiaoRuleError(
            "seller_vat",
            _(
                "The 销方识别号 (seller's tax ID) is empty. Import the unchanged export of 全量发票查询."
            ),
        )
    return _tax_id(_text(value), False)


def _optional_rate(value):
    """(rate, exempt) of a 税率 cell, None when it is empty."""
    return parse_rate(value) if _text(value) else None


# ----------------------------------------------------------------------------------- the specs
MESSAGES = spreadsheet.ExportMessages(
    empty=_("The file is empty. Choose the file exported from 全量发票查询."),
    too_large=_(
        "The file is %(size)s MB; at most %(max)s MB can be imported. Export one month of "
        "全量发票查询 at a time, or split the export."
    ),
    old_excel=_(
        "The file is in the old Excel format (.xls). Open it in Excel or WPS, save it as "
        ".xlsx and import that file."
    ),
    binary=_(
        "The file is neither an Excel workbook (.xlsx) nor a CSV text file. Import "
        "the file exported from 全量发票查询."
    ),
    encoding=_(
        "The CSV file is neither UTF-8 nor GB18030 text. Save it as CSV UTF-8 (or the "
        "default Chinese CSV) and import it again."
    ),
    damaged_workbook=_(
        "The file looks like an Excel workbook but cannot be read: it is damaged or not "
        "an .xlsx file. Export it again from 全量发票查询."
    ),
    damaged_sheet=_(
        "The workbook is damaged and its rows cannot be read. Export it again from 全量发票查询."
    ),
    damaged_csv=_("The CSV file cannot be read: it is damaged. Export it again from 全量发票查询."),
    no_sheet=_(
        "The workbook has no sheet %(sheet)s (it has %(names)s). Import the file "
        "exported from 全量发票查询, whose invoices are on sheet %(sheet)s."
    ),
    header_missing=_(
        "Sheet %(sheet)s, row %(row)s: the header has no column %(columns)s. "
        "Import the unchanged export of 全量发票查询."
    ),
    header_not_found=_(
        "This is not a 全量发票查询 export: none of the first %(max)s rows of %(sheet)s names "
        "the columns 发票号码 or 数电发票号码, 开票日期, 金额, 税额, 价税合计. Import the file "
        "exported from 税务数字账户 → 全量发票查询."
    ),
    no_rows=_(
        "Sheet %(sheet)s has a header but no fapiao rows. Check the period of the export "
        "in 全量发票查询 and export it again."
    ),
    row_error=_("Sheet %(sheet)s, row %(row)s: %(error)s"),
    duplicate=_(
        "Fapiao %(number)s is listed a second time (first in row %(first)s). Remove the "
        "duplicate row or export the file again."
    ),
    overflow=_("More rows cannot be used; only the first %(max)s errors are listed."),
)


def _columns(required, convert):
    return {
        name: spreadsheet.Column(aliases, name in required, convert.get(name))
        for name, aliases in HEADERS.items()
    }


# Sheet 发票基础信息 (or a CSV): one row per fapiao.
BASIC_SPEC = spreadsheet.ExportSpec(
    columns=_columns(
        REQUIRED,
        {
            "seller_vat": _seller_vat,
            "buyer_vat": lambda value: _tax_id(_text(value), True),
            "issue_date": parse_date,
            "amount_untaxed": functools.partial(_amount, field="amount_untaxed"),
            "amount_tax": _tax_amount,
            "amount_total": functools.partial(_amount, field="amount_total"),
            "status": _status,
            "note": _text,
            "tax_rate": _optional_rate,
            **dict.fromkeys(NAME_COLUMNS, _shared_name),
        },
    ),
    is_header=lambda columns: (
        len(columns) >= 4 and bool({"number", "digital_number"} & columns.keys())
    ),
    messages=MESSAGES,
    error=ExportError,
    build=_parse_row,
    key=lambda row: (row.key, row.display_number),
    sheet=BASIC_SHEET,
    max_header_row=MAX_HEADER_ROW,
    max_errors=MAX_ERRORS,
    max_bytes=MAX_BYTES,
)
# Sheet 信息汇总表: one row per fapiao line, its rate (and amounts) by the fapiao's identity.
DETAIL_SPEC = dataclasses.replace(
    BASIC_SPEC,
    columns=_columns(
        ("tax_rate",),
        {
            "tax_rate": parse_rate,
            "amount_untaxed": functools.partial(_amount, field="amount_untaxed"),
            "amount_tax": functools.partial(_amount, field="amount_tax"),
        },
    ),
    build=None,
    key=None,
    sheet=DETAIL_SHEET,
)
