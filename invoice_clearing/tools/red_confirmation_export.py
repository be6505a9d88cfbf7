"""红字发票信息确认单 (red-letter confirmation forms): their states, and the platform's list export.

See docs/FAPIAO.md, Red letter and void. The 电子发票服务平台 (and the providers' APIs) give each form a status code
01–11; the register keeps that code and folds it into seven states of its own:

====  ======================================  ===========
code  platform status                         state
====  ======================================  ===========
(—)   not submitted yet                       draft
01    无需确认                                  confirmed
02    销方录入待购方确认                          pending
03    购方录入待销方确认                          pending
04    购销双方已确认                              confirmed (used once its red fapiao is registered)
05    作废（销方录入购方否认）                    refused
06    作废（购方录入销方否认）                    refused
07    作废（超72小时未确认）                      expired
08    作废（发起方已撤销）                        withdrawn
09    作废（确认后撤销）                          withdrawn
10    作废（异常凭证）                            refused
11    作废（纳税人状态异常阻断）                  refused
====  ======================================  ===========

Amounts are those of the red fapiao the form allows: negative (金额, 税额, 价税合计 ≤ 0), as red
fapiao are in the register. An export that shows them positive is read as their negative.

The platform's list export is a spec (`SPEC`) of the spreadsheet reader (`spreadsheet.py`: xlsx or
CSV, UTF-8 with or without BOM, or GB18030, the header below title rows found by its column
names): its rows become checked forms, or one error per unusable row naming its row and column.
It imports nothing from Odoo.
"""

# `_` here is the marker of rule_error.py: this module has no env to translate with.
# pylint: disable=prefer-env-translation

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from . import spreadsheet
from .fapiao_number import DIGITAL_NUMBER_LENGTH, to_halfwidth
from .rule_error import FapiaoRuleError, _
from .spreadsheet import cell_text as _text

EXPIRY_HOURS = 72  # a form nobody confirms lapses after 72 hours (作废: 超72小时未确认)
REMIND_HOURS = 24  # the responsible user is reminded once, this long before it lapses
MAX_BYTES = 10 * 1024 * 1024
MAX_HEADER_ROW = 30
MAX_ERRORS = 200
MAX_AMOUNT = Decimal(10) ** 13  # far above any form's 价税合计

# Selection labels: Odoo translates them as the fields' selections (no `_` here).
STATES = [
    ("draft", "Draft"),
    ("pending", "Pending"),
    ("confirmed", "Confirmed"),
    ("refused", "Refused"),
    ("withdrawn", "Withdrawn"),
    ("expired", "Expired"),
    ("used", "Used"),
]
INITIATORS = [("seller", "Seller (销方发起)"), ("buyer", "Buyer (购方发起)")]
REASONS = [
    ("invoicing_error", "Invoicing error (开票有误)"),
    ("sales_return", "Sales return (销货退回)"),
    ("service_stopped", "Service stopped (服务中止)"),
    ("sales_allowance", "Sales allowance (销售折让)"),
]
# The platform's status codes (确认单状态代码), its own words as labels.
STATUS_CODES = [
    ("01", "01 无需确认"),
    ("02", "02 销方录入待购方确认"),
    ("03", "03 购方录入待销方确认"),
    ("04", "04 购销双方已确认"),
    ("05", "05 作废（销方录入购方否认）"),
    ("06", "06 作废（购方录入销方否认）"),
    ("07", "07 作废（超72小时未确认）"),
    ("08", "08 作废（发起方已撤销）"),
    ("09", "09 作废（确认后撤销）"),
    ("10", "10 作废（异常凭证）"),
    ("11", "11 作废（纳税人状态异常阻断）"),
]
STATE_BY_CODE = {
    "01": "confirmed",
    "02": "pending",
    "03": "pending",
    "04": "confirmed",
    "05": "refused",
    "06": "refused",
    "07": "expired",
    "08": "withdrawn",
    "09": "withdrawn",
    "10": "refused",
    "11": "refused",
}
# States whose form can no longer become a red fapiao.
DEAD_STATES = frozenset({"refused", "withdrawn", "expired"})


def pending_code(initiator):
    """The code of a submitted form: waiting for the other party."""
    return "02" if initiator == "seller" else "03"


def refused_code(initiator):
    """The code of a form the other party refused (否认)."""
    return "05" if initiator == "seller" else "06"


def withdrawn_code(state):
    """The code of a form withdrawn before (08) or after (09) its confirmation."""
    return "09" if state == "confirmed" else "08"


def expiry(requested_at):
    """When a form requested at `requested_at` lapses if nobody confirms it."""
    return requested_at + timedelta(hours=EXPIRY_HOURS)


def is_form_number(text):
    return bool(text) and len(text) == DIGITAL_NUMBER_LENGTH and text.isdigit()


# ------------------------------------------------------------------------------- the export
HEADERS = {
    "number": ("红字确认单编号", "确认单编号", "红字发票信息确认单编号", "红字信息确认单编号",
               "确认单号"),
    "blue_number": ("蓝字发票号码", "蓝字数电发票号码", "蓝字数电票号码", "对应蓝字发票号码",
                    "原发票号码", "蓝字发票数电号码"),
    "initiator": ("录入方", "发起方", "录入方身份", "发起方身份", "申请方"),
    "reason": ("冲红原因", "红冲原因", "开具红字原因", "红字原因"),
    "amount_untaxed": ("金额", "红冲金额", "不含税金额", "红字金额"),
    "amount_tax": ("税额", "红冲税额", "红字税额"),
    "amount_total": ("价税合计", "红冲价税合计", "红字价税合计"),
    "status": ("确认单状态", "状态", "确认状态", "确认单状态代码"),
    "requested_at": ("录入日期", "申请日期", "录入时间", "申请时间", "填开日期", "填开时间"),
}  # fmt: skip
COLUMN_LABELS = {key: variants[0] for key, variants in HEADERS.items()}
AMOUNTS = ("amount_untaxed", "amount_tax", "amount_total")
_SPACES = re.compile(r"\s+")
_BRACKETS = str.maketrans({"（": "(", "）": ")"})


def _key(value):
    """A label as compared: half-width, no spaces, no *, no (元) suffix."""
    text = _SPACES.sub("", to_halfwidth(_text(value)).translate(_BRACKETS)).replace("*", "")
    return text.removesuffix("(元)")


INITIATOR_TEXTS = {
    **dict.fromkeys(("销方", "销售方", "销方发起", "销方录入", "销售方发起", "seller", "1", "01"),
                    "seller"),
    **dict.fromkeys(("购方", "购买方", "购方发起", "购方录入", "购买方发起", "buyer", "2", "02"),
                    "buyer"),
}  # fmt: skip
REASON_TEXTS = {
    **dict.fromkeys(("开票有误", "01", "1"), "invoicing_error"),
    **dict.fromkeys(("销货退回", "02", "2"), "sales_return"),
    **dict.fromkeys(("服务中止", "03", "3"), "service_stopped"),
    **dict.fromkeys(("销售折让", "04", "4"), "sales_allowance"),
}
STATUS_TEXTS = {_key(label.split(" ", 1)[1]): code for code, label in STATUS_CODES}
STATUS_TEXTS.update(
    {
        _key(label.split(" ", 1)[1]).removeprefix("作废(").removesuffix(")"): code
        for code, label in STATUS_CODES
        if "作废" in label
    }
)
STATUS_TEXTS.update({"双方已确认": "04", "已确认": "04", "待购方确认": "02", "待销方确认": "03"})


@dataclass(slots=True)
class FormRow:
    """One checked row of the export: a form as the platform lists it."""

    row: int
    number: str
    blue_number: str
    initiator: str
    reason: str
    amount_untaxed: Decimal
    amount_tax: Decimal
    amount_total: Decimal
    status_code: str
    requested_at: datetime  # as the export shows it: China time, naive

    @property
    def state(self):
        return STATE_BY_CODE[self.status_code]


@dataclass(slots=True)
class ParsedForms:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # FapiaoRuleError, each naming its row and column
    sheet: str = ""


class FormExportError(FapiaoRuleError):
    """The file as a whole is not a list export of confirmation forms."""

    def __init__(self, template, /, **params):
        super().__init__("file", template, **params)


def parse_forms(data, max_bytes=MAX_BYTES):
    """Parse an export's bytes (xlsx or CSV, told apart by content) into a ParsedForms.

    Raises FormExportError when the file as a whole cannot be read; each unusable row is an
    error of the result, naming its sheet, row and column.
    """
    return spreadsheet.read_export(data, SPEC, _parse_sheet, max_bytes)


def _parse_sheet(cells):
    """The ParsedForms of the export's sheet (spreadsheet.SheetCells)."""
    parsed = ParsedForms(sheet=cells.sheet)
    parsed.rows, _skipped = spreadsheet.parse_rows(
        SPEC, cells.sheet, cells.body, cells.header_row + 1, cells.columns, parsed.errors
    )
    if not parsed.rows and not parsed.errors:
        raise SPEC.fail(SPEC.messages.no_rows, sheet=cells.sheet)
    return parsed


def _parse_row(_sheet, row, cells):
    """The FormRow of a row's `cells` (spreadsheet.Cells: each column converted as read)."""
    number = cells["number"]
    blue = cells["blue_number"]
    initiator = cells["initiator"]
    reason = cells["reason"]
    amounts = {key: cells[key] for key in AMOUNTS}
    if abs(amounts["amount_untaxed"] + amounts["amount_tax"] - amounts["amount_total"]) > Decimal(
        "0.01"
    ):
        raise FapiaoRuleError(
            "amount_total",
            _(
                "金额 %(untaxed)s + 税额 %(tax)s is not 价税合计 %(total)s. Correct the row or export the list again."
            ),
            untaxed=amounts["amount_untaxed"],
            tax=amounts["amount_tax"],
            total=amounts["amount_total"],
        )
    if not amounts["amount_total"]:
        raise FapiaoRuleError(
            "amount_total",
            _(
                "the 价税合计 of a red-letter form cannot be 0. Correct the row or export the list again."
            ),
        )
    return FormRow(
        row=row,
        number=number,
        blue_number=blue,
        initiator=initiator,
        reason=reason,
        status_code=cells["status"],
        requested_at=cells["requested_at"],
        **amounts,
    )


def _initiator(value):
    initiator = INITIATOR_TEXTS.get(_key(value))
    if not initiator:
        raise FapiaoRuleError(
            "initiator",
            _("%(value)s is not a party: write 销方 or 购方."),
            value=_text(value) or "—",
        )
    return initiator


def _reason(value):
    reason = REASON_TEXTS.get(_key(value))
    if not reason:
        raise FapiaoRuleError(
            "reason",
            _("%(value)s is not a reason: write 开票有误, 销货退回, 服务中止 or 销售折让."),
            value=_text(value) or "—",
        )
    return reason


def _form_digits(value, field):
    """A 20-digit number; Excel's float of one lost its last digits and is refused."""
    if isinstance(value, float):
        raise FapiaoRuleError(
            field,
            _(
                "the number %(value)s was turned into a number by Excel and lost digits. Format "
                "the column as text and export again."
            ),
            value=f"{value:.14E}",
        )
    text = _SPACES.sub("", to_halfwidth(_text(value))).lstrip("'")
    if not is_form_number(text):
        raise FapiaoRuleError(
            field,
            _("%(value)s is not a 20-digit number. Correct the row or export the list again."),
            value=text or "—",
        )
    return text


def _amount(value, field):
    """A form's amount, negative (an export may show it positive)."""
    return -abs(_any_amount(value, field))


def _any_amount(value, field):
    return spreadsheet.cell_amount(
        value,
        field,
        MAX_AMOUNT,
        lambda shown: FapiaoRuleError(
            field,
            _("%(value)s is not an amount. Correct the row or export the list again."),
            value=_text(shown) or "—",
        ),
    )


def parse_status(value):
    """The 01–11 code of a status given as a code ("04", 4) or as the platform's text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == int(value):
        text = f"{int(value):02d}"
    else:
        text = _key(value)
        if text.isdigit() and len(text) <= 2:
            text = text.zfill(2)
    if text in STATE_BY_CODE:
        return text
    code = STATUS_TEXTS.get(text) or STATUS_TEXTS.get(text[2:] if text[:2] in STATE_BY_CODE else "")
    if code:
        return code
    raise FapiaoRuleError(
        "status",
        _(
            "%(value)s is not a status of a 红字确认单: use its code 01 to 11 or the platform's text."
        ),
        value=_text(value) or "—",
    )


def parse_datetime(value):
    """录入日期 from a datetime, a date, an Excel serial or text (date, or date and time)."""
    return spreadsheet.cell_datetime(value, _not_a_date)


def _not_a_date(text):
    return FapiaoRuleError(
        "requested_at", _("%(value)s is not a date: write it as YYYY-MM-DD HH:MM:SS."), value=text
    )


# ------------------------------------------------------------------------------------- the spec
SPEC = spreadsheet.ExportSpec(
    columns={
        name: spreadsheet.Column(HEADERS[name], required=True, convert=convert)
        for name, convert in (
            ("number", lambda value: _form_digits(value, "number")),
            ("blue_number", lambda value: _form_digits(value, "blue_number")),
            ("initiator", _initiator),
            ("reason", _reason),
            ("amount_untaxed", lambda value: _amount(value, "amount_untaxed")),
            ("amount_tax", lambda value: _amount(value, "amount_tax")),
            ("amount_total", lambda value: _amount(value, "amount_total")),
            ("status", parse_status),
            ("requested_at", parse_datetime),
        )
    },
    is_header=lambda columns: "number" in columns and len(columns) >= 3,
    messages=spreadsheet.ExportMessages(
        empty=_("The file is empty. Choose the list of 红字确认单 exported from the platform."),
        too_large=_("The file is %(size)s MB; at most %(max)s MB can be imported."),
        binary=_(
            "The file is neither an Excel workbook (.xlsx) nor a CSV text file. Import the list of 红字确认单 exported from the platform."
        ),
        encoding=_(
            "The CSV file is neither UTF-8 nor GB18030 text. Save it as CSV UTF-8 and import it again."
        ),
        damaged_workbook=_(
            "The file looks like an Excel workbook but cannot be read. Export it again."
        ),
        damaged_csv=_("The CSV file cannot be read: it is damaged."),
        header_missing=_("Sheet %(sheet)s, row %(row)s: the header has no column %(columns)s."),
        header_not_found=_(
            "This is not a list of 红字确认单: none of the first %(max)s rows of %(sheet)s names "
            "the column 红字确认单编号. Import the list exported from the platform."
        ),
        no_rows=_(
            "Sheet %(sheet)s has a header but no forms. Export the list of 红字确认单 again from the platform."
        ),
        row_error=_("Sheet %(sheet)s, row %(row)s, column %(column)s: %(error)s"),
        duplicate=_(
            "form %(number)s is listed a second time (first in row %(first)s). Remove the "
            "duplicate row."
        ),
    ),
    error=FormExportError,
    build=_parse_row,
    key=lambda form: (form.number, form.number),
    max_header_row=MAX_HEADER_ROW,
    max_errors=MAX_ERRORS,
    max_bytes=MAX_BYTES,
)
