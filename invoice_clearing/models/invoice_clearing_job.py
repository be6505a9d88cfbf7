"""A background job (后台任务) of a clearing, a bureau import or an XLSX export, and its runs.

The job does what every background job needs: its cron picks it up; each pickup is a run,
committed as soon as it opens, so that a run a killed worker left open shows as interrupted at
the next pickup; progress is committed batch by batch; runs in a row that commit nothing are
limited; every step is logged for the operator. The job knows its owner only by model and id
(`res_model`, `res_id`); what differs between kinds is the owner's spec (`_job_spec`, see
invoice_clearing_job_owner.py). The work stays with the owner, behind two hooks:

- ``owner._job_run()`` does (the rest of) the work of ``owner.job_id``, recording it with
  ``job._advance()`` and committing it with ``job._commit()``. It ends the job with
  ``job._done()`` or ``job._fail(reason)`` and returns True, or yields with ``job._pause(note)``
  and returns False: the next pickup resumes it.
- ``owner._job_fail(reason)`` undoes what the job did and records why on the owner; the job
  calls it from ``_fail``, in the same transaction.

Time slices: a cron worker is killed past Odoo's real-time limit (120 s by default), which a
loaded server reaches long before a quiet one. So each cron run works for a bounded time: the
job's ``_commit()`` returns the seconds left, the first of Odoo's own hint and the system
parameter ``invoice_clearing.job_time_budget`` (seconds; unset, the spec's `slice`); an owner
checks it between batches and yields with ``_pause(note, wake=True)``. The run then tells Odoo it
is done (so that Odoo does not call it again in the same worker pass, whose limits add up) and
triggers the cron: the next pass resumes after the last committed batch. A run killed all the same loses only what
followed that commit; the job fails only after ``max_attempts`` runs in a row committed nothing.
"""

import threading
import time
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists

from .guard_bypass import with_bypass

ACTIVE_STATES = ("queued", "running")
TIME_BUDGET_PARAM = "invoice_clearing.job_time_budget"
BUSY_RETRY = timedelta(minutes=1)  # a job paused by a busy company comes back after this


class _Clock(threading.local):
    """The clock of the cron run under way in this thread: its deadline, and per job the
    thread's CPU time when its run opened."""

    deadline = None

    def __init__(self):
        super().__init__()
        self.cpu = {}


_clock = _Clock()


class InvoiceClearingJob(models.Model):
    _name = "invoice.clearing.job"
    _description = "Background Job"
    _order = "id desc"
    _check_company_auto = True

    # One kind per model that owns jobs: its spec (see invoice_clearing_job_owner.py).
    kind = fields.Selection(
        selection="_selection_kind", string="Job Kind", required=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    # The owner, as mail.activity and ir.attachment name their document: no column per owner.
    res_model = fields.Char("Owner Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        "Owner ID", model_field="res_model", required=True, readonly=True
    )
    owner_ref = fields.Reference(
        selection="_selection_owner_model", string="Owner", compute="_compute_owner_ref"
    )
    user_id = fields.Many2one(
        "res.users", "Started By", readonly=True,
        help="An import runs as this user: their access, company and language.",
    )  # fmt: skip
    state = fields.Selection(
        [("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="queued", required=True, readonly=True, index=True,
    )  # fmt: skip
    step = fields.Char(readonly=True)
    progress = fields.Float("Progress (%)", readonly=True)
    total = fields.Integer("To Process", readonly=True)
    done = fields.Integer("Processed", readonly=True)
    last_id = fields.Integer(
        "Resume Point",
        readonly=True,
        help="Id of the last record processed: a run resumes after it",
    )
    stage = fields.Char(
        readonly=True, help="The part of the work committed so far, for owners that work in stages"
    )
    attempts = fields.Integer("Runs", readonly=True, help="Runs started so far")
    failure_reason = fields.Text(readonly=True)
    started_at = fields.Datetime(readonly=True, help="Start of its first run")
    ended_at = fields.Datetime(readonly=True)
    run_ids = fields.One2many("invoice.clearing.job.run", "job_id", "Run History", readonly=True)

    # One queued or running job per owner, whatever the workers do at the same time.
    _one_active_job = models.UniqueIndex(
        "(res_model, res_id) WHERE state IN ('queued', 'running')",
        "This record already has a queued or running background job.",
    )
    _owner_idx = models.Index("(res_model, res_id)")

    @api.model
    def _selection_kind(self):
        specs = self.env["invoice.clearing.job.owner"]._job_specs()
        return [(kind, self.env._(spec.label)) for kind, (_model, spec) in specs.items()]

    @api.model
    def _selection_owner_model(self):
        specs = self.env["invoice.clearing.job.owner"]._job_specs()
        return [(model, self.env._(spec.label)) for model, spec in specs.values()]

    @api.depends("res_model", "res_id")
    def _compute_owner_ref(self):
        for job in self:
            job.owner_ref = job._owner() if job.res_model in self.env else False

    @api.depends("kind", "res_model", "res_id")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for job in self:
            owner = job._owner()
            job.display_name = f"{labels.get(job.kind, '')} {owner.display_name or ''}".strip()

    # ------------------------------------------------------------- for owners
    @api.model
    def _start_for(self, owner, **vals):
        """A new job of `owner` (a model inheriting invoice.clearing.job.owner), now its current
        one; wakes its cron."""
        spec = owner._job_spec
        # sudo: no role writes a job (ir.model.access); only the owners' code does, through here.
        job = self.sudo().create(
            {
                "kind": spec.kind,
                "res_model": owner._name,
                "res_id": owner.id,
                "company_id": owner.company_id.id,
                "user_id": self.env.uid,
                **vals,
            }
        )
        with_bypass(owner).sudo().job_id = job  # protected, set by the job only
        job._log().info(
            "%s: background job %s %s by %s (%s to process)",
            job._label(), job.id, job.state, self.env.user.login, job.total or "?",
        )  # fmt: skip
        self.env.ref(spec.cron).sudo()._trigger()  # sudo: users may not read crons
        return job.with_env(self.env)

    def _advance(self, processed, **vals):
        """Record `processed` more items, and the step, progress or resume point in `vals`, in
        the transaction of the work they describe."""
        job = self.sudo()  # see _start_for
        vals["done"] = job.done + processed
        total = vals.get("total", job.total)
        if "progress" not in vals and total:
            vals["progress"] = min(100.0, 100.0 * vals["done"] / total)
        job.write(vals)
        run = job._current_run()
        if processed and run:
            run.processed += processed

    def _commit(self, processed=0, remaining=None):
        """Commit the work so far through ir.cron (a killed worker loses only what follows).

        Returns the seconds left in this cron run (Odoo's hint or the job's time budget, the
        first to end): at 0 a job that can resume should yield.
        """
        self.ensure_one()
        job = self.sudo()  # the job's own figures, whoever the work runs as
        if processed:
            job._log().info(
                "%s: %s of %s processed (%.0f%%)",
                job._label(), job.done, job.total or "?", job.progress,
            )  # fmt: skip
        if remaining is None:
            remaining = max(job.total - job.done, 1) if job.state in ACTIVE_STATES else 0
        left = self.env["ir.cron"]._commit_progress(processed, remaining=remaining)
        return min(left, self._time_left())

    @api.model
    def _time_left(self):
        """Seconds left of the time budget of the cron run under way (inf outside a run)."""
        deadline = _clock.deadline
        return float("inf") if deadline is None else max(deadline - time.monotonic(), 0.0)

    @api.model
    def _time_budget(self, spec):
        """Seconds of wall time one cron run of `spec`'s kind may work: the system parameter
        job_time_budget when set, else the spec's slice."""
        # sudo: a system parameter, read for whoever the work runs as
        param = self.env["ir.config_parameter"].sudo().get_param(TIME_BUDGET_PARAM)
        try:
            return max(float(param), 0.0) if param else spec.slice
        except ValueError:
            return spec.slice

    def _pause(self, note, wake=False):
        """End this run, not the job: the next pickup resumes it. `wake` asks the cron workers
        to come back at once (a prefork cron worker would sleep a minute); otherwise the cron
        comes back after BUSY_RETRY."""
        run = self._current_run()
        self._close_run("paused", note)
        self._log().info("%s: run %s paused: %s", self._label(), run.number or "-", note)
        at = None if wake else fields.Datetime.now() + BUSY_RETRY
        self.env.ref(self._spec().cron).sudo()._trigger(at)  # sudo: crons are admin data

    def _done(self, **vals):
        """End the job as done (in the owner's last transaction, with its outcome)."""
        job = self.sudo()  # see _start_for
        now = fields.Datetime.now()
        job.write({"state": "done", "step": False, "progress": 100.0, "ended_at": now, **vals})
        job._close_run("done")

    def _fail(self, reason):
        """End the job as failed: the owner undoes its work and records `reason` (its hook
        `_job_fail`), in the current transaction."""
        self._owner()._job_fail(reason)
        job = self.sudo()  # see _start_for
        job.write(
            {"state": "failed", "step": False, "progress": 0.0, "done": 0, "last_id": 0,
             "stage": False, "failure_reason": reason, "ended_at": fields.Datetime.now()}
        )  # fmt: skip
        job._close_run("failed", reason)

    def _action_open_for(self, owner):
        """The jobs of `owner`, for its smart button: the form when there is only one."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "invoice_clearing.action_invoice_clearing_job"
        )
        jobs = owner.job_ids
        action["domain"] = [("id", "in", jobs.ids)]
        action["context"] = {}
        if len(jobs) == 1:
            action.update(view_mode="form", res_id=jobs.id, views=[(False, "form")])
        return action

    # ------------------------------------------------------------------- cron
    @api.model
    def _cron_run(self, kind):
        """ir.cron: run the queued and running jobs of `kind`, oldest first, within one time
        budget (see the module's docstring). One cron per kind, so that a long import never
        delays a clearing."""
        _model, spec = self.env["invoice.clearing.job.owner"]._job_specs()[kind]
        # sudo: the cron's user works for every company; _run picks the user each owner runs as.
        jobs = self.sudo().search([("kind", "=", kind), ("state", "in", ACTIVE_STATES)], order="id")
        _clock.deadline = time.monotonic() + self._time_budget(spec)
        try:
            for index, job in enumerate(jobs):
                if index and not self._time_left():  # the next pass takes the jobs left
                    self.env.ref(spec.cron).sudo()._trigger()  # sudo: admin data
                    break
                job._run()
        finally:
            _clock.deadline = None

    def _run(self):
        """One pickup (on the sudo job): close what a killed run left open, open a run
        (committed at once), let the owner work, commit. True when the job has ended."""
        self.ensure_one()
        owner = self._runner()
        job = self.with_env(owner.env)  # its messages in the language of the owner's work
        job._close_interrupted_runs()
        limit = self._spec().max_attempts
        stalled = self._stalled_runs()
        if limit and stalled >= limit:
            job._fail(
                job.env._(
                    "The background job was interrupted %(count)s times (the server stopped or "
                    "the work took longer than its time limit). Split the work, e.g. the export "
                    "into smaller files, or ask your administrator to raise the limits.",
                    count=stalled,
                )
            )
        else:
            job._open_run()
            owner._job_run()
        ended = self.state not in ACTIVE_STATES
        if self._current_run():  # the owner returned without ending its run
            self._close_run(self.state if ended else "paused")
        # Done for Odoo in any case: a paused job has triggered its next run, in a fresh pass of
        # the cron worker; Odoo would otherwise call it again at once in this pass, whose time
        # counts against the worker's limits as a whole. Nor is a pause a failure for Odoo.
        self._commit(remaining=0)
        self._log_end()
        return ended

    def _stalled_runs(self):
        """Runs in a row, up to the last, that committed no progress (interrupted each time)."""
        progressed = self.sudo().run_ids.filtered(
            lambda r: r.processed or r.outcome in ("paused", "done", "failed")
        )
        return self.attempts - max(progressed.mapped("number"), default=0)

    def _runner(self):
        """The owner, in the environment its work runs in (see its spec)."""
        owner = self.sudo()._owner()  # sudo: then as the starter, when the spec says so
        if not self._spec().as_starter:
            return owner
        user = self.user_id or owner.create_uid
        return owner.with_user(user).with_context(
            allowed_company_ids=self.company_id.ids, lang=user.lang
        )

    def _open_run(self):
        job = self.sudo()  # see _start_for
        number = job.attempts + 1
        now = fields.Datetime.now()
        vals = {
            "state": "running",
            "attempts": number,
            "step": self.env._("Run %(number)s started", number=number),
        }
        if not job.started_at:
            vals["started_at"] = now
        if not job._spec().resumes:
            vals.update(done=0, last_id=0, progress=0.0)
        job.write(vals)
        self.env["invoice.clearing.job.run"].sudo().create(  # sudo: runs are written by code only
            {"job_id": job.id, "number": number, "started_at": now}
        )
        _clock.cpu[job.id] = time.thread_time()
        job._log().info("%s: run %s started", job._label(), number)
        self._commit()

    def _close_interrupted_runs(self):
        """A run still open at the next pickup was interrupted after its last commit: worker
        killed, server restarted or hard time limit. It ended at the job's last write."""
        job = self.sudo()  # sudo: runs are written by code only
        for run in job.run_ids.filtered(lambda r: r.outcome == "running"):
            run.write(
                {
                    "outcome": "interrupted",
                    "ended_at": max(run.started_at, job.write_date),
                    "note": self.env._(
                        "Stopped after its last commit: worker killed, server restarted or "
                        "time limit exceeded."
                    ),
                }
            )
            job._log().warning(
                "%s: run %s was interrupted after its last commit (%s)",
                job._label(), run.number, run.ended_at,
            )  # fmt: skip

    def _log_end(self):
        """The outcome for the operator, once committed."""
        if self.state == "done":
            seconds = (self.ended_at - (self.started_at or self.ended_at)).total_seconds()
            self._log().info(
                "%s: done in %.1f s, %s processed in %s run(s)",
                self._label(), seconds, self.done, self.attempts,
            )  # fmt: skip
        elif self.state == "failed":
            self._log().warning(
                "%s: failed after %s run(s): %s", self._label(), self.attempts, self.failure_reason
            )

    def _current_run(self):
        return self.sudo().run_ids.filtered(lambda r: r.outcome == "running")[:1]  # code only

    def _close_run(self, outcome, note=False):
        run = self._current_run()
        if run:
            cpu = _clock.cpu.pop(self.id, None)
            run.write(
                {
                    "outcome": outcome,
                    "ended_at": fields.Datetime.now(),
                    "note": note,
                    "cpu_time": time.thread_time() - cpu if cpu is not None else 0.0,
                }
            )
            self._log().info(
                "%s: run %s %s after %.1f s, CPU %.1f s",
                self._label(), run.number, outcome, run.duration, run.cpu_time,
            )  # fmt: skip

    def _owner(self):
        """The record the job works for, in the job's environment."""
        return self.env[self.res_model or "invoice.clearing.job.owner"].browse(self.res_id or ())

    def _spec(self):
        """The spec the owner's model declares (see invoice_clearing_job_owner.py)."""
        return self.env[self.res_model]._job_spec

    def _label(self):
        """The job in the server log (English): kind, owner and ids."""
        owner = self.sudo()._owner()  # sudo: a log line, whoever runs the job
        label = self.with_context(lang="en_US").env._(self._spec().label)
        return f"{label} {owner.display_name} (id {owner.id}, job {self.id})"

    def _log(self):
        return self._spec().logger


def jobs_from_columns(cr):
    """Migration to invoice.clearing.job (19.0.1.2.0): one job for each clearing and import
    whose former job columns, left in their tables by the upgrade, hold one, linked as its
    current job; the crons of the kinds (noupdate data) now call the job model.

    Idempotent: an owner that has a job already is left alone. Returns the jobs created.
    """
    created = 0
    if column_exists(cr, "invoice_clearing", "job_state"):
        cr.execute(
            SQL(
                """WITH new AS (
                  INSERT INTO invoice_clearing_job
                         (kind, company_id, res_model, res_id, user_id, state, total, done,
                          last_id, progress, attempts, failure_reason, ended_at,
                          create_uid, create_date, write_uid, write_date)
                  SELECT 'clearing', c.company_id, 'invoice.clearing', c.id,
                         coalesce(c.approved_by, c.write_uid),
                         c.job_state, coalesce(c.job_total, 0), coalesce(c.job_done, 0),
                         coalesce(c.job_last_id, 0),
                         CASE WHEN c.job_state = 'done' THEN 100
                              WHEN c.job_total > 0
                              THEN least(100, 100.0 * coalesce(c.job_done, 0) / c.job_total)
                              ELSE 0 END,
                         0, CASE WHEN c.job_state = 'failed' THEN c.failure_reason END,
                         CASE WHEN c.job_state IN ('done', 'failed') THEN c.write_date END,
                         %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                    FROM invoice_clearing c
                   WHERE c.job_state IS NOT NULL AND c.job_id IS NULL
               RETURNING id, res_id)
               UPDATE invoice_clearing c SET job_id = new.id FROM new WHERE c.id = new.res_id""",
                uid=SUPERUSER_ID,
            )
        )
        created += cr.rowcount
    if column_exists(cr, "invoice_clearing_import", "job_state"):
        cr.execute(
            SQL(
                """WITH new AS (
                  INSERT INTO invoice_clearing_job
                         (kind, company_id, res_model, res_id, user_id, state, step, progress,
                          attempts, total, done, last_id, failure_reason, ended_at,
                          create_uid, create_date, write_uid, write_date)
                  SELECT 'import', i.company_id, 'invoice.clearing.import', i.id, i.create_uid,
                         i.job_state, i.job_step,
                         coalesce(i.job_progress, 0), coalesce(i.job_attempts, 0), 0, 0, 0,
                         CASE WHEN i.job_state = 'failed' THEN i.failure_reason END,
                         CASE WHEN i.job_state IN ('done', 'failed') THEN i.write_date END,
                         %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                    FROM invoice_clearing_import i
                   WHERE i.job_state IS NOT NULL AND i.job_id IS NULL
               RETURNING id, res_id)
               UPDATE invoice_clearing_import i SET job_id = new.id FROM new
                WHERE i.id = new.res_id""",
                uid=SUPERUSER_ID,
            )
        )
        created += cr.rowcount
    env = api.Environment(cr, SUPERUSER_ID, {})
    model = env["ir.model"]._get_id("invoice.clearing.job")
    for kind, (_model, spec) in env["invoice.clearing.job.owner"]._job_specs().items():
        cron = env.ref(spec.cron, raise_if_not_found=False)
        code = f"model._cron_run({kind!r})"
        if cron and (cron.model_id.id, cron.code) != (model, code):
            cron.write({"model_id": model, "code": code})
    return created


# The owners' former foreign keys on the job table, by the model they pointed to.
OWNER_COLUMNS = {
    "clearing_id": "invoice.clearing",
    "import_id": "invoice.clearing.import",
    "export_id": "invoice.clearing.export",
}


def owners_from_columns(cr):
    """Migration to generic owners (19.0.1.4.0), before the model is loaded: each job gets
    `res_model` and `res_id` from the former owner column that holds its owner, and the former
    CHECK and unique index over those columns go (the new index replaces them).

    Idempotent: a job whose owner is set already is left alone. Returns the jobs updated.
    """
    table = "invoice_clearing_job"
    columns = [column for column in OWNER_COLUMNS if column_exists(cr, table, column)]
    if not columns:
        return 0
    cr.execute(
        SQL(
            """ALTER TABLE %(table)s ADD COLUMN IF NOT EXISTS res_model varchar,
                                     ADD COLUMN IF NOT EXISTS res_id int4;
               ALTER TABLE %(table)s DROP CONSTRAINT IF EXISTS %(check)s;
               DROP INDEX IF EXISTS %(index)s""",
            table=SQL.identifier(table),
            check=SQL.identifier(f"{table}_one_owner"),
            index=SQL.identifier(f"{table}_one_active_uniq"),
        )
    )
    updated = 0
    for column in columns:
        cr.execute(
            SQL(
                """UPDATE %(table)s SET res_model = %(model)s, res_id = %(column)s
                    WHERE %(column)s IS NOT NULL AND res_model IS NULL""",
                table=SQL.identifier(table),
                model=OWNER_COLUMNS[column],
                column=SQL.identifier(column),
            )
        )
        updated += cr.rowcount
    return updated
