"""Reconciliation (对账) of a bureau export with the fapiao register: the ORM side of the engine.

The pure engine `tools/reconcile.py` decides every outcome on plain tuples. This service maps the
register to it (one query, read in chunks), proposes invoices for the fapiao found at the bureau
only, and renders the engine's messages (`reconcile.Message`) in the user's language. It writes
nothing: the import (`invoice.clearing.import`) stores the lines and the uploaded flags.
"""

from odoo import api, models
from odoo.tools import SQL

from ..tools import fapiao_number, reconcile, tax_id

REGISTER_CHUNK = 10_000  # register rows fetched at a time
# The columns of reconcile.RegisterFapiao but the last (whether of the period).
COLUMNS = SQL(
    """f.id, f.code, f.number, f.fapiao_type, f.issue_date,
       (round(coalesce(f.amount_untaxed, 0), 2) * 100)::int8,
       (round(coalesce(f.amount_tax, 0), 2) * 100)::int8,
       (round(coalesce(f.amount_total, 0), 2) * 100)::int8, coalesce(f.tax_rate, 0), f.state,
       f.is_red IS TRUE, f.buyer_vat, f.uploaded IS TRUE, f.clearing_id, f.partner_id"""
)


class InvoiceClearingReconcile(models.AbstractModel):
    """Reconcile the rows of one export with the register of one company and period."""

    _name = "invoice.clearing.reconcile"
    _description = "Bureau Reconciliation"

    @api.model
    def _reconcile(self, company, company_vat, date_from, date_to, rows, part=False):
        """The engine's Reconciliation of `rows`, its messages rendered, invoices proposed.

        `rows` are the parsed export's (bureau_export.ExportRow). Writes nothing. Raises a
        UserError for rows outside the period and for 数电 numbers Excel rounded that no single
        register fapiao explains. With `part`, `rows` are a part of the export (a slice of a
        background import): the register is read for them only, the period's fapiao they lack
        are not listed (see _odoo_only) and the errors are returned rendered in `errors`.
        """
        if part:
            register = self._read_register_part(company, date_from, date_to, rows)
        else:
            register = self._read_register(company, date_from, date_to, rows)
        result = reconcile.reconcile(rows, register, company_vat, date_from, date_to)
        if result.errors:
            if part:
                result.errors = [error.render(self.env._) for error in result.errors]
                return result
            self.env["invoice.clearing.import"]._raise_errors(result.errors)
        del register
        if result.bureau_only:
            moves, partner_by_vat = self._read_invoices(company, date_from, date_to, result)
            reconcile.propose(result.bureau_only, moves, partner_by_vat)
        self._render_lines(company, company_vat, result.lines)
        return result

    @api.model
    def _odoo_only(self, company, company_vat, date_from, date_to, batch):
        """The lines of the period's fapiao that no line of import `batch` names: what the
        engine lists as in Odoo only, for an export reconciled part by part."""
        Line = self.env["invoice.clearing.import.line"]
        Line.flush_model()
        where = SQL(
            """f.company_id = %(company)s AND f.issue_date BETWEEN %(from)s AND %(to)s
               AND NOT EXISTS (SELECT 1 FROM %(lines)s l
                                WHERE l.import_id = %(batch)s AND l.fapiao_id = f.id)""",
            company=company.id, lines=SQL.identifier(Line._table), batch=batch.id,
            **{"from": date_from, "to": date_to},
        )  # fmt: skip
        register = self._fetch_register(
            SQL(
                "SELECT %s, true FROM %s f WHERE %s ORDER BY 5 DESC, 1 DESC",
                COLUMNS, SQL.identifier(self.env["invoice.clearing.fapiao"]._table), where,
            )
        )  # fmt: skip
        lines = [reconcile.odoo_only_line(fapiao) for fapiao in register]
        self._render_lines(company, company_vat, lines)
        return lines

    @api.model
    def _render_lines(self, company, company_vat, lines):
        """Buyer names of odoo-only lines, and every line's messages in the user's language."""
        odoo_only = [line for line in lines if line.outcome == "odoo_only"]
        partners = self.env["res.partner"].browse(
            {line.buyer_partner_id for line in odoo_only} - {None}
        )
        names = {partner.id: partner.display_name for partner in partners}
        for line in odoo_only:
            line.buyer_name = names.get(line.buyer_partner_id) or None
        context = {
            "company": company.name,
            "company_vat": company_vat,
            "state_labels": self._state_labels(),
        }
        for line in lines:
            messages = line.message
            line.message = (
                "\n".join(message.render(self.env._, context) for message in messages)
                if messages
                else None
            )

    @api.model
    def _read_register(self, company, date_from, date_to, rows):
        """RegisterFapiao of the company: the period's, and those the rows name by number (one query)."""
        Fapiao = self.env["invoice.clearing.fapiao"]
        Fapiao.flush_model()
        digital = sorted(fapiao_number.DIGITAL_KINDS)
        digital_numbers = [row.digital_number for row in rows if row.digital_number]
        legacy = [(row.code, row.number) for row in rows if not row.digital_number and row.number]
        return self._fetch_register(
            SQL(
                """SELECT %(columns)s, true FROM %(table)s f
                    WHERE f.company_id = %(company)s AND f.issue_date BETWEEN %(from)s AND %(to)s
                   UNION ALL
                   SELECT %(columns)s, false FROM %(table)s f
                    WHERE f.company_id = %(company)s
                      AND f.issue_date NOT BETWEEN %(from)s AND %(to)s
                      AND f.fapiao_type IN %(digital)s
                      AND f.number IN (SELECT unnest(%(numbers)s::varchar[]))
                   UNION ALL
                   SELECT %(columns)s, false FROM %(table)s f
                    WHERE f.company_id = %(company)s
                      AND f.issue_date NOT BETWEEN %(from)s AND %(to)s
                      AND f.fapiao_type NOT IN %(digital)s
                      AND (coalesce(f.code, ''), f.number) IN (
                          SELECT * FROM unnest(%(codes)s::varchar[], %(legacy)s::varchar[]))
                 ORDER BY 5 DESC, 1 DESC""",
                columns=COLUMNS,
                table=SQL.identifier(Fapiao._table),
                company=company.id,
                digital=tuple(digital),
                numbers=digital_numbers,
                codes=[code for code, _number in legacy],
                legacy=[number for _code, number in legacy],
                **{"from": date_from, "to": date_to},
            )
        )

    @api.model
    def _read_register_part(self, company, date_from, date_to, rows):
        """RegisterFapiao of the company that a part of an export's `rows` name by number, of any
        date, and the period's 数电 fapiao when a row's number was rounded by Excel (one query);
        none marked of the period: the part lists no fapiao as in Odoo only."""
        Fapiao = self.env["invoice.clearing.fapiao"]
        Fapiao.flush_model()
        digital = sorted(fapiao_number.DIGITAL_KINDS)
        legacy = [(row.code, row.number) for row in rows if not row.digital_number and row.number]
        return self._fetch_register(
            SQL(
                """SELECT %(columns)s, false FROM %(table)s f
                    WHERE f.company_id = %(company)s AND f.fapiao_type IN %(digital)s
                      AND f.number IN (SELECT unnest(%(numbers)s::varchar[]))
                   UNION
                   SELECT %(columns)s, false FROM %(table)s f
                    WHERE f.company_id = %(company)s AND f.fapiao_type NOT IN %(digital)s
                      AND (coalesce(f.code, ''), f.number) IN (
                          SELECT * FROM unnest(%(codes)s::varchar[], %(legacy)s::varchar[]))
                   UNION
                   SELECT %(columns)s, false FROM %(table)s f
                    WHERE %(rounded)s AND f.company_id = %(company)s
                      AND f.issue_date BETWEEN %(from)s AND %(to)s
                      AND f.fapiao_type IN %(digital)s
                 ORDER BY 5 DESC, 1 DESC""",
                columns=COLUMNS,
                table=SQL.identifier(Fapiao._table),
                company=company.id,
                digital=tuple(digital),
                numbers=[row.digital_number for row in rows if row.digital_number],
                codes=[code for code, _number in legacy],
                legacy=[number for _code, number in legacy],
                rounded=any(row.rounded_number for row in rows),
                **{"from": date_from, "to": date_to},
            )
        )

    @api.model
    def _fetch_register(self, query):
        """The RegisterFapiao of `query` (selecting COLUMNS and whether of the period)."""
        # A server-side cursor read in chunks: neither libpq nor Python holds 100,000 raw rows.
        self.env.cr.execute(SQL("DECLARE invoice_clearing_register NO SCROLL CURSOR FOR %s", query))
        # One object per distinct code, kind, date, rate, state, buyer and partner, not one per
        # fapiao: a third of the register's memory at 100,000 fapiao.
        caches = {index: {} for index in (1, 3, 4, 8, 9, 11, 14)}
        make, register = reconcile.RegisterFapiao._make, []
        try:
            while True:
                self.env.cr.execute(SQL("FETCH %s FROM invoice_clearing_register", REGISTER_CHUNK))
                chunk = self.env.cr.fetchall()
                for fetched in chunk:
                    row = list(fetched)
                    for index, cache in caches.items():
                        row[index] = cache.setdefault(row[index], row[index])
                    register.append(make(row))
                if len(chunk) < REGISTER_CHUNK:
                    return register
        finally:
            self.env.cr.execute(SQL("CLOSE invoice_clearing_register"))

    @api.model
    def _read_invoices(self, company, date_from, date_to, result):
        """(Move tuples, partner id by tax ID) for the bureau-only rows' buyers, as the user sees them."""
        vats = sorted({line.buyer_vat for line in result.bureau_only if line.buyer_vat})
        if not vats:
            return [], {}
        query = self.env["account.move"]._search(
            [
                ("company_id", "=", company.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("invoice_date", ">=", date_from),
                ("invoice_date", "<=", date_to),
                ("commercial_partner_id.vat", "in", vats),
            ],
            order="id",
        )
        rows = self.env.execute_query(
            SQL(
                """SELECT m.id, p.vat, m.amount_total, m.move_type = 'out_refund',
                          m.invoice_date, p.id
                     FROM account_move m JOIN res_partner p ON p.id = m.commercial_partner_id
                    WHERE m.id IN %s ORDER BY m.id""",
                query.subselect(),
            )
        )
        moves = [
            reconcile.Move(id_, tax_id.normalize_tax_id(vat), amount, refund, day, partner)
            for id_, vat, amount, refund, day, partner in rows
        ]
        partner_by_vat = {}
        partners = self.env["res.partner"]._search(
            [("vat", "in", vats), ("parent_id", "=", False)], order="id"
        )
        for partner_id, vat in self.env.execute_query(partners.select(SQL("id, vat"))):
            partner_by_vat.setdefault(tax_id.normalize_tax_id(vat), partner_id)
        return moves, partner_by_vat

    @api.model
    def _state_labels(self):
        Fapiao = self.env["invoice.clearing.fapiao"]
        return dict(Fapiao._fields["state"]._description_selection(self.env))
