"""An XLSX export of a large clearing, written in parts by a background job (后台导出)."""

import logging
import tempfile

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from .invoice_clearing_job_owner import JobSpec

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

PART_ROWS_PARAM = "invoice_clearing.xlsx_part_rows"
DEFAULT_PART_ROWS = 200_000


class InvoiceClearingExport(models.Model):
    """The XLSX of a clearing too large for one download.

    A download runs in a web worker, within its limits (60 s of CPU by default); writing the
    XLSX takes about 9 s of CPU per 100,000 fapiao. A clearing of more fapiao than the system
    parameter `invoice_clearing.xlsx_part_rows` is therefore written by a background job, one
    file of that many fapiao per run, each with the summary and the check results, attached
    here. The user who asked is notified with the files.
    """

    _name = "invoice.clearing.export"
    _description = "Clearing XLSX Export"
    _inherit = ["invoice.clearing.job.owner", "mail.thread"]
    _order = "id desc"
    _check_company_auto = True
    # One file per run, as the superuser (the requester is only notified).
    _job_spec = JobSpec(
        "export", _lt("XLSX Export"), "invoice_clearing.ir_cron_export_jobs", logger=_logger
    )

    clearing_id = fields.Many2one(
        "invoice.clearing", required=True, readonly=True, index=True, ondelete="cascade",
        check_company=True,
    )  # fmt: skip
    company_id = fields.Many2one(related="clearing_id.company_id", store=True, index=True)
    part_rows = fields.Integer("Fapiao per File", readonly=True)
    part_count = fields.Integer("Files", readonly=True)
    attachment_ids = fields.One2many(
        "ir.attachment", "res_id", "XLSX Files", readonly=True,
        domain=[("res_model", "=", "invoice.clearing.export")],
    )  # fmt: skip
    job_id = fields.Many2one(string="Background Export Job")
    job_state = fields.Selection(string="Background Export")

    @api.depends("clearing_id.name", "create_date")
    def _compute_display_name(self):
        for export in self:
            export.display_name = self.env._(
                "XLSX of %(clearing)s", clearing=export.clearing_id.name or ""
            )

    @api.model
    def _part_rows(self):
        # sudo: a system parameter, read for any reader of the clearing
        param = self.env["ir.config_parameter"].sudo().get_param(PART_ROWS_PARAM)
        return int(param) if param else DEFAULT_PART_ROWS

    @api.model
    def _start(self, clearing, part_rows):
        """An export of `clearing` in files of `part_rows` fapiao, queued for its job."""
        count = -(-clearing.fapiao_count // part_rows)
        # sudo: readers (auditors too) may export; they write no record of their own for it.
        export = self.sudo().create(
            {"clearing_id": clearing.id, "part_rows": part_rows, "part_count": count}
        )
        self.env["invoice.clearing.job"]._start_for(export, total=count)
        return export.with_env(self.env)

    def _job_run(self):
        """Hook of invoice.clearing.job: write the next file, one per run (a run stays within
        a worker's CPU limit whatever the size of the clearing); done after the last one."""
        job = self.job_id
        part = job.done + 1
        requester = job.user_id or self.create_uid
        Report = self.env["report.invoice_clearing.clearing_xlsx"].with_context(lang=requester.lang)
        with tempfile.TemporaryFile() as output:
            name = Report._write(
                self.clearing_id, output, part=(part, self.part_count, self.part_rows)
            )
            output.seek(0)
            self.env["ir.attachment"].create(
                {
                    "name": name,
                    "raw": output.read(),
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": (
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                    ),
                }
            )
        note = self.env._("File %(part)s of %(count)s written", part=part, count=self.part_count)
        job._advance(1, step=note, last_id=part)
        if part < self.part_count:
            job._commit(1)
            job._pause(note, wake=True)
            return False
        job._done()
        self.with_context(lang=requester.lang)._notify_done(requester)
        return True

    def _notify_done(self, requester):
        self.message_notify(
            partner_ids=requester.partner_id.ids,
            subject=self.env._("XLSX of %(clearing)s", clearing=self.clearing_id.name),
            body=self.env._(
                "The XLSX export of %(clearing)s is ready: %(count)s files of up to %(rows)s "
                "fapiao each, attached to this export.",
                clearing=self.clearing_id.name,
                count=self.part_count,
                rows=self.part_rows,
            ),
            attachment_ids=self.attachment_ids.ids,
        )

    def _job_fail(self, reason):
        """Hook of invoice.clearing.job: drop the files written so far (an export is whole or
        absent) and say why."""
        self.attachment_ids.unlink()
        self.message_post(
            body=self.env._("XLSX export failed: %(reason)s", reason=reason),
            partner_ids=self.create_uid.partner_id.ids,
        )
