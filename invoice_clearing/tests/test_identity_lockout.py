"""The password check before clearing and reopening locks after repeated wrong passwords.

Odoo's identity check (res.users.identitycheck) has no cooldown; the addon counts the passwords typed
for its guarded actions in the database and refuses the check for a cooldown.
"""

import json
from datetime import datetime, timedelta

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, freeze_time, tagged

from .common import web_user

MANAGER = "invoice_clearing.group_clearing_manager"
NOW = datetime(2026, 11, 10, 9, 0, 0)


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestClearingPasswordLockout(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.manager = web_user(cls.env, "ic_lock_manager", MANAGER, cls.company)
        cls.manager.write({"name": "Manager Li", "tz": "Asia/Shanghai", "lang": "en_US"})
        cls.manager_2 = web_user(cls.env, "ic_lock_manager_2", MANAGER, cls.company)
        cls.manager_2.lang = "en_US"
        cls.other_company = cls.env["res.company"].create({"name": "锁定测试其他公司"})
        cls.manager_other = web_user(cls.env, "ic_lock_manager_o", MANAGER, cls.other_company)
        cls.clearing = cls.env["invoice.clearing"].create(
            {"company_id": cls.company.id, "scope": "number", "number_list": "26442000000000300201"}
        )
        cls.Attempt = cls.env["invoice.clearing.identity.attempt"]

    def check(self, password, model="invoice.clearing", method="action_approve_web", ids=None):
        """Odoo's identity check wizard as the manager's password prompt for `model.method`."""
        request = json.dumps([{}, model, ids or self.clearing.ids, method, [], {}])
        wizard = (
            self.env["res.users.identitycheck"]
            .with_user(self.manager)
            .sudo()
            .create({"request": request})
            .sudo(False)
        )
        return wizard.with_context(password=password, lang="en_US")._check_identity()

    def refused(self, password="wrong", **kwargs):
        """The check's error message. Not assertRaises: its savepoint would roll the log back,
        which the log survives only through a real rollback (see test_clearing_web)."""
        try:
            self.check(password, **kwargs)
        except UserError as error:
            return str(error)
        self.fail("the identity check passed")

    def wrong(self, times=1, **kwargs):
        return [self.refused(**kwargs) for _i in range(times)]

    def attempts(self, result=None):
        domain = [("user_id", "=", self.manager.id)]
        return self.Attempt.search(domain + ([("result", "=", result)] if result else []))

    def test_five_wrong_passwords_lock_the_check_and_the_sixth_is_refused(self):
        messages = self.wrong(6)
        for message in messages[:4]:
            self.assertIn("Incorrect Password", message)
        # 09:00 UTC is 17:00 in Shanghai; the cooldown is 15 minutes.
        for message in messages[4:]:
            self.assertIn("locked for Manager Li until 2026-11-10 17:15", message)
            self.assertIn("Try again after 2026-11-10 17:15", message)
        self.assertEqual(len(self.attempts("failure")), 5)
        self.assertEqual(len(self.attempts("refused")), 1)
        lock = self.attempts().filtered("locked_until")
        self.assertEqual(lock.locked_until, NOW + timedelta(minutes=15))
        self.assertEqual(lock.company_id, self.company)
        self.assertEqual(
            set(self.attempts().mapped("action")), {"invoice.clearing.action_approve_web"}
        )

        self.assertIn("locked for Manager Li", self.refused("ic_lock_manager_pw"))
        self.assertEqual(len(self.attempts("refused")), 2, "the right password is refused too")
        self.assertFalse(self.attempts("success"))

    def test_the_company_managers_get_a_todo(self):
        self.wrong(5)
        lock = self.attempts().filtered("locked_until")
        todos = lock.activity_ids
        self.assertLessEqual(self.manager | self.manager_2, todos.user_id)
        self.assertNotIn(self.manager_other, todos.user_id, "a manager of another company")
        self.assertEqual(
            todos.filtered(lambda a: a.user_id == self.manager_2).summary,
            "Clearing password locked for Manager Li after 5 wrong passwords",
        )
        # The manager reads the attempt the to-do points to.
        self.assertEqual(lock.with_user(self.manager_2).read(["result"])[0]["result"], "failure")

    def test_the_check_opens_again_after_the_cooldown(self):
        self.wrong(5)
        with freeze_time(NOW + timedelta(minutes=15, seconds=1)):
            self.assertIn("Incorrect Password", self.wrong()[0], "counting starts again")
            self.check("ic_lock_manager_pw")
        self.assertEqual(len(self.attempts("success")), 1)

    def test_failures_outside_the_window_do_not_count(self):
        self.wrong(4)
        with freeze_time(NOW + timedelta(minutes=16)):
            self.assertIn("Incorrect Password", self.wrong()[0])
        self.assertEqual(len(self.attempts("failure")), 5, "logged, not locked")
        self.assertFalse(self.attempts().filtered("locked_until"))

    def test_a_correct_password_starts_the_count_again(self):
        self.wrong(4)
        self.check("ic_lock_manager_pw")
        self.assertIn("Incorrect Password", self.wrong()[0])
        self.assertEqual(len(self.attempts("success")), 1)
        self.assertFalse(self.attempts().filtered("locked_until"))

    def test_thresholds_are_system_parameters(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("invoice_clearing.identity_max_failures", "2")
        params.set_param("invoice_clearing.identity_cooldown_minutes", "60")
        messages = self.wrong(2)
        self.assertIn("Incorrect Password", messages[0])
        self.assertIn("until 2026-11-10 18:00", messages[1])

    def test_the_reopen_prompt_is_guarded_too(self):
        reopen = (
            self.env["invoice.clearing.reopen"]
            .with_user(self.manager)
            .create({"clearing_id": self.clearing.id, "reason": "the bureau's figures differ"})
        )
        kwargs = {
            "model": "invoice.clearing.reopen",
            "method": "action_confirm_web",
            "ids": reopen.ids,
        }
        messages = self.wrong(5, **kwargs)
        self.assertIn("locked for Manager Li", messages[-1])
        self.assertEqual(
            set(self.attempts().mapped("action")), {"invoice.clearing.reopen.action_confirm_web"}
        )
        # and the approval's prompt is locked as well
        self.assertIn("locked for", self.refused("ic_lock_manager_pw"))

    def test_other_identity_checks_are_not_affected(self):
        self.wrong(5)
        other = {
            "model": "res.users",
            "method": "preference_change_password",
            "ids": self.manager.ids,
        }
        self.check("ic_lock_manager_pw", **other)
        self.assertIn("Incorrect Password", self.refused(**other))
        self.assertEqual(len(self.attempts()), 5, "Odoo's other checks are not logged")
