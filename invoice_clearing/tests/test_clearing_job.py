"""Large clearings as a background job (后台清卡): batches, progress, interruption and resume."""

from datetime import date
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CronCommitsAsSavepoints
from .test_clearing import ClearingCommon


class SimulatedCrash(Exception):
    """The worker dies: everything since the job's last commit is lost."""


@tagged("post_install", "-at_install")
class TestClearingJob(CronCommitsAsSavepoints, ClearingCommon):
    def setUp(self):
        super().setUp()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("invoice_clearing.background_threshold", 3)  # the month has 6 fapiao
        params.set_param("invoice_clearing.background_batch_size", 2)
        self.scope = self.month_fapiao | self.voided

    def _start(self):
        clearing = self.new_clearing()
        result = clearing.with_user(self.manager).action_approve()
        self.assertEqual(result["params"]["type"], "info", clearing.failure_reason)
        self.assertEqual((clearing.state, clearing.job_state), ("draft", "running"))
        self.assertEqual((clearing.job_total, clearing.job_done), (6, 0))
        self.assertEqual(clearing.approved_by, self.manager)
        return clearing

    def test_job_interrupted_then_resumed(self):
        clearing = self._start()
        # First run: one batch, then the cron's time is up.
        self.time_left = [0]
        cron = self.env.ref("invoice_clearing.ir_cron_clearing_jobs")
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers = Trigger.search([("cron_id", "=", cron.id)])
        self.assertFalse(clearing._job_run())
        self.assertEqual(clearing.job_done, 2)
        # ... and it asks the cron workers to come back at once rather than after their sleep.
        [again] = Trigger.search([("cron_id", "=", cron.id)]) - triggers
        self.assertLessEqual(again.call_at, fields.Datetime.now())
        self.assertAlmostEqual(clearing.job_progress, 100 * 2 / 6)
        # Second run: the worker dies in the middle of the next batch.
        Clearing = type(clearing)
        freeze = Clearing._job_freeze_batch

        def freeze_then_die(record, size):
            freeze(record, size)
            raise SimulatedCrash

        with (
            patch.object(Clearing, "_job_freeze_batch", freeze_then_die),
            self.assertRaises(SimulatedCrash),
        ):
            self.env["invoice.clearing.job"]._cron_run("clearing")
        self._crash()

        # Consistent after the crash: the committed batch only, nothing cleared, no hash.
        self.assertEqual(
            (clearing.state, clearing.job_state, clearing.job_done), ("draft", "running", 2)
        )
        self.assertEqual(len(self.scope.filtered("clearing_id")), 2)
        self.assertFalse(clearing.hash)
        # The company stays locked, and the running clearing cannot be changed.
        other = self.new_clearing(
            scope="date", date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)
        )
        with self.assertRaisesRegex(UserError, "Another clearing of"):
            other.with_user(self.manager).action_approve()
        self.assertFalse(self.next_month.clearing_id)
        for method in ("action_check", "action_cancel"):
            with self.subTest(method=method), self.assertRaises(UserError):
                getattr(clearing.with_user(self.manager), method)()
        with self.assertRaises(UserError):
            clearing.with_user(self.manager).write({"date_to": date(2026, 10, 30)})
        with self.assertRaises(UserError):
            self.scope.filtered("clearing_id")[0].with_user(self.clerk).write({"note": "x"})

        # The restarted cron resumes after the last committed batch and finishes.
        self.env["invoice.clearing.job"]._cron_run("clearing")
        self.assertEqual((clearing.state, clearing.job_state), ("cleared", "done"))
        self.assertEqual(clearing.frozen_fapiao_ids, self.scope)
        self.assertEqual(clearing.job_done, 6)
        self.assertEqual(clearing.approved_by, self.manager)
        self.assertEqual(self.company.sale_lock_date, date(2026, 10, 31))
        invoices = self.env["invoice.clearing.integrity"]._invoice_lines_digest(clearing)[0]
        self.assertEqual(invoices, clearing.invoice_digest)
        Integrity = self.env["invoice.clearing.integrity"]
        digest = Integrity._fapiao_digest(clearing)
        self.assertEqual(Integrity._compute_hash(clearing, "", digest, invoices), clearing.hash)
        self.assertIn(self.manager.partner_id, clearing.message_ids[0].partner_ids, "notified")
        self.assertIn(clearing.hash, clearing.message_ids[0].body)
        # Same summary as a clearing done in one go.
        self.assertAlmostEqual(clearing.amount_untaxed, 1900.0)
        self.assertAlmostEqual(clearing.amount_tax, 233.0)
        # The company is free again.
        other.with_user(self.manager).action_approve()
        self.assertEqual(other.state, "cleared")

    def test_streamed_digest_equals_sql(self):
        clearing = self._start()
        self.env["invoice.clearing.job"]._cron_run("clearing")
        from odoo.tools import SQL

        HASHED_COLUMNS = self.env["invoice.clearing.fapiao"]._clearing_hash_columns(2)

        self.env.cr.execute(
            SQL(
                """SELECT encode(sha256(convert_to(string_agg(%s, E'\\n' ORDER BY id), 'UTF8')), 'hex')
                     FROM invoice_clearing_fapiao WHERE clearing_id = %s""",
                HASHED_COLUMNS,
                clearing.id,
            )
        )
        self.assertEqual(clearing.content_digest, self.env.cr.fetchone()[0])

    def test_failed_final_check_releases_every_batch(self):
        clearing = self._start()
        self.time_left = [0]
        clearing._job_run()
        self.assertEqual(clearing.job_done, 2)
        # Meanwhile a fapiao not frozen yet turns out unknown to the bureau.
        open_fapiao = self.scope.filtered(lambda f: not f.clearing_id and not f.void_date)[0]
        open_fapiao.with_user(self.clerk).uploaded = False
        self.env["invoice.clearing.job"]._cron_run("clearing")
        self.assertEqual((clearing.state, clearing.job_state), ("draft", "failed"))
        self.assertFalse(self.scope.filtered("clearing_id"), "never half-frozen")
        self.assertIn(open_fapiao.number, clearing.failure_reason)
        self.assertFalse(clearing.hash)
        self.assertFalse(
            self.company.sale_lock_date and self.company.sale_lock_date >= date(2026, 10, 1)
        )
        # Fixed, approved again: a new job clears it.
        open_fapiao.with_user(self.clerk).uploaded = True
        self._start_again(clearing)

    def _start_again(self, clearing):
        result = clearing.with_user(self.manager).action_approve()
        self.assertEqual(result["params"]["type"], "info")
        self.env["invoice.clearing.job"]._cron_run("clearing")
        self.assertEqual(clearing.state, "cleared")
        self.assertEqual(clearing.frozen_fapiao_ids, self.scope)
