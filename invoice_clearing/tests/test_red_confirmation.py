"""Red-letter confirmation forms (红字确认单): the 72-hour clock, the red 数电 fapiao that needs a
confirmed form, the clearing's check, the platform's list import and who may do what."""

import base64
from datetime import date, datetime, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, tagged

from . import red_confirmation_file as rf
from .common import role_user
from .test_clearing import ClearingCommon

FORM = "26312000000000000001"


@tagged("post_install", "-at_install")
class TestRedConfirmation(ClearingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.blue = cls.month_fapiao[0]  # digital_general, 1000 + 130, October
        cls.Form = cls.env["invoice.clearing.red.confirmation"]

    def new_form(self, user=None, number=FORM, blue=None, **vals):
        blue = blue or self.blue
        return self.Form.with_user(user or self.clerk).create(
            {
                "name": number,
                "blue_fapiao_id": blue.id,
                "initiator": "seller",
                "reason": "sales_return",
                "amount_untaxed": -100.0,
                "amount_tax": -13.0,
                "amount_total": -113.0,
                **vals,
            }
        )

    def red_vals(self, reference, number="26442000000000008001", amount=-100.0):
        return self.fapiao_vals(
            "digital_general", number=number, amount=amount, is_red=True,
            origin_fapiao_id=self.blue.id, red_reference=reference, issue_date=date(2026, 11, 9),
        )  # fmt: skip

    def register_red(self, reference, user=None, **kwargs):
        Fapiao = self.env["invoice.clearing.fapiao"].with_user(user or self.clerk)
        return Fapiao.create(self.red_vals(reference, **kwargs))

    def assert_red_refused(self, reference, *words, **kwargs):
        count = self.env["invoice.clearing.fapiao"].search_count([])
        with self.assertRaises(ValidationError) as caught:
            self.register_red(reference, **kwargs)
        for word in words:
            self.assertIn(word, str(caught.exception))
        self.assertEqual(self.env["invoice.clearing.fapiao"].search_count([]), count)
        return str(caught.exception)

    # ------------------------------------------------------------------ acceptance
    def test_pending_form_expires_after_72_hours_and_blocks_its_red_fapiao(self):
        form = self.new_form()
        form.with_user(self.clerk).action_submit()
        self.assertEqual((form.state, form.status_code), ("pending", "02"))
        requested = form.requested_at
        self.assertEqual(form.expiry_at, requested + timedelta(hours=72))
        self.assertAlmostEqual(form.hours_left, 72.0, delta=0.1)
        # A red fapiao naming a pending form registers (the platform issued it): see
        # test_red_fapiao_naming_an_unconfirmed_form_marks_it_used.

        # 47 hours later: nothing yet; 49 hours later (23 left): one reminder to the clerk.
        self.Form._cron_expire(now=requested + timedelta(hours=47))
        self.assertFalse(form.activity_ids)
        self.Form._cron_expire(now=requested + timedelta(hours=49))
        self.assertEqual(form.activity_ids.user_id, self.clerk)
        self.assertIn(FORM, form.activity_ids.summary)
        self.Form._cron_expire(now=requested + timedelta(hours=60))
        self.assertEqual(len(form.activity_ids), 1, "reminded once")
        self.assertEqual(form.state, "pending")

        self.Form._cron_expire(now=requested + timedelta(hours=72, minutes=1))
        self.assertEqual((form.state, form.status_code), ("expired", "07"))
        self.assertFalse(form.activity_ids, "the reminder is done once the form lapsed")
        message = self.assert_red_refused(FORM, "26442000000000008001", FORM, "new form")
        self.assertIn("Expired", message)
        with self.assertRaises(UserError):
            form.with_user(self.manager).action_confirm()

    def test_confirmed_form_lets_the_red_fapiao_register_and_becomes_used(self):
        form = self.new_form()
        form.with_user(self.clerk).action_submit()
        with self.assertRaises(AccessError):
            form.with_user(self.clerk).action_confirm()
        form.with_user(self.manager).action_confirm()
        self.assertEqual((form.state, form.status_code), ("confirmed", "04"))

        refund = self.posted_invoice([(100.0, self.tax_13)], move_type="out_refund")
        self.blue.move_id = self.posted_invoice([(1000.0, self.tax_13)])
        refund.reversed_entry_id = self.blue.move_id
        wizard = (
            self.env["invoice.clearing.fapiao.register"]
            .with_user(self.clerk)
            .create({"move_id": refund.id, "red_reference": FORM})
        )
        wizard.line_ids.number = "26442000000000008002"
        wizard.action_confirm()
        red = refund.fapiao_ids
        self.assertEqual(red.origin_fapiao_id, self.blue)
        self.assertEqual((form.state, form.red_fapiao_id), ("used", red))
        self.assertEqual(self.blue.red_confirmation_count, 1)
        # A form serves one red fapiao.
        self.assert_red_refused(
            FORM, "26442000000000008003", "already used", number="26442000000000008003"
        )
        # Deleting the red fapiao (before clearing) gives the form back.
        red.sudo().unlink()
        self.assertEqual((form.state, form.red_fapiao_id.id), ("confirmed", False))

    def test_red_fapiao_rules(self):
        self.assert_red_refused(False, "26442000000000008001", self.blue.display_name, "20-digit")
        # A form Odoo does not know is recorded from the red fapiao: see
        # test_red_fapiao_naming_an_unknown_form_records_it.
        other_blue = self.month_fapiao[1]
        self.red_form(other_blue, FORM)
        self.assert_red_refused(FORM, other_blue.display_name, "Use the form")
        # A draft form the platform used is marked used (the platform confirmed it).
        draft = self.new_form(number="26312000000000000002")
        self.register_red(draft.name, number="26442000000000008009")
        self.assertEqual(draft.state, "used")
        confirmed = self.red_form(self.blue, "26312000000000000003", amount_untaxed=-10.0,
                                  amount_tax=-1.3, amount_total=-11.3)  # fmt: skip
        self.assert_red_refused(confirmed.name, "11.3")  # reverses more than the form allows
        # Legacy kinds keep their 16-digit 红字信息表 and need no form.
        paper = self.month_fapiao[3]
        red = self.create_fapiao(
            kind="vat_special", number="00005001", amount=-100.0, is_red=True,
            origin_fapiao_id=paper.id, red_reference="3100261000000001",
        )  # fmt: skip
        self.assertTrue(red.is_red)

    def test_red_fapiao_naming_an_unknown_form_records_it(self):
        """Integrators register what the platform issued: a batch of red fapiao whose forms Odoo
        does not know registers, each form recorded (used) in one create."""
        second_blue = self.month_fapiao[1]
        Fapiao = self.env["invoice.clearing.fapiao"].with_user(self.clerk)
        vals = [
            self.red_vals(FORM),
            {**self.red_vals("26312000000000000040", number="26442000000000008041"),
             "origin_fapiao_id": second_blue.id},
            # Its blue fapiao is not in the register: the form is recorded without it.
            {**self.red_vals("26312000000000000041", number="26442000000000008042"),
             "origin_fapiao_id": False},
        ]  # fmt: skip
        reds = Fapiao.create(vals)
        forms = self.Form.search([("red_fapiao_id", "in", reds.ids)], order="name")
        self.assertRecordValues(
            forms,
            [
                {"name": FORM, "blue_fapiao_id": self.blue.id, "red_fapiao_id": reds[0].id},
                {"name": "26312000000000000040", "blue_fapiao_id": second_blue.id,
                 "red_fapiao_id": reds[1].id},
                {"name": "26312000000000000041", "blue_fapiao_id": False,
                 "red_fapiao_id": reds[2].id},
            ],
        )  # fmt: skip
        for form in forms:
            self.assertEqual(
                (form.state, form.status_code, form.source, form.company_id, form.amount_total),
                ("used", "04", "red_fapiao", self.company, -113.0),
            )
            self.assertIn("Recorded from the red fapiao", form.message_ids[:1].body)
        # A form entered by hand still needs its blue fapiao.
        with self.assertRaises(ValidationError) as caught:
            self.new_form(number="26312000000000000042", blue_fapiao_id=False)
        self.assertIn("choose the blue", str(caught.exception))

        # The red fapiao names another form: the recorded one goes, the new one is recorded.
        reds[2].write({"red_reference": "26312000000000000043"})
        self.assertFalse(self.Form.search([("name", "=", "26312000000000000041")]))
        self.assertEqual(self.Form.search([("name", "=", "26312000000000000043")]).red_fapiao_id,
                         reds[2])  # fmt: skip
        # Deleting the red fapiao deletes the form that was only recorded from it.
        reds[2].sudo().unlink()
        self.assertFalse(self.Form.search([("name", "=", "26312000000000000043")]))
        # The platform's list names a recorded form: it is the platform's record now and stays
        # used by its fapiao.
        self.import_file(
            rf.write_forms_csv([self.rows(number="26312000000000000040", status="04",
                                          blue_number=second_blue.number)]),
            "forms.csv",
        )  # fmt: skip
        self.assertEqual((forms[1].state, forms[1].source), ("used", "platform_list"))

    def test_two_red_fapiao_naming_one_unknown_form_are_refused(self):
        count = self.env["invoice.clearing.fapiao"].search_count([])
        with self.assertRaises(ValidationError) as caught:
            self.env["invoice.clearing.fapiao"].with_user(self.clerk).create(
                [self.red_vals(FORM), self.red_vals(FORM, number="26442000000000008051")]
            )
        self.assertIn("already used", str(caught.exception))
        self.assertIn("26442000000000008051", str(caught.exception))
        self.assertEqual(self.env["invoice.clearing.fapiao"].search_count([]), count)
        self.assertFalse(self.Form.search([("name", "=", FORM)]))

    def test_red_fapiao_naming_an_unconfirmed_form_marks_it_used(self):
        """The platform issued the red fapiao, so its form was confirmed there, whatever Odoo
        last knew of it: the form is used and its chatter says so."""
        form = self.new_form()
        form.with_user(self.clerk).action_submit()
        self.Form._cron_expire(now=form.expiry_at - timedelta(hours=1))
        self.assertTrue(form.activity_ids, "reminded before it lapses")
        red = self.register_red(FORM)
        self.assertEqual(
            (form.state, form.status_code, form.red_fapiao_id, form.source),
            ("used", "04", red, "entered"),
        )
        self.assertFalse(form.activity_ids, "no reminder left for a used form")
        form.invalidate_recordset(["message_ids"])
        self.assertIn("while Odoo had it as Pending", str(form.message_ids.mapped("body")))
        self.Form._cron_expire(now=form.expiry_at + timedelta(hours=1))
        self.assertEqual(form.state, "used", "a used form does not lapse")

    def test_register_wizard_records_an_unknown_form(self):
        refund = self.posted_invoice([(100.0, self.tax_13)], move_type="out_refund")
        self.blue.move_id = self.posted_invoice([(1000.0, self.tax_13)])
        refund.reversed_entry_id = self.blue.move_id
        wizard = (
            self.env["invoice.clearing.fapiao.register"]
            .with_user(self.clerk)
            .create({"move_id": refund.id})
        )
        self.assertFalse(wizard.red_reference, "Odoo knows no confirmed form to propose")
        wizard.red_reference = FORM
        wizard.line_ids.number = "26442000000000008002"
        wizard.action_confirm()
        form = self.Form.search([("name", "=", FORM)])
        self.assertEqual(
            (form.state, form.source, form.red_fapiao_id, form.blue_fapiao_id),
            ("used", "red_fapiao", refund.fapiao_ids, self.blue),
        )

    def test_workflow_fields_are_refused_to_managers_and_written_by_the_workflow(self):
        form = self.new_form()
        for vals in ({"requested_at": datetime(2030, 1, 1)}, {"state": "pending"},
                     {"status_code": "02"}, {"reminded": True}):  # fmt: skip
            with self.assertRaises(AccessError) as caught:
                form.with_user(self.manager).write(vals)
            self.assertIn("set by its workflow", str(caught.exception))
        self.assertEqual((form.state, form.requested_at), ("draft", False))
        form.with_user(self.clerk).action_submit()
        self.assertEqual(form.state, "pending")
        self.assertTrue(form.requested_at)
        self.Form._cron_expire(now=form.expiry_at)
        self.assertEqual(form.state, "expired")

    def test_form_number_and_amounts(self):
        with self.assertRaises(ValidationError) as caught:
            self.new_form(number="2631200000000000001")
        self.assertIn("20 digits", str(caught.exception))
        self.new_form(number="２６３１２０００００００００００００００１")  # full-width digits
        with self.assertRaises(ValidationError):
            self.new_form(number="26312000000000000004", amount_untaxed=100.0, amount_tax=13.0,
                          amount_total=113.0)  # fmt: skip
        with self.assertRaises(ValidationError):
            self.new_form(number="26312000000000000005", blue=self.month_fapiao[3])  # paper
        with self.assertRaises(ValidationError):
            self.new_form(number="26312000000000000006", amount_untaxed=-2000.0,
                          amount_tax=-260.0, amount_total=-2260.0)  # fmt: skip

    def test_unique_number_per_company(self):
        self.new_form()
        with self.assertRaises(ValidationError) as caught:
            self.new_form()
        self.assertIn("already registered", str(caught.exception))
        other = self.setup_other_company(name="Red Other Co")["company"]
        blue = self.create_fapiao(company_id=other.id, amount=500.0)
        theirs = self.Form.sudo().create(
            {"name": FORM, "company_id": other.id, "blue_fapiao_id": blue.id,
             "amount_untaxed": -10.0, "amount_tax": -1.3, "amount_total": -11.3}
        )  # fmt: skip
        self.assertEqual(self.Form.with_user(self.clerk).search([("name", "=", FORM)]).company_id,
                         self.company)  # fmt: skip
        with self.assertRaises(AccessError):
            theirs.with_user(self.clerk).read(["name"])

    def test_a_list_names_every_form_already_registered_in_one_query(self):
        """Several forms created at once (RPC, Odoo's import): every number already registered
        is named, nothing is created, and the check does not query once per form."""
        second = "26312000000000000020"
        self.new_form()
        self.new_form(number=second)

        def create_list(numbers):
            vals = {"blue_fapiao_id": self.blue.id, "amount_untaxed": -100.0,
                    "amount_tax": -13.0, "amount_total": -113.0}  # fmt: skip
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            with self.assertRaises(ValidationError) as caught:
                self.Form.with_user(self.clerk).create([{"name": n, **vals} for n in numbers])
            return str(caught.exception), self.env.cr.sql_log_count - before

        count = self.Form.search_count([])
        fresh = [f"263120000000000000{n}" for n in range(30, 36)]
        message, _queries = create_list([FORM, fresh[0], second, fresh[1]])
        self.assertIn(f"form {FORM} is already registered", message)
        self.assertIn(f"form {second} is already registered", message)
        self.assertNotIn(fresh[0], message)
        self.assertEqual(self.Form.search_count([]), count, "nothing created")
        _message, short = create_list([fresh[0], FORM, second])
        _message, long = create_list([*fresh, FORM, second])
        self.assertEqual(long, short, "the same queries for 3 forms as for 8")

    def test_refuse_and_withdraw(self):
        refused = self.new_form(initiator="buyer")
        refused.action_submit()
        self.assertEqual(refused.status_code, "03")
        refused.with_user(self.manager).action_refuse()
        self.assertEqual((refused.state, refused.status_code), ("refused", "06"))
        self.assert_red_refused(FORM, "Refused")

        pending = self.new_form(number="26312000000000000007")
        pending.action_submit()
        pending.with_user(self.clerk).action_withdraw()
        self.assertEqual((pending.state, pending.status_code), ("withdrawn", "08"))
        confirmed = self.red_form(self.blue, "26312000000000000008")
        with self.assertRaises(AccessError):
            confirmed.with_user(self.clerk).action_withdraw()
        confirmed.with_user(self.manager).action_withdraw()
        self.assertEqual((confirmed.state, confirmed.status_code), ("withdrawn", "09"))
        with self.assertRaises(UserError):
            confirmed.with_user(self.manager).action_submit()

    def test_access(self):
        form = self.new_form()
        self.assertEqual(form.with_user(self.auditor).read(["name"])[0]["name"], FORM)
        with self.assertRaises(AccessError):
            form.with_user(self.auditor).write({"note": "x"})
        with self.assertRaises(AccessError):
            self.new_form(user=self.auditor, number="26312000000000000009")
        with self.assertRaises(AccessError):
            form.with_user(self.auditor).action_submit()
        with self.assertRaises(AccessError):
            form.with_user(self.clerk).write({"state": "confirmed"})
        with self.assertRaises(AccessError):
            form.with_user(self.clerk).unlink()
        form.with_user(self.clerk).action_submit()
        with self.assertRaises(UserError):
            form.with_user(self.clerk).write({"amount_total": -1.0})
        form.with_user(self.clerk).write({"note": "called the buyer"})
        nobody = role_user(self.env, "ic_red_nobody", "base.group_user", self.company)
        with self.assertRaises(AccessError):
            form.with_user(nobody).read(["name"])
        form.with_user(self.manager).action_withdraw()
        form.with_user(self.manager).unlink()
        self.assertFalse(form.exists())

    def test_check_warns_about_pending_forms_in_scope(self):
        form = self.new_form()
        form.action_submit()
        clearing = self.new_clearing()
        clearing.action_check()
        (warning,) = [m for m in self.problems(clearing, "warning") if FORM in m]
        self.assertIn(self.blue.display_name, warning)
        self.assertNotIn(FORM, " ".join(self.problems(clearing)), "a warning, not blocking")
        problem = clearing.problem_ids.filtered(lambda p: FORM in p.message)
        self.assertEqual(problem.action_open_records()["res_model"], form._name)
        form.with_user(self.manager).action_confirm()
        clearing.action_check()
        self.assertFalse([m for m in self.problems(clearing, "warning") if FORM in m])

    # ------------------------------------------------------------------ import
    def rows(self, **overrides):
        values = {
            "number": FORM, "blue_number": self.blue.number, "initiator": "销方",
            "reason": "销货退回", "amount_untaxed": "-100.00", "amount_tax": "-13.00",
            "amount_total": "-113.00", "status": "02", "requested_at": "2026-11-09 10:00:00",
        }  # fmt: skip
        values.update(overrides)
        return values

    def import_file(self, data, name, user=None):
        wizard = (
            self.env["invoice.clearing.red.confirmation.import"]
            .with_user(user or self.clerk)
            .create({"file": base64.b64encode(data), "file_name": name})
        )
        return wizard.action_import()

    def test_import_csv_then_xlsx_updates_by_number(self):
        action = self.import_file(rf.write_forms_csv([self.rows()]), "forms.csv")
        form = self.Form.search([("name", "=", FORM)])
        self.assertEqual(action["domain"], [("id", "in", form.ids)])
        self.assertEqual(
            (form.state, form.status_code, form.initiator), ("pending", "02", "seller")
        )
        self.assertEqual(form.blue_fapiao_id, self.blue)
        self.assertAlmostEqual(form.amount_total, -113.0)
        # China time 10:00 is 02:00 UTC; 72 hours later it lapses.
        self.assertEqual(form.requested_at, datetime(2026, 11, 9, 2, 0))
        self.assertEqual(form.expiry_at, datetime(2026, 11, 12, 2, 0))

        second = "26312000000000000010"
        data = rf.write_forms_xlsx(
            [self.rows(status="购销双方已确认"), self.rows(number=second, status="07")]
        )
        self.import_file(data, "forms.xlsx")
        self.assertEqual((form.state, form.status_code), ("confirmed", "04"))
        self.assertEqual(self.Form.search([("name", "=", second)]).state, "expired")
        self.register_red(FORM)
        self.assertEqual(form.state, "used")
        self.import_file(data, "forms.xlsx")  # the platform still says 04: the form stays used
        self.assertEqual(form.state, "used")

    def test_import_refuses_the_whole_file_naming_each_bad_row(self):
        data = rf.write_forms_csv(
            [
                self.rows(),
                self.rows(number="26312000000000000011", blue_number="26442000000000077777"),
                self.rows(number="26312000000000000012", reason="不想要了"),
            ]
        )
        with self.assertRaises(UserError) as caught:
            self.import_file(data, "bad.csv")
        message = str(caught.exception)
        self.assertIn("bad.csv", message)
        self.assertIn("row 4, column 蓝字发票号码", message)
        self.assertIn("26442000000000077777", message)
        self.assertIn("row 5, column 冲红原因", message)
        self.assertFalse(self.Form.search([]), "nothing imported")
        with self.assertRaises(AccessError):
            self.import_file(rf.write_forms_csv([self.rows()]), "forms.csv", user=self.auditor)


@tagged("post_install", "-at_install")
class TestRedConfirmationDemo(TransactionCase):
    def test_demo_red_digital_fapiao_have_used_forms(self):
        company = self.env.ref("invoice_clearing.demo_company", raise_if_not_found=False)
        if not company:
            self.skipTest("installed without demo data")
        reds = self.env["invoice.clearing.fapiao"].search(
            [
                ("company_id", "=", company.id),
                ("is_red", "=", True),
                ("fapiao_type", "in", ("digital_special", "digital_general")),
            ]
        )
        self.assertTrue(reds, "the demo reverses a 数电 fapiao every month")
        forms = self.env["invoice.clearing.red.confirmation"].search(
            [("company_id", "=", company.id)]
        )
        used = forms.filtered(lambda f: f.state == "used")
        self.assertEqual(used.red_fapiao_id, reds)
        self.assertEqual(len(forms.filtered(lambda f: f.state == "pending")), 1)
