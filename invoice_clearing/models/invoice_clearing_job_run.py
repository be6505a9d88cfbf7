"""One run of a background job: what one pickup by the cron did and how it ended."""

from odoo import api, fields, models


class InvoiceClearingJobRun(models.Model):
    _name = "invoice.clearing.job.run"
    _description = "Background Job Run"
    _order = "job_id desc, number desc"
    _rec_name = "number"

    job_id = fields.Many2one(
        "invoice.clearing.job", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="job_id.company_id", store=True, index=True)
    number = fields.Integer("Run", readonly=True)
    started_at = fields.Datetime(readonly=True)
    ended_at = fields.Datetime(readonly=True)
    duration = fields.Float("Duration (s)", compute="_compute_duration")
    cpu_time = fields.Float(
        "CPU (s)",
        readonly=True,
        help="CPU time of the cron worker during the run (Odoo stops a worker past 60 s "
        "by default); not known for an interrupted run.",
    )
    outcome = fields.Selection(
        [
            ("running", "Running"),
            ("paused", "Paused"),
            ("done", "Done"),
            ("interrupted", "Interrupted"),
            ("failed", "Failed"),
        ],
        default="running", required=True, readonly=True,
        help="Paused: the run yielded (time slice used up, company busy) and the next one "
        "resumes. Interrupted: the run stopped without ending (worker killed, server restarted, "
        "time limit exceeded); its work after the last commit was rolled back.",
    )  # fmt: skip
    processed = fields.Integer(readonly=True, help="Items committed by this run")
    note = fields.Text(readonly=True)

    @api.depends("started_at", "ended_at", "outcome")
    def _compute_duration(self):
        for run in self:
            ended = run.ended_at or (run.outcome == "running" and fields.Datetime.now())
            started = run.started_at
            run.duration = (ended - started).total_seconds() if started and ended else 0.0
