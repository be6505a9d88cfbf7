"""Large bureau exports imported in the background (后台导入): batches, progress, interruption."""

from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from ..demo import bureau_export_file as bf
from ..models import invoice_clearing_import as import_model
from ..tools import bureau_export as be
from .common import CronCommitsAsSavepoints
from .test_import import MONTH, MONTH_END, MONTH_OUTCOMES, BureauImportCommon


class SimulatedCrash(Exception):
    """The worker dies: everything since the job's last commit is lost."""


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestImportJob(CronCommitsAsSavepoints, BureauImportCommon):
    """The month of test_import, imported as a large file: every file is above the threshold."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(
            "invoice_clearing.import_background_bytes", 100
        )
        chunk = patch.object(import_model, "JOB_LINE_CHUNK", 3)  # 9 lines: 3 batches
        chunk.start()
        self.addCleanup(chunk.stop)

    def queue(self, data=None, file_name="export.xlsx"):
        uploaded = self.f_text.uploaded
        batch = self.do_import(data or bf.write_export_xlsx(self.month_rows()), file_name=file_name)
        self.assertEqual((batch.state, batch.job_state), ("processing", "queued"))
        self.assertFalse(batch.line_ids)
        self.assertEqual(self.f_text.uploaded, uploaded, "nothing changes before the job ran")
        return batch

    def run_cron(self):
        self.env["invoice.clearing.job"]._cron_run("import")
        self.env.invalidate_all()

    # ------------------------------------------------------------------ tests
    def test_large_file_is_queued_then_imported_by_the_cron(self):
        cron = self.env.ref("invoice_clearing.ir_cron_import_jobs")
        triggers = self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", cron.id)])
        batch = self.queue()
        self.assertGreater(
            self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id)]),
            len(triggers),
            "queuing wakes the cron",
        )
        self.assertIn(batch.file_name, batch.message_ids[0].body)
        self.run_cron()
        self.assertEqual((batch.job_state, batch.state, batch.job_progress), ("done", "open", 100))
        self.assertEqual(batch.row_count, 8)
        self.assertEqual(self.outcomes(batch), MONTH_OUTCOMES)
        self.assertTrue(self.f_text.uploaded)
        self.assertFalse(self.f_missing.uploaded)
        self.assertEqual(self.f_text.uploaded_import_id, batch)
        # Committed: the run's opening, the reconciled lines, the outcome.
        self.assertEqual(self.commits, 3)
        bodies = batch.message_ids.mapped("body")
        # In the importer's language (the demo clerk's is Chinese).
        self.assertEqual(self.clerk.lang, "zh_CN")
        self.assertIn("后台导入已完成", bodies[0])
        self.assertTrue(
            any(self.clerk.name in b and "将 6 张发票标记为已上传" in b for b in bodies), bodies
        )
        self.assertEqual(batch.message_ids[0].partner_ids, self.clerk.partner_id)
        self.assertEqual(
            batch.message_ids[0].author_id, self.clerk.partner_id, "run as the importer"
        )

    def snapshot(self, batch):
        """What an import leaves, ids aside: its lines, state, counts and the register's flags."""
        self.env.invalidate_all()
        lines = sorted(
            (line.row_number or 0, line.number, line.outcome, line.resolved, line.fapiao_id.id,
             line.message or "", tuple(line.candidate_move_ids.ids))
            for line in batch.line_ids
        )  # fmt: skip
        fapiao = self.env["invoice.clearing.fapiao"].search(
            [("company_id", "=", self.company.id)], order="id"
        )
        return {
            "import": (batch.state, batch.job_state, batch.row_count, batch.count_unresolved),
            "lines": lines,
            "flags": [(f.id, f.uploaded, f.uploaded_import_id == batch) for f in fapiao],
            "messages": len(batch.message_ids),
        }

    def import_straight(self, data):
        """The outcome of one uninterrupted run, then rolled back."""
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT straight")
        batch = self.queue(data)
        self.run_cron()
        self.assertEqual(batch.job_id.attempts, 1)
        outcome = self.snapshot(batch)
        self.env.cr.execute("ROLLBACK TO SAVEPOINT straight")
        self.env.invalidate_all()
        return outcome

    def test_a_used_up_time_slice_pauses_between_the_stages(self):
        """The slice ends after the reconciled lines are committed: the next run applies the
        outcome without reading the file again, as one long run would have."""
        data = bf.write_export_xlsx(self.month_rows())
        straight = self.import_straight(data)
        batch = self.queue(data)
        cron = self.env.ref("invoice_clearing.ir_cron_import_jobs")
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers = Trigger.search_count([("cron_id", "=", cron.id)])
        self.time_left = [float("inf"), 0]  # the run's opening, then the reconciled lines
        self.run_cron()
        self.assertEqual((batch.job_state, batch.state), ("running", "processing"))
        self.assertEqual(batch.job_id.run_ids.mapped("outcome"), ["paused"])
        self.assertEqual(len(batch.line_ids), 9, "the lines are committed")
        self.assertFalse(self.f_text.uploaded, "the outcome is all or nothing")
        self.assertGreater(Trigger.search_count([("cron_id", "=", cron.id)]), triggers)
        with patch.object(be, "parse_export", side_effect=AssertionError("parsed again")):
            self.run_cron()
        self.assertEqual(batch.job_id.run_ids.sorted("number").mapped("outcome"),
                         ["paused", "done"])  # fmt: skip
        self.assertEqual(self.snapshot(batch), straight)

    def test_the_time_budget_parameter_ends_the_slice(self):
        """invoice_clearing.job_time_budget bounds a cron run, whatever Odoo's hint says."""
        self.env["ir.config_parameter"].sudo().set_param("invoice_clearing.job_time_budget", 0)
        batch = self.queue()
        self.run_cron()
        self.assertEqual((batch.job_state, batch.job_id.run_ids.outcome), ("running", "paused"))
        self.run_cron()
        self.assertEqual((batch.job_state, batch.state, batch.job_attempts), ("done", "open", 2))
        self.assertEqual(self.outcomes(batch), MONTH_OUTCOMES)
        self.assertTrue(all(run.cpu_time > 0 for run in batch.job_id.run_ids))

    def test_interrupted_runs_resume_after_their_last_commit(self):
        data = bf.write_export_xlsx(self.month_rows())
        straight = self.import_straight(data)
        batch = self.queue(data)
        # Run 1: the worker dies while storing the lines: nothing of the stage is kept.
        original = import_model.InvoiceClearingImport._insert_lines
        calls = []

        def die_on_third(this, lines):
            calls.append(len(lines))
            if len(calls) == 3:
                raise SimulatedCrash
            return original(this, lines)

        # Not assertRaises: its savepoint would take the job's "commits" with it.
        with patch.object(import_model.InvoiceClearingImport, "_insert_lines", die_on_third):
            try:
                self.run_cron()
            except SimulatedCrash:
                self._crash()
        self.assertEqual(calls, [3, 3, 3])
        self.assertEqual((batch.job_state, batch.state), ("running", "processing"))
        self.assertFalse(batch.line_ids, "the reconciled lines are one stage")
        # Run 2: the lines are committed, then the worker dies applying the outcome.
        Fapiao = type(self.env["invoice.clearing.fapiao"])
        with patch.object(Fapiao, "_set_uploaded_by_import", side_effect=SimulatedCrash):
            try:
                self.run_cron()
            except SimulatedCrash:
                self._crash()
        self.assertEqual((batch.job_state, batch.state), ("running", "processing"))
        self.assertEqual(len(batch.line_ids), 9)
        self.assertFalse(self.f_text.uploaded, "the outcome is all or nothing")
        # Lines of a running import cannot be resolved.
        with self.assertRaises(UserError):
            batch.line_ids[:1].with_user(self.clerk).action_mark_resolved()
        # Run 3 resumes after the committed lines: the file is not read again.
        with patch.object(be, "parse_export", side_effect=AssertionError("parsed again")):
            self.run_cron()
        runs = batch.job_id.run_ids.sorted("number")
        self.assertEqual(runs.mapped("outcome"), ["interrupted", "interrupted", "done"])
        self.assertEqual(runs.mapped("processed"), [0, 9, 0])
        self.assertEqual(self.snapshot(batch), straight, "the same outcome as one long run")

    def test_interruptions_after_progress_do_not_fail_the_job(self):
        """Three runs in a row without progress fail a job, not runs that committed some."""
        batch = self.queue()
        job = batch.job_id.sudo()
        job.write({"state": "running", "attempts": 3})
        Run = self.env["invoice.clearing.job.run"].sudo()
        for number in (1, 2, 3):
            Run.create({"job_id": job.id, "number": number, "outcome": "interrupted",
                        "processed": 9 if number == 2 else 0})  # fmt: skip
        self.run_cron()
        self.assertEqual((batch.job_state, batch.state, job.attempts), ("done", "open", 4))

    def test_too_many_interruptions_fail_the_job(self):
        batch = self.queue()
        batch.job_id.sudo().write({"state": "running", "attempts": 3})
        with self.assertLogs(import_model._logger.name, "WARNING") as logs:  # for the operator
            self.run_cron()
        self.assertEqual((batch.job_state, batch.state), ("failed", "failed"))
        self.assertIn("3", batch.failure_reason)
        self.assertIn(batch.name, logs.output[0])
        self.assertFalse(batch.line_ids)

    def test_refused_file_fails_with_the_reason_and_can_be_retried(self):
        rows = self.month_rows()
        rows[0]["issue_date"] = "not a date"
        data = bf.write_export_xlsx(rows)
        batch = self.queue(data)
        with self.assertLogs(import_model._logger.name, "WARNING") as logs:  # for the operator
            self.run_cron()
        self.assertEqual((batch.job_state, batch.state), ("failed", "failed"))
        self.assertIn("第 4 行", batch.failure_reason, "the row, in the importer's language")
        self.assertIn(batch.failure_reason, logs.output[0])
        self.assertIn("开票日期", batch.failure_reason)
        self.assertFalse(batch.line_ids)
        self.assertFalse(self.f_text.uploaded, "nothing imported or changed")
        self.assertIn(batch.failure_reason.splitlines()[-1], batch.message_ids[0].body)
        self.assertEqual(batch.message_ids[0].partner_ids, self.clerk.partner_id)
        # The same file again re-queues it (the fingerprint is unique per company).
        again = self.do_import(data)
        self.assertEqual((again, again.job_state), (batch, "queued"))
        batch.job_id.sudo().state = "failed"
        batch.with_user(self.clerk).action_retry()
        self.assertEqual(batch.job_state, "queued")

    def test_one_import_of_a_company_at_a_time(self):
        export = bf.write_export_xlsx(self.month_rows())  # stamped to the second: written once
        batch = self.queue(export)
        with self.assertRaises(UserError) as caught:
            self.do_import(bf.write_export_csv(self.csv_rows(), "gb18030"), file_name="x.csv")
        self.assertIn(batch.name, str(caught.exception))
        self.assertIn("%", str(caught.exception))
        self.assertEqual(self.do_import(export), batch, "the same file opens its import")

    def test_small_files_stay_immediate(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "invoice_clearing.import_background_bytes", 10 * 1024 * 1024
        )
        batch = self.do_import(bf.write_export_xlsx(self.month_rows()))
        self.assertEqual((batch.job_state, batch.state), (False, "open"))
        self.assertEqual(self.commits, 0)

    def test_background_import_supersedes_only_when_done(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "invoice_clearing.import_background_bytes", 10 * 1024 * 1024
        )
        first = self.do_import(bf.write_export_xlsx(self.month_rows()))
        self.env["ir.config_parameter"].sudo().set_param(
            "invoice_clearing.import_background_bytes", 100
        )
        second = self.queue(bf.write_export_csv(self.csv_rows(), "gb18030"), "export.csv")
        self.assertFalse(first.superseded_by_id, "the running import supersedes nothing yet")
        clearing = (
            self.env["invoice.clearing"]
            .with_user(self.clerk)
            .create({"scope": "date", "date_from": MONTH, "date_to": MONTH_END})
        )
        clearing.action_check()
        self.assertTrue(clearing.problem_ids.filtered(lambda p: "differ from" in p.message))
        self.run_cron()
        self.assertEqual((first.superseded_by_id, first.state), (second, "superseded"))

    # ------------------------------------------------------------ stage 1 in slices
    def slices(self, rows):
        """Stage 1 of a bigger file: `rows` rows per parsed slice (9 below the header: 3 slices)."""
        patcher = patch.object(import_model, "JOB_PARSE_ROWS", rows)
        patcher.start()
        self.addCleanup(patcher.stop)

    def chunks(self, batch):
        return (
            self.env["invoice.clearing.import.chunk"]
            .sudo()
            .search([("import_id", "=", batch.id), ("kind", "=", "rows")])
        )

    def test_the_file_is_parsed_in_committed_slices_and_resumed_after_a_kill(self):
        """The file is read once and staged; each slice is parsed in its own transaction; a run
        paused or killed mid stage 1 resumes after the last committed slice, and the outcome
        is the one of a single run."""
        data = bf.write_export_xlsx(self.month_rows())
        straight = self.import_straight(data)  # one slice: read, reconciled, stored at once
        self.slices(3)
        batch = self.queue(data)
        # Run 1: the run's opening, the staged cells, the first slice: then its time is up.
        self.time_left = [float("inf"), float("inf"), 0]
        self.run_cron()
        self.assertEqual((batch.job_state, batch.state), ("running", "processing"))
        self.assertEqual(batch.job_id.run_ids.mapped("outcome"), ["paused"])
        self.assertEqual(self.chunks(batch).mapped("parsed"), [True, False, False])
        self.assertEqual(self.chunks(batch).mapped("start"), [0, 3, 6])
        self.assertFalse(batch.line_ids)
        self.assertFalse(self.f_text.uploaded, "nothing is applied before the last stage")
        # Run 2: parses the second slice, committed, then the worker dies on the third.
        parse = be.parse_cells_slice
        calls = []

        def die_on_second(*args, **kwargs):
            calls.append(args[2])
            if len(calls) == 2:
                raise SimulatedCrash
            return parse(*args, **kwargs)

        with (
            patch.object(be, "read_export_cells", side_effect=AssertionError("read again")),
            patch.object(be, "parse_cells_slice", die_on_second),
        ):
            try:
                self.run_cron()
            except SimulatedCrash:
                self._crash()
        self.assertEqual(calls, [3, 6], "each slice from its own first row")
        self.assertEqual(self.chunks(batch).mapped("parsed"), [True, True, False])
        self.assertFalse(batch.line_ids)
        # Run 3 parses the last slice, reconciles and applies: the file is not read again.
        with patch.object(be, "read_export_cells", side_effect=AssertionError("read again")):
            self.run_cron()
        runs = batch.job_id.run_ids.sorted("number")
        self.assertEqual(runs.mapped("outcome"), ["paused", "interrupted", "done"])
        self.assertFalse(
            self.env["invoice.clearing.import.chunk"].sudo().search([("import_id", "=", batch.id)]),
            "the staged slices are removed with the stage",
        )
        self.assertEqual(self.snapshot(batch), straight, "the same outcome as one long run")

    def test_a_bad_row_in_a_later_slice_refuses_the_file_as_one_run_does(self):
        """Row errors of every slice are listed together, the same message as when the file is
        one slice, and nothing is imported or changed; a row repeated in another slice too."""
        rows = self.month_rows()
        rows[1]["issue_date"] = "not a date"  # first slice
        rows[7]["amount_total"] = "abc"  # last slice
        rows.append(dict(rows[0]))  # listed again, two slices later
        data = bf.write_export_xlsx(rows)
        one_run = self.queue(data)
        self.run_cron()
        self.assertEqual(one_run.job_state, "failed")
        expected = one_run.failure_reason
        self.assertIn("第 5 行", expected)
        self.assertIn("第 11 行", expected)
        self.assertIn("第 12 行", expected)
        one_run.sudo().unlink()
        self.slices(3)
        batch = self.queue(data)
        self.run_cron()
        self.assertEqual((batch.job_state, batch.state), ("failed", "failed"))
        self.assertGreater(batch.job_id.run_ids.processed, 0, "the first slices were parsed")
        self.assertEqual(batch.failure_reason, expected)
        self.assertFalse(batch.line_ids)
        self.assertFalse(self.f_text.uploaded, "nothing imported or changed")
        self.assertFalse(
            self.env["invoice.clearing.import.chunk"].sudo().search([("import_id", "=", batch.id)])
        )

    def test_slices_are_reconciled_one_by_one_and_resumed_after_a_kill(self):
        """Each slice is reconciled against the register it names and its lines committed; a
        run killed while storing a slice's lines resumes with that slice, and the lines of the
        period's fapiao the file lacks come last: the outcome of a single run."""
        data = bf.write_export_xlsx(self.month_rows())
        straight = self.import_straight(data)
        self.slices(3)
        batch = self.queue(data)
        original = import_model.InvoiceClearingImport._insert_lines
        calls = []

        def die_on_second(this, lines):
            calls.append(len(lines))
            if len(calls) == 2:
                raise SimulatedCrash
            return original(this, lines)

        with patch.object(import_model.InvoiceClearingImport, "_insert_lines", die_on_second):
            try:
                self.run_cron()
            except SimulatedCrash:
                self._crash()
        self.assertEqual(calls, [3, 3], "a slice's rows, one slice at a time")
        self.assertEqual(self.chunks(batch).mapped("reconciled"), [True, False, False])
        self.assertEqual(len(batch.line_ids), 3, "the first slice's lines are committed")
        self.assertFalse(self.f_text.uploaded, "nothing is applied before the last stage")
        with patch.object(be, "read_export_cells", side_effect=AssertionError("read again")):
            self.run_cron()
        self.assertEqual(batch.job_id.run_ids.sorted("number").mapped("outcome"),
                         ["interrupted", "done"])  # fmt: skip
        self.assertEqual(self.snapshot(batch), straight, "the same outcome as one long run")

    def test_a_row_outside_the_period_in_a_later_slice_refuses_the_file_as_one_run_does(self):
        rows = self.month_rows()
        rows[6]["issue_date"] = "2026-09-30 10:00:00"  # third slice
        data = bf.write_export_xlsx(rows)
        one_run = self.queue(data)
        self.run_cron()
        self.assertEqual(one_run.job_state, "failed")
        expected = one_run.failure_reason
        self.assertIn("2026-09-30", expected)
        one_run.sudo().unlink()
        self.slices(3)
        batch = self.queue(data)
        self.run_cron()
        self.assertEqual((batch.job_state, batch.state), ("failed", "failed"))
        self.assertEqual(batch.failure_reason, expected)
        self.assertFalse(batch.line_ids, "the first slices' lines are removed")
        self.assertFalse(self.f_text.uploaded, "nothing imported or changed")
