"""Demo data generator: three months of a Chinese company's invoicing, fapiao and clearings.

Dates are relative to the day of installation so the story stays true: the month before last is
cleared, last month is ready to clear with its VAT filing recorded, the current month is open.
The data goes through the same ORM paths as a user's work (posting, registration wizard, check,
approve), so the demo also proves those paths on a fresh database. Loaded with the demo data only,
as Odoo's account/demo/account_demo.py: a method of the clearing called from the demo XML.
"""

import math
import random
from datetime import timedelta

from odoo import Command, api, fields, models

from ..models.guard_bypass import with_bypass
from ..tools import clearing_summary, fapiao_amount
from ..tools.periods import month_end, month_start
from . import bureau_export_file

# (description, VAT rate) of what the demo company sells.
PRODUCTS = (
    ("办公设备 Office equipment", 13.0),
    ("电子元器件 Electronic components", 13.0),
    ("农产品 Agricultural produce", 9.0),
    ("运输服务 Transport services", 9.0),
    ("技术咨询服务 Technical consulting", 6.0),
    ("软件服务费 Software services", 6.0),
    ("小规模劳务 Small-scale services", 3.0),
)
# Paper and electronic fapiao with a 发票代码 (Shanghai, 2026); digital fapiao have none.
CODES = {
    "vat_special": "3100261130",
    "vat_general": "031002600104",
    "vat_roll": "031002600106",
    "e_general": "031002600111",
    "e_special": "031002600113",
    "motor_vehicle": "131002624001",
    "used_vehicle": "231002624001",
}
# Kinds issued each month, in order; every kind appears every month.
MONTH_KINDS = (
    "digital_special", "digital_general", "vat_special", "vat_general", "e_general",
    "digital_special", "e_special", "digital_general", "vat_roll", "motor_vehicle",
    "digital_general", "used_vehicle", "digital_special",
)  # fmt: skip
VEHICLES = {
    "motor_vehicle": ("小型轿车 Passenger car", 13.0),
    "used_vehicle": ("二手车 Used car", 3.0),
}


class InvoiceClearing(models.Model):
    _inherit = "invoice.clearing"

    @api.model
    def _generate_demo(self, company_id):
        """Called by the demo data (demo/invoice_clearing_demo.xml) for the demo company."""
        company = self.env["res.company"].browse(company_id)
        # The demo's users work in Chinese: check results are stored in it when it is loaded.
        lang = "zh_CN" if self.env["res.lang"]._lang_get("zh_CN") else self.env.lang
        env = (
            self.with_company(company)
            .with_context(
                tracking_disable=True, mail_notrack=True, mail_create_nolog=True, lang=lang
            )
            .env
        )
        generator = _DemoGenerator(env, company)
        generator.run()
        return True


class _DemoGenerator:
    """Builds the demo step by step; deterministic (seeded) so every install looks the same."""

    def __init__(self, env, company):
        self.env = env
        self.company = company
        self.rng = random.Random(2026)
        self.sequences = {}
        today = fields.Date.context_today(env["res.company"])
        self.today = today
        self.months = [month_start(today, -2), month_start(today, -1), month_start(today)]

    def run(self):
        if not self.company.chart_template:
            # The Chinese chart (小企业会计准则) and its 13/9/6 % output VAT (销项税).
            self.env["account.chart.template"]._load("cn", self.company, install_demo=False)
        self.taxes = self._taxes()
        self.customers = self.env["res.partner"].search(
            [("company_id", "=", self.company.id), ("id", "in", self._customer_ids())]
        )
        lock = self.company.clearing_lock_enabled
        self.company.clearing_lock_enabled = False  # history is entered after its deadlines
        self.company.clearing_first_period = self.months[0]
        for index, month in enumerate(self.months):
            self._month(month, uploaded=index < 2)
        self._quotas()
        self._clear(self.months[0], approve=True)
        ready = self._clear(self.months[1], approve=False)
        self._bureau_export(ready)
        self.company.clearing_lock_enabled = lock
        if self.env["res.lang"]._lang_get("zh_CN"):
            self.env.ref("invoice_clearing.demo_user_clerk").lang = "zh_CN"
            self.env.ref("invoice_clearing.demo_user_auditor").lang = "zh_CN"

    def _quotas(self):
        """The platform's quota (授信额度) of each month: past months 60 % used, the current
        one past the 80 % warning, in round hundreds."""
        Quota = self.env["invoice.clearing.quota"]
        used = Quota._used_by_company_month({(self.company.id, m) for m in self.months})
        for month in self.months:
            share = 0.85 if month == self.months[-1] else 0.6
            granted = max(math.ceil(used.get((self.company.id, month), 0.0) / share / 100), 1)
            Quota.create(
                {"company_id": self.company.id, "date": month, "amount_granted": granted * 100}
            )

    def _customer_ids(self):
        return [
            self.env.ref(f"invoice_clearing.demo_customer_{index:02d}").id for index in range(1, 31)
        ]

    def _taxes(self):
        """The chart's sales tax of each rate; rates it lacks (3 % 简易计税) copy its 13 % tax."""
        Tax = self.env["account.tax"]
        taxes = {}
        rates = sorted({rate for _name, rate in PRODUCTS + tuple(VEHICLES.values())}, reverse=True)
        for rate in rates:
            taxes[rate] = Tax.search(
                [
                    ("company_id", "=", self.company.id),
                    ("type_tax_use", "=", "sale"),
                    ("amount", "=", rate),
                    ("amount_type", "=", "percent"),
                    ("price_include", "=", False),
                ],
                limit=1,
            )
        model = taxes[max(rates)]
        for rate in rates:
            if not taxes[rate]:
                group = model.tax_group_id.copy({"name": f"VAT {rate:g}%"})
                taxes[rate] = model.copy(
                    {
                        "name": f"{rate:g}%",
                        "description": f"VAT {rate:g}%",
                        "invoice_label": f"{rate:g}%",
                        "amount": rate,
                        "tax_group_id": group.id,
                    }
                )
        return taxes

    def _days(self, month, count):
        last = month_end(month)
        if month <= self.today <= last:
            last = self.today
        span = (last - month).days
        return sorted(month + timedelta(days=self.rng.randint(0, span)) for _ in range(count))

    def _month(self, month, uploaded):
        days = self._days(month, len(MONTH_KINDS) + 2)
        blues = self.env["invoice.clearing.fapiao"]
        for kind, day in zip(MONTH_KINDS, days, strict=False):
            partner = self._partner_for(kind)
            move = self._invoice(partner, day, self._lines(kind))
            blues |= self._register(move, kind, day)
        # Unbilled revenue (legal, a warning at clearing) and a draft left in the current month.
        self._invoice(
            self._partner_for("digital_general"), days[-2], self._lines("digital_general")
        )
        if month == self.months[-1]:
            self._invoice(
                self._partner_for("digital_general"), days[-1], self._lines("x"), post=False
            )
        self._void_and_reissue(blues.filtered(lambda f: f.fapiao_type == "vat_general")[:1])
        self._reverse(blues.filtered(lambda f: f.fapiao_type == "digital_special")[:1], 1.0)
        if month == self.months[-1]:
            self._pending_form(blues.filtered(lambda f: f.fapiao_type == "digital_general")[:1])
        self._reverse(blues.filtered(lambda f: f.fapiao_type == "vat_special")[:1], 0.4)
        fapiao = self.env["invoice.clearing.fapiao"].search(
            [
                ("company_id", "=", self.company.id),
                ("issue_date", ">=", month),
                ("issue_date", "<=", month_end(month)),
            ]
        )
        if uploaded:
            fapiao.uploaded = True
        else:  # the current month: the bureau knows the older half only
            fapiao.sorted("issue_date")[: len(fapiao) // 2].uploaded = True

    def _partner_for(self, kind):
        if kind in ("e_general", "digital_general") and self.rng.random() < 0.25:
            return self.customers[-1]  # the natural person: general fapiao only
        return self.rng.choice(self.customers[:-1])

    def _lines(self, kind):
        if kind in VEHICLES:
            return [(VEHICLES[kind][0], VEHICLES[kind][1], self.rng.randint(80, 260) * 1000.0)]
        return [
            (name, rate, self.rng.randint(5, 900) * 100.0 + self.rng.choice((0, 0.5, 0.88)))
            for name, rate in self.rng.sample(PRODUCTS, self.rng.choice((1, 1, 2)))
        ]

    def _invoice(self, partner, day, lines, post=True, move_type="out_invoice", origin=None):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "company_id": self.company.id,
                "partner_id": partner.id,
                "invoice_date": day,
                "date": day,
                "reversed_entry_id": origin.id if origin else False,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": name,
                            "quantity": 1,
                            "price_unit": price,
                            "tax_ids": [Command.set(self.taxes[rate].ids)],
                        }
                    )
                    for name, rate, price in lines
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def _number(self, kind, day):
        series = "digital" if kind.startswith("digital") else kind  # 数电 numbers: one series
        seq = self.sequences[series] = self.sequences.get(series, 0) + 1
        if kind.startswith("digital"):
            # 20 digits: year, province (31 Shanghai), issuing channel, serial.
            return f"{day:%y}312000000{seq:09d}"
        return f"{10000000 + seq * 7:08d}"[-8:]

    def _register(self, move, kind, day, red_reference=False, form_for=None):
        wizard = self.env["invoice.clearing.fapiao.register"].create(
            {
                "move_id": move.id,
                "fapiao_type": kind,
                "code": CODES.get(kind, False),
                "issue_date": day,
                "red_reference": red_reference,
            }
        )
        for line in wizard.line_ids:
            line.number = self._number(kind, day)
        if form_for:
            self._confirmed_form(red_reference, form_for, wizard.line_ids, day)
        wizard.action_confirm()
        return move.fapiao_ids

    def _void_and_reissue(self, fapiao):
        """A paper fapiao voided (作废) the day it was issued, then issued again correctly."""
        if not fapiao:
            return
        with_bypass(fapiao).void_date = fapiao.issue_date  # protected: set as voiding does
        # Demo content (a clerk's note), not user-interface text: it is not translated.
        fapiao.move_id.message_post(body="发票开具有误，当日作废并重开。")  # pylint: disable=translation-required
        self._register(fapiao.move_id, fapiao.fapiao_type, fapiao.issue_date)

    def _reverse(self, blue, share):
        """A credit note for `share` of the invoice and its red-letter fapiao (红字发票)."""
        if not blue:
            return
        invoice = blue.move_id
        day = min(blue.issue_date + timedelta(days=3), month_end(blue.issue_date))
        day = min(day, self.today)
        lines = [
            (
                line.name,
                fapiao_amount.line_rate((t.amount_type, t.amount) for t in line.tax_ids),
                round(line.price_unit * share, 2),
            )
            for line in invoice.invoice_line_ids
        ]
        digital = blue.fapiao_type.startswith("digital")
        if digital:  # one red fapiao, so one confirmation form: the blue fapiao's rate only
            lines = [line for line in lines if line[1] == blue.tax_rate] or lines[:1]
        refund = self._invoice(
            invoice.partner_id, day, lines, move_type="out_refund", origin=invoice
        )
        serial = self.sequences.get("red", 0) + 1
        self.sequences["red"] = serial
        # 红字发票信息确认单编号 (20 digits, 数电) or 红字信息表编号 (16 digits, paper).
        reference = f"{day:%y}31{serial:016d}" if digital else f"3100{day:%y}{serial:010d}"
        self._register(
            refund, blue.fapiao_type, day, red_reference=reference, form_for=digital and blue
        )

    def _confirmed_form(self, number, blue, lines, day):
        """The 红字确认单 a red-letter 数电 fapiao needs: requested by the seller, confirmed by the
        buyer the same day."""
        form = self._form(number, blue, sum(lines.mapped("amount_untaxed")),
                          sum(lines.mapped("amount_tax")))  # fmt: skip
        form.action_confirm()
        form.requested_at = fields.Datetime.to_datetime(day)

    def _form(self, number, blue, untaxed, tax):
        form = self.env["invoice.clearing.red.confirmation"].create(
            {
                "name": number,
                "company_id": self.company.id,
                "blue_fapiao_id": blue.id,
                "initiator": "seller",
                "reason": "sales_return",
                "amount_untaxed": untaxed,
                "amount_tax": tax,
                "amount_total": untaxed + tax,
                "user_id": self.env.ref("invoice_clearing.demo_user_clerk").id,
            }
        )
        form.action_submit()
        return form

    def _pending_form(self, blue):
        """A form of the open month waiting for the buyer: its 72 hours run from installation."""
        if not blue:
            return
        serial = self.sequences["red"] = self.sequences.get("red", 0) + 1
        untaxed = -round(blue.amount_untaxed * 0.1, 2)
        tax = -round(blue.amount_tax * 0.1, 2)
        self._form(f"{self.today:%y}31{serial:016d}", blue, untaxed, tax)

    # ------------------------------------------------------------------ the bureau's export
    def _bureau_export(self, clearing):
        """The 全量发票查询 export of the ready month, attached to its clearing to try the import.

        It lists every fapiao of the month as the bureau knows them, plus one fapiao issued
        outside Odoo (at the bureau only) for the reconciliation to propose.
        """
        month = clearing.date_from
        fapiao = self.env["invoice.clearing.fapiao"].search(
            [
                ("company_id", "=", self.company.id),
                ("issue_date", ">=", month),
                ("issue_date", "<=", clearing.date_to),
            ],
            order="issue_date, id",
        )
        rows = [bureau_export_file.fapiao_row(f) for f in fapiao]
        outside = fapiao.filtered(lambda f: f.fapiao_type == "digital_general" and not f.is_red)[:1]
        if outside:
            rows.append(
                {
                    **bureau_export_file.fapiao_row(outside),
                    "digital_number": self._number("digital_general", outside.issue_date),
                    "amount_untaxed": 800.0,
                    "amount_tax": 104.0,
                    "amount_total": 904.0,
                    "note": "开票软件直接开具",
                }
            )
        data = bureau_export_file.write_export_xlsx(rows)
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"全量发票查询_{month:%Y-%m}.xlsx",
                "raw": data,
                "res_model": "invoice.clearing",
                "res_id": clearing.id,
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
        self.env["ir.model.data"].create(
            {
                "module": "invoice_clearing",
                "name": "demo_bureau_export",
                "model": "ir.attachment",
                "res_id": attachment.id,
                "noupdate": True,
            }
        )

    # ------------------------------------------------------------------ clearings
    def _clear(self, month, approve):
        """Prepared by the clerk (filing recorded, checked), cleared by the manager: as in life."""
        clerk = self.env.ref("invoice_clearing.demo_user_clerk")
        manager = self.env.ref("base.user_admin")
        clearing = (
            self.env["invoice.clearing"]
            .with_user(clerk)
            .create(
                {
                    "company_id": self.company.id,
                    "scope": "period",
                    "date_from": month,
                    "date_to": month_end(month),
                }
            )
        )
        net = clearing_summary.net_by_rate(clearing._summary_rows())
        filing_day = min(month_start(month, 1).replace(day=10), self.today)
        clearing.write(
            {
                "filing_date": filing_day,
                "filing_line_ids": [
                    Command.create({"tax_rate": rate, "amount_untaxed": amount, "amount_tax": tax})
                    for rate, (amount, tax) in sorted(net.items(), reverse=True)
                ],
            }
        )
        clearing.action_check()
        if approve:
            clearing.with_user(manager).action_approve()
        return clearing.with_env(self.env)
