"""The archive package (归档包): built after the clearing commits, equal to the clearing, kept."""

import base64
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import openpyxl

from odoo import SUPERUSER_ID
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.invoice_clearing_archive import CRON, PENDING_KEY, THRESHOLD_PARAM, queue_missing
from ..tools import archive_verify, clearing_integrity, clearing_summary
from ..tools.archive_package import FORMAT, ROLES
from .common import CronCommitsAsSavepoints
from .test_reports import ReportsCommon, pdf_text

XML = b'<?xml version="1.0" encoding="UTF-8"?><EInvoice><Header/></EInvoice>'


@tagged("post_install", "-at_install")
class ArchiveCommon(ReportsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Attachment = cls.env["ir.attachment"]
        cls.originals = {}
        for fapiao in cls.month_fapiao[:2]:
            cls.originals[fapiao.number] = Attachment.create(
                {"name": f"{fapiao.number}.xml", "raw": XML + fapiao.number.encode(),
                 "res_model": fapiao._name, "res_id": fapiao.id}
            )  # fmt: skip
        cls.bureau = (
            cls.env["invoice.clearing.import"]
            .sudo()
            .create(
                {
                    "company_id": cls.company.id,
                    "date_from": "2026-10-01",
                    "date_to": "2026-10-31",
                    "file": base64.b64encode(b"bureau export bytes"),
                    "file_name": "全量发票查询.csv",
                }
            )
        )
        cls.month_fapiao[:3].sudo().write({"uploaded_import_id": cls.bureau.id})
        # An October invoice with its fapiao: its journal items are in the data (hash v2).
        cls.month_fapiao[0].move_id = cls.posted_invoice(
            [(1000.0, cls.tax_13)], date=date(2026, 10, 15)
        )

    def clear_and_commit(self, **context):
        """Clear the month; then what runs after the approval's commit (a test never commits):
        the certificate, then the package."""
        clearing = self.new_clearing()
        clearing.with_user(self.manager).with_context(**context).action_submit()
        self.assertEqual(clearing.state, "cleared")
        self.assertFalse(clearing.archive_attachment_id, "never built inside the approval")
        self.assertIn(clearing.id, self.env.cr.postcommit.data[PENDING_KEY], "queued")
        self.attach_after_commit(clearing)
        return clearing

    def build_after_commit(self, clearing):
        Archive = self.env["invoice.clearing.archive"].with_context(force_report_rendering=True)
        return Archive.with_user(self.manager)._build_in_request(clearing, None)

    def read_package(self, attachment):
        self.assertEqual(attachment.mimetype, "application/zip")
        package = zipfile.ZipFile(io.BytesIO(attachment.raw))
        self.addCleanup(package.close)
        return package

    def check_package(self, clearing):
        """The package of `clearing` equals it: manifest, files, data, reports, originals."""
        attachment = clearing.archive_attachment_id
        self.assertEqual(attachment.name, f"{clearing.name.replace('/', '-')}-archive.zip")
        self.assertEqual((attachment.res_model, attachment.res_id), (clearing._name, clearing.id))
        # Stored as Odoo stores a file: its size and SHA-1 checksum, in the filestore.
        raw = attachment.raw
        self.assertEqual(attachment.file_size, len(raw))
        self.assertEqual(attachment.checksum, hashlib.sha1(raw).hexdigest())
        self.assertEqual(attachment.store_fname, f"{attachment.checksum[:2]}/{attachment.checksum}")
        package = self.read_package(attachment)
        names = package.namelist()
        self.assertEqual(names[-1], "manifest.json", "written last")
        manifest = json.loads(package.read("manifest.json"))
        self.assertEqual(manifest["format"], FORMAT)
        self.assertEqual(manifest["clearing"]["hash"], clearing.hash)
        self.assertEqual(manifest["clearing"]["name"], clearing.name)
        self.assertEqual(manifest["company"]["vat"], self.company.vat)
        files = {f["path"]: f for f in manifest["files"]}
        self.assertEqual(sorted(files), sorted(names[:-1]), "every file listed, nothing more")
        for path, entry in files.items():
            content = package.read(path)
            self.assertEqual(entry["sha256"], hashlib.sha256(content).hexdigest(), path)
            self.assertEqual(entry["size"], len(content), path)
            self.assertIn(entry["role"], ROLES)

        def role(path):
            return files[path]["role"]

        self.assertEqual(role("reports/certificate.pdf"), "certificate")
        self.assertEqual(package.read("reports/certificate.pdf"), clearing.certificate_id.raw)
        self.assertEqual(role("reports/summary.pdf"), "summary")
        summary = package.read("reports/summary.pdf")
        self.assertTrue(summary.startswith(b"%PDF"))
        self.assertIn(clearing.frozen_fapiao_ids[0].number, pdf_text(summary)[0])
        self.assertEqual(role("reports/clearing.xlsx"), "xlsx")
        workbook = openpyxl.load_workbook(io.BytesIO(package.read("reports/clearing.xlsx")))
        self.assertEqual(workbook.worksheets[0]["B1"].value, clearing.name)

        self.check_data(package, clearing)
        for path in ("data/clearing.json", "data/fapiao.txt", "data/invoice_lines.txt"):
            self.assertEqual(role(path), "data")

        # Every original of the scope, under its number; the bureau's export.
        for number, original in self.originals.items():
            path = f"originals/{number}/{number}.xml"
            self.assertEqual(role(path), "fapiao original")
            self.assertEqual(package.read(path), original.raw)
        path = f"bureau/{self.bureau.id}-全量发票查询.csv"
        self.assertEqual(role(path), "bureau export")
        self.assertEqual(package.read(path), b"bureau export bytes")
        return manifest

    def check_data(self, package, clearing):
        """The data the hash covers: counts, digests, and the hash recomputed from them."""
        data = json.loads(package.read("data/clearing.json"))
        frozen = clearing.frozen_fapiao_ids
        self.assertEqual(data["fapiao_count"], len(frozen))
        self.assertEqual(data["hash"], clearing.hash)
        fapiao_text = package.read("data/fapiao.txt")
        self.assertEqual(len(fapiao_text.split(b"\n")), len(frozen))
        self.assertEqual(hashlib.sha256(fapiao_text).hexdigest(), clearing.content_digest)
        lines = package.read("data/invoice_lines.txt").decode().split("\n")
        self.assertEqual(len(lines), data["invoice_line_count"])
        self.assertEqual([int(x.split()[0]) for x in lines], sorted(frozen.move_id.line_ids.ids))
        packed = b"".join(
            struct.pack(">i", int(i)) + bytes.fromhex(h) for i, h in (x.split() for x in lines)
        )
        self.assertEqual(hashlib.sha256(packed).hexdigest(), clearing.invoice_digest)
        recomputed = clearing_summary.clearing_hash(
            clearing_integrity.split_hash(data["previous_hash"] or "")[1],
            data["header"],
            data["summary"],
            data["fapiao_digest"],
            data["invoice_digest"],
        )
        self.assertEqual(clearing_integrity.split_hash(clearing.hash)[1], recomputed)


@tagged("post_install", "-at_install")
class TestClearingArchive(ArchiveCommon):
    def test_package_after_commit_equals_the_clearing(self):
        clearing = self.clear_and_commit(force_report_rendering=True)
        attachment = self.build_after_commit(clearing)
        self.assertEqual(clearing.archive_attachment_id, attachment)
        self.check_package(clearing)
        self.assertFalse(self.build_after_commit(clearing), "built once")

    def test_reopened_keeps_its_package_the_next_clearing_gets_its_own(self):
        first = self.clear_and_commit()
        package = self.build_after_commit(first)
        first.with_user(self.manager).action_reopen("a wrong rate")
        self.assertEqual(first.archive_attachment_id, package, "kept")
        self.assertFalse(self.build_after_commit(first), "a reopened clearing gets no other")
        second = self.clear_and_commit()
        other = self.build_after_commit(second)
        self.assertTrue(other)
        self.assertNotEqual(other, package)
        self.assertTrue(package.exists())
        manifest = json.loads(self.read_package(other).read("manifest.json"))
        self.assertEqual(manifest["clearing"]["previous_hash"], first.hash, "chained")

    def test_nobody_but_the_superuser_changes_or_deletes_it(self):
        clearing = self.clear_and_commit()
        package = self.build_after_commit(clearing)
        raw = package.raw
        for attachment in (package.with_user(self.manager), package.with_user(self.manager).sudo()):
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                attachment.unlink()
            with self.assertRaises(AccessError):
                attachment.write({"raw": b"forged"})
            with self.assertRaises(AccessError):
                attachment.write({"res_id": 0})
        other = self.env["ir.attachment"].create({"name": "other.zip", "raw": b"PK"})
        with self.assertRaises(AccessError):
            clearing.with_user(self.manager).sudo().archive_attachment_id = other
        self.assertEqual(clearing.archive_attachment_id, package)
        self.assertEqual(package.raw, raw)
        package.with_user(self.manager).write({"thumbnail": False})  # the chatter's preview
        package.with_user(SUPERUSER_ID).unlink()  # the superuser (an upgrade, a migration)
        self.assertFalse(package.exists())

    def test_without_certificate_it_waits_for_it(self):
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_submit()
        self.assertFalse(clearing.certificate_id)
        self.assertFalse(self.build_after_commit(clearing), "the certificate comes first")
        self.attach_after_commit(clearing)
        self.assertTrue(self.build_after_commit(clearing))


@tagged("post_install", "-at_install")
class TestClearingArchiveBackground(CronCommitsAsSavepoints, ArchiveCommon):
    def test_large_scope_is_built_by_a_job_the_same(self):
        self.env["ir.config_parameter"].sudo().set_param(THRESHOLD_PARAM, 3)
        clearing = self.clear_and_commit(force_report_rendering=True)
        self.assertFalse(self.build_after_commit(clearing), "not in the request")
        archive = self.env["invoice.clearing.archive"].search([("clearing_id", "=", clearing.id)])
        self.assertEqual(archive.job_id.state, "queued")
        self.assertEqual(archive.job_id.kind, "archive")
        self.assertFalse(self.build_after_commit(clearing), "one job at a time")
        self.assertEqual(len(clearing.env["invoice.clearing.archive"].search(
            [("clearing_id", "=", clearing.id)])), 1)  # fmt: skip
        self.env["invoice.clearing.job"].with_context(force_report_rendering=True)._cron_run(
            "archive"
        )
        self.assertEqual(archive.job_id.state, "done")
        self.check_package(clearing)

    def test_large_xlsx_comes_from_the_sliced_export(self):
        """Above `xlsx_part_rows` the package's XLSX is not written in the archive's one run
        (25 s of CPU per 200,000-fapiao file): the job waits for the clearing's background
        export, one file per run, and copies its files."""
        self.env["ir.config_parameter"].sudo().set_param("invoice_clearing.xlsx_part_rows", 2)
        clearing = self.clear_and_commit(force_report_rendering=True)
        self.assertGreater(clearing.fapiao_count, 2)
        self.assertFalse(self.build_after_commit(clearing), "handed to the background")
        archive = self.env["invoice.clearing.archive"].search([("clearing_id", "=", clearing.id)])
        Job = self.env["invoice.clearing.job"].with_context(force_report_rendering=True)
        Job._cron_run("archive")
        self.assertEqual(
            (archive.job_id.state, archive.job_id.run_ids.outcome), ("running", "paused")
        )
        self.assertFalse(clearing.archive_attachment_id)
        export = self.env["invoice.clearing.export"].search([("clearing_id", "=", clearing.id)])
        self.assertEqual(export.job_state, "queued", "the export was started")
        for _run in range(export.part_count):
            Job._cron_run("export")
        self.assertEqual(export.job_state, "done")
        Job._cron_run("archive")
        self.assertEqual(archive.job_id.state, "done")
        package = self.read_package(clearing.archive_attachment_id)
        manifest = json.loads(package.read("manifest.json"))
        parts = [f["path"] for f in manifest["files"] if f["role"] == "xlsx"]
        self.assertEqual(
            parts, [f"reports/clearing-{n}.xlsx" for n in range(1, export.part_count + 1)]
        )
        for path, part in zip(parts, export.attachment_ids.sorted("id"), strict=True):
            self.assertEqual(package.read(path), part.raw, path)

    def test_cron_builds_what_is_missing(self):
        """After a crash or an upgrade (the migration queues the cron): built by the cron."""
        clearing = self.clear_and_commit()
        cron = self.env.ref(CRON)
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search([("cron_id", "=", cron.id)])
        self.assertGreaterEqual(queue_missing(self.env.cr), 1)
        self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]) - before, "queued")
        Archive = self.env["invoice.clearing.archive"].with_context(force_report_rendering=True)
        Archive._cron_build_missing()
        self.assertTrue(self.commits, "committed clearing by clearing")
        self.check_package(clearing)
        self.assertEqual(queue_missing(self.env.cr), 0)


@tagged("post_install", "-at_install")
class TestDemoArchive(ArchiveCommon):
    def test_demo_cleared_month_has_its_package(self):
        """The demo approves its oldest month at install: its package was built after that
        commit, with the certificate and the data of its hash."""
        company = self.env.ref("invoice_clearing.demo_company", raise_if_not_found=False)
        if not company:
            self.skipTest("installed without demo data")
        [clearing] = (
            self.env["invoice.clearing"]
            .sudo()
            .search([("company_id", "=", company.id), ("state", "=", "cleared")])
        )
        package = self.read_package(clearing.archive_attachment_id)
        manifest = json.loads(package.read("manifest.json"))
        self.assertEqual(manifest["clearing"]["hash"], clearing.hash)
        self.assertEqual(package.read("reports/certificate.pdf"), clearing.certificate_id.raw)
        fapiao_text = package.read("data/fapiao.txt")
        self.assertEqual(hashlib.sha256(fapiao_text).hexdigest(), clearing.content_digest)
        roles = {f["role"] for f in manifest["files"]}
        self.assertLessEqual({"certificate", "summary", "xlsx", "data"}, roles)
        # Downloaded and checked as an auditor does: the lone verifier, isolated, no Odoo.
        with tempfile.TemporaryDirectory() as folder:
            shutil.copy(archive_verify.__file__, folder)
            Path(folder, "package.zip").write_bytes(clearing.archive_attachment_id.raw)
            done = subprocess.run(
                [sys.executable, "-I", "archive_verify.py", "package.zip"],
                cwd=folder, capture_output=True, text=True, timeout=120, check=False,
                env={"PATH": os.environ.get("PATH", "")},
            )  # fmt: skip
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertNotIn("Traceback", done.stderr)
