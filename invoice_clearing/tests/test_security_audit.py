"""Audit trail and hostile input.

Every state change of a clearing or a fapiao is logged with who and when; that chatter is
append-only for everybody but the superuser. Hostile text is stored as typed and rendered escaped.
Billing users and accountants without a clearing role open invoices without errors.
"""

from datetime import date

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, freeze_time, tagged
from odoo.tools import mute_logger

from .common import role_user
from .fuzzing import HealthCheck, given, settings, st
from .test_clearing import ClearingCommon
from .test_tools_fuzz import HOSTILE

ORM_FUZZ = settings(
    max_examples=60, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestAuditTrail(ClearingCommon):
    @classmethod
    def default_env_context(cls):
        return {}  # the trail is what is tested: tracking on

    def flush_tracking(self):
        self.env.flush_all()
        self.env.cr.flush()  # runs the precommit hooks that write the tracking messages

    def assert_refused_to(self, users, *attempts):
        """Each attempt (a function of the user) raises an AccessError for each of `users`."""
        for user in users:
            for attempt in attempts:
                with (
                    self.subTest(user=user.login),
                    self.assertRaises(AccessError),
                    mute_logger("odoo.models"),
                ):
                    attempt(user)

    def attach(self, record, name):
        """A PDF `name` and a working note attached to `record`."""
        return self.env["ir.attachment"].sudo().create([
            {"name": name, "raw": b"%PDF", "res_model": record._name, "res_id": record.id},
            {"name": "draft note.txt", "raw": b"x", "res_model": record._name, "res_id": record.id},
        ])  # fmt: skip

    def state_log(self, record):
        """[(new state label, author, date)] of the tracked state changes of `record`."""
        values = (
            self.env["mail.tracking.value"]
            .sudo()
            .search(
                [
                    ("mail_message_id.model", "=", record._name),
                    ("mail_message_id.res_id", "=", record.id),
                    ("field_id.name", "=", "state"),
                ],
                order="id",
            )
        )
        return [
            (v.new_value_char, v.mail_message_id.author_id, v.mail_message_id.date) for v in values
        ]

    def test_every_state_change_is_logged_with_user_and_time(self):
        self.company.clearing_four_eyes = True
        clearing = self.new_clearing()
        self.flush_tracking()  # created in an earlier request
        steps = [
            (self.clerk, lambda: clearing.with_user(self.clerk).action_submit()),
            (self.clerk, lambda: clearing.with_user(self.clerk).action_reset_to_draft()),
            (self.clerk, lambda: clearing.with_user(self.clerk).action_submit()),
            (self.manager, lambda: clearing.with_user(self.manager).action_approve()),
            (self.manager, lambda: clearing.with_user(self.manager).action_reopen("wrong rate")),
            (self.manager_2, lambda: clearing.with_user(self.manager_2).action_reopen()),
        ]
        authors = []
        for user, step in steps:
            before = clearing.state
            step()
            self.flush_tracking()
            if clearing.state != before:
                authors.append(user.partner_id)
        log = self.state_log(clearing)
        self.assertEqual([author for _label, author, _date in log], authors)
        self.assertEqual(len(log), 5)  # submit, reset, submit, approve, reopen (the 2nd call)
        self.assertTrue(all(when for _label, _author, when in log))
        # Check and the reopening request are logged too (tracked fields, messages).
        tracked = clearing.sudo().message_ids.tracking_value_ids.mapped("field_id.name")
        for name in (
            "checked_at",
            "approved_by",
            "cleared_at",
            "reopen_requested_by",
            "reopened_by",
        ):
            self.assertIn(name, tracked)
        self.assertTrue(
            clearing.message_ids.filtered(
                lambda m: "wrong rate" in m.body and m.author_id == self.manager.partner_id
            )
        )

    def test_cancel_and_void_are_logged(self):
        clearing = self.new_clearing()
        paper = self.create_fapiao(
            kind="vat_special", number="00006666", issue_date=date(2026, 11, 2)
        )
        self.flush_tracking()  # created in an earlier request
        clearing.with_user(self.manager).action_cancel()
        paper.with_user(self.clerk).action_void()
        self.flush_tracking()
        self.assertEqual([a for _l, a, _d in self.state_log(clearing)], [self.manager.partner_id])
        self.assertEqual([a for _l, a, _d in self.state_log(paper)], [self.clerk.partner_id])

    def test_chatter_is_append_only_even_for_the_administrator(self):
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_submit()
        self.flush_tracking()
        admin = self.env.ref("base.user_admin")
        admin.group_ids |= self.env.ref("invoice_clearing.group_clearing_manager")
        comment = clearing.with_user(self.clerk).message_post(
            body="filed on time", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        tracking = clearing.sudo().message_ids.tracking_value_ids
        self.assertTrue(tracking)
        self.assert_refused_to(
            (self.clerk, self.manager, self.auditor, admin),
            lambda u: comment.with_user(u).write({"body": "never filed"}),
            lambda u: comment.with_user(u).unlink(),
            lambda u: clearing.with_user(u)._message_update_content(comment.with_user(u), body=""),
            lambda u: tracking.with_user(u).unlink(),
        )
        self.env.invalidate_all()
        self.assertEqual(comment.body, "<p>filed on time</p>")
        self.assertTrue(tracking.exists() == tracking)
        # Reading, starring and adding to the trail stay possible.
        comment.with_user(self.clerk).toggle_message_starred()
        self.assertTrue(comment.with_user(self.clerk).starred)
        clearing.with_user(self.auditor).check_access("read")
        # The superuser (maintenance scripts) still can.
        comment.sudo().write({"body": "<p>corrected by a migration</p>"})
        self.assertIn("migration", comment.body)

    def test_nobody_posts_in_the_name_of_someone_else(self):
        clearing = self.new_clearing()
        trail = clearing.sudo().message_ids
        manager = self.manager.partner_id
        manager.email = "wang.manager@example.com"
        for index, attempt in enumerate(
            (
                lambda: clearing.with_user(self.clerk).message_post(
                    body="approved by the manager", author_id=manager.id
                ),
                lambda: clearing.with_user(self.clerk).message_post(
                    body="approved", email_from=manager.email_formatted
                ),
                lambda: (
                    self.env["mail.message"]
                    .with_user(self.clerk)
                    .create(
                        {
                            "model": clearing._name,
                            "res_id": clearing.id,
                            "body": "approved",
                            "message_type": "notification",
                            "author_id": manager.id,
                        }
                    )
                ),
                lambda: (
                    self.env["mail.message"]
                    .with_user(self.clerk)
                    .with_context(default_model=clearing._name, default_author_id=manager.id)
                    .create({"res_id": clearing.id, "body": "approved"})
                ),
            )
        ):
            with (
                self.subTest(attempt=index),
                self.assertRaises(AccessError),
                mute_logger("odoo.models"),
            ):
                attempt()
        self.assertEqual(clearing.sudo().message_ids, trail)
        # Signed by oneself it is added; the job and maintenance scripts (superuser) still post.
        own = clearing.with_user(self.clerk).message_post(body="filing checked")
        self.assertEqual(own.author_id, self.clerk.partner_id)
        bot = clearing.sudo().message_post(
            body="done", author_id=self.env.ref("base.partner_root").id
        )
        self.assertEqual(clearing.sudo().message_ids - trail, own | bot)

    def test_files_of_a_cleared_clearing_are_kept(self):
        clearing = self.new_clearing()
        files = self.attach(clearing, "清卡凭证.pdf")
        files[1].with_user(self.clerk).unlink()  # an open clearing: its files are working files
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(clearing.state, "cleared")
        self.assert_refused_to(
            (self.clerk, self.manager),
            lambda u: files[0].with_user(u).unlink(),
            lambda u: files[0].with_user(u).write({"raw": b"forged"}),
        )
        self.assertEqual(files[0].raw, b"%PDF")
        self.assertFalse(files[1].exists())

    def test_a_frozen_fapiao_is_audited_like_its_clearing(self):
        """The audited mixin on its second model: the files and the tracked changes of a fapiao
        are kept once a clearing froze it, as its clearing's are."""
        audited = self.env["invoice.clearing.audited.mixin"]._audited_models()
        self.assertEqual(set(audited), {"invoice.clearing", "invoice.clearing.fapiao"})
        fapiao = self.month_fapiao[0]
        files = self.attach(fapiao, "上传回执.pdf")
        files[1].with_user(self.clerk).unlink()  # an open fapiao: its files are working files
        self.flush_tracking()  # created in an earlier request
        fapiao.with_user(self.clerk).uploaded = False
        self.flush_tracking()
        fapiao.with_user(self.clerk).uploaded = True
        self.flush_tracking()
        tracking = fapiao.sudo().message_ids.tracking_value_ids
        self.assertTrue(tracking)
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_submit()
        self.assertEqual(fapiao.clearing_id, clearing)
        self.assert_refused_to(
            (self.clerk, self.manager),
            lambda u: files[0].with_user(u).unlink(),
            lambda u: files[0].with_user(u).write({"raw": b"forged"}),
            lambda u: tracking.with_user(u).unlink(),
        )
        self.env.invalidate_all()
        self.assertEqual(files[0].raw, b"%PDF")
        self.assertEqual(tracking.exists(), tracking)


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestHostileInput(ClearingCommon):
    def test_hostile_text_is_stored_as_typed_and_rendered_escaped(self):
        for index, text in enumerate(HOSTILE[:6]):
            fapiao = self.create_fapiao(
                user=self.clerk, number=f"2644200000000006{index:04d}", note=text
            )
            with self.subTest(text=text):
                [values] = fapiao.with_user(self.auditor).web_read({"note": {}})
                self.assertEqual(values["note"], text)
                html = str(
                    self.env["ir.qweb"]._render(
                        etree.fromstring('<t t-name="x"><div t-out="record.note"/></t>'),
                        {"record": fapiao},
                    )
                )
                self.assertNotIn("<script>", html)
                self.assertNotIn("<!DOCTYPE", html)

    def test_hostile_reason_in_the_chatter_is_escaped(self):
        clearing = self.new_clearing()
        clearing.with_user(self.manager).action_submit()
        clearing.with_user(self.manager).action_reopen('<script>alert("x")</script>&e;')
        body = clearing.message_ids[0].body
        self.assertIn("&lt;script&gt;", body)
        self.assertNotIn("<script>", body)

    @ORM_FUZZ
    @given(note=st.one_of(st.text(), st.sampled_from(HOSTILE)),
           number=st.one_of(st.text(max_size=24), st.from_regex(r"\A\d{20}\Z")))  # fmt: skip
    def test_fapiao_create_is_all_or_nothing(self, note, number):
        Fapiao = self.env["invoice.clearing.fapiao"].with_user(self.clerk)
        before = Fapiao.search_count([])
        valid = self.fapiao_vals(number="26442000000000061001", note=note)
        hostile = self.fapiao_vals(number=number, note=note)
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                created = Fapiao.create([valid, hostile])
        except (ValidationError, ValueError) as error:
            self.assertTrue(str(error))
            self.assertEqual(Fapiao.search_count([]), before)
            self.assertFalse(Fapiao.search([("number", "=", "26442000000000061001")]))
            return
        self.assertEqual(created.mapped("note"), [note or False] * 2)
        self.assertTrue(all(n.isdigit() for n in created.mapped("number")))
        created.sudo().unlink()  # the next example registers the same number


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10")
class TestInvoiceFormWithoutClearingRole(ClearingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = role_user(
            cls.env, "ic_form_billing", "account.group_account_invoice", cls.company
        )
        cls.accountant = role_user(
            cls.env, "ic_form_accountant", "account.group_account_user", cls.company
        )
        cls.invoice = cls.posted_invoice([(100.0, cls.tax_13)], date=date(2026, 11, 8))
        cls.create_fapiao(move_id=cls.invoice.id, number="26442000000000062001")

    def test_invoice_form_opens_and_posts_without_fapiao_access(self):
        for user in (self.billing, self.accountant):
            with self.subTest(user=user.login):
                arch = self.invoice.with_user(user).get_views([(False, "form")])["views"]["form"]
                self.assertNotIn('name="fapiao_ids"', arch["arch"])
                self.assertNotIn("action_view_fapiao", arch["arch"])
                form = Form(self.invoice.with_user(user))
                self.assertEqual(form.state, "posted")
                self.assertEqual(self.invoice.with_user(user).fapiao_count, 0)
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    self.invoice.with_user(user).fapiao_ids.read(["number"])
                move = self.env["account.move"].with_user(user).create({
                    "move_type": "out_invoice", "partner_id": self.buyer.id,
                    "invoice_date": date(2026, 11, 9),
                    "invoice_line_ids": [Command.create({"name": "x", "price_unit": 10.0})],
                })  # fmt: skip
                move.action_post()
                self.assertEqual(move.state, "posted")
        self.assertEqual(self.invoice.with_user(self.clerk).fapiao_count, 1)
        self.assertIn("fapiao_ids", self.invoice.with_user(self.clerk).get_views(
            [(False, "form")])["views"]["form"]["arch"])  # fmt: skip
