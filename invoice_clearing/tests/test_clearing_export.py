"""XLSX export of a large clearing in files, by a background job (后台导出)."""

import io
from unittest.mock import patch

import openpyxl

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CronCommitsAsSavepoints, role_user
from .test_clearing import ClearingCommon


class SimulatedCrash(Exception):
    """The worker dies: everything since the job's last commit is lost."""


@tagged("post_install", "-at_install")
class TestClearingExport(CronCommitsAsSavepoints, ClearingCommon):
    def setUp(self):
        super().setUp()
        self.clearing = self.new_clearing()
        self.clearing.with_user(self.manager).action_submit()
        self.assertEqual(self.clearing.state, "cleared")
        self.assertEqual(self.clearing.fapiao_count, 6)
        self.env["ir.config_parameter"].sudo().set_param("invoice_clearing.xlsx_part_rows", 4)
        self.auditor.lang = "en_US"  # the files are in the language of who asked

    def _fapiao_numbers(self, content):
        """The fapiao numbers of an XLSX, in order, and its title rows."""
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertIn("Fapiao", book.sheetnames)
        rows = list(book["Fapiao"].iter_rows(values_only=True))
        titles = dict(row[:2] for row in book["Summary"].iter_rows(values_only=True) if row[0])
        return [row[rows[0].index("Fapiao Number")] for row in rows[1:]], titles

    def test_small_clearing_downloads_at_once(self):
        self.env["ir.config_parameter"].sudo().set_param("invoice_clearing.xlsx_part_rows", 6)
        action = self.clearing.with_user(self.auditor).action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertFalse(self.clearing.export_ids)

    def test_large_clearing_exports_in_files_in_the_background(self):
        action = self.clearing.with_user(self.auditor).action_export_xlsx()
        self.assertEqual(action["params"]["type"], "info")
        self.assertIn("2 files of up to 4 fapiao", action["params"]["message"])
        export = self.clearing.export_ids
        self.assertEqual((export.part_count, export.part_rows), (2, 4))
        self.assertEqual((export.job_id.kind, export.job_state), ("export", "queued"))
        self.assertEqual(export.job_id.user_id, self.auditor)
        self.assertEqual(export.create_uid, self.auditor, "the auditor wrote nothing himself")

        Job = self.env["invoice.clearing.job"]
        Job._cron_run("export")  # one file per run
        self.assertEqual((export.job_state, export.job_id.done), ("running", 1))
        self.assertEqual(len(export.attachment_ids), 1)
        Job._cron_run("export")
        self.assertEqual(export.job_state, "done")
        self.assertEqual(len(export.job_id.run_ids), 2)
        files = export.attachment_ids.sorted("name")
        base = self.clearing.name.replace("/", "-")
        self.assertEqual(files.mapped("name"), [f"{base}-1-of-2.xlsx", f"{base}-2-of-2.xlsx"])

        # The files together are the single download, in its order, each fapiao once.
        Report = self.env["report.invoice_clearing.clearing_xlsx"].with_context(lang="en_US")
        _name, whole = Report._generate(self.clearing)
        expected, _titles = self._fapiao_numbers(whole)
        first, titles_1 = self._fapiao_numbers(files[0].raw)
        second, titles_2 = self._fapiao_numbers(files[1].raw)
        self.assertEqual((len(first), len(second)), (4, 2))
        self.assertEqual(first + second, expected)
        self.assertEqual((titles_1["File"], titles_2["File"]), ("1 of 2", "2 of 2"))
        self.assertEqual(titles_2["SHA-256"], self.clearing.hash, "each file has the header")

        # The auditor is notified with the files, and may read them; nobody may change them.
        note = self.env["mail.message"].search(
            [("model", "=", export._name), ("res_id", "=", export.id),
             ("partner_ids", "in", self.auditor.partner_id.ids)]
        )  # fmt: skip
        self.assertIn("2 files of up to 4 fapiao", str(note.body))
        self.assertEqual(note.attachment_ids, export.attachment_ids)
        self.assertEqual(files[0].with_user(self.auditor).raw, files[0].raw)
        with self.assertRaises(AccessError):
            export.with_user(self.clerk).write({"part_rows": 1})

    def test_a_killed_run_resumes_at_its_file_and_three_stalled_runs_fail(self):
        self.clearing.with_user(self.auditor).action_export_xlsx()
        export = self.clearing.export_ids
        Job = self.env["invoice.clearing.job"]
        Job._cron_run("export")
        self.assertEqual((export.job_id.done, len(export.attachment_ids)), (1, 1))
        Report = type(self.env["report.invoice_clearing.clearing_xlsx"])
        # The worker dies writing file 2, three times in a row: the next pickup fails the job.
        with patch.object(Report, "_write", side_effect=SimulatedCrash):
            for _attempt in range(3):
                try:
                    Job._cron_run("export")
                except SimulatedCrash:
                    self._crash()
        self.assertEqual(export.job_state, "running", "file 1 was progress")
        Job._cron_run("export")
        runs = export.job_id.run_ids.sorted("number")
        self.assertEqual(runs.mapped("outcome"), ["paused"] + ["interrupted"] * 3)
        self.assertEqual(export.job_state, "failed")
        self.assertIn("3", export.job_id.failure_reason)
        self.assertFalse(export.attachment_ids, "an export is whole or absent")

    def test_a_killed_run_writes_its_file_again_and_the_export_completes(self):
        self.clearing.with_user(self.auditor).action_export_xlsx()
        export = self.clearing.export_ids
        Job = self.env["invoice.clearing.job"]
        Job._cron_run("export")
        Report = type(self.env["report.invoice_clearing.clearing_xlsx"])
        with patch.object(Report, "_write", side_effect=SimulatedCrash):
            try:
                Job._cron_run("export")
            except SimulatedCrash:
                self._crash()
        Job._cron_run("export")
        self.assertEqual(export.job_state, "done")
        self.assertEqual(export.job_id.run_ids.sorted("number").mapped("outcome"),
                         ["paused", "interrupted", "done"])  # fmt: skip
        base = self.clearing.name.replace("/", "-")
        self.assertEqual(export.attachment_ids.sorted("name").mapped("name"),
                         [f"{base}-1-of-2.xlsx", f"{base}-2-of-2.xlsx"])  # fmt: skip

    def test_failed_export_keeps_no_file(self):
        self.clearing.with_user(self.clerk).action_export_xlsx()
        export = self.clearing.export_ids
        self.env["invoice.clearing.job"]._cron_run("export")
        self.assertEqual(len(export.attachment_ids), 1)
        export.job_id.sudo()._fail("disk full")  # as the cron's job does
        self.assertEqual(export.job_state, "failed")
        self.assertFalse(export.attachment_ids)
        self.assertIn("disk full", str(export.message_ids[0].body))

    def test_other_company_sees_no_export(self):
        self.clearing.with_user(self.auditor).action_export_xlsx()
        other = self.env["res.company"].create({"name": "Other Co"})
        stranger = role_user(
            self.env, "ic_other_auditor", "invoice_clearing.group_clearing_auditor", other
        )
        Export = self.env["invoice.clearing.export"]
        self.assertEqual(Export.with_user(self.auditor).search_count([]), 1)
        self.assertEqual(Export.with_user(stranger).search_count([]), 0)
