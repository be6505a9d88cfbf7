"""The archive package (归档包) of a cleared clearing: one record per build of it.

The package is what an auditor takes away and verifies without Odoo (tools/archive_verify.py):
the certificate and summary PDFs, the XLSX, the data the clearing's hash covers, every original
file of a fapiao of the scope and the bureau exports that marked them uploaded, listed with their
SHA-256 by a manifest (tools/archive_package.py). It is built after the clearing's transaction
commits, never inside the approval (rendering the summary must hold no lock, see
report/report_clearing_certificate.py), and after the certificate it contains:

- right after the commit, in the same request or cron run, when the scope has at most
  `invoice_clearing.archive_background_threshold` fapiao and a render slot is free;
- otherwise by a background job (one invoice.clearing.archive per build), which writes the
  whole package in one run (about 10 s per 100,000 fapiao, see scripts/bench_archive.py). The
  XLSX of a clearing above `invoice_clearing.xlsx_part_rows` fapiao is not written in that run
  (about 25 s of CPU per 200,000-fapiao file would exceed a cron run's 60 s at 1,000,000): the
  job starts the clearing's background XLSX export (invoice.clearing.export, one file per run),
  pauses until it is done and copies its files into the package;
- a cron catches what was missed (a crash, the certificate not yet attached, a migration).

The ZIP is streamed to a temporary file (constant memory whatever the scope), copied from it
into the filestore and attached once to the clearing (`archive_attachment_id`), immutable
(models/ir_attachment.py).
"""

import hashlib
import logging
import os
import shutil
import tempfile
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.modules.module import get_manifest
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..tools import archive_package
from . import advisory_locks, after_commit
from .guard_bypass import with_bypass
from .invoice_clearing_job_owner import JobSpec

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

PENDING_KEY = "invoice_clearing.archives"
CRON = "invoice_clearing.ir_cron_clearing_archives"
CRON_DELAY = timedelta(minutes=2)  # after the certificate's own cron (a minute)
CRON_BATCH = 5
THRESHOLD_PARAM = "invoice_clearing.archive_background_threshold"
DEFAULT_THRESHOLD = 20_000
SUMMARY_REPORT = "invoice_clearing.action_report_clearing_summary"
CHUNK = 1 << 20
ORIGINALS_CHUNK = 1_000  # original files read at a time


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _date(value):
    return value.isoformat() if value else None


class InvoiceClearingArchive(models.Model):
    _name = "invoice.clearing.archive"
    _description = "Clearing Archive Package Build"
    _inherit = ["invoice.clearing.job.owner"]
    # The whole package in one run, as the superuser (packages are the company's, not the user's).
    _job_spec = JobSpec(
        "archive",
        _lt("Archive Package"),
        "invoice_clearing.ir_cron_archive_jobs",
        resumes=False,
        logger=_logger,
    )
    _order = "id desc"
    _check_company_auto = True

    clearing_id = fields.Many2one(
        "invoice.clearing", required=True, readonly=True, index=True, ondelete="cascade",
        check_company=True,
    )  # fmt: skip
    company_id = fields.Many2one(related="clearing_id.company_id", store=True, index=True)
    attachment_id = fields.Many2one("ir.attachment", "Package", readonly=True)
    job_state = fields.Selection(string="Background Build")

    @api.depends("clearing_id.name")
    def _compute_display_name(self):
        for archive in self:
            archive.display_name = self.env._(
                "Archive of %(clearing)s", clearing=archive.clearing_id.name or ""
            )

    # ----------------------------------------------------------- when to build
    @api.model
    def _threshold(self):
        # sudo: a system parameter, read for whoever cleared
        param = self.env["ir.config_parameter"].sudo().get_param(THRESHOLD_PARAM)
        return int(param) if param else DEFAULT_THRESHOLD

    @api.model
    def _build_after_commit(self, clearing):
        """Queue the package of `clearing`, cleared in this transaction: built on a new cursor
        once the transaction (and the certificate's rendering) has committed; the cron is the
        fallback."""
        after_commit.queue(
            self, clearing, PENDING_KEY, "_build_in_request", CRON, CRON_DELAY, _logger, "Archive"
        )

    @api.model
    def _build_in_request(self, clearing, slots):
        """Build the package of `clearing` now when it is small and one of `slots` render slots
        is free (None: no limit); else start its background job or leave it to the cron."""
        clearing = clearing.sudo()  # sudo: the addon builds it, whoever cleared
        if not clearing._archive_missing():
            return self.env["ir.attachment"]
        if clearing.fapiao_count > self._threshold() or self._xlsx_export(clearing) is not None:
            self._start(clearing)
            return self.env["ir.attachment"]
        if slots is not None and not advisory_locks.try_render_slot(self.env.cr, slots):
            self.env.ref(CRON).sudo()._trigger()  # sudo: crons are admin data
            return self.env["ir.attachment"]
        return self._build_missing(clearing)

    @api.model
    def _start(self, clearing):
        """A background build of the package of `clearing`, unless one is under way."""
        if self.sudo().search_count(
            [("clearing_id", "=", clearing.id), ("job_state", "in", ("queued", "running"))]
        ):
            return self.browse()
        archive = self.sudo().create({"clearing_id": clearing.id})  # sudo: code only
        self.env["invoice.clearing.job"]._start_for(archive, total=1)
        return archive

    @api.model
    def _cron_build_missing(self):
        """ir.cron: build the packages still missing (after a crash, a migration, or when the
        certificate came later), each in its approver's language, committed one by one."""
        # sudo: the cron works for every company
        Clearing = self.env["invoice.clearing"].sudo()
        waiting = Clearing.search(
            [
                ("state", "=", "cleared"),
                ("hash", "!=", False),
                ("archive_attachment_id", "=", False),
            ],
            order="id",
        )
        running = self.sudo().search([("job_state", "in", ("queued", "running"))]).clearing_id
        ready = (waiting - running).filtered("certificate_id")
        if waiting - running - ready:  # their certificate comes first
            self.env.ref(CRON)._trigger(fields.Datetime.now() + CRON_DELAY)
        todo = [(c.id, c.approved_by.lang or self.env.lang, c.company_id.id) for c in ready]
        self.env["ir.cron"]._commit_progress(remaining=len(todo[:CRON_BATCH]))
        for index, (clearing_id, lang, company_id) in enumerate(todo[:CRON_BATCH]):
            builder = self.with_context(lang=lang, allowed_company_ids=[company_id])
            builder._build_in_request(builder.env["invoice.clearing"].browse(clearing_id), None)
            self.env["ir.cron"]._commit_progress(1, remaining=len(todo[:CRON_BATCH]) - index - 1)
        if len(todo) > CRON_BATCH:  # more wait: come back at once
            self.env.ref(CRON)._trigger()

    # ------------------------------------------------------------ the job hooks
    def _job_run(self):
        """Hook of invoice.clearing.job: the whole package in one run (see the module's
        docstring for its time), attached in the job's last transaction."""
        job = self.job_id
        clearing = self.clearing_id.with_context(lang=self.clearing_id.approved_by.lang or "en_US")
        if not self._xlsx_parts_ready(clearing):
            job._pause(self.env._("Waiting for the XLSX files of the clearing"))
            return False
        self.with_env(clearing.env)._build_missing(clearing)
        job._advance(1, step=self.env._("Package written"))
        job._done()
        return True

    def _job_fail(self, reason):
        """Hook of invoice.clearing.job: nothing was attached (a package is attached whole in
        the job's last transaction); the job keeps the reason."""
        _logger.warning("Archive of clearing %s failed: %s", self.clearing_id.name, reason)

    # ------------------------------------------------------------------ build
    @api.model
    def _build_missing(self, clearing):
        """Build and attach the package of `clearing` unless it has one or another worker
        builds it right now (its lock is only tried): each package is attached once."""
        if not advisory_locks.try_archive_lock(self.env.cr, clearing.id):
            return self.env["ir.attachment"]
        clearing.invalidate_recordset(["archive_attachment_id", "certificate_id", "state"])
        if not clearing.sudo()._archive_missing():
            return self.env["ir.attachment"]
        return self._build(clearing.sudo())

    @api.model
    def _build(self, clearing):
        """Write the package of `clearing` to a temporary file and attach it to the clearing."""
        with tempfile.TemporaryFile() as output:
            count, _total = archive_package.write_package(
                output, self._manifest_head(clearing), self._entries(clearing)
            )
            size = output.tell()
            output.seek(0)
            attachment = self._attach_file(
                output,
                {
                    "name": f"{clearing.name.replace('/', '-')}-archive.zip",
                    "res_model": clearing._name,
                    "res_id": clearing.id,
                    "mimetype": "application/zip",
                },
            )
        with_bypass(clearing).sudo().archive_attachment_id = attachment  # protected: set here only
        _logger.info(
            "Archive of clearing %s (id %s): %s files, %s bytes",
            clearing.name, clearing.id, count, size,
        )  # fmt: skip
        return attachment

    @api.model
    def _attach_file(self, output, values):
        """An ir.attachment of `values` holding the binary file `output` (read from where it
        stands). In the filestore the file is copied in chunks to where Odoo would write its
        bytes (the same SHA-1 path, marked for Odoo's filestore garbage collection should this
        transaction roll back): a package of any size never sits in memory. In database
        storage, its bytes."""
        Attachment = self.env["ir.attachment"].sudo()  # sudo: the addon's file
        if Attachment._storage() != "file":
            return Attachment.create({**values, "raw": output.read()})
        start, sha, size = output.tell(), hashlib.sha1(), 0
        for chunk in archive_package.file_chunks(output, CHUNK):
            sha.update(chunk)
            size += len(chunk)
        checksum = sha.hexdigest()
        fname = f"{checksum[:2]}/{checksum}"
        full_path = Attachment._full_path(fname)
        if not os.path.exists(full_path):
            os.makedirs(os.path.dirname(full_path), exist_ok=True)
            output.seek(start)
            with open(f"{full_path}-part", "wb") as target:
                shutil.copyfileobj(output, target, CHUNK)
            os.replace(f"{full_path}-part", full_path)
            Attachment._mark_for_gc(fname)
        attachment = Attachment.create(values)  # its file is set below, as Odoo stores one
        self.env.cr.execute(
            SQL(
                """UPDATE ir_attachment SET store_fname = %s, file_size = %s, checksum = %s,
                          db_datas = NULL WHERE id = %s""",
                fname, size, checksum, attachment.id,
            )
        )  # fmt: skip
        attachment.invalidate_recordset(["store_fname", "file_size", "checksum", "db_datas"])
        return attachment

    @api.model
    def _manifest_head(self, clearing):
        version = self.env["invoice.clearing.integrity"]._hash_version(clearing)
        return {
            "company": {"name": clearing.company_id.name, "vat": clearing.company_id.vat or None},
            "clearing": {
                "name": clearing.name,
                "scope": clearing.scope,
                "date_from": _date(clearing.date_from),
                "date_to": _date(clearing.date_to),
                "numbers": clearing.number_list or None,
                "hash": clearing.hash,
                "previous_hash": clearing.previous_hash or None,
                "hash_version": version,
                "cleared_at": _iso(clearing.cleared_at),
                "prepared_by": clearing.prepared_by.name or None,
                "approved_by": clearing.approved_by.name or None,
            },
            "created_at": _iso(fields.Datetime.now()),
            "generator": f"invoice_clearing {get_manifest('invoice_clearing')['version']}",
        }

    @api.model
    def _entries(self, clearing):
        """(path, role, chunks) of every file of the package, produced as the writer asks."""
        certificate = clearing.certificate_id
        extension = "pdf" if certificate.mimetype == "application/pdf" else "html"
        yield f"reports/certificate.{extension}", "certificate", [certificate.raw]
        content, kind = self.env["ir.actions.report"]._render_qweb_pdf(SUMMARY_REPORT, clearing.ids)
        yield f"reports/summary.{'pdf' if kind == 'pdf' else 'html'}", "summary", [content]
        del content
        yield from self._xlsx_entries(clearing)
        yield from self.env["invoice.clearing.integrity"]._archive_data(clearing)
        yield from self._original_entries(clearing)
        yield from self._bureau_entries(clearing)

    @api.model
    def _xlsx_entries(self, clearing):
        """The clearing's XLSX: written here when it is one file; the files of its background
        export for a clearing above `xlsx_part_rows` fapiao (see `_xlsx_parts_ready`)."""
        export = self._xlsx_export(clearing)
        if export is None:
            with tempfile.TemporaryFile() as output:
                self.env["report.invoice_clearing.clearing_xlsx"]._write(clearing, output)
                output.seek(0)
                yield "reports/clearing.xlsx", "xlsx", archive_package.file_chunks(output, CHUNK)
            return
        parts = export.attachment_ids.sorted("id")
        if not export or len(parts) != export.part_count:
            raise UserError(
                self.env._(
                    "The XLSX export of %(clearing)s is not complete: the archive package waits "
                    "for it.",
                    clearing=clearing.name,
                )
            )
        for number, part in enumerate(parts, start=1):
            yield f"reports/clearing-{number}.xlsx", "xlsx", [part.raw]

    @api.model
    def _xlsx_export(self, clearing):
        """None when the clearing's XLSX is one file; else its latest finished background
        export (an empty recordset while there is none)."""
        Export = self.env["invoice.clearing.export"].sudo()  # sudo: the addon's own files
        if clearing.fapiao_count <= Export._part_rows():
            return None
        return Export.search(
            [("clearing_id", "=", clearing.id), ("job_state", "=", "done")],
            order="id desc",
            limit=1,
        )

    @api.model
    def _xlsx_parts_ready(self, clearing):
        """Whether the package can take the clearing's XLSX now; if not, its background export
        is started (unless one runs already): the archive job comes back when it is done."""
        export = self._xlsx_export(clearing)
        if export is None or export:
            return True
        Export = self.env["invoice.clearing.export"].sudo()  # sudo: as _xlsx_export
        if not Export.search_count(
            [("clearing_id", "=", clearing.id), ("job_state", "in", ("queued", "running"))]
        ):
            Export._start(clearing, Export._part_rows())
        return False

    @api.model
    def _original_entries(self, clearing):
        """Every file attached to a fapiao of the scope, under its fapiao's number (read in
        chunks: a million originals never sit in memory at once)."""
        self.env.cr.execute(
            SQL(
                """SELECT number FROM invoice_clearing_fapiao WHERE clearing_id = %s
                    GROUP BY number HAVING count(*) > 1""",
                clearing.id,
            )
        )
        shared = {number for (number,) in self.env.cr.fetchall()}  # paper fapiao of two codes
        last, taken = (0, 0), (0, set())
        Attachment = self.env["ir.attachment"].sudo()  # sudo: the files of the frozen fapiao
        while True:
            self.env.cr.execute(
                SQL(
                    """SELECT f.id, a.id, f.number, f.code, a.name FROM ir_attachment a
                         JOIN invoice_clearing_fapiao f
                           ON a.res_model = 'invoice.clearing.fapiao' AND a.res_id = f.id
                        WHERE f.clearing_id = %s AND a.res_field IS NULL AND (f.id, a.id) > %s
                        ORDER BY f.id, a.id LIMIT %s""",
                    clearing.id, last, ORIGINALS_CHUNK,
                )
            )  # fmt: skip
            rows = self.env.cr.fetchall()
            if not rows:
                return
            attachments = Attachment.browse([row[1] for row in rows])
            for (fapiao_id, _id, number, code, name), attachment in zip(
                rows, attachments, strict=True
            ):
                if taken[0] != fapiao_id:  # names are made unique within a fapiao's folder
                    taken = (fapiao_id, set())
                folder = f"{code}-{number}" if number in shared and code else number
                path = f"originals/{archive_package.safe_name(folder)}/"
                path += archive_package.safe_name(name)
                path = archive_package.unique_path(path, taken[1])
                yield path, "fapiao original", [attachment.raw]
            attachments.invalidate_recordset()
            last = rows[-1][:2]

    @api.model
    def _bureau_entries(self, clearing):
        """The bureau export of every import that marked a fapiao of the scope uploaded."""
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT uploaded_import_id FROM invoice_clearing_fapiao
                    WHERE clearing_id = %s AND uploaded_import_id IS NOT NULL
                    ORDER BY uploaded_import_id""",
                clearing.id,
            )
        )
        Import = self.env["invoice.clearing.import"].sudo()  # sudo: as the originals
        for (import_id,) in self.env.cr.fetchall():
            batch = Import.browse(import_id).exists()
            attachment = batch and _file_attachment(batch)
            if attachment:
                name = archive_package.safe_name(batch.file_name or attachment.name)
                yield f"bureau/{import_id}-{name}", "bureau export", [attachment.raw]
                attachment.invalidate_recordset(["raw", "datas"])

    # ---------------------------------------------- data files (to be replaced)


def _file_attachment(record):
    """The attachment holding the binary field `file` of `record`."""
    return (
        record.env["ir.attachment"]
        .sudo()  # a binary field's attachment is read through its record only
        .search(
            [
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("res_field", "=", "file"),
            ],
            limit=1,
        )
    )


def queue_missing(cr):
    """Migration to archive packages (19.0.1.5.0): the cron builds the packages of the cleared
    clearings that have none, starting now. Returns how many are due."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    due = env["invoice.clearing"].search_count(
        [("state", "=", "cleared"), ("hash", "!=", False), ("archive_attachment_id", "=", False)]
    )
    if due:
        env.ref(CRON)._trigger()
    return due
