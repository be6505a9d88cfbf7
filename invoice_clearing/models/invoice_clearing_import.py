"""An import of the bureau's 全量发票查询 export and its reconciliation (对账) with the register."""

import base64
import hashlib
import itertools
import logging
import time
from collections import defaultdict

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..tools import bureau_export, reconcile, spreadsheet, tax_id
from ..tools.rule_error import FapiaoRuleError
from . import advisory_locks
from .invoice_clearing_job_owner import JobSpec

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

MAX_LISTED_ERRORS = 30
MAX_BYTES_PARAM = "invoice_clearing.import_max_bytes"
# A month of 100,000 fapiao is ~20 MB as UTF-8 CSV (~18 MB GB18030, ~8 MB xlsx); real names and
# notes are longer than the bench's, so the default leaves room for 200,000 such rows.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Files larger than this are imported by a background job (后台导入), so that no web request
# runs near Odoo's worker limits (60 s CPU): ~30,000 rows of xlsx or ~10,000 of CSV stay immediate.
BACKGROUND_BYTES_PARAM = "invoice_clearing.import_background_bytes"
DEFAULT_BACKGROUND_BYTES = 2 * 1024 * 1024
JOB_LINE_CHUNK = 20_000  # lines per COPY of a background import (bounded text buffers)
# Rows of the file a background import parses per committed slice: ~1 s of CPU on a quiet
# machine, so that a run on a loaded server stays far inside Odoo's limits (see the README).
JOB_PARSE_ROWS = 10_000
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


class InvoiceClearingImport(models.Model):
    """One imported export and its reconciliation with the register.

    The reconciliation service (`invoice.clearing.reconcile`) reads the register in one query and
    lets the pure engine `tools/reconcile.py` decide every outcome; the import then writes
    set-based: one COPY of the lines (`invoice.clearing.import.line._insert_rows`), one UPDATE
    of the fapiao's uploaded flags (`invoice.clearing.fapiao._set_uploaded_by_import`).
    Audit trail of the upload state (decision): the flags are not written through
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
    _inherit = ["invoice.clearing.job.owner", "mail.thread"]
    _order = "create_date desc, id desc"
    _check_company_auto = True
    # A large file is imported in the background (后台导入) as the user who imported it: their
    # access, company and language.
    _job_spec = JobSpec(
        "import", _lt("Bureau Import"), "invoice_clearing.ir_cron_import_jobs", as_starter=True,
        logger=_logger,
    )  # fmt: skip

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
    # Background import (后台导入) of a large file: its job, progress committed batch by batch.
    job_id = fields.Many2one(string="Background Import Job")
    job_state = fields.Selection(
        string="Background Import",
        help="Empty for a file imported at once; set for a large file imported in the background.",
    )
    job_attempts = fields.Integer(help="Runs of the background import started so far")
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

    @api.depends("superseded_by_id", "line_ids.resolved", "job_id.state")
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
        started = time.monotonic()
        _logger.info("Import of %s (%s bytes) for %s (id %s), %s to %s: started", file_name,
                     len(data or b""), company.name, company.id, date_from, date_to)  # fmt: skip
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
        result, row_count = self._parse_and_reconcile(company, date_from, date_to, data, file_name)
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
        _logger.info(
            "Import %s (id %s) for %s: %s rows reconciled in %.1f s: %s",
            batch.name, batch.id, company.name, row_count, time.monotonic() - started,
            ", ".join(f"{batch[f'count_{outcome}']} {outcome}" for outcome, _label in OUTCOMES),
        )  # fmt: skip
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
            self.env["invoice.clearing.import.line"]._insert_rows(batch, result.lines)
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
        self.env["invoice.clearing.fapiao"]._set_uploaded_by_import(
            self, result.to_mark, result.to_unmark
        )
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
        """Store `lines` (reconcile.Line) of this import; the background job stores them in chunks."""
        self.ensure_one()
        self.env["invoice.clearing.import.line"]._insert_rows(self, lines)

    def _raise_errors(self, errors):
        """Refuse the file, listing `errors` (FapiaoRuleError, or their text already rendered)."""
        rendered = [
            error if isinstance(error, str) else error.render(self.env._)
            for error in errors[:MAX_LISTED_ERRORS]
        ]
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
        if not tax_id.normalize_tax_id(company.vat):
            self._raise_no_vat(company)
        batch = self._create_batch(company, date_from, date_to, data, file_name, sha)
        batch._job_queue()
        return batch

    def _job_queue(self):
        self.ensure_one()
        self.env["invoice.clearing.job"]._start_for(
            self, step=self.env._("Waiting for the background import to start")
        )
        self.write({"failure_reason": False})
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

    def _file_size(self):
        attachment = (
            self.env["ir.attachment"]
            .sudo()  # a binary field's attachment is read through its record only
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

    def _job_run(self):
        """Hook of invoice.clearing.job, run as the importer, in two stages that each commit:

        1. the file read once and its cells staged (`invoice.clearing.import.chunk`), parsed and
           checked JOB_PARSE_ROWS rows at a time, then reconciled slice by slice and its lines
           stored, each step committed (see _job_reconcile); a file of one slice is read,
           reconciled and stored in one transaction;
        2. the outcome in one last transaction: uploaded flags (from the stored lines, on the
           register as it is then), superseded imports, messages.

        A run resumes at the stage after the last one committed, so an interrupted or
        time-sliced import never starts over; the register changes only in stage 2, and the
        import shows as importing until then (all or nothing for the user). A refused file
        fails the job with the reason.
        """
        self.ensure_one()
        job = self.job_id
        try:
            if job.stage != "reconciled":
                if not self._job_reconcile(job):
                    job._pause(self.env._("The cron's time slice was used up."), wake=True)
                    return False
                if not job._commit(job.done):
                    job._pause(self.env._("The cron's time slice was used up."), wake=True)
                    return False
            with self.env.cr.savepoint():
                # Under the company's import lock, as an immediate import.
                advisory_locks.import_lock(self.env.cr, self.company_id.id)
                job._done()
                self._finish(self._job_outcome())
                self.message_post(
                    body=self.env._("The background import is done."),
                    partner_ids=job.user_id.partner_id.ids,
                )
        except (UserError, AccessError) as error:  # its savepoint is rolled back
            self.env.invalidate_all()
            job._fail(str(error.args[0]) if error.args else str(error))
        return True

    def _job_reconcile(self, job):
        """Stage 1, in slices that each commit: read the file once and stage its cells; parse
        and check them JOB_PARSE_ROWS rows at a time; check sheet 信息汇总表 against every
        slice's fapiao; reconcile each slice and store its lines; last, the lines of the
        period's fapiao the file lacks. A file of one slice is read, reconciled and stored in
        one transaction.

        Returns False when the run's time was used up between two slices. The errors of every
        slice are listed together, as an immediate import lists them, before the next step:
        nothing of the file is applied before stage 2, and a refused file leaves no line.
        """
        Chunk = self.env["invoice.clearing.import.chunk"].sudo()  # sudo: the job's own staging
        chunks = Chunk.search([("import_id", "=", self.id)])
        if not chunks:
            self._job_delete_lines()  # none unless an earlier version left some
            chunks = self._job_read_file(job, Chunk)
            if chunks is True:  # the whole file in one slice: done
                return True
            if not job._commit(0, remaining=len(chunks)):
                return False
        slices = chunks.filtered(lambda c: c.kind == "rows")
        details = chunks - slices
        head = slices[:1]._head()
        for chunk in slices.filtered(lambda c: not c.parsed):
            done = slices.filtered("parsed")
            seen, errors = done._seen(), done._errors()
            listed = len(seen)
            parsed = bureau_export.parse_cells_slice(
                head, chunk._cells(), chunk.start, seen, len(errors)
            )
            chunk._done_parsing(
                parsed, list(seen.items())[listed:],
                [error.render(self.env._) for error in parsed.errors],
            )  # fmt: skip
            rows = sum(slices.filtered("parsed").mapped("row_count"))
            job._advance(
                len(parsed.rows),
                step=self.env._("%(rows)s rows of the file read and checked", rows=rows),
            )
            if not job._commit(len(parsed.rows), remaining=len(chunks)):
                return False
        if details and not details.parsed:
            checked = bureau_export.ParsedExport(sheet=head.sheet)
            lines = bureau_export.check_details_cells(
                checked, details._cells(), slices._seen(), len(slices._errors())
            )
            details._done_details(lines, [error.render(self.env._) for error in checked.errors])
            if not job._commit(0, remaining=len(chunks)):
                return False
        errors = slices._errors() + details._errors()
        try:
            bureau_export.check_export_rows(
                head.sheet, sum(slices.mapped("row_count")), len(errors)
            )
        except FapiaoRuleError as error:
            self._raise_errors([error])
        if errors:
            self._raise_errors(errors)
        return self._job_reconcile_slices(job, slices, details)

    def _job_reconcile_slices(self, job, slices, details):
        """Reconcile the parsed slices one by one (the register read for each slice's numbers)
        and store their lines, then the lines of the period's fapiao no slice named."""
        detail_lines = details._detail_lines() if details else []
        for chunk in slices.filtered(lambda c: not c.reconciled):
            rows = chunk._parsed().rows
            bureau_export.apply_detail_lines(rows, detail_lines)
            result = self._reconcile_rows(
                self.company_id, self.date_from, self.date_to, rows, part=True
            )
            if not result.errors:
                for start in range(0, len(result.lines), JOB_LINE_CHUNK):
                    self._insert_lines(result.lines[start : start + JOB_LINE_CHUNK])
            chunk._done_reconciling(result.errors)
            reconciled = sum(slices.filtered("reconciled").mapped("row_count"))
            job._advance(
                len(result.lines),
                step=self.env._(
                    "%(rows)s of %(total)s rows reconciled",
                    rows=reconciled, total=sum(slices.mapped("row_count")),
                ),
            )  # fmt: skip
            if not job._commit(len(result.lines), remaining=len(slices)):
                return False
        errors = slices._errors("reconcile_errors")  # rows outside the period, unknown numbers
        if errors:
            self._raise_errors(errors)
        company_vat = tax_id.normalize_tax_id(self.company_id.vat)
        with self.env.cr.savepoint():
            lines = self.env["invoice.clearing.reconcile"]._odoo_only(
                self.company_id, company_vat, self.date_from, self.date_to, self
            )
            for start in range(0, len(lines), JOB_LINE_CHUNK):
                self._insert_lines(lines[start : start + JOB_LINE_CHUNK])
            self.sudo().row_count = sum(slices.mapped("row_count"))  # sudo: the import's own
            total = self.env["invoice.clearing.import.line"].search_count(
                [("import_id", "=", self.id)]
            )
            job._advance(
                max(total - job.done, 0),
                total=total,
                stage="reconciled",
                progress=90.0,
                step=self.env._(
                    "%(total)s lines reconciled and stored: applying the outcome", total=total
                ),
            )
            (slices | details).unlink()
        return True

    def _job_read_file(self, job, Chunk):
        """Read the file once: stage its cells in slices (the chunks, returned), or, when it is
        one slice, parse, reconcile and store it at once (True)."""
        data = base64.b64decode(self.with_context(bin_size=False).file or b"")

        def read(cells):  # the file is open meanwhile: no ORM here, its errors would be masked
            first = list(itertools.islice(cells.body, JOB_PARSE_ROWS + 1))
            details = list(cells.details) if cells.details is not None else None
            if len(first) <= JOB_PARSE_ROWS:
                return cells, None, (first, details)
            details = spreadsheet.cells_json(details) if details is not None else None
            blocks = [(spreadsheet.cells_json(block), len(block))
                      for block in _blocks(first, cells.body)]  # fmt: skip
            cells.body = None
            return cells, blocks, details

        try:
            cells, blocks, details = bureau_export.read_export_cells(
                data, read, self.file_name or "", self._max_bytes()
            )
        except FapiaoRuleError as error:
            self._raise_errors([error])
        del data
        if blocks is None:  # one slice
            rows, details = details
            parsed = bureau_export.parse_cells_slice(cells, rows, 0, {})
            rendered = [error.render(self.env._) for error in parsed.errors]
            parsed.errors = []
            return self._job_store(job, parsed, rendered, details)
        return Chunk._stage_cells(self, cells, blocks, details)

    def _job_store(self, job, parsed, errors, details):
        """Reconcile the file's parsed rows and store its lines, in one savepoint; the job at
        stage reconciled. `errors`: the slices' row errors, rendered; `details`: the rows of
        sheet 信息汇总表 (None without it), applied first as parse_export applies them."""
        with self.env.cr.savepoint():
            try:
                bureau_export.apply_details_cells(parsed, details, len(errors))
            except FapiaoRuleError as error:
                self._raise_errors([error])
            errors = errors + [error.render(self.env._) for error in parsed.errors]
            if errors:
                self._raise_errors(errors)
            result = self._reconcile_rows(
                self.company_id, self.date_from, self.date_to, parsed.rows
            )
            row_count = len(parsed.rows)
            del parsed, details
            lines, total = result.lines, len(result.lines)
            for start in range(0, total, JOB_LINE_CHUNK):  # bounded text buffers
                self._insert_lines(lines[start : start + JOB_LINE_CHUNK])
            self.sudo().row_count = row_count  # sudo: set by the import itself, read-only
            job._advance(
                total,
                total=total,
                stage="reconciled",
                progress=90.0,
                step=self.env._(
                    "%(total)s lines reconciled and stored: applying the outcome", total=total
                ),
            )
        return True

    def _job_outcome(self):
        """The fapiao to mark uploaded and not uploaded, from the stored lines and the register
        as it is now: what the reconciliation decides (see tools/reconcile.py), also when the
        lines were stored by an earlier run."""
        Line, Fapiao = self.env["invoice.clearing.import.line"], self.env["invoice.clearing.fapiao"]
        Line.flush_model()
        Fapiao.flush_model(["uploaded", "clearing_id"])
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT f.id, l.outcome = 'odoo_only'
                     FROM %(lines)s l JOIN %(fapiao)s f ON f.id = l.fapiao_id
                    WHERE l.import_id = %(batch)s AND f.clearing_id IS NULL
                      AND coalesce(f.uploaded, false) = (l.outcome = 'odoo_only')
                 ORDER BY f.id""",
                lines=SQL.identifier(Line._table),
                fapiao=SQL.identifier(Fapiao._table),
                batch=self.id,
            )
        )
        outcome = reconcile.Reconciliation()
        for fapiao_id, unmark in self.env.cr.fetchall():
            (outcome.to_unmark if unmark else outcome.to_mark).append(fapiao_id)
        return outcome

    @api.model
    def _parse_and_reconcile(self, company, date_from, date_to, data, file_name):
        """(Reconciliation, rows read) of the export `data`: a UserError lists every file or row
        error; nothing is written. For an immediate import and a background one alike."""
        try:
            parsed = bureau_export.parse_export(data, file_name, self._max_bytes())
        except FapiaoRuleError as error:
            self._raise_errors([error])
        if parsed.errors:
            self._raise_errors(parsed.errors)
        rows, row_count = parsed.rows, len(parsed.rows)
        del parsed  # the lines keep what they need of the rows
        return self._reconcile_rows(company, date_from, date_to, rows), row_count

    @api.model
    def _reconcile_rows(self, company, date_from, date_to, rows, part=False):
        """The Reconciliation of the parsed export `rows` (`part` of them: see _reconcile)
        with the company's register."""
        company_vat = tax_id.normalize_tax_id(company.vat)
        if not company_vat:
            self._raise_no_vat(company)
        return self.env["invoice.clearing.reconcile"]._reconcile(
            company, company_vat, date_from, date_to, rows, part=part
        )

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
        """Hook of invoice.clearing.job: remove what the runs stored, record why, notify."""
        self._job_delete_lines()
        self.env["invoice.clearing.import.chunk"].sudo().search(
            [("import_id", "=", self.id)]
        ).unlink()
        self.sudo().failure_reason = reason  # sudo: set by the job only
        self.sudo().message_post(  # the importer may have lost access: that may be the reason
            body=self.env._(
                "The background import failed; nothing was imported or changed. %(reason)s "
                "Correct the file and import it again.",
                reason=reason,
            ),
            partner_ids=self.job_id.user_id.partner_id.ids,
        )

    def action_retry(self):
        """Run a failed background import again (e.g. after its company's tax ID was set)."""
        for batch in self.filtered(lambda b: b.job_state == "failed"):
            self._check_no_job(batch.company_id)
            batch._job_queue()
        return True

    def action_open_jobs(self):
        self.ensure_one()
        self.check_access("read")
        return self.env["invoice.clearing.job"]._action_open_for(self)

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


def _blocks(first, rest):
    """Lists of JOB_PARSE_ROWS rows of `first` (a list) then of the iterator `rest`."""
    rows = itertools.chain(first, rest)
    while block := list(itertools.islice(rows, JOB_PARSE_ROWS)):
        yield block


def _megabytes(size):
    """`size` bytes in MB with one decimal, without it when whole: 20, 20.2."""
    value = round(size / 1024 / 1024, 1)
    return int(value) if value == int(value) else value
