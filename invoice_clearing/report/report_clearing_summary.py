"""Values of the monthly summary (开票汇总表): one block per fapiao kind, then the fapiao list.

Everything is read from the stored summary lines (computed once, in SQL, by the clearing); the
fapiao list is cut at a configurable number of rows so that the PDF stays fast at 100,000 fapiao.
"""

from collections import defaultdict

from odoo import api, fields, models

from ..tools.clearing_summary import SUMMARY_MEASURES

LIST_LIMIT_PARAM = "invoice_clearing.summary_list_limit"
DEFAULT_LIST_LIMIT = 2000
MEASURES = (*SUMMARY_MEASURES, "net_amount", "net_tax")
# Columns of the tie-out tables, each for `_amount` and `_tax` (the template titles them).
TIEOUT_COLUMNS = ("ledger", "fapiao", "filing", "diff", "unbilled", "no_invoice", "month",
                  "rounding", "unexplained", "filing_diff")  # fmt: skip


class ReportClearingSummary(models.AbstractModel):
    _name = "report.invoice_clearing.report_clearing_summary"
    _description = "Monthly Fapiao Summary (开票汇总表)"

    @api.model
    def _get_report_values(self, docids, data=None):
        clearings = self.env["invoice.clearing"].browse(docids)
        limit = self._list_limit()
        return {
            "doc_ids": docids,
            "doc_model": "invoice.clearing",
            "docs": clearings,
            "today": fields.Date.context_today(self),
            "blocks": {c.id: self._blocks(c) for c in clearings},
            "grand_totals": {c.id: self._totals(c.summary_line_ids) for c in clearings},
            "fapiao_lists": {c.id: self._fapiao_list(c, limit) for c in clearings},
            "tieouts": {c.id: self._tieout(c) for c in clearings},
            "quotas": {c.id: c.quota_id and c.quota_id._usage_text() for c in clearings},
            "list_limit": limit,
            "fmt": self._fmt,
        }

    @api.model
    def _list_limit(self):
        # sudo: a system parameter, read for auditors who may not read settings
        value = self.env["ir.config_parameter"].sudo().get_param(LIST_LIMIT_PARAM)
        try:
            return max(int(value), 0) if value else DEFAULT_LIST_LIMIT
        except ValueError:
            return DEFAULT_LIST_LIMIT

    @staticmethod
    def _fmt(value):
        return f"{value:,.2f}"

    @api.model
    def _totals(self, lines):
        return {m: sum(lines.mapped(m)) for m in MEASURES}

    @api.model
    def _blocks(self, clearing):
        kinds = dict(
            self.env["invoice.clearing.fapiao"]
            ._fields["fapiao_type"]
            ._description_selection(self.env)
        )
        by_kind = defaultdict(lambda: self.env["invoice.clearing.summary.line"])
        for line in clearing.summary_line_ids:
            by_kind[line.fapiao_type] |= line
        blocks = [
            {"kind": kinds.get(kind, kind), "lines": lines, "totals": self._totals(lines)}
            for kind, lines in by_kind.items()
        ]
        if clearing.summary_line_ids:
            by_rate = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
            for line in clearing.summary_line_ids:
                for measure in MEASURES:
                    by_rate[line.tax_rate][measure] += line[measure]
            rates = [{"tax_rate": rate, **by_rate[rate]} for rate in sorted(by_rate, reverse=True)]
            blocks.append(
                {
                    "kind": self.env._("All Kinds"),
                    "lines": rates,
                    "totals": self._totals(clearing.summary_line_ids),
                }
            )
        return blocks

    @api.model
    def _tieout(self, clearing):
        """The 账票表 tie-out as two tables, sales and tax: rows of the stored lines and a total,
        in the order of TIEOUT_COLUMNS (see invoice.clearing.tieout.line)."""
        lines = clearing.tieout_line_ids
        tables = []
        sales, tax = self.env._("Sales"), self.env._("Tax")
        for part, title in zip(("amount", "tax"), (sales, tax), strict=True):
            names = [f"{column}_{part}" for column in TIEOUT_COLUMNS]
            rows = [
                {"rate": f"{line.tax_rate:g}", "values": [self._fmt(line[n]) for n in names]}
                for line in lines
            ]
            total = [self._fmt(sum(lines.mapped(n))) for n in names]
            tables.append({"title": title, "rows": rows, "total": total})
        return tables

    @api.model
    def _fapiao_list(self, clearing, limit):
        """Rows of preformatted strings (fast to render) and the full count of the scope."""
        Fapiao = self.env["invoice.clearing.fapiao"]
        domain = clearing._scope_domain()
        count = Fapiao.search_count(domain)
        kinds = dict(Fapiao._fields["fapiao_type"]._description_selection(self.env))
        states = dict(Fapiao._fields["state"]._description_selection(self.env))
        fapiao = Fapiao.search_fetch(
            domain,
            ["fapiao_type", "code", "number", "issue_date", "partner_id", "buyer_vat",
             "amount_untaxed", "tax_rate", "multi_rate", "amount_tax", "amount_total", "state"],
            order="issue_date, fapiao_type, code, number",
            limit=limit,
        )  # fmt: skip
        rows = [
            {
                "kind": kinds.get(f.fapiao_type, ""),
                "code": f.code or "",
                "number": f.number,
                "date": fields.Date.to_string(f.issue_date),
                "buyer": f.partner_id.name or "",
                "buyer_vat": f.buyer_vat or "",
                "amount": self._fmt(f.amount_untaxed),
                "rate": f.rates_label,
                "tax": self._fmt(f.amount_tax),
                "total": self._fmt(f.amount_total),
                "state": states.get(f.state, ""),
            }
            for f in fapiao
        ]
        note = self.env._(
            "%(count)s fapiao: the first %(limit)s are listed here; the complete list is in the "
            "XLSX export of this clearing.",
            count=count,
            limit=len(rows),
        )
        return {"rows": rows, "count": count, "truncated": count > len(rows), "note": note}
