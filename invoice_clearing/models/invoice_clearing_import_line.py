"""One reconciled fapiao of an import: the bureau's values, the register's fapiao, the outcome."""

import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import fapiao_amount
from ..tools.fapiao_number import FAPIAO_TYPES
from .invoice_clearing_import import OUTCOMES


class InvoiceClearingImportLine(models.Model):
    _name = "invoice.clearing.import.line"
    _description = "Bureau Export Import Line"
    _order = "import_id desc, outcome, row_number, id"
    _check_company_auto = True

    import_id = fields.Many2one(
        "invoice.clearing.import", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="import_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    outcome = fields.Selection(OUTCOMES, required=True, index=True, readonly=True)
    message = fields.Text(readonly=True)
    resolved = fields.Boolean(readonly=True, help="Matched, rejected, or decided by a user")
    sheet = fields.Char(readonly=True)
    row_number = fields.Integer(
        "Row", readonly=True, aggregator=False, help="Row of the export; empty: Odoo only"
    )
    fapiao_id = fields.Many2one(
        "invoice.clearing.fapiao", readonly=True, index="btree_not_null",
        ondelete="set null", check_company=True,
    )  # fmt: skip
    code = fields.Char("Fapiao Code", readonly=True, help="发票代码")
    number = fields.Char("Fapiao Number", readonly=True, help="发票号码 or 数电发票号码")
    fapiao_type = fields.Selection(FAPIAO_TYPES, "Kind", readonly=True, help="发票票种")
    seller_vat = fields.Char("Seller Tax ID", readonly=True, help="销方识别号")
    seller_name = fields.Char("Seller", readonly=True, help="销方名称")
    buyer_vat = fields.Char("Buyer Tax ID", readonly=True, help="购方识别号")
    buyer_name = fields.Char("Buyer", readonly=True, help="购买方名称, as text")
    issue_date = fields.Date(readonly=True, help="开票日期")
    amount_untaxed = fields.Monetary("Amount", readonly=True, help="金额")
    amount_tax = fields.Monetary("Tax", readonly=True, help="税额")
    amount_total = fields.Monetary("Total", readonly=True, help="价税合计")
    tax_rate = fields.Float(
        "Tax Rate (%)",
        digits=(5, 2),
        aggregator=False,
        help="税率 from the export; set it when the export has none",
    )
    tax_rate_known = fields.Boolean(readonly=True)
    tax_exempt = fields.Boolean(readonly=True, help="免税 / 不征税")
    rate_lines = fields.Json(
        readonly=True,
        help="[[rate, exempt, amount, tax]] of a fapiao with several rates, from sheet 信息汇总表",
    )
    rates_detail = fields.Char(
        "Amounts per Rate",
        compute="_compute_rates_detail",
        help="税率明细 of a fapiao with several rates: the fapiao created from the line gets these "
        "rate lines",
    )
    bureau_state = fields.Selection(
        fapiao_amount.FAPIAO_STATES,
        "Status at the Bureau",
        readonly=True,
        help="发票状态: 正常 / 已作废 / 已红冲-部分 / 已红冲-全额",
    )
    is_red = fields.Boolean("Red-letter", readonly=True, help="是否正数发票 = 否")
    origin_number = fields.Char(
        "Reversed Fapiao No.",
        readonly=True,
        help="A red 数电 fapiao: the blue fapiao its note (备注) names (被红冲蓝字数电发票号码)",
    )
    red_reference = fields.Char(
        "Red-letter Form No.",
        readonly=True,
        help="A red 数电 fapiao: the 红字发票信息确认单编号 its note (备注) names",
    )
    risk = fields.Char("Risk Level", readonly=True, help="发票风险等级")
    partner_id = fields.Many2one(
        "res.partner", "Buyer Partner", help="The partner the fapiao is created for"
    )
    candidate_move_ids = fields.Many2many(
        "account.move", string="Candidate Invoices", readonly=True,
        help="Invoices of the same buyer and total, for a fapiao at the bureau only",
    )  # fmt: skip
    move_id = fields.Many2one(
        "account.move", "Invoice", check_company=True,
        domain="[('id', 'in', candidate_move_ids)]",
        help="The invoice to link the new fapiao to",
    )  # fmt: skip

    @api.depends("rate_lines")
    def _compute_rates_detail(self):
        exempt = self.env._("exempt")
        for line in self:
            line.rates_detail = fapiao_amount.rate_lines_text(line.rate_lines or [], exempt)

    @api.onchange("move_id")
    def _onchange_move_id(self):
        if self.move_id:
            self.partner_id = self.move_id.commercial_partner_id

    def _check_open(self):
        for line in self:
            if line.import_id.state == "superseded":
                raise UserError(
                    self.env._(
                        "Import %(name)s was superseded by a newer export: resolve the lines of "
                        "the newer import instead.",
                        name=line.import_id.name,
                    )
                )
            if line.import_id.state in ("processing", "failed"):
                raise UserError(
                    self.env._(
                        "Import %(name)s is not finished: its lines can be resolved once the "
                        "background import is done.",
                        name=line.import_id.name,
                    )
                )

    def _resolve(self, note):
        self.resolved = True
        for line in self:
            line.import_id.message_post(
                body=self.env._(
                    "Row %(row)s, fapiao %(number)s: %(note)s",
                    row=line.row_number or "—",
                    number=line.number,
                    note=note,
                )
            )

    # ------------------------------------------------------------------ storage
    @api.model
    def _insert_rows(self, batch, lines):
        """One COPY of all `lines` (reconcile.Line) of import `batch`, streamed in chunks.

        Every stored column of this model is written: missing values are NULL (False for a
        boolean), create/write uid and date are the ORM's. COPY rather than one INSERT of an
        array per column: PostgreSQL inserts the rows in batches and this process holds one
        chunk of text at a time, not 25 arrays of 100,000 values. Then the candidate invoices in
        one INSERT, and the ORM cache of lines and of the import's computed fields is invalidated.
        """
        batch.ensure_one()
        self.check_access("create")
        if not lines:
            return
        now = self.env.cr.now()
        constant = {
            "import_id": batch.id,
            "company_id": batch.company_id.id,
            "create_uid": self.env.uid,
            "write_uid": self.env.uid,
            "create_date": now,
            "write_date": now,
        }
        columns = [
            f for name, f in self._fields.items()
            if f.store and f.column_type and name != "id" and name not in constant
        ]  # fmt: skip
        names = [*constant, *(f.name for f in columns)]
        self.env.cr.copy_expert(
            SQL(
                "COPY %s (%s) FROM STDIN",
                SQL.identifier(self._table),
                SQL(", ").join(SQL.identifier(name) for name in names),
            ).code,
            _ChunkReader(_copy_chunks(lines, constant, columns)),
            size=COPY_READ_SIZE,
        )
        candidates = [
            (line.row_number, move_id) for line in lines for move_id in line.candidate_move_ids
        ]
        if candidates:
            m2m = self._fields["candidate_move_ids"]
            self.env.cr.execute(
                SQL(
                    """INSERT INTO %(rel)s (%(line)s, %(move)s)
                       SELECT l.id, c.move_id
                         FROM unnest(%(rows)s::int4[], %(moves)s::int4[]) AS c(row_number, move_id)
                         JOIN %(table)s l ON l.import_id = %(batch)s AND l.row_number = c.row_number
                                          AND l.outcome = 'bureau_only'
                       ON CONFLICT DO NOTHING""",
                    rel=SQL.identifier(m2m.relation),
                    line=SQL.identifier(m2m.column1),
                    move=SQL.identifier(m2m.column2),
                    rows=[row for row, _move in candidates],
                    moves=[move for _row, move in candidates],
                    table=SQL.identifier(self._table),
                    batch=batch.id,
                )
            )
        self.invalidate_model()
        batch.invalidate_recordset()
        self.env.add_to_compute(batch._fields["state"], batch)

    # ------------------------------------------------------------------ actions
    def action_create_fapiao(self):
        """At the bureau only: register the fapiao (uploaded) and link it to the chosen invoice.

        The lines' fapiao are created together: one check of their periods for the batch.
        """
        self._check_open()
        Fapiao = self.env["invoice.clearing.fapiao"]
        vals_list = []
        for line in self:
            if line.outcome != "bureau_only" or line.fapiao_id:
                raise UserError(
                    self.env._("Fapiao %(number)s is already in the register.", number=line.number)
                )
            if len(line.candidate_move_ids) > 1 and not line.move_id:
                raise UserError(
                    self.env._(
                        "Several invoices match fapiao %(number)s: choose the invoice to link "
                        "first.",
                        number=line.number,
                    )
                )
            partner = line.move_id.commercial_partner_id or line.partner_id
            if not partner:
                raise UserError(
                    self.env._(
                        "No partner has the buyer tax ID %(vat)s of fapiao %(number)s: choose "
                        "the buyer partner on the line first.",
                        vat=line.buyer_vat or "—",
                        number=line.number,
                    )
                )
            if not line.fapiao_type:
                raise UserError(
                    self.env._(
                        "The export does not tell the kind of fapiao %(number)s.",
                        number=line.number,
                    )
                )
            vals_list.append(
                {
                    "company_id": line.company_id.id,
                    "move_id": line.move_id.id,
                    "partner_id": partner.id,
                    "buyer_vat": line.buyer_vat,
                    "fapiao_type": line.fapiao_type,
                    "code": line.code,
                    "number": line.number,
                    "issue_date": line.issue_date,
                    **line._amounts_for_fapiao(),
                    "is_red": line.is_red,
                    "origin_fapiao_id": line._origin_fapiao().id,
                    "red_reference": line.red_reference or False,
                    "void_date": line.issue_date if line.bureau_state == "void" else False,
                    "uploaded": True,
                    "uploaded_import_id": line.import_id.id,
                }
            )
        for line, fapiao in zip(self, Fapiao.create(vals_list), strict=True):
            line.fapiao_id = fapiao
            line._resolve(self.env._("fapiao created from the bureau's export."))
        return True

    def _origin_fapiao(self):
        """The blue fapiao of the register the red row's note names, if it is registered."""
        if not self.origin_number:
            return self.env["invoice.clearing.fapiao"]
        return self.env["invoice.clearing.fapiao"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("number", "=", self.origin_number),
                ("is_red", "=", False),
            ],
            limit=1,
        )

    def _amounts_for_fapiao(self):
        """Amounts, rate and rate lines of the fapiao created from the line."""
        if self.rate_lines:
            return self.env["invoice.clearing.fapiao"]._rate_line_vals(self.rate_lines)
        return {
            "amount_untaxed": self.amount_untaxed,
            "amount_tax": self.amount_tax,
            "amount_total": self.amount_total,
            "tax_rate": self._rate_for_fapiao(),
            "tax_exempt": self.tax_exempt,
        }

    def _rate_for_fapiao(self):
        """The line's rate; without one in the export, the single VAT rate its amounts fit."""
        if self.tax_rate_known or self.tax_rate or self.tax_exempt:
            return self.tax_rate
        fits = fapiao_amount.rates_fitting(self.amount_untaxed, self.amount_tax)
        if len(fits) != 1:
            raise UserError(
                self.env._(
                    "The export gives no tax rate (税率) for fapiao %(number)s and its amounts "
                    "fit %(count)s rates: enter the rate on the line first.",
                    number=self.number,
                    count=len(fits),
                )
            )
        return float(fits[0])

    def action_apply_bureau(self):
        """Take the bureau's side: void, amounts or buyer/date; a red-letter needs a credit note."""
        self._check_open()
        for line in self:
            fapiao = line.fapiao_id
            if not fapiao:
                raise UserError(self.env._("This line has no fapiao in the register."))
            if line.outcome == "status_mismatch":
                if line.bureau_state == "void" and fapiao.state != "void":
                    fapiao.action_void()
                elif line.bureau_state in ("red_full", "red_partial") and fapiao.move_id:
                    return line.action_credit_note()
                else:
                    raise UserError(
                        self.env._(
                            "Fapiao %(number)s: Odoo cannot take the bureau's status by itself. "
                            "Correct the fapiao, then mark the line as resolved.",
                            number=line.number,
                        )
                    )
            elif line.outcome == "amount_mismatch":
                fapiao.write(
                    {
                        "amount_untaxed": line.amount_untaxed,
                        "amount_tax": line.amount_tax,
                        "amount_total": line.amount_total,
                    }
                )
            elif line.outcome == "data_mismatch":
                fapiao.write({"buyer_vat": line.buyer_vat, "issue_date": line.issue_date})
            else:
                raise UserError(
                    self.env._("Only a mismatch can be resolved with the bureau's values.")
                )
            line._resolve(self.env._("the bureau's values were applied to the fapiao."))
        return True

    def action_credit_note(self):
        """Open Odoo's credit note wizard for the invoice of a fapiao the bureau shows reversed."""
        self.ensure_one()
        if not self.fapiao_id.move_id:
            raise UserError(
                self.env._("Fapiao %(number)s is linked to no invoice.", number=self.number)
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move.reversal",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "account.move",
                "active_ids": self.fapiao_id.move_id.ids,
            },
        }

    def action_mark_resolved(self):
        """The user decided (e.g. Odoo is right, or the fapiao was uploaded meanwhile)."""
        self._check_open()
        self._resolve(self.env._("marked as resolved by the user."))
        return True

    def action_open_fapiao(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "invoice.clearing.fapiao",
            "res_id": self.fapiao_id.id,
            "views": [(False, "form")],
        }


COPY_CHUNK = 5_000  # lines turned into COPY text at a time
COPY_READ_SIZE = 1 << 18
_NULL = "\\N"  # COPY's NULL


def _copy_chunks(lines, constant, columns):
    """COPY text (PostgreSQL's text format) of `lines`, COPY_CHUNK lines at a time: each column
    converted over a chunk at once, then the chunk's rows joined."""
    prefix = "".join(_copy_text(value) + "\t" for value in constant.values())
    for start in range(0, len(lines), COPY_CHUNK):
        chunk = lines[start : start + COPY_CHUNK]
        values = [_copy_column(chunk, f.name, f.type) for f in columns]
        yield "".join([prefix + "\t".join(row) + "\n" for row in zip(*values, strict=True)])


def _copy_column(chunk, name, kind):
    """The COPY text of field `name` (of type `kind`) on every line of `chunk`."""
    values = [getattr(line, name, None) for line in chunk]
    if kind == "boolean":
        return ["t" if value else "f" for value in values]
    if kind == "json":
        return [_NULL if value is None else _copy_text(json.dumps(value)) for value in values]
    if kind in ("integer", "many2one", "float", "monetary", "date"):
        return [_NULL if value is None or value is False else str(value) for value in values]
    return [_NULL if value is None or value is False else _copy_text(value) for value in values]


def _copy_text(value):
    """`value` as a field of COPY's text format: backslash, tab and line ends escaped."""
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


class _ChunkReader:
    """A file to read from (what COPY FROM STDIN needs) over an iterator of text chunks."""

    def __init__(self, chunks):
        self.chunks, self.pending = chunks, ""

    # A file object for COPY, not a model: no super() to call.
    def read(self, size=-1):  # pylint: disable=method-required-super
        while size < 0 or len(self.pending) < size:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.pending += chunk
        if size < 0:
            size = len(self.pending)
        text, self.pending = self.pending[:size], self.pending[size:]
        return text

    def readline(self, size=-1):  # psycopg2 calls read(); this completes the file protocol
        return self.read(size)
