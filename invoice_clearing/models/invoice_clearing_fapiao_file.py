"""Register fapiao from their own files (数电 XML, OFD, PDF): read, check, link, create, attach.

A service without records: `invoice.clearing.fapiao.import_files` (RPC) and the upload wizard
both go through `_read_files` (parse every file and decide what it becomes, refusing the batch
at the first bad file) and `_register_files` (create the fapiao, attach the files, all or
nothing).
"""

import base64
import binascii
import re
from decimal import Decimal

from odoo import api, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain

from ..tools import digital_fapiao, fapiao_number, periods, reconcile, tax_id
from ..tools.rule_error import FapiaoRuleError

INVOICE_TYPES = ("out_invoice", "out_refund")


def _first_by(records, key):
    """{key(record): the first of `records` with that key}: what one query read for the whole
    batch, looked up file by file."""
    found = {}
    for record in records:
        found.setdefault(key(record), record)
    return found


class InvoiceClearingFapiaoFile(models.AbstractModel):
    _name = "invoice.clearing.fapiao.file"
    _description = "Fapiao Files"

    @api.model
    def _import_files(self, company, files):
        """The fapiao registered from `files` ([{"name", "datas" (base64), "move_id"?}]).

        `move_id` given (even False) is the invoice to link, else the context's
        `default_move_id`, else the single matching invoice; several matches leave the fapiao
        unlinked (the wizard lets the user choose instead).
        """
        return self._register_files(company, self._read_files(company, files))

    @api.model
    def _read_files(self, company, files):
        """One proposal (dict) per file: the parsed file, the fapiao values, the invoice
        candidates. UserError naming the first file that cannot be registered."""
        company = self._check_files_company(company)
        if not isinstance(files, (list, tuple)) or not all(isinstance(f, dict) for f in files):
            raise UserError(self.env._('Send the files as a list of {"name": …, "datas": base64}.'))
        if not files:
            raise UserError(self.env._("Choose at least one fapiao file."))
        company_vat = tax_id.normalize_tax_id(company.vat)
        given_default = self.env.context.get("default_move_id")
        proposals, seen = [], {}
        for position, file in enumerate(files, 1):
            name = str(file.get("name") or f"#{position}")
            try:
                raw = file.get("datas") or b""
                raw = raw.encode() if isinstance(raw, str) else raw
                data = base64.b64decode(re.sub(rb"\s+", b"", raw), validate=True)
            except (binascii.Error, ValueError, TypeError, AttributeError):
                raise self._file_error(name, self.env._("the content is not base64.")) from None
            try:
                parsed = digital_fapiao.read_fapiao_file(name, data)
                by_rate = parsed.amounts_by_rate()
            except FapiaoRuleError as error:
                raise self._file_error(name, error.render(self.env._)) from None
            seller = tax_id.normalize_tax_id(parsed.seller_vat)
            if seller != company_vat:
                raise self._file_error(
                    name,
                    self.env._(
                        "the seller of fapiao %(number)s is %(seller)s, not %(company)s "
                        "(%(vat)s). Only the company's own fapiao can be registered here.",
                        number=parsed.number,
                        seller=seller or self.env._("unknown"),
                        company=company.name,
                        vat=company_vat or self.env._("no tax ID"),
                    ),
                )
            key = (parsed.code, parsed.number)
            if key in seen:
                raise self._file_error(
                    name,
                    self.env._(
                        "fapiao %(number)s is also in file %(other)s: upload it once.",
                        number=parsed.number,
                        other=seen[key],
                    ),
                )
            seen[key] = name
            proposals.append(
                {
                    "name": name,
                    "data": data,
                    "parsed": parsed,
                    "kind": parsed.fapiao_type or ("digital_general" if not parsed.code else None),
                    "by_rate": by_rate,
                    "buyer_vat": tax_id.normalize_tax_id(parsed.buyer_vat),
                    "given": "move_id" in file or bool(given_default),
                    "move_id": file.get("move_id") if "move_id" in file else given_default,
                    "candidate_ids": [],
                    "partner_id": False,
                    "origin_id": False,
                }
            )
        self._check_not_registered(company, proposals)
        self._check_periods_open(company, proposals)
        self._link_invoices(company, proposals)
        self._find_origins(company, proposals)
        return proposals

    @api.model
    def _register_files(self, company, proposals):
        """Create the fapiao of `proposals` and attach each file to its fapiao: all or nothing."""
        company = self._check_files_company(company)
        Fapiao = self.env["invoice.clearing.fapiao"].with_company(company)
        created = Fapiao
        with self.env.cr.savepoint():
            for proposal in proposals:
                try:
                    fapiao = Fapiao.create(self._fapiao_vals(company, proposal))
                except (ValidationError, UserError) as error:
                    raise self._file_error(proposal["name"], error.args[0]) from None
                self.env["ir.attachment"].create(
                    {
                        "name": proposal["name"],
                        "raw": proposal["data"],
                        "res_model": fapiao._name,
                        "res_id": fapiao.id,
                    }
                )
                fapiao.message_post(
                    body=self.env._("Registered from its file %(file)s.", file=proposal["name"])
                )
                if fapiao.move_id:
                    fapiao.move_id.message_post(
                        body=self.env._(
                            "Fapiao %(number)s registered from its file %(file)s.",
                            number=fapiao.display_name,
                            file=proposal["name"],
                        )
                    )
                created |= fapiao
        return created

    @api.model
    def _fapiao_vals(self, company, proposal):
        parsed = proposal["parsed"]
        if not proposal["partner_id"]:
            raise self._file_error(
                proposal["name"],
                self.env._(
                    "no customer has the buyer's tax ID %(vat)s (%(buyer)s). Create the "
                    "customer with this tax ID, or choose the invoice.",
                    vat=proposal["buyer_vat"] or self.env._("none"),
                    buyer=parsed.buyer_name or "?",
                ),
            )
        if parsed.is_red and not proposal["origin_id"]:
            raise self._file_error(
                proposal["name"],
                self.env._(
                    "red-letter fapiao %(number)s reverses fapiao %(origin)s, which is not "
                    "registered for %(company)s. Register the blue fapiao first, then upload "
                    "this file again.",
                    number=parsed.number,
                    origin=parsed.origin_number,
                    company=company.name,
                ),
            )
        return {
            "company_id": company.id,
            "move_id": proposal["move_id"] or False,
            "partner_id": proposal["partner_id"],
            "buyer_vat": proposal["buyer_vat"] or False,
            "fapiao_type": proposal["kind"],
            "code": parsed.code or False,
            "number": parsed.number,
            "issue_date": parsed.issue_date,
            **self._amount_vals(proposal),
            "is_red": parsed.is_red,
            "origin_fapiao_id": proposal["origin_id"] or False,
            "red_reference": parsed.red_reference if parsed.is_red else False,
        }

    @api.model
    def _amount_vals(self, proposal):
        """The amounts as the file prints them; the rate, or the rate lines of a fapiao with
        several rates (its main rate from them)."""
        parsed = proposal["parsed"]
        lines = [
            (rate, exempt, untaxed, tax)
            for (rate, exempt), (untaxed, tax, _total) in sorted(proposal["by_rate"].items())
        ]
        vals = self.env["invoice.clearing.fapiao"]._rate_line_vals(lines)
        vals.update(
            amount_untaxed=float(parsed.amount_untaxed),
            amount_tax=float(parsed.amount_tax),
            amount_total=float(parsed.amount_total),
        )
        return vals

    @api.model
    def _rates_text(self, proposal):
        """The rates of a proposal's fapiao for people: "13" or "13, 6" (percent)."""
        return ", ".join(f"{rate:g}" for rate, _exempt in sorted(proposal["by_rate"], reverse=True))

    # ------------------------------------------------------------ checks
    @api.model
    def _check_files_company(self, company):
        if isinstance(company, int):
            company = self.env["res.company"].browse(company)
        if not company.exists() or company not in self.env.user.company_ids:
            raise AccessError(
                self.env._("You cannot register fapiao for a company you do not work in.")
            )
        self.env["invoice.clearing.fapiao"].check_access("create")
        return company

    @api.model
    def _check_not_registered(self, company, proposals):
        """Refuse a number the company already registered (one query for the batch)."""
        Fapiao = self.env["invoice.clearing.fapiao"]
        digital = fapiao_number.DIGITAL_KINDS
        # sudo: the duplicate is refused even where the user may not read the existing fapiao
        existing = Fapiao.sudo().search(
            [
                ("company_id", "=", company.id),
                ("number", "in", [p["parsed"].number for p in proposals]),
            ]
        )
        # A 数电 number is taken whatever the code, another kind's number for its code only.
        by_key = _first_by(
            existing, lambda f: (f.number, None if f.fapiao_type in digital else f.code or "")
        )
        for proposal in proposals:
            parsed = proposal["parsed"]
            same = by_key.get((parsed.number, None)) or by_key.get((parsed.number, parsed.code))
            if same:
                raise self._file_error(
                    proposal["name"],
                    self.env._(
                        "fapiao %(number)s is already registered (issued %(date)s to "
                        "%(buyer)s): the file was uploaded before.",
                        number=same.display_name,
                        date=same.issue_date,
                        buyer=same.partner_id.display_name,
                    ),
                )

    @api.model
    def _check_periods_open(self, company, proposals):
        """No file dated in a cleared period: one check for the whole upload, naming the file."""
        Closed = self.env["invoice.clearing.closed.period"]
        found = Closed._first_closed(
            (company.id, p["parsed"].issue_date, p["parsed"].number) for p in proposals
        )
        if found:
            raise self._file_error(proposals[found[0]]["name"], Closed._closed_message(*found[1:]))

    @api.model
    def _link_invoices(self, company, proposals):
        """The invoice of each file: the one given (checked), else the posted customer invoices
        of the buyer with the same total, same day preferred, as for bureau-only lines."""
        Move = self.env["account.move"]
        given = [p for p in proposals if p["given"] and p["move_id"]]
        moves = _first_by(Move.browse([p["move_id"] for p in given]).exists(), lambda m: m.id)
        for proposal in given:
            move = moves.get(proposal["move_id"], Move)
            parsed = proposal["parsed"]
            if not move or move.company_id != company or move.move_type not in INVOICE_TYPES:
                raise self._file_error(
                    proposal["name"],
                    self.env._(
                        "the invoice to link is not a customer invoice or credit note of %(company)s.",
                        company=company.name,
                    ),
                )
            move_vat = tax_id.normalize_tax_id(move.commercial_partner_id.vat)
            if proposal["buyer_vat"] and move_vat != proposal["buyer_vat"]:
                raise self._file_error(
                    proposal["name"],
                    self.env._(
                        "the buyer of fapiao %(number)s has tax ID %(vat)s, but invoice "
                        "%(invoice)s is for %(partner)s (%(partner_vat)s).",
                        number=parsed.number,
                        vat=proposal["buyer_vat"],
                        invoice=move.display_name,
                        partner=move.commercial_partner_id.display_name,
                        partner_vat=move_vat or self.env._("no tax ID"),
                    ),
                )
            if parsed.is_red != (move.move_type == "out_refund"):
                raise self._file_error(
                    proposal["name"],
                    self.env._(
                        "fapiao %(number)s is %(kind)s but %(invoice)s is %(move_kind)s: a "
                        "red-letter fapiao belongs to a credit note, a blue one to an invoice.",
                        number=parsed.number,
                        kind=self.env._("red-letter") if parsed.is_red else self.env._("blue"),
                        invoice=move.display_name,
                        move_kind=self.env._("a credit note")
                        if move.move_type == "out_refund"
                        else self.env._("an invoice"),
                    ),
                )
            proposal["move_id"] = move.id
            proposal["candidate_ids"] = [move.id]
            proposal["partner_id"] = move.commercial_partner_id.id
        partner_by_vat = self._partners_by_vat({p["buyer_vat"] for p in proposals} - {""})
        to_match = [p for p in proposals if not p["given"]]
        lines = [
            reconcile.Line(
                buyer_vat=p["buyer_vat"],
                amount_total=abs(p["parsed"].amount_total),
                is_red=p["parsed"].is_red,
                issue_date=p["parsed"].issue_date,
            )
            for p in to_match
        ]
        reconcile.propose(lines, self._read_invoices(company, to_match), partner_by_vat)
        for proposal, line in zip(to_match, lines, strict=True):
            proposal["candidate_ids"] = list(line.candidate_move_ids)
            proposal["move_id"] = line.move_id or False
            proposal["partner_id"] = line.partner_id or False
        for proposal in (p for p in proposals if p["given"] and not p["move_id"]):
            proposal["partner_id"] = partner_by_vat.get(proposal["buyer_vat"], False)

    @api.model
    def _read_invoices(self, company, proposals):
        """reconcile.Move tuples: posted customer invoices of the buyers without a fapiao yet,
        dated from the month before the fapiao to the end of its month."""
        vats = sorted({p["buyer_vat"] for p in proposals if p["buyer_vat"]})
        if not vats:
            return []
        days = [p["parsed"].issue_date for p in proposals]
        moves = self.env["account.move"].search_fetch(
            [
                ("company_id", "=", company.id),
                ("move_type", "in", INVOICE_TYPES),
                ("state", "=", "posted"),
                ("invoice_date", ">=", periods.month_start(min(days), -1)),
                ("invoice_date", "<=", periods.month_end(max(days))),
                ("commercial_partner_id.vat", "in", vats),
                ("fapiao_ids", "=", False),
            ],
            ["amount_total", "move_type", "invoice_date", "commercial_partner_id"],
            order="id",
        )
        return [
            reconcile.Move(
                move.id,
                tax_id.normalize_tax_id(move.commercial_partner_id.vat),
                Decimal(str(move.amount_total)),
                move.move_type == "out_refund",
                move.invoice_date,
                move.commercial_partner_id.id,
            )
            for move in moves
        ]

    @api.model
    def _partners_by_vat(self, vats):
        """{tax ID: id of the oldest commercial partner with it, case aside} (one query)."""
        if not vats:
            return {}
        partners = self.env["res.partner"].search(
            Domain.OR(Domain("vat", "=ilike", vat) for vat in sorted(vats))
            & Domain("parent_id", "=", False),
            order="id",
        )
        found = _first_by(partners, lambda p: tax_id.normalize_tax_id(p.vat))
        return {vat: partner.id for vat, partner in found.items()}

    @api.model
    def _find_origins(self, company, proposals):
        """The registered blue fapiao each red-letter file reverses (one query)."""
        numbers = [p["parsed"].origin_number for p in proposals if p["parsed"].is_red]
        if not numbers:
            return
        Fapiao = self.env["invoice.clearing.fapiao"]
        blues = Fapiao.search(
            [("company_id", "=", company.id), ("number", "in", numbers), ("is_red", "=", False)]
        )
        by_number = _first_by(blues, lambda f: f.number)
        for proposal in proposals:
            proposal["origin_id"] = by_number.get(proposal["parsed"].origin_number, Fapiao).id

    @api.model
    def _file_error(self, name, reason):
        return UserError(
            self.env._(
                "File %(file)s: %(reason)s Nothing was registered.", file=name, reason=reason
            )
        )
