"""An import of the bureau's 全量发票查询 export and its reconciliation (对账) with the register."""

import base64
import calendar
import hashlib
import re
from collections import defaultdict

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ..tools import bureau_export, fapiao_amount, fapiao_number
from ..tools.rule_error import FapiaoRuleError

IMPORT_LOCK_NAMESPACE = 0x4452  # "DR": per-company lock of imports (the clearing uses 0x514B)
MAX_LISTED_ERRORS = 30
OUTCOMES = [
    ("matched", "Matched"),
    ("odoo_only", "In Odoo only (not uploaded)"),
    ("bureau_only", "At the bureau only"),
    ("amount_mismatch", "Amount mismatch"),
    ("status_mismatch", "Status mismatch"),
    ("data_mismatch", "Buyer or date mismatch"),
    ("other_seller", "Rejected: another seller"),
]
_VAT_IGNORED = re.compile(r"[\s\-]+")


def normalize_vat(value):
    return _VAT_IGNORED.sub("", fapiao_number.to_halfwidth(value or "")).upper()


class InvoiceClearingImport(models.Model):
    _name = "invoice.clearing.import"
    _description = "Bureau Export Import"
    _inherit = ["mail.thread"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, default=lambda s: s.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date("Period From", required=True, readonly=True)
    date_to = fields.Date("Period To", required=True, readonly=True)
    file = fields.Binary(
        "Export File", attachment=True, readonly=True, help="The imported 全量发票查询 export"
    )
    file_name = fields.Char(readonly=True)
    file_sha256 = fields.Char(
        "File SHA-256",
        readonly=True,
        index=True,
        help="Fingerprint of the file: importing the same file again opens this import.",
    )
    row_count = fields.Integer("Rows", readonly=True, help="Fapiao rows read from the export")
    state = fields.Selection(
        [("open", "To Resolve"), ("done", "Reconciled"), ("superseded", "Superseded")],
        compute="_compute_state",
        store=True,
        tracking=True,
    )
    superseded_by_id = fields.Many2one(
        "invoice.clearing.import",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        tracking=True,
        help="A newer export of the same company and period replaced this one.",
    )
    line_ids = fields.One2many("invoice.clearing.import.line", "import_id", "Lines", readonly=True)
    count_matched = fields.Integer("Matched", compute="_compute_counts")
    count_odoo_only = fields.Integer("In Odoo Only", compute="_compute_counts")
    count_bureau_only = fields.Integer("At the Bureau Only", compute="_compute_counts")
    count_amount_mismatch = fields.Integer("Amount Mismatch", compute="_compute_counts")
    count_status_mismatch = fields.Integer("Status Mismatch", compute="_compute_counts")
    count_data_mismatch = fields.Integer("Buyer or Date Mismatch", compute="_compute_counts")
    count_other_seller = fields.Integer("Another Seller", compute="_compute_counts")
    count_unresolved = fields.Integer("To Resolve", compute="_compute_counts")

    _sha256_uniq = models.UniqueIndex(
        "(company_id, file_sha256)", "This file has already been imported for this company."
    )

    @api.depends("date_from", "file_name")
    def _compute_name(self):
        for batch in self:
            period = batch.date_from.strftime("%Y-%m") if batch.date_from else ""
            batch.name = f"{period} {batch.file_name or ''}".strip()

    @api.depends("superseded_by_id", "line_ids.resolved")
    def _compute_state(self):
        for batch in self:
            if batch.superseded_by_id:
                batch.state = "superseded"
            elif all(batch.line_ids.mapped("resolved")):
                batch.state = "done"
            else:
                batch.state = "open"

    def _compute_counts(self):
        counts = defaultdict(int)
        unresolved = defaultdict(int)
        if self.ids:
            for batch, outcome, resolved, count in self.env[
                "invoice.clearing.import.line"
            ]._read_group(
                [("import_id", "in", self.ids)],
                ["import_id", "outcome", "resolved"],
                ["__count"],
            ):
                counts[batch.id, outcome] += count
                if not resolved:
                    unresolved[batch.id] += count
        for batch in self:
            for outcome, _label in OUTCOMES:
                batch[f"count_{outcome}"] = counts[batch.id, outcome]
            batch.count_unresolved = unresolved[batch.id]

    # ------------------------------------------------------------------ import
    @api.model
    def import_file(self, company, date_from, date_to, data, file_name=""):
        """Import and reconcile one export; the existing import when this file was imported.

        All or nothing: a file or row error raises a UserError listing every problem in the
        user's language, and nothing is created or changed.
        """
        if not self.env.su and not self.env.user.has_group("invoice_clearing.group_clearing_user"):
            raise AccessError(
                self.env._("Only fapiao clearing users may import the bureau's export.")
            )
        self.check_access("create")
        # Over RPC: a company id, dates as text and the file as base64 text.
        if isinstance(company, int):
            company = self.env["res.company"].browse(company)
        company.ensure_one()
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        if isinstance(data, str):
            try:
                data = base64.b64decode(data, validate=True)
            except ValueError:
                raise UserError(
                    self.env._("The uploaded file is damaged. Upload it again.")
                ) from None
        if company not in self.env.companies and not self.env.su:
            raise AccessError(
                self.env._("You cannot import for company %(company)s.", company=company.name)
            )
        if not date_from or not date_to or date_from > date_to:
            raise UserError(self.env._("Choose a period whose start is not after its end."))
        # One import per company at a time: a second session waits, then finds this one's file.
        self.env.cr.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK_NAMESPACE, company.id]
        )
        sha = hashlib.sha256(data or b"").hexdigest()
        existing = self.search(
            [("company_id", "=", company.id), ("file_sha256", "=", sha)], limit=1
        )
        if existing:
            return existing
        try:
            parsed = bureau_export.parse_export(data, file_name)
        except FapiaoRuleError as error:
            self._raise_errors([error])
        if parsed.errors:
            self._raise_errors(parsed.errors)
        company_vat = normalize_vat(company.vat)
        if not company_vat:
            raise UserError(
                self.env._(
                    "Company %(company)s has no tax ID (纳税人识别号): set it on the company "
                    "before importing, so that its own fapiao can be told from other sellers'.",
                    company=company.name,
                )
            )
        line_vals, to_mark, to_unmark = self._reconcile(
            company, company_vat, date_from, date_to, parsed.rows
        )
        try:
            batch = self._store(company, date_from, date_to, data, file_name, sha, parsed,
                                line_vals, to_mark, to_unmark)  # fmt: skip
        except psycopg2.errors.UniqueViolation:
            # Another session imported this file after this one's snapshot was taken.
            raise UserError(
                self.env._(
                    "This file has already been imported for this company, by another user "
                    "just now. Open it from Bureau Reconciliation."
                )
            ) from None
        return batch

    def _store(self, company, date_from, date_to, data, file_name, sha, parsed, line_vals,
               to_mark, to_unmark):  # fmt: skip
        with self.env.cr.savepoint():
            batch = self.create(
                {
                    "company_id": company.id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "file": base64.b64encode(data),
                    "file_name": file_name,
                    "file_sha256": sha,
                    "row_count": len(parsed.rows),
                }
            )
            self.env["invoice.clearing.import.line"].create(
                [dict(vals, import_id=batch.id) for vals in line_vals]
            )
            # Set-based: the bureau has them (uploaded) or, after a complete export, has not.
            to_mark.write({"uploaded": True})
            to_unmark.write({"uploaded": False})
            older = self.search(
                [
                    ("company_id", "=", company.id),
                    ("date_from", "=", date_from),
                    ("date_to", "=", date_to),
                    ("superseded_by_id", "=", False),
                    ("id", "!=", batch.id),
                ]
            )
            for old in older:
                old.superseded_by_id = batch
                old.message_post(
                    body=self.env._("Superseded by the newer import %(name)s.", name=batch.name)
                )
            batch.invalidate_recordset(["line_ids"])
            batch.message_post(body=batch._summary_message())
        return batch

    def _raise_errors(self, errors):
        rendered = [error.render(self.env._) for error in errors[:MAX_LISTED_ERRORS]]
        if len(errors) > MAX_LISTED_ERRORS:
            rendered.append(
                self.env._("… and %(count)s more.", count=len(errors) - MAX_LISTED_ERRORS)
            )
        raise UserError(
            self.env._(
                "The export cannot be imported; nothing was imported or changed.\n%(errors)s",
                errors="\n".join(rendered),
            )
        )

    def _summary_message(self):
        return self.env._(
            "Imported %(file)s (%(rows)s rows): %(matched)s matched, %(odoo)s in Odoo only, "
            "%(bureau)s at the bureau only, %(amount)s amount mismatches, %(status)s status "
            "mismatches, %(data)s buyer or date mismatches, %(other)s of another seller.",
            file=self.file_name or "",
            rows=self.row_count,
            matched=self.count_matched,
            odoo=self.count_odoo_only,
            bureau=self.count_bureau_only,
            amount=self.count_amount_mismatch,
            status=self.count_status_mismatch,
            data=self.count_data_mismatch,
            other=self.count_other_seller,
        )

    # ---------------------------------------------------------------- reconcile
    def _reconcile(self, company, company_vat, date_from, date_to, rows):
        """(line values, fapiao to mark uploaded, fapiao to mark not uploaded) for `rows`.

        Raises a UserError (nothing written) for rows outside the period and for 数电 numbers
        Excel rounded that no single register fapiao explains.
        """
        Fapiao = self.env["invoice.clearing.fapiao"]
        company_domain = Domain("company_id", "=", company.id)
        in_period = Fapiao.search(
            company_domain
            & Domain("issue_date", ">=", date_from)
            & Domain("issue_date", "<=", date_to)
        )
        numbers = {row.digital_number or row.number for row in rows} - {""}
        by_number = (
            Fapiao.search(company_domain & Domain("number", "in", list(numbers)))
            if numbers
            else Fapiao
        )
        digital = fapiao_number.DIGITAL_KINDS
        by_key, by_rounded = {}, defaultdict(list)
        for fapiao in in_period | by_number:
            if fapiao.fapiao_type in digital:
                by_key["", fapiao.number] = fapiao
                by_rounded[bureau_export.excel_rounded(fapiao.number)].append(fapiao)
            else:
                by_key[fapiao.code or "", fapiao.number] = fapiao
        errors, line_vals, seen = [], [], self.env["invoice.clearing.fapiao"]
        to_mark = Fapiao
        bureau_only = []
        for row in rows:
            vals = self._row_vals(row)
            if row.seller_vat != company_vat:
                vals.update(
                    outcome="other_seller",
                    resolved=True,
                    message=self.env._(
                        "The seller of this fapiao is %(seller)s (%(vat)s), not %(company)s "
                        "(%(company_vat)s): the row is not imported.",
                        seller=row.seller_name,
                        vat=row.seller_vat,
                        company=company.name,
                        company_vat=company_vat,
                    ),
                )
                line_vals.append(vals)
                continue
            if not date_from <= row.issue_date <= date_to:
                errors.append(
                    self.env._(
                        "Sheet %(sheet)s, row %(row)s: fapiao %(number)s was issued on %(date)s, "
                        "outside the period %(from)s – %(to)s. Import the export of that period, "
                        "or choose the period the file covers.",
                        sheet=row.sheet,
                        row=row.row,
                        number=row.display_number,
                        date=row.issue_date,
                        **{"from": date_from, "to": date_to},
                    )
                )
                continue
            if row.rounded_number:
                fapiao = self._find_rounded(row, by_rounded, errors)
                if fapiao is None:
                    continue
                vals["number"] = fapiao.number
            else:
                fapiao = by_key.get(row.key)
            if not fapiao:
                vals.update(outcome="bureau_only", resolved=False)
                bureau_only.append(vals)
                line_vals.append(vals)
                continue
            seen |= fapiao
            vals.update(self._compare(row, fapiao))
            if row.rounded_number:
                vals["message"] = "\n".join(
                    filter(
                        None,
                        [
                            self.env._(
                                "Excel had rounded the 数电发票号码 to %(rounded)s; it is fapiao "
                                "%(number)s of the register (same total and date).",
                                rounded=row.display_number,
                                number=fapiao.number,
                            ),
                            vals.get("message"),
                        ],
                    )
                )
            if not fapiao.clearing_id and not fapiao.uploaded:
                to_mark |= fapiao
            line_vals.append(vals)
        if errors:
            self._raise_errors([_Plain(error) for error in errors])
        missing = in_period - seen
        for fapiao in missing:
            line_vals.append(
                {
                    "outcome": "odoo_only",
                    "resolved": False,
                    "fapiao_id": fapiao.id,
                    "code": fapiao.code,
                    "number": fapiao.number,
                    "fapiao_type": fapiao.fapiao_type,
                    "buyer_vat": fapiao.buyer_vat,
                    "buyer_name": fapiao.partner_id.display_name,
                    "issue_date": fapiao.issue_date,
                    "amount_untaxed": fapiao.amount_untaxed,
                    "amount_tax": fapiao.amount_tax,
                    "amount_total": fapiao.amount_total,
                    "tax_rate": fapiao.tax_rate,
                    "is_red": fapiao.is_red,
                    "message": self.env._(
                        "The bureau's export does not contain fapiao %(fapiao)s: it is not "
                        "uploaded (or not issued). It blocks the clearing until it is uploaded "
                        "and a newer export is imported.",
                        fapiao=fapiao.display_name,
                    ),
                }
            )
        to_unmark = missing.filtered(lambda f: f.uploaded and not f.clearing_id)
        self._propose_invoices(company, date_from, date_to, bureau_only)
        return line_vals, to_mark, to_unmark

    def _find_rounded(self, row, by_rounded, errors):
        candidates = [
            f
            for f in by_rounded.get(row.rounded_number, [])
            if f.issue_date == row.issue_date
            and fapiao_amount.to_cents(f.amount_total) == row.amount_total
        ]
        if len(candidates) == 1:
            return candidates[0]
        errors.append(
            self.env._(
                "Sheet %(sheet)s, row %(row)s: Excel stored the 数电发票号码 as the number "
                "%(rounded)s and lost its last digits; %(count)s fapiao of the register have "
                "that rounded number, total and date, so it cannot be identified. Format the "
                "column as text (文本), export again and import the new file.",
                sheet=row.sheet,
                row=row.row,
                rounded=row.display_number,
                count=len(candidates),
            )
        )
        return None

    def _row_vals(self, row):
        return {
            "sheet": row.sheet,
            "row_number": row.row,
            "code": row.code or False,
            "number": row.digital_number or row.number or row.rounded_number,
            "fapiao_type": row.kind or False,
            "seller_vat": row.seller_vat,
            "seller_name": row.seller_name,
            "buyer_vat": row.buyer_vat or False,
            "buyer_name": row.buyer_name,
            "issue_date": row.issue_date,
            "amount_untaxed": float(row.amount_untaxed),
            "amount_tax": float(row.amount_tax),
            "amount_total": float(row.amount_total),
            "tax_rate": float(row.tax_rate) if row.tax_rate is not None else 0.0,
            "tax_rate_known": row.tax_rate is not None,
            "tax_exempt": row.tax_exempt,
            "bureau_state": row.status,
            "is_red": row.is_red,
            "risk": row.risk,
        }

    def _compare(self, row, fapiao):
        """Outcome and message of a row found in the register: status, amounts, then data."""
        state_labels = dict(
            self.env["invoice.clearing.fapiao"]._fields["state"]._description_selection(self.env)
        )
        vals = {"fapiao_id": fapiao.id}
        if row.status != fapiao.state or row.is_red != fapiao.is_red:
            vals.update(
                outcome="status_mismatch",
                resolved=False,
                message=self.env._(
                    "Status at the bureau: %(bureau)s%(red)s; in Odoo: %(odoo)s%(odoo_red)s. "
                    "Void the fapiao in Odoo or issue a red-letter credit note, or accept Odoo's "
                    "status after checking with the bureau.",
                    bureau=bureau_export.STATUS_LABELS[row.status],
                    red=self.env._(" (red-letter)") if row.is_red else "",
                    odoo=state_labels.get(fapiao.state, fapiao.state),
                    odoo_red=self.env._(" (red-letter)") if fapiao.is_red else "",
                ),
            )
            return vals
        differences = [
            self.env._(
                "%(label)s: bureau %(bureau)s, Odoo %(odoo)s",
                label=label,
                bureau=bureau,
                odoo=odoo,
            )
            for label, bureau, odoo in (
                (self.env._("Amount (金额)"), row.amount_untaxed, fapiao.amount_untaxed),
                (self.env._("Tax (税额)"), row.amount_tax, fapiao.amount_tax),
                (self.env._("Total (价税合计)"), row.amount_total, fapiao.amount_total),
            )
            if bureau != fapiao_amount.to_cents(odoo)
        ]
        if differences:
            vals.update(outcome="amount_mismatch", resolved=False, message="; ".join(differences))
            return vals
        if (row.buyer_vat or "") != (fapiao.buyer_vat or "") or row.issue_date != fapiao.issue_date:
            vals.update(
                outcome="data_mismatch",
                resolved=False,
                message=self.env._(
                    "Buyer tax ID at the bureau %(bureau_vat)s, in Odoo %(odoo_vat)s; issue date "
                    "at the bureau %(bureau_date)s, in Odoo %(odoo_date)s.",
                    bureau_vat=row.buyer_vat or "—",
                    odoo_vat=fapiao.buyer_vat or "—",
                    bureau_date=row.issue_date,
                    odoo_date=fapiao.issue_date,
                ),
            )
            return vals
        vals.update(outcome="matched", resolved=True, message=False)
        return vals

    def _propose_invoices(self, company, date_from, date_to, lines):
        """Candidate invoices of bureau-only rows: same buyer tax ID, total and date.

        One candidate is preselected; several are offered for the user to choose from.
        """
        vats = {vals["buyer_vat"] for vals in lines if vals.get("buyer_vat")}
        if not vats:
            return
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("invoice_date", ">=", date_from),
                ("invoice_date", "<=", date_to),
                ("commercial_partner_id.vat", "in", list(vats)),
            ]
        )
        index = defaultdict(list)
        for move in moves:
            index[normalize_vat(move.commercial_partner_id.vat), move.amount_total].append(move)
        partners = self.env["res.partner"].search(
            [("vat", "in", list(vats)), ("parent_id", "=", False)], order="id"
        )
        partner_by_vat = {}
        for partner in partners:
            partner_by_vat.setdefault(normalize_vat(partner.vat), partner)
        for vals in lines:
            vat = vals.get("buyer_vat")
            if not vat:
                continue
            refund = vals["is_red"]
            found = [
                m
                for m in index.get((vat, abs(vals["amount_total"])), [])
                if (m.move_type == "out_refund") == refund
            ]
            same_day = [m for m in found if m.invoice_date == vals["issue_date"]]
            candidates = same_day or found
            vals["candidate_move_ids"] = [fields.Command.set([m.id for m in candidates])]
            if len(candidates) == 1:
                vals["move_id"] = candidates[0].id
            partner = candidates[0].commercial_partner_id if candidates else partner_by_vat.get(vat)
            vals["partner_id"] = partner.id if partner else False
            vals["message"] = (
                self.env._(
                    "Not in the register. Create the fapiao and link it to the invoice proposed "
                    "(same buyer, total and date)."
                )
                if len(candidates) == 1
                else self.env._(
                    "Not in the register. %(count)s invoices have this buyer and total: choose "
                    "the one to link, then create the fapiao.",
                    count=len(candidates),
                )
                if candidates
                else self.env._(
                    "Not in the register, and no invoice of this buyer has this total. Create "
                    "the fapiao without an invoice, or link it later."
                )
            )

    # ------------------------------------------------------------------ actions
    def _action_lines(self, outcome=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_clearing.action_invoice_clearing_import_line"
        )
        action["domain"] = [("import_id", "=", self.id)] + (
            [("outcome", "=", outcome)] if outcome else []
        )
        action["context"] = {"group_by": [] if outcome else ["outcome"]}
        return action

    def action_open_lines(self):
        return self._action_lines()

    def action_open_matched(self):
        return self._action_lines("matched")

    def action_open_odoo_only(self):
        return self._action_lines("odoo_only")

    def action_open_bureau_only(self):
        return self._action_lines("bureau_only")

    def action_open_amount_mismatch(self):
        return self._action_lines("amount_mismatch")

    def action_open_status_mismatch(self):
        return self._action_lines("status_mismatch")

    def action_open_data_mismatch(self):
        return self._action_lines("data_mismatch")

    def action_open_other_seller(self):
        return self._action_lines("other_seller")


class _Plain(FapiaoRuleError):
    """An already translated message, listed with the parser's errors."""

    def __init__(self, text):
        super().__init__("file", "%(text)s", text=text)


def month_bounds(day):
    """First and last day of the month of `day`."""
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
