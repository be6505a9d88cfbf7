"""Shared fixtures: a company with 13% and 6% sales VAT, the three roles, a buyer with a USCC."""

import importlib.util
from unittest.mock import patch

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.modules.module import get_module_path
from odoo.tests import new_test_user

# Real-shaped identities, one per kind (see docs/FAPIAO.md, Numbers and kinds).
VALID_IDENTITIES = {
    "vat_special": ("3200191130", "01234567"),
    "vat_general": ("032001900104", "01234567"),
    "vat_roll": ("032001900106", "01234567"),
    "e_general": ("044001900111", "01234567"),
    "e_special": ("044001900113", "01234567"),
    "motor_vehicle": ("144001924000", "01234567"),
    "used_vehicle": ("244001924000", "01234567"),
    "digital_special": ("", "26442000000000000001"),
    "digital_general": ("", "26442000000000000002"),
}
BUYER_USCC = "91350100M000100Y43"


def role_user(env, login, groups, companies=None, **vals):
    """A user of `groups` (xml ids, comma-separated); of `companies` only when given, the first
    its current company."""
    if companies:
        vals.update(company_id=companies[:1].id, company_ids=[Command.set(companies.ids)])
    return new_test_user(env, login, groups=groups, **vals)


def web_user(env, login, groups, companies=None):
    """A role user logging in over HTTP or RPC with the password `<login>_pw`."""
    return role_user(env, login, groups, companies, password=f"{login}_pw")


def migration_script(version, step="post-migrate"):
    """The addon's migration script `migrations/<version>/<step>.py`, loaded as a module."""
    path = f"{get_module_path('invoice_clearing')}/migrations/{version}/{step}.py"
    spec = importlib.util.spec_from_file_location(f"ic_{step}_{version}", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def add_tests(cls, run, cases, name, doc):
    """One test method of `cls` per case (a tuple): `run(self, *case)`, its name and docstring
    `name` and `doc` formatted with the case ("test_{0}_{1}").

    A matrix unrolled into methods, because Odoo's runner only runs methods of the class.
    """
    for case in cases:

        def test(self, case=case):
            run(self, *case)

        test.__doc__ = doc.format(*case)
        setattr(cls, name.format(*case), test)


class FapiaoCommon(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.today = fields.Date.today()
        cls.tax_13 = cls._sale_tax(13.0, cls.company)
        cls.tax_6 = cls._sale_tax(6.0, cls.company)
        cls.buyer = cls.env["res.partner"].create(
            {"name": "福州测试贸易有限公司", "vat": BUYER_USCC, "is_company": True}
        )
        # The accountant running the fixtures also manages the clearing.
        cls.env.user.group_ids |= cls.env.ref("invoice_clearing.group_clearing_manager")
        for role in ("clerk", "manager", "auditor"):
            group = "user" if role == "clerk" else role
            user = role_user(
                cls.env, f"ic_{role}", f"invoice_clearing.group_clearing_{group}", cls.company
            )
            setattr(cls, role, user)

    @classmethod
    def _sale_tax(cls, rate, company):
        return cls.env["account.tax"].create(
            {
                "name": f"VAT {rate:g}% ({company.name})",
                "amount": rate,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": company.id,
            }
        )

    @classmethod
    def fapiao_vals(cls, kind="digital_general", number=None, amount=100.0, rate=13.0, **overrides):
        code, default_number = VALID_IDENTITIES[kind]
        tax = round(amount * rate / 100, 2)
        vals = {
            "company_id": cls.company.id,
            "partner_id": cls.buyer.id,
            "fapiao_type": kind,
            "code": code or False,
            "number": number or default_number,
            "issue_date": cls.today,
            "tax_rate": rate,
            "amount_untaxed": amount,
            "amount_tax": tax,
            "amount_total": amount + tax,
        }
        vals.update(overrides)
        return vals

    @classmethod
    def create_fapiao(cls, user=None, **kwargs):
        # Fixtures are set up as superuser; what a role may do is tested with `user`.
        Fapiao = cls.env["invoice.clearing.fapiao"]
        Fapiao = Fapiao.with_user(user) if user else Fapiao.sudo()
        return Fapiao.create(cls.fapiao_vals(**kwargs))

    @classmethod
    def red_form(cls, blue, number, state="confirmed", **vals):
        """A red-letter confirmation form (红字确认单) of `blue`, for its whole amount unless
        `vals` say otherwise, taken to `state` (draft, pending or confirmed) by its buttons."""
        form = (
            cls.env["invoice.clearing.red.confirmation"]
            .sudo()
            .create(
                {
                    "name": number,
                    "company_id": blue.company_id.id,
                    "blue_fapiao_id": blue.id,
                    "amount_untaxed": -blue.amount_untaxed,
                    "amount_tax": -blue.amount_tax,
                    "amount_total": -blue.amount_total,
                    **vals,
                }
            )
        )
        if state != "draft":
            form.action_submit()
        if state == "confirmed":
            form.action_confirm()
        return form

    @classmethod
    def posted_invoice(cls, lines, move_type="out_invoice", partner=None, date=None):
        """A posted customer invoice; `lines` is a list of (price_unit, tax)."""
        return cls._create_invoice(
            move_type=move_type,
            partner_id=(partner or cls.buyer).id,
            invoice_date=date or cls.today,
            invoice_line_ids=[
                cls._prepare_invoice_line(price_unit=price, tax_ids=tax) for price, tax in lines
            ],
            post=True,
        )


class CronCommitsAsSavepoints:
    """Mixin of the background-job tests: ir.cron's commits become savepoints (a test cannot
    commit), `time_left` feeds what each commit tells the job, `crash()` loses what followed the
    last commit, as a killed worker would."""

    def setUp(self):
        super().setUp()
        self.commits = 0
        self.time_left = []  # what each commit tells the job (seconds left in this cron run)
        patcher = patch.object(type(self.env["ir.cron"]), "_commit_progress", self._fake_commit)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _fake_commit(self, processed=0, *, remaining=None, deactivate=False):
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT job_commit")
        self.commits += 1
        return self.time_left.pop(0) if self.time_left else float("inf")

    def _crash(self):
        self.env.cr.execute("ROLLBACK TO SAVEPOINT job_commit")
        self.env.invalidate_all()
