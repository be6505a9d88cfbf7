"""What a record needs to run background jobs (invoice.clearing.job): a spec and its jobs.

A model becomes an owner of jobs by inheriting ``invoice.clearing.job.owner`` and declaring its
``_job_spec`` (a `JobSpec`); that is the only place a new kind of job is declared. The job finds
its owner by ``res_model`` and ``res_id`` (as mail.activity and ir.attachment do) and reads the
spec from the owner's model. The owner implements the two hooks the job calls, ``_job_run`` and
``_job_fail`` (see invoice_clearing_job.py), and starts a job with
``env["invoice.clearing.job"]._start_for(owner, **vals)``; its cron (the spec's XML id) calls
``model._cron_run(<kind>)`` on the job model.
"""

import logging
from typing import NamedTuple

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.translate import LazyGettext

_logger = logging.getLogger(__name__)

# Set by the job's and the owner's own code only (under sudo), never by a user.
JOB_FIELDS = frozenset({"job_id", "job_ids"})


class JobSpec(NamedTuple):
    """What differs between the kinds of job, declared once by each owner model.

    - `kind`: the job's kind (its cron calls ``model._cron_run(kind)``);
    - `label`: the kind for users (a lazy translation), in English also in the server log;
    - `cron`: XML id of the cron that runs the kind's jobs (one cron per kind, so that a long
      import never delays a clearing);
    - `resumes`: a run goes on after the last committed batch; otherwise each run starts over;
    - `max_attempts`: runs in a row that committed no progress (interrupted each time: worker
      killed, server restarted) fail the job; 0: no limit;
    - `as_starter`: the work runs as the user who started the job, in their company and
      language; otherwise as the superuser;
    - `slice`: seconds of wall time one cron run of the kind may work, unless the system
      parameter ``invoice_clearing.job_time_budget`` says otherwise;
    - `logger`: where operators follow the kind's jobs.
    """

    kind: str
    label: LazyGettext
    cron: str
    resumes: bool = True
    max_attempts: int = 3
    as_starter: bool = False
    slice: float = 20.0
    logger: logging.Logger = _logger


class InvoiceClearingJobOwner(models.AbstractModel):
    """The job fields of an owner, declared once; the owner sets `_job_spec`."""

    _name = "invoice.clearing.job.owner"
    _description = "Background Job Owner"

    _job_spec: JobSpec | None = None

    job_id = fields.Many2one(
        "invoice.clearing.job", "Background Job", readonly=True, copy=False,
        index="btree_not_null", ondelete="set null",
    )  # fmt: skip
    job_ids = fields.One2many("invoice.clearing.job", "res_id", "Background Jobs", readonly=True)
    job_state = fields.Selection(related="job_id.state", string="Background Job State")
    job_step = fields.Char(related="job_id.step", string="Step")
    job_progress = fields.Float(related="job_id.progress")
    job_attempts = fields.Integer(related="job_id.attempts", help="Runs of the job started so far")
    job_total = fields.Integer(related="job_id.total", string="To Process")
    job_done = fields.Integer(related="job_id.done", string="Processed")
    job_last_id = fields.Integer(
        related="job_id.last_id", help="Resume point: the last id processed"
    )

    @api.model
    def _job_specs(self):
        """{kind: (model name, spec)} of every model that owns jobs."""
        specs = {}
        for name in self.env.registry.descendants([self._name], "_inherit"):
            spec = self.env.registry[name]._job_spec
            if spec and not self.env.registry[name]._abstract:
                specs[spec.kind] = (name, spec)
        return specs

    def write(self, vals):
        if not self.env.su and JOB_FIELDS & vals.keys():
            raise AccessError(
                self.env._(
                    "The background job of %(record)s is set by its own work, not by hand.",
                    record=self.display_name,
                )
            )
        return super().write(vals)

    def unlink(self):
        """Jobs have no foreign key to their owner: they go with it."""
        # sudo: jobs are written by the addon's code only (no access row grants it)
        jobs = (
            self.env["invoice.clearing.job"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "in", self.ids)])
        )
        result = super().unlink()
        jobs.unlink()
        return result

    def action_open_jobs(self):
        """The owner's jobs, for its smart button."""
        self.ensure_one()
        self.check_access("read")
        return self.env["invoice.clearing.job"]._action_open_for(self)

    # ------------------------------------------------------------------ hooks
    def _job_run(self):
        """Do (the rest of) the work of ``self.job_id``; True when the job has ended."""
        raise NotImplementedError(f"{self._name} runs no background job")

    def _job_fail(self, reason):
        """Undo what the job did and record `reason` on the owner."""
        raise NotImplementedError(f"{self._name} runs no background job")
