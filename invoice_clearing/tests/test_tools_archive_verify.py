"""The archive verifier (tools/archive_verify.py) on packages written by the tests: a sound
package passes; each tamper is named by its file and property with exit status 1, also when
run as a lone file by `python3 -I` where Odoo cannot be imported."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

from odoo.addons.invoice_clearing.tools import archive_verify, clearing_summary

from .archive_files import PDF, XML, clearing_files, report_files, rewrite, write_package
from .tools_case import ToolsCase, parametrize

VERIFIER = Path(archive_verify.__file__)


class TestArchiveVerify(ToolsCase):
    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="archive_verify_"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        head, data = clearing_files()
        self.head = head
        self.package = write_package(self.tmp / "package.zip", head, data + report_files())

    def findings(self, path, previous=None, lang="en"):
        report = archive_verify.verify(path, previous, lang)
        return report, {(f.path, f.prop) for f in report.findings}

    def cli(self, *args):
        """Run the verifier as an auditor does: the lone file, isolated, no Odoo importable."""
        alone = self.tmp / "alone"
        alone.mkdir(exist_ok=True)
        shutil.copy(VERIFIER, alone / "archive_verify.py")
        done = subprocess.run(
            [sys.executable, "-I", "archive_verify.py", *map(str, args)],
            cwd=alone, capture_output=True, text=True, timeout=120, check=False,
            env={"PATH": os.environ.get("PATH", "")},
        )  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr
        return done.returncode, done.stdout.splitlines()

    # ------------------------------------------------------------ the hash, one implementation
    def test_clearing_hash_is_the_one_sealed_before_it_moved(self):
        """Known answers computed by the clearing hash before it moved here: it did not drift."""
        header = {
            "name": "QK/2026/10/0001", "company": 1, "scope": "period",
            "date_from": "2026-10-01", "date_to": "2026-10-31", "number_list": "",
            "prepared_by": 2, "approved_by": 6, "cleared_at": "2026-11-05 09:30:00",
            "filing_date": "2026-11-10", "filing": "6.00:200.00:12.00;13.00:1700.00:221.00",
        }  # fmt: skip
        zero = dict.fromkeys(archive_verify.SUMMARY_MEASURES, 0)
        lines = [
            {**zero, "fapiao_type": "vat_special", "tax_rate": 13.0, "blue_count": 3,
             "blue_amount": 1700.0, "blue_tax": 221.0, "red_count": 1, "red_amount": -50.5,
             "red_tax": -6.57, "void_blue_count": 1, "void_blue_amount": 20.0,
             "void_blue_tax": 2.6, "void_red_amount": 0.0, "void_red_tax": 0.0},
            {**zero, "fapiao_type": "digital_general", "tax_rate": 6.0, "blue_count": 1,
             "blue_amount": 200.0, "blue_tax": 12.0},
        ]  # fmt: skip
        assert clearing_summary.clearing_hash is archive_verify.clearing_hash
        assert archive_verify.clearing_hash("ab" * 32, header, lines, "f" * 64) == (
            "b1eb184b1c0121dc71d4c562cd2bf0a68fdb60516fc941fe9779ccdc93b131f8"
        )
        assert archive_verify.clearing_hash("ab" * 32, header, lines, "f" * 64, "e" * 64) == (
            "7fe5c09678f0cf5954159cc565c1edd409e37198ba71116cefa2481e2959aa8a"
        )

    def test_digests_are_the_data_files_and_postgresql_forms(self):
        texts = ["1|a", "2|b", "3|c"]
        whole = archive_verify.FapiaoDigest()
        data = whole.chunk(texts)
        parts = archive_verify.FapiaoDigest()
        chunked = parts.chunk(texts[:2]) + parts.chunk(texts[2:])
        assert data == chunked == b"1|a\n2|b\n3|c"
        assert whole.hexdigest() == parts.hexdigest() == hashlib.sha256(data).hexdigest()
        assert (whole.count, archive_verify.FapiaoDigest().hexdigest()) == (
            3,
            hashlib.sha256(b"").hexdigest(),
        )
        digest = archive_verify.InvoiceLinesDigest()
        rows = [(5, b"\xaa" * 32), (70000, b"\xbb" * 32)]
        assert digest.chunk(rows) == f"5 {'aa' * 32}\n70000 {'bb' * 32}".encode()
        expected = b"\x00\x00\x00\x05" + b"\xaa" * 32 + b"\x00\x01\x11\x70" + b"\xbb" * 32
        assert digest.hexdigest() == hashlib.sha256(expected).hexdigest()

    # ------------------------------------------------------------ a sound package
    def test_sound_package_passes_in_a_lone_isolated_python(self):
        status, lines = self.cli(self.package)
        assert status == 0, lines
        assert lines[-1].startswith("OK: 6 files"), lines
        assert self.head["hash"] in lines[-1]
        status, lines = self.cli(self.package, "--lang", "zh_CN")
        assert status == 0 and lines[-1].startswith("通过"), lines

    @parametrize("version", [1, 2])
    def test_each_hash_version_verifies(self, version):
        head, data = clearing_files(version=version)
        package = write_package(self.tmp / f"v{version}.zip", head, data)
        report, _found = self.findings(package)
        assert report.ok, report.lines()
        assert ("data/invoice_lines.txt" in {path for path, _role, _data in data}) == (version >= 2)

    def test_chained_previous_package(self):
        head, data = clearing_files("QK/2026/11/0001", previous_hash=self.head["hash"])
        following = write_package(self.tmp / "november.zip", head, data)
        report, _found = self.findings(following, self.package)
        assert report.ok, report.lines()

    # ------------------------------------------------------------ tampers
    def tamper(self, **kwargs):
        return rewrite(self.package, self.tmp / "tampered.zip", **kwargs)

    def assert_named(self, package, path, prop, previous=None):
        report, found = self.findings(package, previous)
        assert (path, prop) in found, report.lines()
        status, lines = self.cli(package, *([previous] if previous else []))
        assert status == 1
        assert any(line.startswith(f"{path}: {prop}: ") for line in lines), lines
        assert lines[-1].startswith("FAILED"), lines
        return report

    def test_byte_changed_in_a_pdf(self):
        def change(name, data):
            return data.replace(b"Catalog", b"Catalof") if name == "reports/summary.pdf" else data

        report = self.assert_named(self.tamper(change=change), "reports/summary.pdf", "integrity")
        assert "SHA-256" in report.lines()[0]

    def test_fapiao_line_changed_with_its_manifest_entry(self):
        """Whoever edits a fapiao and the manifest's digest still breaks the clearing's hash."""
        changed = {}

        def change(name, data):
            if name == "data/fapiao.txt":
                data = data.replace(b"|1000.00|130.00|1130.00|", b"|100.00|13.00|113.00|")
                changed["sha"], changed["size"] = hashlib.sha256(data).hexdigest(), len(data)
            return data

        def manifest(content):
            for entry in content["files"]:
                if entry["path"] == "data/fapiao.txt":
                    entry.update(sha256=changed["sha"], size=changed["size"])

        package = self.tamper(change=change, manifest=manifest)
        report = self.assert_named(package, "data/fapiao.txt", "authenticity")
        assert {(f.path, f.prop) for f in report.findings} == {
            ("data/fapiao.txt", "authenticity"),  # its digest
            ("data/clearing.json", "authenticity"),  # and the clearing's hash
        }, report.lines()

    def test_file_removed(self):
        self.assert_named(self.tamper(drop={"reports/certificate.pdf"}), "reports/certificate.pdf",
                          "integrity")  # fmt: skip

    def test_file_added(self):
        self.assert_named(self.tamper(add=[("reports/extra.pdf", PDF)]), "reports/extra.pdf",
                          "integrity")  # fmt: skip

    def test_manifest_digest_edited(self):
        def manifest(content):
            content["files"][-1]["sha256"] = "0" * 64

        path = json.loads(zipfile.ZipFile(self.package).read("manifest.json"))["files"][-1]["path"]
        self.assert_named(self.tamper(manifest=manifest), path, "integrity")

    @parametrize(
        "name, key",
        [("../evil.pdf", "dotdot"), ("originals/../../evil.xml", "dotdot"),
         ("/etc/evil.pdf", "absolute"), ("C:/evil.pdf", "absolute")],
    )  # fmt: skip
    def test_path_escaping_the_folder(self, name, key):
        package = self.tamper(add=[(name, PDF)])
        self.assert_named(package, name, "safety")
        report, _found = self.findings(package)
        assert archive_verify.message("en", key) in " ".join(report.lines())

    def test_symbolic_link(self):
        info = zipfile.ZipInfo("originals/26312000000000099999/link.xml")
        info.external_attr = (0o120777 << 16) | 0x20
        package = self.tamper()
        with zipfile.ZipFile(package, "a") as archive:
            archive.writestr(info, "/etc/passwd")
        self.assert_named(package, info.filename, "safety")

    def test_duplicate_name(self):
        package = self.tamper()
        with zipfile.ZipFile(package, "a") as archive, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of the duplicate it writes
            archive.writestr("reports/summary.pdf", PDF + b"%% other")
        self.assert_named(package, "reports/summary.pdf", "safety")

    def test_zip_bomb_is_refused_without_inflating_it(self):
        package = self.tamper()
        with (
            zipfile.ZipFile(package, "a", zipfile.ZIP_DEFLATED) as archive,
            archive.open("reports/bomb.pdf", "w", force_zip64=True) as handle,
        ):
            for _ in range(200):  # 200 MB of zeros, about 200 KB compressed
                handle.write(bytes(1 << 20))
        start = time.monotonic()
        report = self.assert_named(package, "reports/bomb.pdf", "safety")
        assert time.monotonic() - start < 30
        assert "zip bomb" in " ".join(report.lines())

    def test_wrong_previous_package(self):
        head, data = clearing_files("QK/2026/11/0001", previous_hash=self.head["hash"])
        following = write_package(self.tmp / "november.zip", head, data)
        other_head, other_data = clearing_files("QK/2026/09/0001", previous_hash=None)
        other = write_package(self.tmp / "september.zip", other_head, other_data)
        self.assert_named(following, "september.zip", "authenticity", previous=other)

    # ------------------------------------------------------------ usability
    def test_files_that_do_not_open_as_their_kind(self):
        bomb_xml = (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
            b'"&lol;&lol;&lol;">]><EInvoice>&lol2;</EInvoice>'
        )
        head, data = clearing_files()
        package = write_package(
            self.tmp / "unusable.zip",
            head,
            [
                *data,
                ("reports/certificate.pdf", "certificate", PDF[:-7]),  # no %%EOF
                ("reports/summary.pdf", "summary", b"<html>not a pdf</html>"),
                ("reports/clearing.xlsx", "xlsx", b"PK not really"),
                ("originals/1/a.xml", "fapiao original", bomb_xml),
                ("originals/2/b.xml", "fapiao original", XML[:-5]),
                ("originals/3/c.ofd", "fapiao original", _zip({"Doc_0/Document.xml": XML})),
                ("originals/4/d.ofd", "fapiao original", _zip({"OFD.xml": XML})),
            ],
        )
        report, found = self.findings(package)
        assert found == {
            (path, "usability")
            for path in ("reports/certificate.pdf", "reports/summary.pdf",
                         "reports/clearing.xlsx", "originals/1/a.xml", "originals/2/b.xml",
                         "originals/3/c.ofd")
        }, report.lines()  # fmt: skip
        assert "DTD" in " ".join(report.lines())

    # ------------------------------------------------------------ never a traceback
    @parametrize("kind", ["not a zip", "truncated", "no manifest", "missing file", "bad manifest"])
    def test_damaged_packages_are_findings(self, kind):
        path = self.tmp / "damaged.zip"
        if kind == "not a zip":
            path.write_bytes(b"%PDF-1.4 this is not a zip")
        elif kind == "truncated":
            path.write_bytes(self.package.read_bytes()[:-200])
        elif kind == "no manifest":
            rewrite(self.package, path, drop={"manifest.json"})
        elif kind == "bad manifest":
            rewrite(self.package, path, change=lambda n, d: b"{" if n == "manifest.json" else d)
        else:
            path = self.tmp / "nowhere.zip"
        status, lines = self.cli(path)
        assert status == 1 and lines[-1].startswith("FAILED"), lines
        assert len(lines) >= 2, lines

    def test_chinese_report_names_file_and_property(self):
        package = self.tamper(drop={"reports/certificate.pdf"})
        status, lines = self.cli(package, "--lang", "zh_CN")
        assert status == 1
        assert "reports/certificate.pdf: 完整性: 清单中列出，但归档包中缺失" in lines, lines
        assert lines[-1].startswith("未通过"), lines

    def test_bad_arguments_exit_1(self):
        status, _lines = self.cli()
        assert status == 1


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
