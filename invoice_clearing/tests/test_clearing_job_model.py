"""The background job as a record (invoice.clearing.job): its runs, its access, its migration."""

import logging
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from ..demo import bureau_export_file as bf
from ..models import invoice_clearing_import as import_model
from ..models.invoice_clearing_job import jobs_from_columns
from .common import CronCommitsAsSavepoints, migration_script
from .test_clearing import MONTH, MONTH_END, ClearingCommon
from .test_import import BureauImportCommon

CLEARING_LOGGER = "odoo.addons.invoice_clearing.models.invoice_clearing"


class SimulatedCrash(Exception):
    """The worker dies: everything since the job's last commit is lost."""


@tagged("post_install", "-at_install")
class TestClearingJobRuns(CronCommitsAsSavepoints, ClearingCommon):
    """A background clearing of the month's 6 fapiao, in batches of 2."""

    def setUp(self):
        super().setUp()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("invoice_clearing.background_threshold", 3)
        params.set_param("invoice_clearing.background_batch_size", 2)

    def start(self):
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_approve()
        return clearing, clearing.job_id

    def run_cron(self):
        self.env["invoice.clearing.job"]._cron_run("clearing")

    def test_job_is_a_record_of_its_clearing(self):
        clearing, job = self.start()
        self.assertEqual(
            (job.kind, job._owner(), job.company_id, job.user_id, job.state, job.total),
            ("clearing", clearing, self.company, self.manager, "running", 6),
        )
        self.assertEqual(clearing.job_ids, job)
        self.assertFalse(job.run_ids, "no run before the cron picks it up")
        self.assertIn(clearing.name, job.display_name)

    def test_interrupted_then_resumed_shows_both_runs(self):
        clearing, job = self.start()
        Clearing = type(clearing)
        freeze, calls = Clearing._job_freeze_batch, []

        def die_on_second_batch(record, size):
            calls.append(size)
            if len(calls) == 2:
                raise SimulatedCrash
            return freeze(record, size)

        # Not assertRaises: its savepoint would take the job's "commits" with it.
        with patch.object(Clearing, "_job_freeze_batch", die_on_second_batch):
            try:
                self.run_cron()
            except SimulatedCrash:
                self._crash()
        # The run and its first batch were committed: the run shows, still open.
        self.assertEqual(job.run_ids.mapped("outcome"), ["running"])
        self.assertEqual((job.run_ids.processed, job.done, job.attempts), (2, 2, 1))
        # logging.INFO: Odoo names its level 25 "INFO" too.
        with self.assertLogs(CLEARING_LOGGER, logging.INFO) as logs:
            self.run_cron()
        runs = job.run_ids.sorted("number")
        self.assertEqual(runs.mapped("outcome"), ["interrupted", "done"])
        self.assertEqual(runs.mapped("number"), [1, 2])
        self.assertEqual(runs.mapped("processed"), [2, 4], "the second run resumed after batch 1")
        self.assertTrue(runs[0].ended_at and runs[0].note)
        self.assertTrue(runs[1].ended_at)
        self.assertEqual((job.state, job.done, job.attempts, job.progress), ("done", 6, 2, 100))
        self.assertTrue(job.started_at and job.ended_at)
        self.assertEqual(clearing.state, "cleared")
        # The operator's log: the interruption as a warning, the new run, the batches, the end.
        output = "\n".join(logs.output)
        self.assertRegex(
            output, rf"WARNING:{CLEARING_LOGGER}:.*{clearing.name}.* run 1 was interrupted"
        )
        self.assertIn("run 2 started", output)
        self.assertIn("6 of 6 processed (100%)", output)
        self.assertRegex(output, r"done in [\d.]+ s, 6 processed in 2 run\(s\)")

    def test_a_run_out_of_time_pauses_and_the_next_resumes(self):
        clearing, job = self.start()
        cron = self.env.ref("invoice_clearing.ir_cron_clearing_jobs")
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers = Trigger.search_count([("cron_id", "=", cron.id)])
        self.time_left = [float("inf"), 0]  # the run's opening, then its first batch
        self.run_cron()
        self.assertEqual(job.run_ids.mapped("outcome"), ["paused"])
        self.assertEqual((job.run_ids.processed, job.state), (2, "running"))
        self.assertGreater(
            Trigger.search_count([("cron_id", "=", cron.id)]), triggers, "workers woken at once"
        )
        self.run_cron()
        self.assertEqual(job.run_ids.sorted("number").mapped("outcome"), ["paused", "done"])
        self.assertEqual(clearing.state, "cleared")

    def test_time_slices_give_the_outcome_of_one_long_run(self):
        """With no time budget each cron run freezes one batch and yields to a fresh pass of
        the cron worker; the clearing ends as one uninterrupted run ends it."""
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT straight")
        clearing, job = self.start()
        self.run_cron()
        self.assertEqual(job.attempts, 1)
        straight = self.outcome(clearing)
        self.env.cr.execute("ROLLBACK TO SAVEPOINT straight")
        self.env.invalidate_all()

        self.env["ir.config_parameter"].sudo().set_param("invoice_clearing.job_time_budget", 0)
        clearing, job = self.start()
        reported = []
        commit = self._fake_commit

        def report(_cron, processed=0, *, remaining=None, deactivate=False):
            reported.append(remaining)
            return commit(processed, remaining=remaining, deactivate=deactivate)

        with patch.object(type(self.env["ir.cron"]), "_commit_progress", report):
            for _pass in range(10):
                self.run_cron()
                if job.state != "running":
                    break
        runs = job.run_ids.sorted("number")
        self.assertEqual(runs.mapped("outcome"), ["paused"] * 3 + ["done"])
        self.assertEqual(runs.mapped("processed"), [2, 2, 2, 0])
        self.assertEqual(self.outcome(clearing), straight)
        # Each run ends Odoo's loop (nothing left in this pass) and has triggered the next.
        self.assertEqual(reported[-1], 0)
        self.assertEqual(reported.count(0), 4)

    def outcome(self, clearing):
        self.env.invalidate_all()
        Integrity = self.env["invoice.clearing.integrity"]
        invoices = Integrity._invoice_lines_digest(clearing)[0]
        digest = Integrity._fapiao_digest(clearing)
        self.assertEqual(Integrity._compute_hash(clearing, "", digest, invoices), clearing.hash)
        return (
            clearing.state,
            clearing.job_state,
            clearing.frozen_fapiao_ids.ids,
            clearing.amount_untaxed,
            clearing.amount_tax,
            digest,
            self.company.sale_lock_date,
        )

    def test_a_failed_job_keeps_its_reason_and_a_new_approval_starts_a_new_job(self):
        clearing, job = self.start()
        self.month_fapiao[0].with_user(self.clerk).uploaded = False
        self.run_cron()
        self.assertEqual((job.state, clearing.job_state), ("failed", "failed"))
        self.assertIn(self.month_fapiao[0].number, job.failure_reason)
        self.assertEqual(job.failure_reason, clearing.failure_reason)
        self.assertEqual(job.run_ids.outcome, "failed")
        self.assertEqual(job.run_ids.note, job.failure_reason)
        self.month_fapiao[0].with_user(self.clerk).uploaded = True
        clearing.with_user(self.manager).action_approve()
        self.assertNotEqual(clearing.job_id, job)
        self.assertEqual(clearing.job_ids, job | clearing.job_id)
        self.run_cron()
        self.assertEqual(
            (clearing.state, clearing.job_state, job.state), ("cleared", "done", "failed")
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestImportJobRuns(CronCommitsAsSavepoints, BureauImportCommon):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(
            "invoice_clearing.import_background_bytes", 100
        )

    def run_cron(self):
        self.env["invoice.clearing.job"]._cron_run("import")
        self.env.invalidate_all()

    def test_refused_file_shows_the_failed_run(self):
        rows = self.month_rows()
        rows[0]["issue_date"] = "not a date"
        batch = self.do_import(bf.write_export_xlsx(rows))
        job = batch.job_id
        self.assertEqual((job.kind, job._owner(), job.user_id), ("import", batch, self.clerk))
        with mute_logger(import_model._logger.name):
            self.run_cron()
        self.assertEqual((job.state, job.attempts), ("failed", 1))
        self.assertEqual(job.failure_reason, batch.failure_reason)
        self.assertEqual((job.run_ids.outcome, job.run_ids.note), ("failed", job.failure_reason))
        # Retried: a new job, the failed one stays in the history.
        batch.with_user(self.clerk).action_retry()
        self.assertEqual((batch.job_ids, batch.job_state), (job | batch.job_id, "queued"))

    def test_too_many_interruptions_fail_the_job_with_every_run_listed(self):
        batch = self.do_import(bf.write_export_xlsx(self.month_rows()))
        job = batch.job_id

        def crash(this, lines):
            raise SimulatedCrash

        with (
            patch.object(import_model.InvoiceClearingImport, "_insert_lines", crash),
            mute_logger(import_model._logger.name),
        ):
            for _attempt in range(4):
                try:
                    self.run_cron()
                except SimulatedCrash:
                    self._crash()
        self.assertEqual((job.state, job.attempts, batch.state), ("failed", 3, "failed"))
        self.assertIn("3", job.failure_reason)
        runs = job.run_ids.sorted("number")
        self.assertEqual(runs.mapped("outcome"), ["interrupted"] * 3)
        self.assertFalse(batch.line_ids)


@tagged("post_install", "-at_install")
class TestJobAccess(ClearingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="乙公司")["company"]
        Clearing, Job = cls.env["invoice.clearing"].sudo(), cls.env["invoice.clearing.job"].sudo()
        cls.clearing_a = Clearing.create({"scope": "period", "date_to": MONTH_END})
        cls.clearing_b = Clearing.with_company(cls.company_b).create(
            {"company_id": cls.company_b.id, "scope": "period", "date_to": MONTH_END}
        )
        cls.job_a, cls.job_b = (
            Job.create(
                {
                    "kind": "clearing",
                    "res_model": c._name,
                    "res_id": c.id,
                    "company_id": c.company_id.id,
                }
            )
            for c in (cls.clearing_a, cls.clearing_b)
        )
        Run = cls.env["invoice.clearing.job.run"].sudo()
        cls.run_a, cls.run_b = (
            Run.create({"job_id": job.id, "number": 1}) for job in (cls.job_a, cls.job_b)
        )

    def test_jobs_of_another_company_are_invisible(self):
        for record, own in ((self.job_b, self.job_a), (self.run_b, self.run_a)):
            Model = self.env[record._name].with_user(self.manager)
            with self.subTest(model=record._name):
                self.assertIn(own, Model.search([]))
                self.assertNotIn(record, Model.search([]))
                with mute_logger("odoo.addons.base.models.ir_rule"), self.assertRaises(AccessError):
                    Model.browse(record.id).read(["display_name"])

    def test_every_role_reads_jobs_and_none_writes_them(self):
        for user in (self.clerk, self.manager, self.auditor):
            job = self.job_a.with_user(user)
            with self.subTest(user=user.login):
                self.assertEqual(job.read(["state"])[0]["state"], "queued")
                self.assertEqual(job.run_ids.number, 1)
                for attempt in (
                    lambda job=job: job.write({"state": "done"}),
                    lambda job=job: job.unlink(),
                    lambda job=job: job.run_ids.write({"outcome": "done"}),
                    lambda user=user: self.env["invoice.clearing.job"].with_user(user).create(
                        {"kind": "clearing", "res_model": "invoice.clearing",
                         "res_id": self.clearing_a.id, "company_id": self.company.id}
                    ),
                ):  # fmt: skip
                    with mute_logger("odoo.models"), self.assertRaises(AccessError):
                        attempt()
        self.assertEqual(self.job_a.state, "queued")
        # Nor through the clearing or the import that own them.
        with self.assertRaises(AccessError):
            self.clearing_a.with_user(self.manager).write({"job_id": False})
        batch = (
            self.env["invoice.clearing.import"]
            .sudo()
            .create({"date_from": MONTH, "date_to": MONTH_END, "file_name": "x.csv"})
        )
        with self.assertRaises(AccessError):
            batch.with_user(self.clerk).write({"job_id": self.job_a.id})

    def test_a_job_has_exactly_one_owner(self):
        Job = self.env["invoice.clearing.job"].sudo()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            Job.create({"kind": "clearing", "company_id": self.company.id})
        # A second queued or running job of the same clearing.
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            Job.create({"kind": "clearing", "res_model": "invoice.clearing",
                        "res_id": self.clearing_a.id, "company_id": self.company.id})  # fmt: skip


@tagged("post_install", "-at_install")
class TestJobMigration(ClearingCommon):
    """19.0.1.2.0: the former job columns, left in the tables by the upgrade, become jobs."""

    def old_columns(self):
        self.env.cr.execute(
            """ALTER TABLE invoice_clearing ADD COLUMN IF NOT EXISTS job_state varchar,
                   ADD COLUMN IF NOT EXISTS job_total int4, ADD COLUMN IF NOT EXISTS job_done int4,
                   ADD COLUMN IF NOT EXISTS job_last_id int4;
               ALTER TABLE invoice_clearing_import ADD COLUMN IF NOT EXISTS job_state varchar,
                   ADD COLUMN IF NOT EXISTS job_step varchar,
                   ADD COLUMN IF NOT EXISTS job_progress float8,
                   ADD COLUMN IF NOT EXISTS job_attempts int4"""
        )

    def test_old_columns_become_jobs_once(self):
        self.old_columns()
        before = self.env["invoice.clearing.job"].search([])
        running = self.new_clearing()
        immediate = self.new_clearing(scope="date", date_from=MONTH, date_to=MONTH_END)
        batch = (
            self.env["invoice.clearing.import"]
            .sudo()
            .create({"date_from": MONTH, "date_to": MONTH_END, "file_name": "x.csv",
                     "failure_reason": "Row 4: not a date"})
        )  # fmt: skip
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE invoice_clearing SET job_state = 'running', job_total = 6, job_done = 2,
                      job_last_id = 41, approved_by = %s WHERE id = %s""",
            [self.manager.id, running.id],
        )
        self.env.cr.execute(
            """UPDATE invoice_clearing_import SET job_state = 'failed', job_step = NULL,
                      job_progress = 0, job_attempts = 3 WHERE id = %s""",
            [batch.id],
        )
        for cron in ("ir_cron_clearing_jobs", "ir_cron_import_jobs"):
            self.env.ref(f"invoice_clearing.{cron}").write(
                {"model_id": self.env["ir.model"]._get_id("invoice.clearing"),
                 "code": "model._cron_run_jobs()"}
            )  # fmt: skip
        self.assertEqual(jobs_from_columns(self.env.cr), 2)
        self.env.invalidate_all()
        self.assertEqual(
            (running.job_state, running.job_total, running.job_done, running.job_last_id),
            ("running", 6, 2, 41),
        )
        self.assertAlmostEqual(running.job_progress, 100 * 2 / 6)
        self.assertEqual((running.job_id.user_id, running.job_id.kind), (self.manager, "clearing"))
        self.assertFalse(immediate.job_id)
        self.assertEqual((batch.job_state, batch.job_attempts), ("failed", 3))
        self.assertEqual(batch.job_id.failure_reason, "Row 4: not a date")
        for kind, cron in (
            ("clearing", "ir_cron_clearing_jobs"),
            ("import", "ir_cron_import_jobs"),
        ):
            record = self.env.ref(f"invoice_clearing.{cron}")
            self.assertEqual(
                (record.model_id.model, record.code),
                ("invoice.clearing.job", f"model._cron_run({kind!r})"),
            )
        jobs = running.job_id | batch.job_id
        self.assertEqual(jobs_from_columns(self.env.cr), 0, "idempotent")
        self.assertEqual(self.env["invoice.clearing.job"].search([]) - before, jobs)

    def test_migration_script(self):
        script = migration_script("19.0.1.2.0")
        script.migrate(self.env.cr, None)  # a fresh install: nothing to migrate
        self.old_columns()
        clearing = self.new_clearing()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE invoice_clearing SET job_state = 'done', job_total = 6, job_done = 6 WHERE id = %s",
            [clearing.id],
        )
        script.migrate(self.env.cr, "19.0.1.1.0")
        clearing.invalidate_recordset()
        self.assertEqual((clearing.job_state, clearing.job_progress), ("done", 100))
