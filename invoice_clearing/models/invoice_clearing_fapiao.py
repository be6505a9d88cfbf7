"""The fapiao register (发票登记): one record per fapiao the company issued."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import fapiao_amount, fapiao_number, tax_id
from ..tools.rule_error import FapiaoRuleError
from .guard_bypass import bypassed, with_bypass
from .invoice_clearing_fapiao_line import VIA_FAPIAO

# A fapiao whose amounts break 金额 + 税额 = 价税合计 or 税额 = 金额 × 税率 (±0.06). One text for the
# check's query and the partial index below, so PostgreSQL matches them and the check reads only
# the (few) broken fapiao instead of the whole period.
AMOUNT_BROKEN = """(abs(amount_untaxed + amount_tax - amount_total) > 0.01
    OR (tax_exempt IS NOT TRUE AND multi_rate IS NOT TRUE
        AND abs(amount_tax - round(amount_untaxed * tax_rate::numeric / 100, 2)) > 0.06)
    OR (tax_exempt IS TRUE AND amount_tax <> 0))"""
# Set by clearing, voiding and red-letter reversal only (guard_bypass), never by a user's write.
PROTECTED_FIELDS = frozenset({"clearing_id", "state", "void_date"})
# Writes that decide whether a red-letter 数电 fapiao has its confirmation form (红字确认单).
RED_FORM_FIELDS = frozenset(
    {"red_reference", "is_red", "fapiao_type", "origin_fapiao_id", "amount_total", "company_id"}
)
AMOUNT_FIELDS = {"amount_untaxed", "amount_tax", "amount_total", "tax_rate", "tax_exempt", "is_red"}
# The content of a fapiao that a clearing certifies, per hash version (the same in every
# version so far). Its state is derived (a red-letter of a frozen fapiao stays possible), so it
# is not part of it. The rate lines of a fapiao with several rates close the text.
CLEARING_HASH_FIELDS = dict.fromkeys(
    (1, 2),
    ("id", "fapiao_type", "code", "number", "issue_date", "partner_id", "buyer_vat",
     "amount_untaxed", "amount_tax", "amount_total", "tax_rate", "tax_exempt", "is_red",
     "origin_fapiao_id", "void_date", "rate_line_ids"),
)  # fmt: skip
# How a number is hashed: amounts and rates with two decimals, whatever the column's scale.
HASH_NUMERIC = {"monetary": SQL("numeric(16, 2)"), "float": SQL("numeric(6, 2)")}
# A one2many hashed only when the fapiao says it has lines: the others skip the subquery.
HASH_LINES_WHEN = {"rate_line_ids": "multi_rate"}


class InvoiceClearingFapiao(models.Model):
    _name = "invoice.clearing.fapiao"
    _description = "Fapiao"
    _inherit = ["invoice.clearing.audited.mixin", "mail.thread"]
    _order = "issue_date desc, id desc"
    _check_company_auto = True

    # Indexed by _company_date_idx (company first), which also serves the register's order.
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
        tracking=True,
        domain="[('move_type', 'in', ('out_invoice', 'out_refund'))]",
        help="The customer invoice or credit note this fapiao was issued for. "
        "Empty for a fapiao issued outside Odoo until it is linked.",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Buyer", required=True, index=True, tracking=True, help="购买方"
    )
    buyer_vat = fields.Char(
        "Buyer Tax ID", help="购方识别号 as printed on the fapiao: USCC (18) or 15/17/20 characters"
    )
    fapiao_type = fields.Selection(
        fapiao_number.FAPIAO_TYPES, "Kind", required=True, tracking=True, help="发票票种"
    )
    code = fields.Char(
        "Fapiao Code", size=12, tracking=True, help="发票代码: 10 or 12 digits; empty for 数电"
    )
    number = fields.Char(
        "Fapiao Number",
        size=20,
        required=True,
        tracking=True,
        help="发票号码: 8 digits, or the 20-digit 数电发票号码 for digital kinds",
    )
    # Indexed with the company by _company_date_idx: every search carries the company rule.
    issue_date = fields.Date(required=True, tracking=True, help="开票日期")
    amount_untaxed = fields.Monetary("Amount", tracking=True, help="金额 (negative on red-letter)")
    amount_tax = fields.Monetary("Tax", tracking=True, help="税额")
    amount_total = fields.Monetary("Total", tracking=True, help="价税合计")
    tax_rate = fields.Float(
        "Tax Rate (%)", digits=(5, 2), tracking=True, aggregator=False, help="税率, e.g. 13.0"
    )
    tax_exempt = fields.Boolean(help="免税 / 不征税: tax is shown as *** and must be 0")
    rate_line_ids = fields.One2many(
        "invoice.clearing.fapiao.line",
        "fapiao_id",
        "Rate Lines",
        copy=True,
        help="税率明细: only on a fapiao with several tax rates (one 数电 number, lines at 13% and "
        "6%). The fapiao's rate is then its largest line's.",
    )
    rates_label = fields.Char(
        "Tax Rates",
        compute="_compute_rates_label",
        help="税率: the fapiao's rate, or each rate of its rate lines (13% / 6%)",
    )
    rate_lines_detail = fields.Char(
        "Rate Line Amounts",
        compute="_compute_rate_lines_detail",
        tracking=True,
        help="Each rate line as rate: amount + tax; tracked, so the chatter shows how they changed",
    )
    multi_rate = fields.Boolean(
        "Several Rates",
        compute="_compute_multi_rate",
        store=True,
        help="The fapiao has rate lines: the summary and the tie-out read them",
    )
    is_red = fields.Boolean(
        "Red-letter", tracking=True, help="红字 (负数) fapiao reversing a blue one"
    )
    origin_fapiao_id = fields.Many2one(
        "invoice.clearing.fapiao",
        "Reversed Fapiao",
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
        domain="[('is_red', '=', False), ('state', '!=', 'void')]",
        help="On a red-letter fapiao: the blue fapiao it reverses",
    )
    red_fapiao_ids = fields.One2many(
        "invoice.clearing.fapiao", "origin_fapiao_id", "Red-letter Fapiao"
    )
    red_reference = fields.Char(
        "Red-letter Form No.",
        size=20,
        help="红字信息表编号 (16 digits) or 红字发票信息确认单编号 (20 digits, 数电)",
    )
    void_date = fields.Date("Voided On", readonly=True, copy=False, tracking=True, help="作废日期")
    state = fields.Selection(
        fapiao_amount.FAPIAO_STATES,
        compute="_compute_state",
        store=True,
        index=True,
        tracking=True,
        help="正常 / 已作废 / 已红冲-部分 / 已红冲-全额",
    )
    clearing_id = fields.Many2one(
        "invoice.clearing",  # indexed by _frozen_idx
        readonly=True,
        copy=False,
        ondelete="restrict",
        help="The clearing (清卡) that froze this fapiao; empty while its period is open",
    )
    uploaded = fields.Boolean(
        tracking=True, copy=False, help="Known to the tax bureau (已上传/已抄报)"
    )
    uploaded_import_id = fields.Many2one(
        "invoice.clearing.import",
        "Upload State Set By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The import of the bureau's export that last set Uploaded; empty when a user set it",
    )
    note = fields.Text("Notes")
    red_confirmation_ids = fields.One2many(
        "invoice.clearing.red.confirmation", "blue_fapiao_id", "Red-letter Confirmation Forms"
    )
    red_confirmation_count = fields.Integer(compute="_compute_red_confirmation_count")

    _legacy_number_uniq = models.UniqueIndex(
        "(company_id, code, number) WHERE fapiao_type NOT IN ('digital_special', 'digital_general')",
        "A fapiao with this code and number is already registered for this company.",
    )
    # Indexes for scale (100,000 fapiao a month): the register's first page and a company's
    # fapiao in date order; the open part of a company's register (what clearings scope);
    # and the few rows each precondition check looks for. Partial indexes on
    # `clearing_id IS NULL` cost nothing when a clearing freezes its rows.
    _company_date_idx = models.Index("(company_id, issue_date DESC, id DESC)")
    _open_scope_idx = models.Index("(company_id, issue_date) WHERE clearing_id IS NULL")
    _not_uploaded_idx = models.Index(
        "(company_id, issue_date) WHERE clearing_id IS NULL AND uploaded IS NOT TRUE "
        "AND void_date IS NULL"
    )
    _amount_broken_idx = models.Index(f"(company_id) WHERE {AMOUNT_BROKEN}")
    # A clearing's frozen fapiao in id order: the digest streams them in chunks by id.
    _frozen_idx = models.Index("(clearing_id, id) WHERE clearing_id IS NOT NULL")
    _digital_number_uniq = models.UniqueIndex(
        "(company_id, number) WHERE fapiao_type IN ('digital_special', 'digital_general')",
        "A digital fapiao (数电票) with this number is already registered for this company.",
    )

    @api.model
    def _get_clearing_hash_fields(self, version):
        """Fields a clearing of hash `version` certifies of each fapiao, like account.move's
        `_get_integrity_hash_fields`: hashing more of them is a new hash version."""
        return CLEARING_HASH_FIELDS[version]

    @api.model
    def _clearing_hash_columns(self, version, alias=None):
        """The text a clearing of hash `version` certifies of a fapiao (table aliased `alias`),
        in SQL: its hashed fields joined by '|', its rate lines closing it as
        `rate:exempt:amount:tax;...`. An optional text, date or link reads '' (0 for a link)
        when empty and a boolean false, so a value hashes the same however it was written;
        concat_ws skips the NULL of a fapiao without lines, keeping every hash sealed before
        rate lines existed."""
        return _hash_text(self, version, alias or self._table, "|")

    @api.depends("code", "number")
    def _compute_display_name(self):
        for fapiao in self:
            fapiao.display_name = f"{fapiao.code} {fapiao.number}" if fapiao.code else fapiao.number

    @api.depends("tax_rate", "multi_rate", "rate_line_ids.tax_rate")
    def _compute_rates_label(self):
        """The fapiao's rate for people, each rate of its lines where it has several: "13% / 6%"."""
        for fapiao in self:
            rates = (
                fapiao.rate_line_ids.mapped("tax_rate") if fapiao.multi_rate else [fapiao.tax_rate]
            )
            fapiao.rates_label = " / ".join(f"{rate:g}%" for rate in rates)

    @api.depends(
        "rate_line_ids.tax_rate",
        "rate_line_ids.tax_exempt",
        "rate_line_ids.amount_untaxed",
        "rate_line_ids.amount_tax",
    )
    def _compute_rate_lines_detail(self):
        """The rate lines as one text, "13%: 1000.00 + 130.00 | 6%: 500.00 + 30.00": a
        One2many is tracked by its records only, so a changed amount would leave no trace in
        the chatter; this text changes with any figure of any line."""
        exempt = self.env._("exempt")
        for fapiao in self:
            fapiao.rate_lines_detail = fapiao_amount.rate_lines_text(
                [
                    (line.tax_rate, line.tax_exempt, line.amount_untaxed, line.amount_tax)
                    for line in fapiao.rate_line_ids
                ],
                exempt,
            )

    @api.depends("rate_line_ids")
    def _compute_multi_rate(self):
        for fapiao in self:
            fapiao.multi_rate = bool(fapiao.rate_line_ids)

    @api.depends("void_date", "is_red", "amount_total", "red_fapiao_ids.amount_total",
                 "red_fapiao_ids.void_date")  # fmt: skip
    def _compute_state(self):
        for fapiao in self:
            if fapiao.void_date:
                fapiao.state = "void"
            elif fapiao.is_red:
                fapiao.state = "normal"
            else:
                reds = fapiao.red_fapiao_ids.filtered(lambda r: not r.void_date)
                try:
                    fapiao.state = fapiao_amount.red_state(
                        fapiao.amount_total, reds.mapped("amount_total")
                    )
                except FapiaoRuleError:
                    # Over-reversed or wrong sign: _check_red_total refuses it with a message.
                    fapiao.state = "red_full"

    # Input is normalised before it is stored: full-width digits, spaces, Excel-mangled numbers.
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_protected_create(vals)
            self._normalize_vals(vals)
            if vals.get("partner_id") and "buyer_vat" not in vals:
                vals["buyer_vat"] = self.env["res.partner"].browse(vals["partner_id"]).vat or False
        default_company = self.env.company.id
        self._check_not_registered(
            (v.get("company_id", default_company), v.get("fapiao_type"), v.get("code"),
             v.get("number"), None)
            for v in vals_list
        )  # fmt: skip
        self.env["invoice.clearing.closed.period"]._check_open(
            (v.get("company_id", default_company), v.get("issue_date"),
             " ".join(filter(None, (v.get("code"), v.get("number")))))
            for v in vals_list
        )  # fmt: skip
        fapiao = super(InvoiceClearingFapiao, self._lines_via_fapiao(vals_list)).create(vals_list)
        fapiao = fapiao.with_env(self.env)
        self.env["invoice.clearing.red.confirmation"]._use_for_red_fapiao(fapiao)
        self.env["invoice.clearing.quota"]._notify_usage_of_fapiao(fapiao)
        return fapiao

    def write(self, vals):
        self.check_access("write")
        if "uploaded" in vals and "uploaded_import_id" not in vals:
            vals = dict(vals, uploaded_import_id=False)  # set by a user, not by an import
        self._check_protected_write(vals)
        self._check_not_frozen()
        self._normalize_vals(vals)
        if {"company_id", "fapiao_type", "code", "number"} & vals.keys():
            self._check_not_registered(
                (vals.get("company_id", f.company_id.id), vals.get("fapiao_type", f.fapiao_type),
                 vals.get("code", f.code), vals.get("number", f.number), f.id)
                for f in self
            )  # fmt: skip
        self.env["invoice.clearing.closed.period"]._check_redated(self, vals)
        result = super(InvoiceClearingFapiao, self._lines_via_fapiao([vals])).write(vals)
        self.env["invoice.clearing.quota"]._fapiao_changed(vals)
        if RED_FORM_FIELDS & vals.keys():
            self.env["invoice.clearing.red.confirmation"]._use_for_red_fapiao(self)
        return result

    def _lines_via_fapiao(self, vals_list):
        """`self`, told that its rate lines come with its own values: the fapiao's constraint
        then checks them once they are all written, not each line on its way."""
        if any("rate_line_ids" in vals for vals in vals_list):
            return self.with_context(**{VIA_FAPIAO: True})
        return self

    def _check_fapiao_lines_alone(self):
        """Rate lines written on their own (not through their fapiao) still add up to it."""
        if not self.env.context.get(VIA_FAPIAO):
            self._check_amounts()

    def _track_lines(self):
        """Before rate lines are written on their own: the fapiao's chatter records the change
        as it does when they are written through the fapiao (whose write tracks every field)."""
        context = self.env.context
        if not (context.get(VIA_FAPIAO) or context.get("tracking_disable")
                or context.get("mail_notrack")):  # fmt: skip
            self._track_prepare(["rate_lines_detail"])

    @api.model
    def _rate_line_vals(self, lines):
        """Values of one fapiao for `lines` (tax_rate, tax_exempt, amount_untaxed, amount_tax):
        its own rate and amounts for one line; for several, their sums, its main rate and the
        rate lines."""
        header = fapiao_amount.rate_lines_header(lines)
        vals = {
            **{
                name: float(header[name])
                for name in ("amount_untaxed", "amount_tax", "amount_total")
            },
            "tax_rate": header["tax_rate"],
            "tax_exempt": header["tax_exempt"],
        }
        if len(lines) > 1:
            vals["rate_line_ids"] = [
                fields.Command.create(
                    {
                        "tax_rate": float(rate),
                        "tax_exempt": bool(exempt),
                        "amount_untaxed": float(untaxed),
                        "amount_tax": float(tax),
                    }
                )
                for rate, exempt, untaxed, tax in lines
            ]
        return vals

    @api.model
    def import_files(self, company_id, files):
        """Register fapiao from their own files (数电 XML, OFD, PDF with text), attached to them.

        `files`: [{"name": …, "datas": base64, "move_id"?: invoice id}]; returns the new fapiao
        ids. All or nothing: a file that cannot be registered raises a UserError naming it.
        """
        return self.env["invoice.clearing.fapiao.file"]._import_files(company_id, files).ids

    def _compute_red_confirmation_count(self):
        counts = dict(
            self.env["invoice.clearing.red.confirmation"]._read_group(
                [("blue_fapiao_id", "in", self.ids)], ["blue_fapiao_id"], ["__count"]
            )
        )
        for fapiao in self:
            fapiao.red_confirmation_count = counts.get(fapiao, 0)

    def action_view_red_confirmations(self):
        """The red-letter confirmation forms (红字确认单) of this blue fapiao."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_clearing.action_invoice_clearing_red_confirmation"
        )
        action["domain"] = [("blue_fapiao_id", "=", self.id)]
        action["context"] = {
            "default_blue_fapiao_id": self.id,
            "default_company_id": self.company_id.id,
        }
        return action

    @api.model
    def _set_uploaded_by_import(self, batch, to_mark, to_unmark):
        """Mark the fapiao ids `to_mark` uploaded and `to_unmark` not uploaded, naming import
        `batch` as the one that set them: one UPDATE, not the tracked ORM (one message per fapiao).
        Frozen (cleared) fapiao are left unchanged.
        """
        batch.ensure_one()
        if not to_mark and not to_unmark:
            return
        self.check_access("write")
        self.env.cr.execute(
            SQL(
                """UPDATE %(table)s f
                      SET uploaded = v.flag, uploaded_import_id = %(batch)s,
                          write_uid = %(uid)s, write_date = %(now)s
                     FROM unnest(%(ids)s::int4[], %(flags)s::bool[]) AS v(id, flag)
                    WHERE f.id = v.id AND f.clearing_id IS NULL""",
                table=SQL.identifier(self._table),
                batch=batch.id,
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=[*to_mark, *to_unmark],
                flags=[True] * len(to_mark) + [False] * len(to_unmark),
            )
        )
        self.invalidate_model(["uploaded", "uploaded_import_id", "write_uid", "write_date"])

    # ------------------------------------------------------------ audit trail
    def _protected_fields(self, create=False):
        # A fapiao voided outside Odoo may be registered as such; never as already cleared.
        return PROTECTED_FIELDS - {"void_date"} if create else PROTECTED_FIELDS

    def _protected_message(self, fields):
        return self.env._(
            "%(fields)s of a fapiao are set by clearing, voiding or red-letter reversal "
            "and cannot be written directly.",
            fields=fields,
        )

    def _audit_trail_message(self):
        return self.env._("Messages of the fapiao audit trail cannot be edited or deleted.")

    def _certified(self):
        return self.filtered("clearing_id")

    def _check_not_frozen(self):
        """A cleared fapiao is part of a certified period: no writer changes it, sudo() included
        (another module's), but the addon's own acts."""
        frozen = self.filtered("clearing_id")
        if frozen and not bypassed(self.env):
            raise UserError(
                self.env._(
                    "Fapiao %(fapiao)s was cleared by %(clearing)s and is frozen. Issue a "
                    "red-letter (红字) fapiao to correct it, or ask a clearing manager to reopen "
                    "the clearing.",
                    fapiao=frozen[0].display_name,
                    clearing=frozen[0].clearing_id.name,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_frozen(self):
        self._check_not_frozen()

    @api.ondelete(at_uninstall=False)
    def _unlink_release_red_confirmation(self):
        self.env["invoice.clearing.red.confirmation"]._release_red_fapiao(self)

    def _normalize_vals(self, vals):
        try:
            if isinstance(vals.get("code"), (str, int, float)) and vals["code"] is not False:
                vals["code"] = fapiao_number.normalize_code(vals["code"]) or False
            for field in ("number", "red_reference"):
                if isinstance(vals.get(field), (str, int, float)) and vals[field] is not False:
                    vals[field] = fapiao_number.normalize_digits(vals[field], field) or False
            if vals.get("buyer_vat"):
                vals["buyer_vat"] = tax_id.check_tax_id(vals["buyer_vat"], natural_person=True)[0]
        except FapiaoRuleError as error:
            raise ValidationError(error.render(self.env._)) from None

    @api.constrains("fapiao_type", "code", "number", "issue_date")
    def _check_identity(self):
        for fapiao in self:
            try:
                fapiao_number.check_fapiao_identity(
                    fapiao.fapiao_type, fapiao.code or "", fapiao.number, today=fapiao.issue_date
                )
            except FapiaoRuleError as error:
                raise ValidationError(self._error_for(fapiao, error)) from None

    def _check_not_registered(self, candidates):
        """Refuse (company, kind, code, number) already registered, naming the existing fapiao.

        Runs before INSERT/UPDATE so the user gets this message rather than the unique index's;
        the indexes still guard against two sessions racing. One query for the whole batch.
        """
        digital = fapiao_number.DIGITAL_KINDS
        seen = {}
        for company_id, kind, code, number, record_id in candidates:
            key = (company_id, number, "" if kind in digital else code or "", kind in digital)
            if key in seen:
                raise ValidationError(
                    self.env._(
                        "Fapiao %(number)s appears twice in what you register.", number=number
                    )
                )
            seen[key] = record_id
        if not seen:
            return
        self.env.cr.execute(
            SQL(
                """SELECT id, company_id, number, COALESCE(code, ''), fapiao_type IN %s
                     FROM %s WHERE (company_id, number) IN %s""",
                tuple(digital),
                SQL.identifier(self._table),
                tuple({(k[0], k[1]) for k in seen}),
            )
        )
        for fapiao_id, company_id, number, code, is_digital in self.env.cr.fetchall():
            key = (company_id, number, "" if is_digital else code, is_digital)
            if key in seen and seen[key] != fapiao_id:
                # sudo: the duplicate is named even where the user may not read it
                existing = self.sudo().browse(fapiao_id)
                raise ValidationError(
                    self.env._(
                        "Fapiao %(fapiao)s is already registered (issued %(date)s to %(buyer)s). "
                        "Check the code and number, or open the existing fapiao.",
                        fapiao=existing.display_name,
                        date=existing.issue_date,
                        buyer=existing.partner_id.display_name,
                    )
                )

    @api.constrains(*AMOUNT_FIELDS, "rate_line_ids")
    def _check_amounts(self):
        """The amount identities; with rate lines, the rate test is each line's (their own
        constraint) and the lines must add up to the fapiao."""
        for fapiao in self:
            lines = fapiao.rate_line_ids
            problems = fapiao_amount.check_amounts(
                fapiao.amount_untaxed,
                fapiao.amount_tax,
                fapiao.amount_total,
                fapiao.tax_rate,
                fapiao.is_red,
                tax_exempt=fapiao.tax_exempt,
                rate_lines=bool(lines),
            )
            if lines:
                problems += fapiao_amount.check_rate_lines(
                    fapiao.amount_untaxed,
                    fapiao.amount_tax,
                    fapiao.tax_rate,
                    fapiao.tax_exempt,
                    [
                        (line.tax_rate, line.tax_exempt, line.amount_untaxed, line.amount_tax)
                        for line in lines
                    ],
                )
            if problems:
                raise ValidationError(
                    "\n".join(self._error_for(fapiao, problem) for problem in problems)
                )

    @api.constrains("is_red", "origin_fapiao_id", "red_reference", "partner_id", "amount_total")
    def _check_red_letter(self):
        for fapiao in self:
            if fapiao.red_reference and len(fapiao.red_reference) not in (16, 20):
                raise ValidationError(
                    self.env._(
                        "Fapiao %(fapiao)s: the red-letter form number %(ref)s has %(length)s "
                        "digits. A 红字信息表编号 has 16 digits, a 红字发票信息确认单编号 (数电) 20.",
                        fapiao=fapiao.display_name,
                        ref=fapiao.red_reference,
                        length=len(fapiao.red_reference),
                    )
                )
            origin = fapiao.origin_fapiao_id
            if not origin:
                continue
            if not fapiao.is_red or origin.is_red:
                raise ValidationError(
                    self.env._(
                        "Fapiao %(fapiao)s: only a red-letter fapiao can reverse another one, "
                        "and what it reverses must be a blue fapiao.",
                        fapiao=fapiao.display_name,
                    )
                )
            if origin.void_date:
                raise ValidationError(
                    self.env._(
                        "Fapiao %(fapiao)s reverses %(origin)s, which is voided: "
                        "a voided fapiao cannot be reversed.",
                        fapiao=fapiao.display_name,
                        origin=origin.display_name,
                    )
                )
            if origin.partner_id.commercial_partner_id != fapiao.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "Fapiao %(fapiao)s reverses %(origin)s, which was issued to another "
                        "buyer (%(buyer)s). A red-letter fapiao goes to the buyer of the original.",
                        fapiao=fapiao.display_name,
                        origin=origin.display_name,
                        buyer=origin.partner_id.display_name,
                    )
                )
            reds = origin.red_fapiao_ids.filtered(lambda r: not r.void_date)
            try:
                fapiao_amount.red_state(origin.amount_total, reds.mapped("amount_total"))
            except FapiaoRuleError as error:
                raise ValidationError(self._error_for(fapiao, error)) from None

    def _error_for(self, fapiao, error):
        """A rule error from the engine, translated and prefixed with the fapiao it concerns."""
        label = fapiao.display_name or fapiao.number or ""
        return self.env._(
            "Fapiao %(fapiao)s: %(error)s", fapiao=label, error=error.render(self.env._)
        )

    def action_void(self):
        """Void (作废): only in the month of issue, before clearing, and never for e-fapiao."""
        self.check_access("write")
        today = fields.Date.context_today(self)
        for fapiao in self:
            if fapiao.void_date:
                continue
            if fapiao.fapiao_type in fapiao_number.ELECTRONIC_KINDS:
                raise UserError(
                    self.env._(
                        "Fapiao %(fapiao)s is an electronic or digital fapiao (%(kind)s), which "
                        "cannot be voided (作废). Issue a red-letter (红字) fapiao instead.",
                        fapiao=fapiao.display_name,
                        kind=dict(self._fields["fapiao_type"]._description_selection(self.env))[
                            fapiao.fapiao_type
                        ],
                    )
                )
            if fapiao.clearing_id:
                raise UserError(
                    self.env._(
                        "Fapiao %(fapiao)s belongs to clearing %(clearing)s: its period is "
                        "closed. Issue a red-letter (红字) fapiao instead.",
                        fapiao=fapiao.display_name,
                        clearing=fapiao.clearing_id.display_name,
                    )
                )
            if (fapiao.issue_date.year, fapiao.issue_date.month) != (today.year, today.month):
                raise UserError(
                    self.env._(
                        "Fapiao %(fapiao)s was issued on %(date)s: a fapiao can only be voided "
                        "(作废) in the month it was issued. Issue a red-letter (红字) fapiao instead.",
                        fapiao=fapiao.display_name,
                        date=fapiao.issue_date,
                    )
                )
            if fapiao.red_fapiao_ids.filtered(lambda r: not r.void_date):
                raise UserError(
                    self.env._(
                        "Fapiao %(fapiao)s has been reversed by a red-letter fapiao and cannot "
                        "be voided any more.",
                        fapiao=fapiao.display_name,
                    )
                )
            fapiao._check_not_frozen()
            with_bypass(fapiao).sudo().void_date = today  # protected: the rules above allow it
        return True

    def action_clear_selected(self):
        """A number-scope clearing (按发票号码清卡) of the selected fapiao, opened for review."""
        if len(self.company_id) > 1:
            raise UserError(self.env._("Select fapiao of one company to clear them together."))
        clearing = self.env["invoice.clearing"].create(
            {
                "company_id": self.company_id.id,
                "scope": "number",
                "number_list": "\n".join(
                    f"{f.code}:{f.number}" if f.code else f.number for f in self.sorted("number")
                ),
            }
        )
        clearing.action_check()
        return {
            "type": "ir.actions.act_window",
            "res_model": "invoice.clearing",
            "res_id": clearing.id,
            "views": [(False, "form")],
        }


def _hash_text(model, version, alias, separator):
    """concat_ws of the fields `model` hashes in `version`, for `_clearing_hash_columns`."""
    parts = []
    for name in model._get_clearing_hash_fields(version):
        field, column = model._fields[name], SQL.identifier(alias, name)
        if field.type == "one2many":
            Line, line = model.env[field.comodel_name], f"{alias}_{name}"
            lines = SQL(
                "(SELECT string_agg(%s, ';' ORDER BY %s) FROM %s %s WHERE %s = %s)",
                _hash_text(Line, version, line, ":"),
                SQL(", ").join(SQL.identifier(line, f) for f in Line._clearing_hash_order),
                SQL.identifier(Line._table),
                SQL.identifier(line),
                SQL.identifier(line, field.inverse_name),
                SQL.identifier(alias, "id"),
            )
            parts.append(
                SQL("CASE WHEN %s THEN %s END", SQL.identifier(alias, HASH_LINES_WHEN[name]), lines)
            )
        elif field.type in HASH_NUMERIC:
            parts.append(SQL("%s::%s", column, HASH_NUMERIC[field.type]))
        elif field.type == "boolean":
            parts.append(SQL("coalesce(%s, false)", column))
        elif field.required or name == "id":
            parts.append(column)
        elif field.type == "many2one":
            parts.append(SQL("coalesce(%s, 0)", column))
        else:
            parts.append(SQL("coalesce(%s::text, '')", column))
    return SQL("concat_ws(%s, %s)", separator, SQL(", ").join(parts))
