"""The preconditions of a clearing (清卡前检查): every problem of its scope, blocking or warning,
and the summary of the scope (GROUP BY in PostgreSQL) that the filing is compared with.

A mixin of `invoice.clearing`, which calls it from `action_check`, `action_submit`,
`action_approve` and its background job. It only reads; `_run_check` stores what it found.
"""

import json
from datetime import date

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import clearing_summary, fapiao_number, tieout
from ..tools.periods import month_start
from .fresh_snapshot import fresh_cursor
from .guard_bypass import with_bypass
from .invoice_clearing_fapiao import AMOUNT_BROKEN
from .invoice_clearing_fapiao_line import LINE_TABLE, rate_columns, rate_join_condition


class InvoiceClearingCheck(models.AbstractModel):
    """The precondition checks of a clearing, run over its scope.

    The inheriting model provides:

    - the scope: `_scope_domain()` (a Domain on invoice.clearing.fapiao), `_scope_query()` (the
      same as a Query) and `_number_entry_domain(entry)`;
    - the fields `company_id`, `scope` (period, date or number), `date_from`, `date_to`,
      `number_list`, `filing_date`, `filing_line_ids`, `name`, and where the results go:
      `summary_line_ids` (invoice.clearing.summary.line), `tieout_line_ids`
      (invoice.clearing.tieout.line), `problem_ids` (invoice.clearing.problem), `checked_at`.
    """

    _name = "invoice.clearing.check"
    _description = "Clearing Precondition Checks"

    def _run_check(self):
        """Check the scope; replace the stored summary, tie-out and problems, and record when."""
        rows = self._summary_rows()
        tieout_lines, unexplained = self.env["invoice.clearing.tieout.line"]._tieout(self)
        problems = self._collect_problems(rows) + self._tieout_problems(tieout_lines, unexplained)
        # sudo: summary, tie-out, problems and checked_at are read-only to users, written by the
        # check only
        clearing = with_bypass(self).sudo()
        clearing._store_summary(rows)
        clearing._store_tieout(tieout_lines)
        clearing.problem_ids.unlink()
        clearing.problem_ids = [fields.Command.create(p) for p in problems]
        clearing.checked_at = fields.Datetime.now()
        clearing.check_signature = self.env["invoice.clearing.period"]._check_signature(self)

    def _summary_rows(self):
        """One dict per (fapiao_type, tax_rate), aggregated by PostgreSQL over the scope.

        The database groups by four plain keys in one pass over the scope; the few groups are
        folded into summary lines by clearing_summary.fold_groups. A fapiao with several rates
        adds its amounts to each of its rates and counts once, at its main rate.
        """
        self.ensure_one()
        self.env["invoice.clearing.fapiao"].flush_model()  # SQL below reads pending ORM writes too
        self.env["invoice.clearing.fapiao.line"].flush_model()
        query = self._scope_query()
        fapiao, line = query.table, "rate_line"
        query.add_join("LEFT JOIN", line, LINE_TABLE, rate_join_condition(fapiao, line))
        rated = rate_columns(fapiao, line)
        keys = SQL(
            "%s, %s, coalesce(%s, false), %s IS NOT NULL",
            SQL.identifier(fapiao, "fapiao_type"),
            rated["tax_rate"],
            SQL.identifier(fapiao, "is_red"),
            SQL.identifier(fapiao, "void_date"),
        )
        query.groupby = keys
        self.env.cr.execute(
            query.select(
                keys,
                SQL(
                    "count(*) FILTER (WHERE %s), sum(%s), sum(%s)",
                    rated["counted"],
                    rated["amount_untaxed"],
                    rated["amount_tax"],
                ),
            )
        )
        return clearing_summary.fold_groups(self.env.cr.fetchall())

    def _store_summary(self, rows):
        self.summary_line_ids.unlink()
        self.env["invoice.clearing.summary.line"].create(
            [{"clearing_id": self.id, **row} for row in rows]
        )

    def _store_tieout(self, lines):
        self.tieout_line_ids.unlink()
        self.env["invoice.clearing.tieout.line"].create(
            [{"clearing_id": self.id, **line} for line in lines]
        )

    def _tieout_problems(self, lines, unexplained):
        """A warning per rate where ledger and fapiao differ beyond the explained buckets
        (账票表核对): legal differences are listed, an unexplained one is named, never blocks."""
        return [
            self._problem(
                "warning",
                self.env._(
                    "Rate %(rate)s%%: the ledger (账) and the fapiao (票) differ by %(amount)s / "
                    "tax %(tax)s that neither unbilled revenue, fapiao without invoice, month "
                    "differences nor rounding explain. Compare the invoices and their fapiao "
                    "(Tie-out tab).",
                    rate=f"{line['tax_rate']:g}",
                    amount=line["unexplained_amount"],
                    tax=line["unexplained_tax"],
                ),
                "account.move" if unexplained.get(line["tax_rate"]) else False,
                Domain("id", "in", unexplained[line["tax_rate"]])
                if unexplained.get(line["tax_rate"])
                else None,
            )
            for line in lines
            if tieout.unexplained(line)
        ]

    def _collect_problems(self, rows):
        """All problems of the scope: dicts for invoice.clearing.problem (blocking or warning)."""
        problems = []
        # sudo, here and below: the check sees the whole scope the approval freezes (in SQL),
        # whatever the user's record rules let him read.
        Fapiao = self.env["invoice.clearing.fapiao"].sudo()
        scope = self._scope_domain()
        count = sum(
            r[m]
            for r in rows
            for m in ("blue_count", "red_count", "void_blue_count", "void_red_count")
        )
        if not count:
            problems.append(
                self._problem("blocking", self.env._("There is no open fapiao in this scope."))
            )
        if self.scope == "number":
            problems += self._unknown_number_problems()

        not_uploaded = Fapiao.search_count(
            scope & Domain("uploaded", "=", False) & Domain("void_date", "=", False)
        )
        if not_uploaded:
            sample = Fapiao.search(
                scope & Domain("uploaded", "=", False) & Domain("void_date", "=", False),
                limit=10,
                order="id",
            )
            problems.append(
                self._problem(
                    "blocking",
                    self.env._(
                        "%(count)s fapiao are not known to the tax bureau (not uploaded), e.g. "
                        "%(numbers)s. Upload them (or import the bureau's export to reconcile) "
                        "before clearing.",
                        count=not_uploaded,
                        numbers=", ".join(sample.mapped("display_name")),
                    ),
                    "invoice.clearing.fapiao",
                    scope & Domain("uploaded", "=", False) & Domain("void_date", "=", False),
                )
            )
        problems += self._amount_problems()
        problems += self._reconciliation_problems()
        problems += self._red_confirmation_problems()
        problems += self._invoice_problems()
        problems += self._earlier_period_problems()
        if self.scope == "period":
            problems += self._filing_problems(rows)
        problems += self._deadline_problems()
        problems += self.env["invoice.clearing.quota"]._clearing_problems(self)
        return problems

    def _problem(self, severity, message, res_model=False, domain=None):
        return {
            "severity": severity,
            "message": message,
            "res_model": res_model,
            "domain": json.dumps(list(domain), default=str) if domain is not None else False,
        }

    def _unknown_number_problems(self):
        problems = []
        Fapiao = self.env["invoice.clearing.fapiao"].sudo()  # the whole scope, see above
        company = Domain("company_id", "=", self.company_id.id)
        for code, first, last in fapiao_number.parse_number_list(self.number_list):
            entry_domain = company & self._number_entry_domain((code, first, last))
            found = Fapiao.search_fetch(entry_domain, ["number", "clearing_id"])
            numbers = set(found.mapped("number"))
            expected = {str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)}
            missing = sorted(expected - numbers)
            label = f"{code}:{first}" if code else first
            if first != last:
                label += f"-{last}"
            if missing:
                problems.append(
                    self._problem(
                        "blocking",
                        self.env._(
                            "%(entry)s: %(count)s fapiao numbers are not in the register, e.g. "
                            "%(numbers)s. Register them or correct the list.",
                            entry=label,
                            count=len(missing),
                            numbers=", ".join(missing[:10]),
                        ),
                    )
                )
            cleared = found.filtered("clearing_id")
            if cleared:
                problems.append(
                    self._problem(
                        "blocking",
                        self.env._(
                            "%(entry)s: %(count)s fapiao are already cleared (e.g. %(number)s by "
                            "%(clearing)s). Remove them from the list.",
                            entry=label,
                            count=len(cleared),
                            number=cleared[0].display_name,
                            clearing=cleared[0].clearing_id.name,
                        ),
                        "invoice.clearing.fapiao",
                        Domain("id", "in", cleared.ids),
                    )
                )
        return problems

    def _amount_problems(self):
        Fapiao = self.env["invoice.clearing.fapiao"].sudo()  # the whole scope, see above
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE %s AND id IN %s ORDER BY id",
                SQL.identifier(Fapiao._table),
                SQL(AMOUNT_BROKEN),
                self._scope_query().subselect(),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        if not ids:
            return []
        sample = Fapiao.browse(ids[:10])
        return [
            self._problem(
                "blocking",
                self.env._(
                    "%(count)s fapiao fail the amount checks (金额 + 税额 = 价税合计, 税额 = "
                    "金额 × 税率), e.g. %(numbers)s. Correct them as printed on the fapiao.",
                    count=len(ids),
                    numbers=", ".join(sample.mapped("display_name")),
                ),
                "invoice.clearing.fapiao",
                Domain("id", "in", ids),
            )
        ]

    def _reconciliation_problems(self):
        """Differences with the bureau's latest export that nobody resolved yet, as warnings.

        Only what the bureau lacks blocks (the "not uploaded" check): which of the register or
        the bureau is right about an amount, a status, a buyer or a fapiao issued outside Odoo
        is the user's decision, and the clearing must show that it is pending.
        """
        Line = self.env["invoice.clearing.import.line"].sudo()  # the company's, whatever he reads
        latest = (
            Domain("company_id", "=", self.company_id.id)
            & Domain("resolved", "=", False)
            & Domain("import_id.superseded_by_id", "=", False)
            & Domain("import_id.state", "=", "open")  # not the lines of an import still running
        )
        in_scope = latest & Domain("fapiao_id", "any", self._scope_domain())
        date_from, date_to = self._scope_dates()
        outside = Domain.FALSE
        if date_to:
            outside = (
                latest
                & Domain("outcome", "=", "bureau_only")
                & Domain("fapiao_id", "=", False)
                & Domain("issue_date", "<=", date_to)
            )
            if date_from:
                outside &= Domain("issue_date", ">=", date_from)

        def warning(domain, message):
            """[problem] naming the first lines found; `message` has %(count)s and %(numbers)s."""
            found = Line.search(domain, order="id") if not domain.is_false() else Line
            if not found:
                return []
            sample = ", ".join(":".join(filter(None, (x.code, x.number))) for x in found[:10])
            message %= {"count": len(found), "numbers": sample}
            model, records = "invoice.clearing.import.line", Domain("id", "in", found.ids)
            return [self._problem("warning", message, model, records)]

        mismatch = ("amount_mismatch", "status_mismatch")
        return (
            warning(
                in_scope & Domain("outcome", "in", mismatch),
                self.env._(
                    "%(count)s fapiao differ from the tax bureau's export in amount or status, "
                    "e.g. %(numbers)s. Resolve them in the reconciliation: apply the bureau's "
                    "values, issue a red-letter fapiao, or mark them resolved if Odoo is right."
                ),
            )
            + warning(
                in_scope & Domain("outcome", "=", "data_mismatch"),
                self.env._(
                    "%(count)s fapiao have another buyer or date at the tax bureau, e.g. "
                    "%(numbers)s. Check them in the reconciliation."
                ),
            )
            + warning(
                outside,
                self.env._(
                    "%(count)s fapiao of the tax bureau's export are not in the register "
                    "(issued outside Odoo), e.g. %(numbers)s; this clearing does not include "
                    "them. Register them from the reconciliation."
                ),
            )
        )

    def _red_confirmation_problems(self):
        """Pending red-letter confirmation forms (红字确认单) of fapiao in the scope, as a warning:
        their red fapiao may still come into this period, or the form lapses after 72 hours."""
        Form = self.env["invoice.clearing.red.confirmation"].sudo()  # the whole scope, see above
        domain = Domain("state", "=", "pending") & Domain(
            "blue_fapiao_id", "any", self._scope_domain()
        )
        pending = Form.search(domain, order="expiry_at, id")
        if not pending:
            return []
        return [
            self._problem(
                "warning",
                self.env._(
                    "%(count)s red-letter confirmation forms (红字确认单) of fapiao in this scope "
                    "are still pending, e.g. %(forms)s. Record their confirmation and register "
                    "the red fapiao, or withdraw them, before the period is closed.",
                    count=len(pending),
                    forms=", ".join(
                        f"{f.name} ({f.blue_fapiao_id.display_name})" for f in pending[:10]
                    ),
                ),
                "invoice.clearing.red.confirmation",
                Domain("id", "in", pending.ids),
            )
        ]

    def _scope_dates(self):
        """(first, last) issue date the scope covers, for the checks on invoices."""
        if self.scope == "period":
            return self._first_period(), self.date_to
        if self.scope == "date":
            return self.date_from, self.date_to
        return None, None

    def _first_period(self):
        """Where a whole-period scope starts: the first managed month, or the scope's own month
        for a month before it (cleared for the record after adopting the addon)."""
        return min(self.company_id._clearing_first_period(), month_start(self.date_to))

    def _invoice_problems(self):
        date_from, date_to = self._scope_dates()
        if not date_to:
            return []
        base = (
            Domain("company_id", "=", self.company_id.id)
            & Domain("move_type", "in", ("out_invoice", "out_refund"))
            & Domain("invoice_date", "<=", date_to)
        )
        if date_from:
            base &= Domain("invoice_date", ">=", date_from)
        drafts = base & Domain("state", "=", "draft")
        unbilled = base & Domain("state", "=", "posted") & Domain("fapiao_ids", "=", False)
        return self._invoices_problem(
            "blocking",
            drafts,
            lambda count, names: self.env._(
                "%(count)s customer invoices or credit notes dated in this scope are still "
                "drafts (e.g. %(names)s). Post or delete them before clearing.",
                count=count,
                names=names,
            ),
        ) + self._invoices_problem(
            "warning",
            unbilled,
            lambda count, names: self.env._(
                "%(count)s posted customer invoices in this scope have no fapiao (e.g. "
                "%(names)s). That is legal for unbilled revenue (未开票收入); register their "
                "fapiao if they were issued.",
                count=count,
                names=names,
            ),
        )

    def _invoices_problem(self, severity, domain, message):
        """[] or the problem of the customer invoices of `domain`: `message(count, names)` says
        what, naming five of them; the problem links to them all."""
        Move = self.env["account.move"].sudo()  # a clearing user need not read invoices
        count = Move.search_count(domain)
        if not count:
            return []
        names = ", ".join(Move.search(domain, limit=5, order="id").mapped("display_name"))
        return [self._problem(severity, message(count, names), "account.move", domain)]

    def _earlier_period_problems(self):
        start = (self.date_from or self.date_to) if self.scope != "number" else None
        if not start:
            return []
        periods = self.company_id._clearing_uncleared_periods(month_start(start))
        if not periods:
            return []
        return [
            self._problem(
                "blocking",
                self.env._(
                    "The earlier period %(periods)s is not cleared yet. Clear periods in order: "
                    "clear %(first)s first.",
                    periods=", ".join(p.strftime("%Y-%m") for p in periods),
                    first=periods[0].strftime("%Y-%m"),
                ),
                "invoice.clearing",
                Domain("company_id", "=", self.company_id.id),
            )
        ]

    def _filing_problems(self, rows):
        if not self.filing_date or not self.filing_line_ids:
            return [
                self._problem(
                    "blocking",
                    self.env._(
                        "The VAT filing (申报登记) is not recorded. Enter the filing date and the "
                        "declared sales and tax per rate in the Filing tab."
                    ),
                )
            ]
        filed = {
            line.tax_rate: (line.amount_untaxed, line.amount_tax) for line in self.filing_line_ids
        }
        differences = clearing_summary.filing_differences(clearing_summary.net_by_rate(rows), filed)
        return [
            self._problem(
                "blocking",
                self.env._(
                    "Rate %(rate)s%%: the fapiao total %(amount)s / tax %(tax)s differs from the "
                    "filed %(filed_amount)s / tax %(filed_tax)s. Correct the filing record or the "
                    "fapiao (票表比对).",
                    rate=f"{rate:g}",
                    amount=amount,
                    tax=tax,
                    filed_amount=filed_amount,
                    filed_tax=filed_tax,
                ),
            )
            for rate, amount, filed_amount, tax, filed_tax in differences
        ]

    def _deadline_problems(self):
        if not self.date_to or self.scope == "number":
            return []
        Deadline = self.env["invoice.clearing.deadline"]
        period_start = month_start(self.date_to)
        # sudo: the national calendar and the company's own deadlines, whatever the user reads
        deadline, warning = Deadline.sudo()._deadline_for_period(self.company_id, period_start)
        problems = [self._problem("warning", warning)] if warning else []
        first_managed = self.company_id._clearing_first_period()
        if period_start < first_managed:
            problems.append(
                self._problem(
                    "warning",
                    self.env._(
                        "Period %(period)s is before the first managed period %(first)s: it is "
                        "cleared for the record only, and never locks invoicing.",
                        period=period_start.strftime("%Y-%m"),
                        first=first_managed.strftime("%Y-%m"),
                    ),
                )
            )
        elif deadline and fields.Date.context_today(self) > deadline:
            problems.append(
                self._problem(
                    "warning",
                    self.env._(
                        "The filing deadline %(deadline)s of period %(period)s has passed: "
                        "invoicing may be locked (锁盘) until this period is cleared.",
                        deadline=deadline,
                        period=period_start.strftime("%Y-%m"),
                    ),
                )
            )
        return problems

    def _blocking_message(self):
        messages = self.problem_ids.filtered(lambda p: p.severity == "blocking").mapped("message")
        return self.env._(
            "Clearing %(name)s cannot proceed:\n%(problems)s",
            name=self.name,
            problems="\n".join(f"• {m}" for m in messages),
        )

    def _check_fapiao_unchanged(self):
        """Refuse if another session committed fapiao of the open scope this transaction cannot
        see (registered, or re-dated into it, after this snapshot was taken): they would stay
        open inside the cleared period. Registrations wait for no lock while this one is held
        (see invoice.clearing.closed.period), so a fresh snapshot read now is complete.
        """
        fapiao = self.env["invoice.clearing.fapiao"]
        scope = SQL("FROM %s WHERE id IN %s",
                    SQL.identifier(fapiao._table), self._scope_query().subselect())  # fmt: skip
        late = self._committed_unseen(fapiao, scope)
        if late:
            raise UserError(
                self.env._(
                    "%(count)s fapiao of this scope were registered or changed while clearing. "
                    "Check again and retry.",
                    count=late,
                )
            )

    def _check_invoices_unchanged(self):
        """Refuse if another session committed invoices of the scope this transaction cannot see.

        `_run_check` reads this transaction's snapshot, taken before the company lock; an
        invoice posted meanwhile by another worker would stay open inside the cleared period.
        Postings wait for no lock while this one is held (see account.move), so a fresh
        snapshot read now is complete.
        """
        date_from, date_to = self._scope_dates()
        if not date_to:
            return
        scope = SQL(
            """FROM %s
                WHERE company_id = %s AND move_type IN ('out_invoice', 'out_refund')
                  AND state != 'cancel' AND invoice_date <= %s AND invoice_date >= %s""",
            SQL.identifier(self.env["account.move"]._table),
            self.company_id.id,
            date_to,
            date_from or date(1900, 1, 1),
        )
        late = self._committed_unseen(self.env["account.move"], scope)
        if late:
            raise UserError(
                self.env._(
                    "%(count)s customer invoices of this scope were posted or changed while "
                    "clearing. Check again and retry.",
                    count=late,
                )
            )

    def _committed_unseen(self, model, scope):
        """How many rows of `scope` (an SQL "FROM ... WHERE ...") of `model` other sessions
        committed that this transaction's snapshot, taken before the company lock, cannot see.
        One row is read either way, whatever the scope's size; ids only when they differ."""
        summary = SQL("SELECT count(*), md5(string_agg(id::text, ',' ORDER BY id)) %s", scope)
        model.flush_model()
        [own] = self.env.execute_query(summary)
        with fresh_cursor(self.env, model._table) as fresh:
            if fresh is None:
                return 0
            fresh.execute(summary)
            if fresh.fetchone() == own:
                return 0
            fresh.execute(SQL("SELECT id %s", scope))
            seen = {row[0] for row in fresh.fetchall()}
        return len(seen - {row[0] for row in self.env.execute_query(SQL("SELECT id %s", scope))})
