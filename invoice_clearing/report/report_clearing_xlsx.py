"""XLSX export of a clearing: the stored summary, every fapiao of the scope and the check results."""

import tempfile

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import clearing_xlsx as xlsx
from ..tools.tieout import MEASURES as TIEOUT_MEASURES
from .report_clearing_summary import MEASURES

FETCH_CHUNK = 10_000  # fapiao rows fetched at a time


class ReportClearingXlsx(models.AbstractModel):
    _name = "report.invoice_clearing.clearing_xlsx"
    _description = "Clearing XLSX Export"

    @api.model
    def _generate(self, clearing):
        """(file name, xlsx bytes) for `clearing`; the caller has checked read access."""
        with tempfile.TemporaryFile() as output:
            name = self._write(clearing, output)
            output.seek(0)
            return name, output.read()

    @api.model
    def _write(self, clearing, output, part=None):
        """Write the XLSX of `clearing` into the binary file `output`; its file name.

        Bounded memory: the fapiao are fetched in chunks and written row by row (see
        tools/clearing_xlsx.py), so a clearing of 1,000,000 fapiao needs no more than one of 1,000.
        `part` (number, count, rows): only the number-th `rows` fapiao, in file number of count
        (a background export, see invoice.clearing.export); the other sheets are in every file.
        """
        clearing.ensure_one()
        number, count, rows = part or (1, 1, None)
        title_rows = [
            (self.env._("Clearing"), clearing.name),
            (self.env._("Company"), clearing.company_id.name),
            (self.env._("Taxpayer ID"), clearing.company_id.vat or ""),
            (self.env._("Period"), self._period(clearing)),
            (self.env._("Status"), dict(clearing._fields["state"]._description_selection(self.env))[clearing.state]),
            (self.env._("SHA-256"), clearing.hash or ""),
            *self._quota_rows(clearing),
        ]  # fmt: skip
        if part:
            title_rows.append(
                (
                    self.env._("File"),
                    self.env._("%(number)s of %(count)s", number=number, count=count),
                )
            )
        sheets = [
            {
                "name": self.env._("Summary"),
                "title_rows": title_rows,
                "columns": self._summary_columns(),
                "rows": self._summary_rows(clearing),
            },
            {
                "name": self.env._("Tie-out"),
                "columns": self._tieout_columns(),
                "rows": self._tieout_rows(clearing),
            },
            {
                "name": self.env._("Fapiao"),
                "columns": self._fapiao_columns(),
                "rows": self._fapiao_rows(clearing, (number - 1) * (rows or 0), rows),
            },
            {
                "name": self.env._("Problems"),
                "columns": [
                    (self.env._("Severity"), xlsx.TEXT),
                    (self.env._("Message"), xlsx.TEXT),
                ],
                "rows": [
                    (
                        dict(p._fields["severity"]._description_selection(self.env))[p.severity],
                        p.message,
                    )
                    for p in clearing.problem_ids
                ],
            },
        ]
        rate_lines = self._rate_lines(clearing)
        if rate_lines:
            sheets.append(
                {
                    "name": self.env._("Rate Lines"),
                    "columns": self._rate_line_columns(),
                    "rows": [
                        (
                            line.fapiao_id.display_name,
                            line.tax_rate,
                            line.amount_untaxed,
                            line.amount_tax,
                            line.amount_total,
                        )
                        for line in rate_lines
                    ],
                }
            )
        forms = self._red_forms(clearing)
        if forms:
            sheets.append(
                {
                    "name": self.env._("Red-letter Forms"),
                    "columns": self._red_form_columns(),
                    "rows": self._red_form_rows(forms),
                }
            )
        xlsx.write_workbook(sheets, output)
        name = clearing.name.replace("/", "-")
        return f"{name}-{number}-of-{count}.xlsx" if part else f"{name}.xlsx"

    @api.model
    def _rate_lines(self, clearing):
        """The rate lines (税率明细) of the scope's fapiao with several rates: the Fapiao sheet
        gives such a fapiao's totals at its main rate, this sheet each rate."""
        return self.env["invoice.clearing.fapiao.line"].search(
            Domain("fapiao_id", "any", clearing._scope_domain()),
            order="fapiao_id, tax_rate desc, id",
        )

    def _rate_line_columns(self):
        Line = self.env["invoice.clearing.fapiao.line"]
        return [
            (_field_label(Line, "fapiao_id"), xlsx.TEXT),
            (_field_label(Line, "tax_rate"), xlsx.PERCENT),
            (_field_label(Line, "amount_untaxed"), xlsx.NUMBER),
            (_field_label(Line, "amount_tax"), xlsx.NUMBER),
            (_field_label(Line, "amount_total"), xlsx.NUMBER),
        ]

    @api.model
    def _red_forms(self, clearing):
        """The red-letter confirmation forms (红字确认单) of the scope: of its blue fapiao, or used
        by its red-letter fapiao."""
        scope = clearing._scope_domain()
        return self.env["invoice.clearing.red.confirmation"].search(
            Domain("company_id", "=", clearing.company_id.id)
            & (Domain("blue_fapiao_id", "any", scope) | Domain("red_fapiao_id", "any", scope)),
            order="requested_at, name",
        )

    def _red_form_columns(self):
        Form = self.env["invoice.clearing.red.confirmation"]
        return [
            (_field_label(Form, "name"), xlsx.TEXT),
            (_field_label(Form, "blue_fapiao_id"), xlsx.TEXT),
            (_field_label(Form, "initiator"), xlsx.TEXT),
            (_field_label(Form, "reason"), xlsx.TEXT),
            (_field_label(Form, "amount_total"), xlsx.NUMBER),
            (_field_label(Form, "state"), xlsx.TEXT),
            (_field_label(Form, "status_code"), xlsx.TEXT),
            (_field_label(Form, "requested_at"), xlsx.DATE),
            (_field_label(Form, "red_fapiao_id"), xlsx.TEXT),
        ]

    def _red_form_rows(self, forms):
        labels = {
            name: dict(forms._fields[name]._description_selection(self.env))
            for name in ("initiator", "reason", "state", "status_code")
        }
        return [
            (
                form.name,
                form.blue_fapiao_id.number,
                labels["initiator"].get(form.initiator),
                labels["reason"].get(form.reason),
                form.amount_total,
                labels["state"].get(form.state),
                labels["status_code"].get(form.status_code),  # "02 销方录入待购方确认"
                form.requested_at and form.requested_at.date(),
                form.red_fapiao_id.number,
            )
            for form in forms
        ]

    @api.model
    def _quota_rows(self, clearing):
        """The invoicing quota (授信额度) of the clearing's month, when one is recorded."""
        quota = clearing.quota_id
        if not quota:
            return []
        return [(self.env._("Invoicing Quota"), quota._usage_text())]

    @api.model
    def _period(self, clearing):
        if clearing.date_from and clearing.date_to:
            return f"{clearing.date_from} – {clearing.date_to}"
        return fields.Date.to_string(clearing.date_to) or ""

    def _summary_columns(self):
        Line = self.env["invoice.clearing.summary.line"]
        columns = [
            (_field_label(Line, "fapiao_type"), xlsx.TEXT),
            (_field_label(Line, "tax_rate"), xlsx.PERCENT),
        ]
        for measure in MEASURES:
            kind = xlsx.INTEGER if measure.endswith("count") else xlsx.NUMBER
            columns.append((_field_label(Line, measure), kind))
        return columns

    def _summary_rows(self, clearing):
        kinds = dict(
            clearing.summary_line_ids._fields["fapiao_type"]._description_selection(self.env)
        )
        rows = [
            (kinds[line.fapiao_type], line.tax_rate, *(line[m] for m in MEASURES))
            for line in clearing.summary_line_ids
        ]
        lines = clearing.summary_line_ids
        rows.append((self.env._("Total"), None, *(sum(lines.mapped(m)) for m in MEASURES)))
        return rows

    def _tieout_columns(self):
        Line = self.env["invoice.clearing.tieout.line"]
        columns = [(_field_label(Line, "tax_rate"), xlsx.TEXT)]  # a rate, or "Total"
        return columns + [(_field_label(Line, name), xlsx.NUMBER) for name in TIEOUT_MEASURES]

    def _tieout_rows(self, clearing):
        """One row per rate (账票表 tie-out), then the total; a handful of rows."""
        lines = clearing.tieout_line_ids
        rows = [(f"{line.tax_rate:g}", *(line[name] for name in TIEOUT_MEASURES)) for line in lines]
        rows.append((self.env._("Totals"), *(sum(lines.mapped(n)) for n in TIEOUT_MEASURES)))
        return rows

    def _fapiao_columns(self):
        Fapiao = self.env["invoice.clearing.fapiao"]
        text = ("fapiao_type", "code", "number")
        columns = [(_field_label(Fapiao, f), xlsx.TEXT) for f in text]
        columns += [
            (_field_label(Fapiao, "issue_date"), xlsx.DATE),
            (_field_label(Fapiao, "partner_id"), xlsx.TEXT),
            (_field_label(Fapiao, "buyer_vat"), xlsx.TEXT),
            (_field_label(Fapiao, "amount_untaxed"), xlsx.NUMBER),
            (_field_label(Fapiao, "tax_rate"), xlsx.PERCENT),
            (_field_label(Fapiao, "amount_tax"), xlsx.NUMBER),
            (_field_label(Fapiao, "amount_total"), xlsx.NUMBER),
            (_field_label(Fapiao, "state"), xlsx.TEXT),
            (_field_label(Fapiao, "is_red"), xlsx.TEXT),
            (_field_label(Fapiao, "void_date"), xlsx.DATE),
            (_field_label(Fapiao, "red_reference"), xlsx.TEXT),
        ]
        return columns

    def _fapiao_rows(self, clearing, offset=0, limit=None):
        """The fapiao of the scope (`limit` of them after `offset`: a file of a background
        export), one query read in chunks (no ORM records, no list of them)."""
        Fapiao = self.env["invoice.clearing.fapiao"]
        kinds = dict(Fapiao._fields["fapiao_type"]._description_selection(self.env))
        states = dict(Fapiao._fields["state"]._description_selection(self.env))
        yes, no = self.env._("Yes"), self.env._("No")
        query = Fapiao._search(clearing._scope_domain())
        Fapiao.flush_model()
        self.env.cr.execute(
            SQL(
                """DECLARE invoice_clearing_xlsx NO SCROLL CURSOR FOR
                   SELECT f.fapiao_type, f.code, f.number, f.issue_date, p.name, f.buyer_vat,
                          f.amount_untaxed, f.tax_rate, f.amount_tax, f.amount_total, f.state,
                          coalesce(f.is_red, false), f.void_date, f.red_reference
                     FROM invoice_clearing_fapiao f
                     JOIN res_partner p ON p.id = f.partner_id
                    WHERE f.id IN %s
                 ORDER BY f.issue_date, f.fapiao_type, f.code, f.number, f.id
                    LIMIT %s OFFSET %s""",
                query.subselect(),
                limit,
                offset,
            )
        )
        try:
            while True:
                self.env.cr.execute(SQL("FETCH %s FROM invoice_clearing_xlsx", FETCH_CHUNK))
                chunk = self.env.cr.fetchall()
                for kind, *rest in chunk:
                    yield (
                        kinds.get(kind, kind), *rest[:9], states.get(rest[9], rest[9]),
                        yes if rest[10] else no, *rest[11:],
                    )  # fmt: skip
                if len(chunk) < FETCH_CHUNK:
                    return
        finally:
            self.env.cr.execute(SQL("CLOSE invoice_clearing_xlsx"))


def _field_label(model, name):
    return model._fields[name]._description_string(model.env)
