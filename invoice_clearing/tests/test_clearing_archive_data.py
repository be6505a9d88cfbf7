"""The data of a clearing's archive package (`_archive_data`) is what its hash covers: the
verifier recomputes the stored hash from it, for version 1 and version 2 clearings alike, and the
fapiao's hashed text built from its versioned field list is the one every hash was sealed with."""

import hashlib
import json
import shutil
import tempfile
from datetime import date
from pathlib import Path
from unittest import SkipTest, mock

from odoo.tests import tagged
from odoo.tools import SQL

from ..models import invoice_clearing_integrity
from ..tools import archive_verify
from .archive_files import report_files, write_package
from .test_clearing import ClearingCommon

# The fapiao's hashed text as a SQL literal, as every clearing up to hash version 2 was sealed.
SEALED_TEXT = SQL(
    """concat_ws('|', id, fapiao_type, coalesce(code, ''), number, issue_date, partner_id,
                 coalesce(buyer_vat, ''), amount_untaxed::numeric(16, 2),
                 amount_tax::numeric(16, 2), amount_total::numeric(16, 2),
                 tax_rate::numeric(6, 2), coalesce(tax_exempt, false), coalesce(is_red, false),
                 coalesce(origin_fapiao_id, 0), coalesce(void_date::text, ''),
                 CASE WHEN multi_rate THEN (
                     SELECT string_agg(concat_ws(':', l.tax_rate::numeric(6, 2),
                                                 coalesce(l.tax_exempt, false),
                                                 l.amount_untaxed::numeric(16, 2),
                                                 l.amount_tax::numeric(16, 2)),
                                       ';' ORDER BY l.tax_rate, l.tax_exempt, l.id)
                       FROM invoice_clearing_fapiao_line l
                      WHERE l.fapiao_id = invoice_clearing_fapiao.id) END)"""
)
DATA_FILES = {"data/clearing.json", "data/fapiao.txt", "data/invoice_lines.txt"}


@tagged("post_install", "-at_install")
class TestClearingArchiveData(ClearingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._create_invoice(
            partner_id=cls.buyer.id,
            invoice_date=date(2026, 10, 15),
            invoice_line_ids=[
                cls._prepare_invoice_line(price_unit=600.0, tax_ids=cls.tax_13, name="Tea"),
                cls._prepare_invoice_line(price_unit=400.0, tax_ids=cls.tax_13, name="Cups"),
            ],
            post=True,
        )
        cls.month_fapiao[0].move_id = cls.invoice

    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="archive_data_"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.Integrity = self.env["invoice.clearing.integrity"]

    def clear(self, **vals):
        clearing = self.new_clearing(**vals)
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.state, "cleared", clearing.failure_reason)
        return clearing

    def data(self, clearing):
        """{path: bytes} of `_archive_data(clearing)`, every file of role data."""
        files = self.Integrity._archive_data(clearing)
        self.assertEqual({role for _path, role, _chunks in files}, {"data"})
        return {path: b"".join(chunks) for path, _role, chunks in files}

    def package(self, clearing, name):
        head = {
            "name": clearing.name, "scope": clearing.scope,
            "date_from": f"{clearing.date_from or ''}", "date_to": f"{clearing.date_to}",
            "numbers": clearing.number_list or None, "hash": clearing.hash,
            "previous_hash": clearing.previous_hash or None,
            "hash_version": self.Integrity._hash_version(clearing),
            "cleared_at": clearing.cleared_at.isoformat() + "Z",
            "prepared_by": clearing.prepared_by.name, "approved_by": clearing.approved_by.name,
        }  # fmt: skip
        company = {"name": clearing.company_id.name, "vat": clearing.company_id.vat or ""}
        files = [*self.Integrity._archive_data(clearing), *report_files()]
        return write_package(self.tmp / name, head, files, company)

    def assert_data_is_the_hash(self, clearing):
        """The data files give the stored digests, and clearing_hash over them the stored hash."""
        data = self.data(clearing)
        content = json.loads(data["data/clearing.json"])
        version = self.Integrity._hash_version(clearing)
        self.assertEqual(content["hash_version"], version)
        self.assertEqual(hashlib.sha256(data["data/fapiao.txt"]).hexdigest(),
                         clearing.content_digest)  # fmt: skip
        self.assertEqual(content["fapiao_digest"], clearing.content_digest)
        frozen = (
            self.env["invoice.clearing.fapiao"]
            .sudo()
            .search_count([("clearing_id", "=", clearing.id)])
        )
        self.assertEqual(content["fapiao_count"], frozen)
        self.assertEqual(len(data["data/fapiao.txt"].split(b"\n")), frozen)
        invoice_digest = None
        if version >= 2:
            lines = archive_verify.InvoiceLinesDigest()
            for line in filter(None, data["data/invoice_lines.txt"].decode().split("\n")):
                line_id, hexdigest = line.split(" ")
                lines.chunk([(int(line_id), bytes.fromhex(hexdigest))])
            invoice_digest = lines.hexdigest()
            self.assertEqual(invoice_digest, clearing.invoice_digest)
            self.assertEqual(lines.count, content["invoice_line_count"])
        else:
            self.assertNotIn("data/invoice_lines.txt", data)
            self.assertIsNone(content["invoice_digest"])
        hexdigest = archive_verify.clearing_hash(
            archive_verify.split_hash(content["previous_hash"])[1],
            content["header"],
            content["summary"],
            content["fapiao_digest"],
            invoice_digest,
        )
        self.assertEqual(archive_verify.format_hash(version, hexdigest),
                         archive_verify.format_hash(*archive_verify.split_hash(clearing.hash)))  # fmt: skip
        self.assertEqual(content["hash"], clearing.hash)
        return data

    def test_fapiao_text_from_the_field_list_is_the_sealed_one(self):
        """Every fapiao of the database (the demo's, this test's, a multi-rate one) hashes to
        the same text as the literal every stored hash was sealed with."""
        self.env["invoice.clearing.fapiao"].with_user(self.clerk).create(
            {
                **self.fapiao_vals(
                    number="26442000000000077001", issue_date=date(2026, 10, 15), uploaded=True
                ),
                **self.env["invoice.clearing.fapiao"]._rate_line_vals(
                    [(13.0, False, 100.0, 13.0), (6.0, False, 50.0, 3.0)]
                ),
            }
        )
        Fapiao = self.env["invoice.clearing.fapiao"]
        Fapiao.flush_model()
        self.env["invoice.clearing.fapiao.line"].flush_model()
        for version in archive_verify.HASH_VERSIONS:
            self.env.cr.execute(
                SQL(
                    """SELECT count(*), count(*) FILTER (WHERE %(new)s IS DISTINCT FROM %(old)s),
                              count(*) FILTER (WHERE multi_rate), count(*) FILTER (WHERE is_red),
                              count(*) FILTER (WHERE void_date IS NOT NULL),
                              count(*) FILTER (WHERE code IS NULL),
                              count(*) FILTER (WHERE %(new)s LIKE '%%:%%;%%')
                         FROM invoice_clearing_fapiao""",
                    new=Fapiao._clearing_hash_columns(version),
                    old=SEALED_TEXT,
                )
            )
            total, different, *kinds = self.env.cr.fetchone()
            self.assertEqual(different, 0, f"version {version}")
            self.assertTrue(total and all(kinds), (total, kinds))

    def test_demo_cleared_month_data_is_its_hash(self):
        company = self.env.ref("invoice_clearing.demo_company", raise_if_not_found=False)
        if not company:
            raise SkipTest("the demo data is not installed")
        clearing = self.env["invoice.clearing"].sudo().search(
            [("company_id", "=", company.id), ("state", "=", "cleared")],
            order="cleared_at", limit=1,
        )  # fmt: skip
        self.assertTrue(clearing, "the demo has a cleared month")
        self.assertEqual(set(self.data(clearing)), DATA_FILES)
        self.assert_data_is_the_hash(clearing)
        report = archive_verify.verify(self.package(clearing, "demo.zip"))
        self.assertTrue(report.ok, report.lines())

    def test_version_1_and_2_clearings_verify_and_chain(self):
        october = self.clear()
        self.make_version_1(october)
        november = self.clear(scope="date", date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
        self.assertTrue(november.hash.startswith("$2$"))
        self.assertTrue(self.invoice.line_ids)
        with (  # several chunks of each
            mock.patch.object(invoice_clearing_integrity, "DIGEST_CHUNK", 2),
            mock.patch.object(invoice_clearing_integrity, "INVOICE_LINES_CHUNK", 2),
        ):
            self.assertEqual(set(self.assert_data_is_the_hash(october)), DATA_FILES - {
                "data/invoice_lines.txt"})  # fmt: skip
            self.assertEqual(set(self.assert_data_is_the_hash(november)), DATA_FILES)
            first = self.package(october, "october.zip")
            second = self.package(november, "november.zip")
        for package, previous in ((first, None), (second, first)):
            report = archive_verify.verify(package, previous)
            self.assertTrue(report.ok, report.lines())
        # The data of a clearing whose fapiao changed behind Odoo's back do not verify.
        self.env.cr.execute(
            "UPDATE invoice_clearing_fapiao SET amount_tax = amount_tax + 1 WHERE id = %s",
            [self.next_month.id],
        )
        self.env["invoice.clearing.fapiao"].invalidate_model()
        report = archive_verify.verify(self.package(november, "changed.zip"), first)
        self.assertEqual({(f.path, f.prop) for f in report.findings}, {
            ("data/fapiao.txt", "authenticity"), ("data/clearing.json", "authenticity")})  # fmt: skip

    def make_version_1(self, clearing):
        """Rewrite `clearing` as the release before versions stored it: a bare version 1 hash."""
        v1 = self.Integrity._compute_hash(
            clearing, clearing.previous_hash or "", clearing.content_digest, version=1
        )
        self.env.cr.execute(
            "UPDATE invoice_clearing SET hash = %s, invoice_digest = NULL WHERE id = %s",
            [archive_verify.split_hash(v1)[1], clearing.id],
        )
        clearing.invalidate_recordset()
