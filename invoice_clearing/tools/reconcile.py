"""Reconciliation (对账) of the bureau's 全量发票查询 export with the fapiao register: a pure engine.

Input: the parsed export rows (`bureau_export.ExportRow`) and the register's fapiao of the company
as plain tuples (`RegisterFapiao`, read by the model in one query: the fapiao of the period and
those whose number the export names). Output: a `Reconciliation` with the values of every import
line, the ids of the fapiao to mark uploaded or not uploaded, and the errors that refuse the
whole file. Everything is a dict lookup or a set: no database, no recordset, linear in the rows.

Messages are `RuleMessage`s, as the rules' (`Message`, rendered late in the user's language): the
engine's facts are their parameters, and what only the database knows (the company, the labels of
the register's states) is given when the model renders them.
"""

# `_` here is the marker of rule_error.py: this module has no env to translate with.
# pylint: disable=prefer-env-translation

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from . import digital_fapiao, fapiao_number
from .bureau_export import STATUS_LABELS, excel_rounded
from .rule_error import RuleMessage, Term, _

CENT = Decimal("0.01")
AMOUNTS = ("amount_untaxed", "amount_tax", "amount_total")  # 金额, 税额, 价税合计
ROW_AS_IS = ("seller_vat", "seller_name", "buyer_name", "issue_date", *AMOUNTS)  # row → line
AMOUNT_LABELS = {
    "amount_untaxed": Term(_("Amount (金额)")),
    "amount_tax": Term(_("Tax (税额)")),
    "amount_total": Term(_("Total (价税合计)")),
}
RED_LETTER = RuleMessage("is_red", _(" (red-letter)"))


class Message(RuleMessage):
    """A message of the engine: its `field` is its code, its params the engine's facts.

    `render(translate, context)` adds `context` (company, company_vat, state_labels: what the
    model knows) to the params before the template places them. It reads as the pair
    (code, params) too, so the engine's outcomes compare as plain data.
    """

    def render(self, translate=None, context=None):
        params = self._shown({**(context or {}), **self.params})
        return RuleMessage(self.field, self.template, **params).render(translate)

    def _shown(self, params):
        """The template's params from the facts and the context."""
        return params

    def __iter__(self):
        return iter((self.field, self.params))

    def __getitem__(self, index):
        return (self.field, self.params)[index]

    def __eq__(self, other):
        if isinstance(other, RuleMessage):
            return (type(self), self.field, self.template, self.params) == (
                type(other), other.field, other.template, other.params
            )  # fmt: skip
        return (self.field, self.params) == other

    __hash__ = None


class StatusMessage(Message):
    """The bureau's and the register's states of a fapiao, in words."""

    def _shown(self, params):
        labels = params.get("state_labels") or {}
        return {
            "bureau": STATUS_LABELS[params["bureau"]],
            "red": RED_LETTER if params["bureau_red"] else "",
            "odoo": labels.get(params["odoo"], params["odoo"]),
            "odoo_red": RED_LETTER if params["odoo_red"] else "",
        }


class AmountsMessage(Message):
    """Each amount that differs, bureau's and Odoo's: one part per amount."""

    def render(self, translate=None, context=None):
        return "; ".join(
            RuleMessage(name, self.template, label=AMOUNT_LABELS[name], bureau=bureau, odoo=odoo)
            .render(translate)
            for name, bureau, odoo in self.params["differences"]
        )  # fmt: skip


def other_seller_message(seller, vat):
    return Message(
        "other_seller",
        _(
            "The seller of this fapiao is %(seller)s (%(vat)s), not %(company)s "
            "(%(company_vat)s): the row is not imported."
        ),
        seller=seller,
        vat=vat,
    )


def outside_period_message(row, date_from, date_to):
    return Message(
        "outside_period",
        _(
            "Sheet %(sheet)s, row %(row)s: fapiao %(number)s was issued on %(date)s, "
            "outside the period %(from)s – %(to)s. Import the export of that period, "
            "or choose the period the file covers."
        ),
        sheet=row.sheet, row=row.row, number=row.display_number, date=row.issue_date,
        **{"from": date_from, "to": date_to},
    )  # fmt: skip


def rounded_unknown_message(row, count):
    return Message(
        "rounded_unknown",
        _(
            "Sheet %(sheet)s, row %(row)s: Excel stored the 数电发票号码 as the number "
            "%(rounded)s and lost its last digits; %(count)s fapiao of the register have "
            "that rounded number, total and date, so it cannot be identified. Format the "
            "column as text (文本), export again and import the new file."
        ),
        sheet=row.sheet, row=row.row, rounded=row.display_number, count=count,
    )  # fmt: skip


def rounded_message(rounded, number):
    return Message(
        "rounded",
        _(
            "Excel had rounded the 数电发票号码 to %(rounded)s; it is fapiao "
            "%(number)s of the register (same total and date)."
        ),
        rounded=rounded,
        number=number,
    )


def status_message(row, fapiao):
    return StatusMessage(
        "status",
        _(
            "Status at the bureau: %(bureau)s%(red)s; in Odoo: %(odoo)s%(odoo_red)s. "
            "Void the fapiao in Odoo or issue a red-letter credit note, or accept Odoo's "
            "status after checking with the bureau."
        ),
        bureau=row.status, bureau_red=row.is_red, odoo=fapiao.state, odoo_red=fapiao.is_red,
    )  # fmt: skip


def amounts_message(differences):
    """`differences`: (amount's name, bureau's, Odoo's) of each amount that differs."""
    return AmountsMessage(
        "amounts", _("%(label)s: bureau %(bureau)s, Odoo %(odoo)s"), differences=differences
    )


def data_message(row, fapiao):
    return Message(
        "data",
        _(
            "Buyer tax ID at the bureau %(bureau_vat)s, in Odoo %(odoo_vat)s; issue date "
            "at the bureau %(bureau_date)s, in Odoo %(odoo_date)s."
        ),
        bureau_vat=row.buyer_vat or "—", odoo_vat=fapiao.buyer_vat or "—",
        bureau_date=row.issue_date, odoo_date=fapiao.issue_date,
    )  # fmt: skip


def odoo_only_message(fapiao):
    return Message(
        "odoo_only",
        _(
            "The bureau's export does not contain fapiao %(fapiao)s: it is not "
            "uploaded (or not issued). It blocks the clearing until it is uploaded "
            "and a newer export is imported."
        ),
        fapiao=fapiao.display_name,
    )


def proposal_message(count):
    """The proposal for a bureau-only line with `count` candidate invoices."""
    if count == 1:
        return Message(
            "proposal_one",
            _(
                "Not in the register. Create the fapiao and link it to the invoice proposed "
                "(same buyer, total and date)."
            ),
        )
    if count:
        return Message(
            "proposal_many",
            _(
                "Not in the register. %(count)s invoices have this buyer and total: choose "
                "the one to link, then create the fapiao."
            ),
            count=count,
        )
    return Message(
        "proposal_none",
        _(
            "Not in the register, and no invoice of this buyer has this total. Create "
            "the fapiao without an invoice, or link it later."
        ),
    )


class RegisterFapiao(NamedTuple):
    """One fapiao of the register, as the model's query returns it (amounts in integer cents)."""

    id: int
    code: str | None
    number: str
    kind: str
    issue_date: date
    amount_untaxed: int  # cents, rounded half-up as fapiao_amount.to_cents
    amount_tax: int
    amount_total: int
    tax_rate: float
    state: str
    is_red: bool
    buyer_vat: str | None
    uploaded: bool
    clearing_id: int | None
    partner_id: int | None
    in_period: bool

    @property
    def key(self):
        """The export's identity of this fapiao: ("", 数电 number) or (发票代码, 发票号码)."""
        if self.kind in fapiao_number.DIGITAL_KINDS:
            return ("", self.number)
        return (self.code or "", self.number)

    @property
    def display_name(self):
        return f"{self.code} {self.number}" if self.code else self.number


class Move(NamedTuple):
    """A posted customer invoice or credit note that may be the invoice of a bureau-only row."""

    id: int
    buyer_vat: str  # normalised tax ID of its commercial partner
    amount_total: Decimal
    is_refund: bool
    invoice_date: date
    partner_id: int  # commercial partner


@dataclass(slots=True)
class Line:
    """The values of one import line (a slotted object: an import has 100,000 of them)."""

    outcome: str = ""
    resolved: bool = False
    message: object = ()  # (Message, ...) from the engine; the model puts the text here
    sheet: str | None = None
    row_number: int | None = None
    fapiao_id: int | None = None
    code: str | None = None
    number: str | None = None
    fapiao_type: str | None = None
    seller_vat: str | None = None
    seller_name: str | None = None
    buyer_vat: str | None = None
    buyer_name: str | None = None
    buyer_partner_id: int | None = None  # odoo-only: the model sets buyer_name from it
    issue_date: date | None = None
    amount_untaxed: Decimal | None = None
    amount_tax: Decimal | None = None
    amount_total: Decimal | None = None
    tax_rate: float = 0.0
    tax_rate_known: bool = False
    tax_exempt: bool = False
    rate_lines: list | None = None  # [[rate, exempt, amount, tax]] of a row with several rates
    bureau_state: str | None = None
    is_red: bool = False
    origin_number: str | None = None  # a red 数电 row: the blue fapiao its 备注 names
    red_reference: str | None = None  # and its 红字确认单
    risk: str | None = None
    partner_id: int | None = None
    move_id: int | None = None
    candidate_move_ids: tuple = ()


@dataclass(slots=True)
class Reconciliation:
    lines: list = field(default_factory=list)  # Line
    to_mark: list = field(default_factory=list)  # fapiao ids the bureau has: uploaded
    to_unmark: list = field(default_factory=list)  # fapiao ids a complete export lacks
    errors: list = field(default_factory=list)  # [Message]: the file is refused
    bureau_only: list = field(default_factory=list)  # the lines (same objects) of bureau-only rows


def cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def in_cents(amount):
    """A Decimal amount as integer cents (rounded half-up, as the register's query does)."""
    return int(cents(amount).scaleb(2))


def row_line(row):
    """The line of an export row, before its outcome is known."""
    return Line(
        sheet=row.sheet,
        row_number=row.row,
        code=row.code or None,
        number=row.digital_number or row.number or row.rounded_number,
        fapiao_type=row.kind or None,
        buyer_vat=row.buyer_vat or None,
        tax_rate=float(row.tax_rate) if row.tax_rate is not None else 0.0,
        tax_rate_known=row.tax_rate is not None,
        tax_exempt=row.tax_exempt,
        rate_lines=[
            [float(rate), exempt, float(untaxed), float(tax)]
            for rate, exempt, untaxed, tax in row.rate_lines
        ]
        or None,
        bureau_state=row.status,
        is_red=row.is_red,
        risk=row.risk,
        **_red_numbers(row),
        **{name: getattr(row, name) for name in ROW_AS_IS},
    )


def _red_numbers(row):
    """The blue fapiao and the form a red 数电 row's 备注 names (the platform writes them there)."""
    if not (row.is_red and row.note and row.kind in fapiao_number.DIGITAL_KINDS):
        return {}
    origin, form = digital_fapiao.red_numbers_in_text(row.note)
    return {"origin_number": origin or None, "red_reference": form or None}


def reconcile(rows, register, company_vat, date_from, date_to):
    """Outcome of every row and of every register fapiao of the period missing from the export.

    `register`: RegisterFapiao of the period (in_period) and of the numbers the rows name, in the
    order the odoo-only lines are listed. Rows of another seller are kept as rejected lines; a row
    outside the period, or an Excel-rounded 数电 number no single fapiao explains, is an error.
    """
    result = Reconciliation()
    by_key, by_rounded = {}, defaultdict(list)
    in_period = []
    rounded = any(row.rounded_number for row in rows)  # else no need to round 100,000 numbers
    for fapiao in register:
        by_key[fapiao.key] = fapiao
        if rounded and fapiao.kind in fapiao_number.DIGITAL_KINDS:
            by_rounded[excel_rounded(fapiao.number)].append(fapiao)
        if fapiao.in_period:
            in_period.append(fapiao)
    seen = set()
    for row in rows:
        line = row_line(row)
        if row.seller_vat != company_vat:
            line.outcome, line.resolved = "other_seller", True
            line.message = (other_seller_message(row.seller_name, row.seller_vat),)
            result.lines.append(line)
            continue
        if not date_from <= row.issue_date <= date_to:
            result.errors.append(outside_period_message(row, date_from, date_to))
            continue
        if row.rounded_number:
            candidates = [
                f
                for f in by_rounded.get(row.rounded_number, ())
                if f.issue_date == row.issue_date and f.amount_total == in_cents(row.amount_total)
            ]
            if len(candidates) != 1:
                result.errors.append(rounded_unknown_message(row, len(candidates)))
                continue
            fapiao = candidates[0]
            line.number = fapiao.number
            line.message = (rounded_message(row.display_number, fapiao.number),)
        else:
            fapiao = by_key.get(row.key)
        if fapiao is None:
            line.outcome = "bureau_only"
            result.bureau_only.append(line)
            result.lines.append(line)
            continue
        seen.add(fapiao.id)
        line.fapiao_id = fapiao.id
        outcome, message = compare(row, fapiao)
        line.outcome, line.resolved = outcome, outcome == "matched"
        if message:
            line.message = (*line.message, message)
        if not fapiao.clearing_id and not fapiao.uploaded:
            result.to_mark.append(fapiao.id)
        result.lines.append(line)
    if result.errors:
        return result
    for fapiao in in_period:
        if fapiao.id in seen:
            continue
        result.lines.append(odoo_only_line(fapiao))
        if fapiao.uploaded and not fapiao.clearing_id:
            result.to_unmark.append(fapiao.id)
    return result


def compare(row, fapiao):
    """(outcome, message or None) of a row found in the register: status, amounts, then data."""
    if row.status != fapiao.state or row.is_red != fapiao.is_red:
        return "status_mismatch", status_message(row, fapiao)
    differences = [
        (name, getattr(row, name), getattr(fapiao, name) / 100)  # Odoo's as the register shows
        for name in AMOUNTS
        if in_cents(getattr(row, name)) != getattr(fapiao, name)
    ]
    if differences:
        return "amount_mismatch", amounts_message(differences)
    if (row.buyer_vat or "") != (fapiao.buyer_vat or "") or row.issue_date != fapiao.issue_date:
        return "data_mismatch", data_message(row, fapiao)
    return "matched", None


def odoo_only_line(fapiao):
    """The line of a register fapiao of the period the export lacks (buyer name: the model's)."""
    return Line(
        outcome="odoo_only",
        fapiao_id=fapiao.id,
        code=fapiao.code or None,
        number=fapiao.number,
        fapiao_type=fapiao.kind,
        buyer_vat=fapiao.buyer_vat or None,
        buyer_partner_id=fapiao.partner_id,
        issue_date=fapiao.issue_date,
        tax_rate=fapiao.tax_rate,
        is_red=fapiao.is_red,
        message=(odoo_only_message(fapiao),),
        **{name: Decimal(getattr(fapiao, name)).scaleb(-2) for name in AMOUNTS},  # from cents
    )


def propose(lines, moves, partner_by_vat):
    """Candidate invoices of bureau-only lines: same buyer tax ID and total, same day preferred.

    Sets on each line with a buyer tax ID `candidate_move_ids`, `move_id` (the single candidate),
    `partner_id` (the candidate's buyer, else the partner with that tax ID) and its message.
    `moves`: Move tuples; `partner_by_vat`: normalised tax ID -> partner id. One dict lookup a line.
    """
    index = defaultdict(list)
    for move in moves:
        index[move.buyer_vat, cents(move.amount_total), move.is_refund].append(move)
    for line in lines:
        vat = line.buyer_vat
        if not vat:
            continue
        found = index.get((vat, abs(line.amount_total), line.is_red), [])
        same_day = [m for m in found if m.invoice_date == line.issue_date]
        candidates = same_day or found
        line.candidate_move_ids = tuple(m.id for m in candidates)
        line.move_id = candidates[0].id if len(candidates) == 1 else None
        line.partner_id = candidates[0].partner_id if candidates else partner_by_vat.get(vat)
        line.message = (proposal_message(len(candidates)),)
