"""Versioned clearing hashes: invoice lines covered (version 2), old clearings verified by their
own version, the migration that prefixes them, and findings in the user's language."""

from datetime import date

from odoo.tests import tagged

from ..models.invoice_clearing_integrity import prefix_version_1_hashes
from ..tools import clearing_integrity
from ..tools.clearing_integrity import HASH_VERSION, HASH_VERSIONS
from .common import migration_script
from .test_clearing import ClearingCommon


@tagged("post_install", "-at_install")
class TestClearingHashVersions(ClearingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.lang_zh_CN").active = True
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
        cls.tea = cls.invoice.invoice_line_ids.filtered(lambda line: line.name == "Tea")

    def clear(self, **vals):
        clearing = self.new_clearing(**vals)
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.state, "cleared", clearing.failure_reason)
        return clearing

    def verify(self, clearings, lang="en_US"):
        Integrity = self.env["invoice.clearing.integrity"].with_context(lang=lang)
        self.env.invalidate_all()
        return {r["clearing"]: r for r in Integrity._verify(clearings)}

    def test_hash_is_versioned_and_covers_invoice_lines(self):
        clearing = self.clear()
        version, hexdigest = clearing_integrity.split_hash(clearing.hash)
        self.assertEqual(version, HASH_VERSION)
        self.assertEqual(clearing.hash, f"$2${hexdigest}")
        self.assertRegex(clearing.invoice_digest, r"^[0-9a-f]{64}$")
        self.assertTrue(self.verify(clearing)[clearing]["ok"])
        # The same content hashed without the invoice lines (version 1) differs.
        Integrity = self.env["invoice.clearing.integrity"]
        v1 = Integrity._compute_hash(clearing, "", clearing.content_digest, version=1)
        self.assertNotEqual(clearing_integrity.split_hash(v1)[1], hexdigest)

    def test_hash_header_is_the_text_every_version_hashed(self):
        """The header read from `_get_clearing_hash_fields` is, key for key and character for
        character, the one stored hashes were computed over: they keep verifying."""
        clearing = self.clear()
        expected = {
            "name": clearing.name,
            "company": self.company.id,
            "scope": "period",
            "date_from": "2026-10-01",
            "date_to": "2026-10-31",
            "number_list": "",
            "prepared_by": self.clerk.id,
            "approved_by": self.manager.id,
            "cleared_at": clearing.cleared_at.strftime("%Y-%m-%d %H:%M:%S"),
            "filing_date": "2026-11-10",
            "filing": "6.00:200.00:12.00;13.00:1700.00:221.00",
        }
        Integrity = self.env["invoice.clearing.integrity"]
        for version in HASH_VERSIONS:
            header = Integrity._hash_header(clearing, version)
            self.assertEqual({key: f"{value}" for key, value in header.items()},
                             {key: f"{value}" for key, value in expected.items()})  # fmt: skip

    def test_sql_edit_of_an_invoice_line_is_named(self):
        clearing = self.clear()
        self.env.cr.execute(
            "UPDATE account_move_line SET price_unit = 1, quantity = 5 WHERE id = %s",
            [self.tea.id],
        )
        result = self.verify(clearing)[clearing]
        self.assertFalse(result["ok"])
        self.assertEqual(result["changed_lines"], self.tea)
        findings = " ".join(result["findings"])
        self.assertIn(self.invoice.name, findings)
        self.assertIn("Tea", findings)
        self.assertNotIn("Cups", findings)
        self.assertIn("SHA-256", findings)
        # Verify Integrity says it to the auditor, in the chatter too.
        action = clearing.with_user(self.auditor).action_verify_integrity()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn(self.invoice.name, action["params"]["message"])
        self.assertIn("Tea", clearing.message_ids[0].body)

    def test_sql_edit_of_line_taxes_and_removed_lines_are_found(self):
        clearing = self.clear()
        self.env.cr.execute(
            """UPDATE account_move_line_account_tax_rel SET account_tax_id = %s
                WHERE account_move_line_id = %s""",
            [self.tax_6.id, self.tea.id],
        )
        result = self.verify(clearing)[clearing]
        self.assertEqual(result["changed_lines"], self.tea)
        cups = self.invoice.invoice_line_ids - self.tea
        self.env.cr.execute("DELETE FROM account_move_line WHERE id = %s", [cups.id])
        findings = " ".join(self.verify(clearing)[clearing]["findings"])
        self.assertIn("removed", findings)
        self.assertIn(f"#{cups.id}", findings)

    def test_payment_after_clearing_verifies(self):
        clearing = self.clear()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({"payment_date": date(2026, 11, 10)})._create_payments()
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        result = self.verify(clearing)[clearing]
        self.assertTrue(result["ok"], result["findings"])

    def make_version_1(self, clearing):
        """Rewrite `clearing` as the previous release stored it: a bare version 1 hash."""
        v1 = self.env["invoice.clearing.integrity"]._compute_hash(
            clearing, clearing.previous_hash or "", clearing.content_digest, version=1
        )
        self.env.cr.execute(
            """UPDATE invoice_clearing SET hash = %s, invoice_digest = NULL,
                      previous_hash = %s WHERE id = %s""",
            [
                clearing_integrity.split_hash(v1)[1],
                clearing_integrity.split_hash(clearing.previous_hash)[1] or None,
                clearing.id,
            ],
        )
        clearing.invalidate_recordset()

    def test_old_and_new_clearings_verify_and_migrate(self):
        old = self.clear()
        self.make_version_1(old)
        self.assertRegex(old.hash, r"^[0-9a-f]{64}$")
        new = self.clear(scope="date", date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
        self.assertEqual(new.previous_hash, old.hash, "chained to the bare version 1 hash")
        results = self.verify(old | new)
        self.assertTrue(results[old]["ok"], results[old]["findings"])
        self.assertTrue(results[new]["ok"], results[new]["findings"])
        # The migration prefixes version 1 hashes and the previous hashes pointing to them.
        self.assertEqual(prefix_version_1_hashes(self.env.cr), 1)
        (old | new).invalidate_recordset()
        self.assertTrue(old.hash.startswith("$1$"))
        self.assertEqual(new.previous_hash, old.hash)
        self.assertTrue(new.hash.startswith("$2$"))
        self.assertEqual(prefix_version_1_hashes(self.env.cr), 0, "idempotent")
        results = self.verify(old | new)
        self.assertTrue(results[old]["ok"], results[old]["findings"])
        self.assertTrue(results[new]["ok"], results[new]["findings"])
        # A version 1 clearing still detects edits of what version 1 hashed.
        self.env.cr.execute(
            "UPDATE invoice_clearing SET date_to = '2026-10-30' WHERE id = %s", [old.id]
        )
        self.assertFalse(self.verify(old)[old]["ok"])

    def test_migration_script(self):
        old = self.clear()
        self.make_version_1(old)
        script = migration_script("19.0.1.1.0")
        script.migrate(self.env.cr, None)  # a fresh install: nothing to migrate
        old.invalidate_recordset()
        self.assertRegex(old.hash, r"^[0-9a-f]{64}$")
        script.migrate(self.env.cr, "19.0.1.0.0")
        old.invalidate_recordset()
        self.assertRegex(old.hash, r"^\$1\$[0-9a-f]{64}$")
        self.assertTrue(self.verify(old)[old]["ok"])

    def test_unknown_version_is_a_finding(self):
        clearing = self.clear()
        self.env.cr.execute(
            "UPDATE invoice_clearing SET hash = %s WHERE id = %s",
            ["$9$" + clearing_integrity.split_hash(clearing.hash)[1], clearing.id],
        )
        result = self.verify(clearing)[clearing]
        self.assertFalse(result["ok"])
        self.assertIn("version 9", " ".join(result["findings"]))

    def test_findings_name_fields_by_their_labels(self):
        clearing = self.clear()
        line = clearing.summary_line_ids.filtered(lambda s: s.tax_rate == 13.0)[0]
        self.env.cr.execute(
            """UPDATE invoice_clearing_summary_line
                  SET blue_amount = blue_amount + 1, net_amount = net_amount + 1 WHERE id = %s""",
            [line.id],
        )
        english = " ".join(self.verify(clearing)[clearing]["findings"])
        self.assertIn("Blue Amount, Net Amount", english)
        self.assertNotIn("net_amount", english)
        chinese = " ".join(self.verify(clearing, lang="zh_CN")[clearing]["findings"])
        self.assertIn("正数金额, 实际销售金额", chinese)
        self.assertNotIn("net_amount", chinese)
