"""An import of the bureau's 全量发票查询 export and its reconciliation (对账) with the register."""

import base64
import calendar
import hashlib
import logging
import re
from collections import defaultdict

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import bureau_export, fapiao_number, reconcile
from ..tools.rule_error import FapiaoRuleError
from . import advisory_locks

_logger = logging.getLogger(__name__)

MAX_LISTED_ERRORS = 30
MAX_BYTES_PARAM = "invoice_clearing.import_max_bytes"
REGISTER_CHUNK = 10_000  # register rows fetched at a time
# A month of 100,000 fapiao is ~20 MB as UTF-8 CSV (~18 MB GB18030, ~8 MB xlsx); real names and
# notes are longer than the bench's, so the default leaves room for 200,000 such rows.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Files larger than this are imported by a background job (后台导入), so that no web request
# runs near Odoo's worker limits (60 s CPU): ~30,000 rows of xlsx or ~10,000 of CSV stay immediate.
BACKGROUND_BYTES_PARAM = "invoice_clearing.import_background_bytes"
DEFAULT_BACKGROUND_BYTES = 2 * 1024 * 1024
JOB_CRON = "invoice_clearing.ir_cron_import_jobs"
JOB_LINE_CHUNK = 20_000  # lines stored per committed batch of a background import
JOB_MAX_ATTEMPTS = 3  # runs interrupted (worker killed, server restarted) before the job fails
RUNNING_JOB_STATES = ("queued", "running")
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
    """One imported export and its reconciliation with the register.

    The import reads the register in one query, lets the pure engine `tools/reconcile.py` decide
    every outcome, then writes set-based: one INSERT of the lines, one UPDATE of the fapiao's
    uploaded flags. Audit trail of the upload state (decision): the flags are not written through
    the tracked ORM, which would post one chatter message per fapiao (100,000 a month). Instead
    the import posts one message naming the user and how many fapiao it marked uploaded and not
    uploaded, its lines are the detail per fapiao, and each fapiao it changed stores the import in
    `uploaded_import_id` ("Upload State Set By", on the fapiao form): the fapiao's history of its
    upload state is that field plus the import's message and line. A user's own change of the
    flag on the fapiao form is tracked as before and clears the field. Frozen (cleared) fapiao
    are never changed, so no clearing is affected and none gets a message.
    """

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
        [
            ("processing", "Importing"),
            ("failed", "Failed"),
            ("open", "To Resolve"),
            ("done", "Reconciled"),
            ("superseded", "Superseded"),
        ],
        compute="_compute_state",
        store=True,
        tracking=True,
    )
    # Background import (后台导入) of a large file: its progress, committed batch by batch.
    job_state = fields.Selection(
        [("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        "Background Import",
        readonly=True,
        copy=False,
        help="Empty for a file imported at once; set for a large file imported in the background.",
    )
    job_step = fields.Char("Step", readonly=True, copy=False)
    job_progress = fields.Float("Progress (%)", readonly=True, copy=False)
    job_attempts = fields.Integer(
        "Runs", readonly=True, copy=False, help="Runs of the background import started so far"
    )
    failure_reason = fields.Text(readonly=True, copy=False)
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

    @api.depends("superseded_by_id", "line_ids.resolved", "job_state")
    def _compute_state(self):
        # One grouped query, not the lines read into the cache (an import has 100,000 of them).
        stored = [batch.id for batch in self if isinstance(batch.id, int)]
        unresolved = set()
        if stored:
            unresolved = {
                batch.id
                for [batch] in self.env["invoice.clearing.import.line"]._read_group(
                    [("import_id", "in", stored), ("resolved", "=", False)], ["import_id"]
                )
            }
        for batch in self:
            if batch.job_state in RUNNING_JOB_STATES:
                batch.state = "processing"  # its lines are not all stored yet
            elif batch.job_state == "failed":
                batch.state = "failed"
            elif batch.superseded_by_id:
                batch.state = "superseded"
            elif isinstance(batch.id, int):
                batch.state = "open" if batch.id in unresolved else "done"
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
        self._check_size(len(data or b""))
        # One import per company at a time: a second session waits, then finds this one's file.
        advisory_locks.import_lock(self.env.cr, company.id)
        sha = hashlib.sha256(data or b"").hexdigest()
        existing = self.search(
            [("company_id", "=", company.id), ("file_sha256", "=", sha)], limit=1
        )
        if existing.job_state == "failed":
            existing._job_queue()  # the same file again: its failed import runs once more
        if existing:
            return existing
        self._check_no_job(company)
        if len(data or b"") > self._background_bytes():
            return self._job_create(company, date_from, date_to, data, file_name, sha)
        try:
            parsed = bureau_export.parse_export(data, file_name, self._max_bytes())
        except FapiaoRuleError as error:
            self._raise_errors([error])
        if parsed.errors:
            self._raise_errors(parsed.errors)
        company_vat = normalize_vat(company.vat)
        if not company_vat:
            self._raise_no_vat(company)
        rows, row_count = parsed.rows, len(parsed.rows)
        del parsed  # the lines keep what they need of the rows
        result = self._reconcile(company, company_vat, date_from, date_to, rows)
        del rows
        try:
            batch = self._store(company, date_from, date_to, data, file_name, sha, row_count,
                                result)  # fmt: skip
        except psycopg2.errors.UniqueViolation:
            # Another session imported this file after this one's snapshot was taken.
            raise UserError(
                self.env._(
                    "This file has already been imported for this company, by another user "
                    "just now. Open it from Bureau Reconciliation."
                )
            ) from None
        return batch

    @api.model
    def _raise_no_vat(self, company):
        raise UserError(
            self.env._(
                "Company %(company)s has no tax ID (纳税人识别号): set it on the company "
                "before importing, so that its own fapiao can be told from other sellers'.",
                company=company.name,
            )
        )

    @api.model
    def _max_bytes(self):
        """The largest file imported, in bytes (system parameter invoice_clearing.import_max_bytes)."""
        return self._bytes_param(MAX_BYTES_PARAM, DEFAULT_MAX_BYTES)

    @api.model
    def _background_bytes(self):
        """Files above this size (system parameter import_background_bytes) import in the background."""
        return self._bytes_param(BACKGROUND_BYTES_PARAM, DEFAULT_BACKGROUND_BYTES)

    @api.model
    def _bytes_param(self, key, default):
        param = self.env["ir.config_parameter"].sudo().get_param(key)  # sudo: settings, read-only
        try:
            return int(param) if param else default
        except ValueError:
            return default

    @api.model
    def _check_size(self, size):
        limit = self._max_bytes()
        if size > limit:
            raise UserError(
                self.env._(
                    "The file is %(size)s MB; at most %(max)s MB can be imported. Export one "
                    "month of 全量发票查询 at a time, or split the export.",
                    size=_megabytes(size),
                    max=_megabytes(limit),
                )
            )

    def _store(self, company, date_from, date_to, data, file_name, sha, row_count, result):
        """Create the import, then write its lines and the uploaded flags set-based."""
        with self.env.cr.savepoint():
            batch = self._create_batch(
                company, date_from, date_to, data, file_name, sha, row_count=row_count
            )
            batch._insert_lines(result.lines)
            batch._finish(result)
        return batch

    def _create_batch(self, company, date_from, date_to, data, file_name, sha, **vals):
        batch = self.create(
            {
                "company_id": company.id,
                "date_from": date_from,
                "date_to": date_to,
                "file": base64.b64encode(data),
                "file_name": file_name,
                "file_sha256": sha,
                **vals,
            }
        )
        batch.invalidate_recordset(["file"])  # not its base64 in the cache meanwhile
        return batch

    def _finish(self, result):
        """The outcome, in one transaction: uploaded flags, older imports superseded, messages."""
        self.ensure_one()
        self._write_uploaded(result.to_mark, result.to_unmark)
        older = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("date_from", "=", self.date_from),
                ("date_to", "=", self.date_to),
                ("superseded_by_id", "=", False),
                ("id", "!=", self.id),
                ("state", "not in", ("processing", "failed")),
            ]
        )
        for old in older:
            old.superseded_by_id = self
            old.message_post(
                body=self.env._("Superseded by the newer import %(name)s.", name=self.name)
            )
        if result.to_mark or result.to_unmark:
            self.message_post(
                body=self.env._(
                    "%(user)s marked %(marked)s fapiao uploaded (listed in the bureau's "
                    "export) and %(unmarked)s not uploaded (missing from it). The lines of "
                    "this import are the detail; each fapiao changed shows this import in "
                    "its field Upload State Set By.",
                    user=self.env.user.name,
                    marked=len(result.to_mark),
                    unmarked=len(result.to_unmark),
                )
            )
        self.message_post(body=self._summary_message())

    def _insert_lines(self, lines):
        """One INSERT of all `lines` (reconcile.Line), unnest of one array per column.

        Every stored column of the line model is written: missing values are NULL (False for a
        boolean), create/write uid and date are the ORM's. Then the candidate invoices in one
        INSERT, and the ORM cache of lines and of this import's computed fields is invalidated.
        """
        self.ensure_one()
        Line = self.env["invoice.clearing.import.line"]
        Line.check_access("create")
        if not lines:
            return
        constant = {
            "import_id": self.id,
            "company_id": self.company_id.id,
            "create_uid": self.env.uid,
            "write_uid": self.env.uid,
            "create_date": self.env.cr.now(),
            "write_date": self.env.cr.now(),
        }
        columns = [
            f for name, f in Line._fields.items()
            if f.store and f.column_type and name != "id" and name not in constant
        ]  # fmt: skip
        # A column with one value on every line (outcome, sheet, seller... of a clean month) is
        # one scalar; each other column one array literal ('{...}', parsed by array_in): a
        # fraction of the memory and time of 100,000 × 25 bound values.
        scalars, arrays = {}, {}
        for f in columns:
            values = [getattr(line, f.name, None) for line in lines]
            if values.count(values[0]) == len(values):
                value = values[0]
                value = bool(value) if f.type == "boolean" else (None if value is False else value)
                scalars[f.name] = SQL("%s::%s", value, SQL(f.column_type[1]))
            else:
                literal = _array_literal(values, f.type)
                arrays[f.name] = SQL("%s::%s[]", literal, SQL(f.column_type[1]))
            del values
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s) SELECT %s FROM %s",
                SQL.identifier(Line._table),
                SQL(", ").join(SQL.identifier(name) for name in [*constant, *scalars, *arrays]),
                SQL(", ").join(
                    [
                        *(SQL("%s", value) for value in constant.values()),
                        *scalars.values(),
                        *(SQL.identifier("u", name) for name in arrays),
                    ]
                ),
                SQL(
                    "unnest(%s) AS u(%s)",
                    SQL(", ").join(arrays.values()),
                    SQL(", ").join(SQL.identifier(name) for name in arrays),
                )
                if arrays
                else SQL("generate_series(1, %s)", len(lines)),
            )
        )
        del scalars, arrays
        candidates = [
            (line.row_number, move_id) for line in lines for move_id in line.candidate_move_ids
        ]
        if candidates:
            m2m = Line._fields["candidate_move_ids"]
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
                    table=SQL.identifier(Line._table),
                    batch=self.id,
                )
            )
        Line.invalidate_model()
        self.invalidate_recordset()
        self.env.add_to_compute(self._fields["state"], self)

    def _write_uploaded(self, to_mark, to_unmark):
        """One UPDATE of the uploaded flags, naming this import as the one that set them."""
        self.ensure_one()
        if not to_mark and not to_unmark:
            return
        Fapiao = self.env["invoice.clearing.fapiao"]
        Fapiao.check_access("write")
        self.env.cr.execute(
            SQL(
                """UPDATE %(table)s f
                      SET uploaded = v.flag, uploaded_import_id = %(batch)s,
                          write_uid = %(uid)s, write_date = %(now)s
                     FROM unnest(%(ids)s::int4[], %(flags)s::bool[]) AS v(id, flag)
                    WHERE f.id = v.id AND f.clearing_id IS NULL""",
                table=SQL.identifier(Fapiao._table),
                batch=self.id,
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=[*to_mark, *to_unmark],
                flags=[True] * len(to_mark) + [False] * len(to_unmark),
            )
        )
        Fapiao.invalidate_model(["uploaded", "uploaded_import_id", "write_uid", "write_date"])

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

    # ------------------------------------------------------------ background job
    @api.model
    def _check_no_job(self, company):
        """One import per company at a time: refuse while a background import of it runs."""
        running = self.search(
            [("company_id", "=", company.id), ("job_state", "in", RUNNING_JOB_STATES)], limit=1
        )
        if running:
            raise UserError(
                self.env._(
                    "The import %(name)s of %(company)s is running in the background "
                    "(%(progress)s %%). Wait until it has finished, then import this file.",
                    name=running.name,
                    company=company.name,
                    progress=round(running.job_progress),
                )
            )

    @api.model
    def _job_create(self, company, date_from, date_to, data, file_name, sha):
        """Keep the file on a new import and let the cron import it (后台导入)."""
        if not normalize_vat(company.vat):
            self._raise_no_vat(company)
        batch = self._create_batch(company, date_from, date_to, data, file_name, sha)
        batch._job_queue()
        return batch

    def _job_queue(self):
        self.ensure_one()
        self.write(
            {
                "job_state": "queued",
                "job_step": self.env._("Waiting for the background import to start"),
                "job_progress": 0.0,
                "job_attempts": 0,
                "failure_reason": False,
            }
        )
        self.message_post(
            body=self.env._(
                "%(user)s imported %(file)s (%(size)s MB): it is large, so it is reconciled "
                "in the background. This page shows the progress; you are notified when it "
                "is done.",
                user=self.env.user.name,
                file=self.file_name or "",
                size=_megabytes(self._file_size()),
            )
        )
        _logger.info("Import %s (id %s) queued for the background", self.name, self.id)
        self.env.ref(JOB_CRON).sudo()._trigger()

    def _file_size(self):
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", self.id),
                    ("res_field", "=", "file"),
                ],
                limit=1,
            )
        )
        return attachment.file_size

    @api.model
    def _cron_run_jobs(self):
        """ir.cron: run every queued background import, oldest first, each as its importer."""
        for queued in self.sudo().search([("job_state", "in", RUNNING_JOB_STATES)], order="id"):
            importer = queued.create_uid
            batch = queued.with_user(importer).with_context(
                allowed_company_ids=queued.company_id.ids, lang=importer.lang
            )
            batch._job_run()

    def _job_run(self):
        """Import this file: parse and reconcile, lines stored in committed batches with the
        progress, then the outcome (uploaded flags, superseded imports, messages) in one last
        transaction. All or nothing for the outcome: a run interrupted before it (worker killed,
        server restarted) leaves the register unchanged and the next run starts over, on the
        register as it is then; a refused file marks the import failed with the reason.
        """
        self.ensure_one()
        IrCron = self.env["ir.cron"]
        if self.job_state == "running":  # an earlier run was interrupted: start over
            self._job_delete_lines()
        if self.job_attempts >= JOB_MAX_ATTEMPTS:
            self._job_fail(
                self.env._(
                    "The background import was interrupted %(count)s times (the server stopped "
                    "or the file took longer than its time limit). Split the export into "
                    "smaller files, or ask your administrator to raise the limits.",
                    count=self.job_attempts,
                )
            )
            IrCron._commit_progress(remaining=0)
            return
        self.sudo().write(
            {"job_state": "running", "job_attempts": self.job_attempts + 1, "failure_reason": False}
        )
        _logger.info("Import %s (id %s): background run %s", self.name, self.id, self.job_attempts)
        try:
            self._job_step(self.env._("Reading the file"), 5)
            IrCron._commit_progress(remaining=1)
            data = base64.b64decode(self.with_context(bin_size=False).file or b"")
            with self.env.cr.savepoint():
                result, row_count = self._job_reconcile(data)
            del data
            lines, total = result.lines, len(result.lines)
            for start in range(0, total, JOB_LINE_CHUNK):
                with self.env.cr.savepoint():
                    self._insert_lines(lines[start : start + JOB_LINE_CHUNK])
                done = min(start + JOB_LINE_CHUNK, total)
                self._job_step(
                    self.env._("Storing the lines: %(done)s of %(total)s", done=done, total=total),
                    40 + 55 * done / total,
                )
                # The cron's soft budget (10 s) is not a reason to stop here: a later run would
                # start over. The import's work is bounded by the size limit; only the worker's
                # hard limits (CPU 60 s, real 120 s by default) can interrupt it.
                IrCron._commit_progress(remaining=1)
            with self.env.cr.savepoint():
                # Under the company's import lock, as an immediate import.
                advisory_locks.import_lock(self.env.cr, self.company_id.id)
                self.sudo().write(
                    {"job_state": "done", "job_step": False, "job_progress": 100.0,
                     "row_count": row_count}
                )  # fmt: skip
                self._finish(result)
                self.message_post(
                    body=self.env._("The background import is done."),
                    partner_ids=self.create_uid.partner_id.ids,
                )
        except (UserError, AccessError) as error:  # its savepoint is rolled back
            self.env.invalidate_all()
            self._job_delete_lines()
            self._job_fail(str(error.args[0]) if error.args else str(error))
        IrCron._commit_progress(remaining=0)
        _logger.info("Import %s (id %s): background import %s", self.name, self.id,
                     self.job_state)  # fmt: skip

    def _job_reconcile(self, data):
        """(Reconciliation, rows read) of the file, as import_file computes them."""
        company = self.company_id
        try:
            parsed = bureau_export.parse_export(data, self.file_name or "", self._max_bytes())
        except FapiaoRuleError as error:
            self._raise_errors([error])
        if parsed.errors:
            self._raise_errors(parsed.errors)
        rows, row_count = parsed.rows, len(parsed.rows)
        del parsed
        self._job_step(
            self.env._("Reconciling %(rows)s rows with the register", rows=row_count), 25
        )
        company_vat = normalize_vat(company.vat)
        if not company_vat:
            self._raise_no_vat(company)
        result = self._reconcile(company, company_vat, self.date_from, self.date_to, rows)
        self._job_step(self.env._("Storing the lines"), 40)
        return result, row_count

    def _job_step(self, step, progress):
        self.sudo().write({"job_step": step, "job_progress": progress})

    def _job_delete_lines(self):
        """Remove the lines an interrupted or refused run stored (their candidates cascade)."""
        Line = self.env["invoice.clearing.import.line"]
        Line.flush_model()
        self.env.cr.execute(
            SQL("DELETE FROM %s WHERE import_id = %s", SQL.identifier(Line._table), self.id)
        )
        Line.invalidate_model()
        self.invalidate_recordset()

    def _job_fail(self, reason):
        self.sudo().write(
            {"job_state": "failed", "job_step": False, "job_progress": 0.0,
             "failure_reason": reason}
        )  # fmt: skip
        self.sudo().message_post(  # the importer may have lost access: that may be the reason
            body=self.env._(
                "The background import failed; nothing was imported or changed. %(reason)s "
                "Correct the file and import it again.",
                reason=reason,
            ),
            partner_ids=self.create_uid.partner_id.ids,
        )
        _logger.warning("Import %s (id %s) failed: %s", self.name, self.id, reason)

    def action_retry(self):
        """Run a failed background import again (e.g. after its company's tax ID was set)."""
        for batch in self.filtered(lambda b: b.job_state == "failed"):
            self._check_no_job(batch.company_id)
            batch._job_queue()
        return True

    # ---------------------------------------------------------------- reconcile
    def _reconcile(self, company, company_vat, date_from, date_to, rows):
        """The engine's Reconciliation of `rows`, its messages rendered, invoices proposed.

        Raises a UserError (nothing written) for rows outside the period and for 数电 numbers
        Excel rounded that no single register fapiao explains.
        """
        register = self._read_register(company, date_from, date_to, rows)
        result = reconcile.reconcile(rows, register, company_vat, date_from, date_to)
        if result.errors:
            self._raise_errors(
                [_Plain(self._render_message(code, params)) for code, params in result.errors]
            )
        del register
        if result.bureau_only:
            moves, partner_by_vat = self._read_invoices(company, date_from, date_to, result)
            reconcile.propose(result.bureau_only, moves, partner_by_vat)
        odoo_only = [line for line in result.lines if line.outcome == "odoo_only"]
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
        for line in result.lines:
            messages = line.message
            line.message = (
                "\n".join(
                    self._render_message(code, dict(params, **context)) for code, params in messages
                )
                if messages
                else None
            )
        return result

    def _read_register(self, company, date_from, date_to, rows):
        """RegisterFapiao of the company: the period's, and those the rows name by number (one query)."""
        Fapiao = self.env["invoice.clearing.fapiao"]
        Fapiao.flush_model()
        digital = sorted(fapiao_number.DIGITAL_KINDS)
        digital_numbers = [row.digital_number for row in rows if row.digital_number]
        legacy = [(row.code, row.number) for row in rows if not row.digital_number and row.number]
        columns = SQL(
            """f.id, f.code, f.number, f.fapiao_type, f.issue_date,
               (round(coalesce(f.amount_untaxed, 0), 2) * 100)::int8,
               (round(coalesce(f.amount_tax, 0), 2) * 100)::int8,
               (round(coalesce(f.amount_total, 0), 2) * 100)::int8, coalesce(f.tax_rate, 0), f.state, f.is_red IS TRUE,
               f.buyer_vat, f.uploaded IS TRUE, f.clearing_id, f.partner_id"""
        )
        # A server-side cursor read in chunks: neither libpq nor Python holds 100,000 raw rows.
        self.env.cr.execute(
            SQL(
                """DECLARE invoice_clearing_register NO SCROLL CURSOR FOR
                   SELECT %(columns)s, true FROM %(table)s f
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
                columns=columns,
                table=SQL.identifier(Fapiao._table),
                company=company.id,
                digital=tuple(digital),
                numbers=digital_numbers,
                codes=[code for code, _number in legacy],
                legacy=[number for _code, number in legacy],
                **{"from": date_from, "to": date_to},
            )
        )
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
            self.env.cr.execute("CLOSE invoice_clearing_register")

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
            reconcile.Move(id_, normalize_vat(vat), amount, refund, day, partner)
            for id_, vat, amount, refund, day, partner in rows
        ]
        partner_by_vat = {}
        partners = self.env["res.partner"]._search(
            [("vat", "in", vats), ("parent_id", "=", False)], order="id"
        )
        for partner_id, vat in self.env.execute_query(partners.select(SQL("id, vat"))):
            partner_by_vat.setdefault(normalize_vat(vat), partner_id)
        return moves, partner_by_vat

    def _render_message(self, code, params):
        """The text of an engine message (tools/reconcile.py) in the user's language."""
        p = params
        if code == "other_seller":
            return self.env._(
                "The seller of this fapiao is %(seller)s (%(vat)s), not %(company)s "
                "(%(company_vat)s): the row is not imported.",
                seller=p["seller"], vat=p["vat"], company=p["company"],
                company_vat=p["company_vat"],
            )  # fmt: skip
        if code == "outside_period":
            return self.env._(
                "Sheet %(sheet)s, row %(row)s: fapiao %(number)s was issued on %(date)s, "
                "outside the period %(from)s – %(to)s. Import the export of that period, "
                "or choose the period the file covers.",
                sheet=p["sheet"], row=p["row"], number=p["number"], date=p["date"],
                **{"from": p["from"], "to": p["to"]},
            )  # fmt: skip
        if code == "rounded_unknown":
            return self.env._(
                "Sheet %(sheet)s, row %(row)s: Excel stored the 数电发票号码 as the number "
                "%(rounded)s and lost its last digits; %(count)s fapiao of the register have "
                "that rounded number, total and date, so it cannot be identified. Format the "
                "column as text (文本), export again and import the new file.",
                sheet=p["sheet"], row=p["row"], rounded=p["rounded"], count=p["count"],
            )  # fmt: skip
        if code == "rounded":
            return self.env._(
                "Excel had rounded the 数电发票号码 to %(rounded)s; it is fapiao "
                "%(number)s of the register (same total and date).",
                rounded=p["rounded"],
                number=p["number"],
            )
        if code == "status":
            return self.env._(
                "Status at the bureau: %(bureau)s%(red)s; in Odoo: %(odoo)s%(odoo_red)s. "
                "Void the fapiao in Odoo or issue a red-letter credit note, or accept Odoo's "
                "status after checking with the bureau.",
                bureau=bureau_export.STATUS_LABELS[p["bureau"]],
                red=self.env._(" (red-letter)") if p["bureau_red"] else "",
                odoo=p["state_labels"].get(p["odoo"], p["odoo"]),
                odoo_red=self.env._(" (red-letter)") if p["odoo_red"] else "",
            )
        if code == "amounts":
            labels = {
                "amount_untaxed": self.env._("Amount (金额)"),
                "amount_tax": self.env._("Tax (税额)"),
                "amount_total": self.env._("Total (价税合计)"),
            }
            return "; ".join(
                self.env._("%(label)s: bureau %(bureau)s, Odoo %(odoo)s",
                  label=labels[field], bureau=bureau, odoo=odoo)
                for field, bureau, odoo in p["differences"]
            )  # fmt: skip
        if code == "data":
            return self.env._(
                "Buyer tax ID at the bureau %(bureau_vat)s, in Odoo %(odoo_vat)s; issue date "
                "at the bureau %(bureau_date)s, in Odoo %(odoo_date)s.",
                bureau_vat=p["bureau_vat"], odoo_vat=p["odoo_vat"],
                bureau_date=p["bureau_date"], odoo_date=p["odoo_date"],
            )  # fmt: skip
        if code == "odoo_only":
            return self.env._(
                "The bureau's export does not contain fapiao %(fapiao)s: it is not "
                "uploaded (or not issued). It blocks the clearing until it is uploaded "
                "and a newer export is imported.",
                fapiao=p["fapiao"],
            )
        if code == "proposal_one":
            return self.env._(
                "Not in the register. Create the fapiao and link it to the invoice proposed "
                "(same buyer, total and date)."
            )
        if code == "proposal_many":
            return self.env._(
                "Not in the register. %(count)s invoices have this buyer and total: choose "
                "the one to link, then create the fapiao.",
                count=p["count"],
            )
        if code == "proposal_none":
            return self.env._(
                "Not in the register, and no invoice of this buyer has this total. Create "
                "the fapiao without an invoice, or link it later."
            )
        raise ValueError(code)

    def _state_labels(self):
        Fapiao = self.env["invoice.clearing.fapiao"]
        return dict(Fapiao._fields["state"]._description_selection(self.env))

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


def _array_literal(values, kind):
    """PostgreSQL array literal of `values` of a field of type `kind`: {"text",1,NULL,t}."""
    if kind == "boolean":
        return "{" + ",".join("t" if value else "f" for value in values) + "}"
    if kind in ("integer", "many2one", "float", "monetary", "date"):
        return "{" + ",".join("NULL" if value is None or value is False else str(value)
                              for value in values) + "}"  # fmt: skip
    return "{" + ",".join(_quoted(value) for value in values) + "}"


def _quoted(value):
    if value is None or value is False:
        return "NULL"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _megabytes(size):
    """`size` bytes in MB with one decimal, without it when whole: 20, 20.2."""
    value = round(size / 1024 / 1024, 1)
    return int(value) if value == int(value) else value


def month_bounds(day):
    """First and last day of the month of `day`."""
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
