"""Registering fapiao from their own files (数电 XML, OFD, PDF): the model and the upload wizard."""

import base64

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.guard_bypass import with_bypass
from .common import FapiaoCommon
from .fapiao_files import SELLER_VAT, einvoice_xml, fapiao_pdf, ofd_zip

NUMBER = "26312000000000012345"
RED_NUMBER = "26312000000000099999"
FORM_NUMBER = "26312000000000000777"


def upload(name, data, **extra):
    return {"name": name, "datas": base64.b64encode(data).decode(), **extra}


@tagged("post_install", "-at_install")
class TestFapiaoFiles(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.vat = SELLER_VAT
        cls.invoice = cls.posted_invoice([(1000.0, cls.tax_13)])
        cls.day = cls.today.isoformat()

    def xml(self, **kwargs):
        return einvoice_xml(issue_time=self.day, **kwargs)

    def red_xml(self, blue=NUMBER, **kwargs):
        return self.xml(
            number=RED_NUMBER,
            totals=("-1000.00", "-130.00", "-1130.00"),
            lines=(("*货物*办公用品", "-1000.00", "0.13", "-130.00"),),
            red=(blue, FORM_NUMBER),
            **kwargs,
        )

    def import_files(self, *files, user=None, **context):
        Fapiao = self.env["invoice.clearing.fapiao"].with_user(user or self.clerk)
        return Fapiao.with_context(**context).browse(
            Fapiao.import_files(self.company.id, list(files))
        )

    def assertRefused(self, files, *texts, user=None, exception=UserError):
        Fapiao = self.env["invoice.clearing.fapiao"].sudo()
        counts = Fapiao.search_count([]), self.env["ir.attachment"].sudo().search_count([])
        with self.assertRaises(exception) as caught:
            self.import_files(*files, user=user)
        for text in texts:
            self.assertIn(text, str(caught.exception))
        self.assertEqual(
            (Fapiao.search_count([]), self.env["ir.attachment"].sudo().search_count([])),
            counts,
            "a refused upload registered something",
        )
        return caught.exception

    def test_xml_registers_the_fapiao_linked_to_its_invoice(self):
        fapiao = self.import_files(upload("fapiao.xml", self.xml()))
        self.assertRecordValues(fapiao, [{
            "number": NUMBER, "fapiao_type": "digital_special", "code": False,
            "issue_date": self.today, "move_id": self.invoice.id, "partner_id": self.buyer.id,
            "buyer_vat": self.buyer.vat, "tax_rate": 13.0, "amount_untaxed": 1000.0,
            "amount_tax": 130.0, "amount_total": 1130.0, "is_red": False, "state": "normal",
        }])  # fmt: skip
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", fapiao._name), ("res_id", "=", fapiao.id)]
        )
        self.assertEqual(attachment.name, "fapiao.xml")
        self.assertEqual(attachment.raw, self.xml())
        self.assertIn("fapiao.xml", self.invoice.message_ids[0].body)

    def test_ambiguous_invoices_leave_it_unlinked(self):
        self.posted_invoice([(1000.0, self.tax_13)])  # a second invoice of the same total and day
        fapiao = self.import_files(upload("fapiao.xml", self.xml()))
        self.assertFalse(fapiao.move_id)
        self.assertEqual(fapiao.partner_id, self.buyer)

    def test_given_invoice(self):
        other = self.posted_invoice([(1000.0, self.tax_13)])
        fapiao = self.import_files(upload("a.xml", self.xml(), move_id=other.id))
        self.assertEqual(fapiao.move_id, other)
        fapiao = self.import_files(
            upload("b.xml", self.xml(number="26312000000000012346")),
            default_move_id=self.invoice.id,
        )
        self.assertEqual(fapiao.move_id, self.invoice)
        stranger = self.env["res.partner"].create({"name": "Other", "vat": "91110000100017643K"})
        foreign = self.posted_invoice([(1000.0, self.tax_13)], partner=stranger)
        self.assertRefused(
            [upload("c.xml", self.xml(number="26312000000000012347"), move_id=foreign.id)],
            "c.xml", foreign.name, "91110000100017643K",
        )  # fmt: skip

    def test_pdf_and_ofd(self):
        ofd = ofd_zip(
            custom={
                "发票号码": "26312000000000012346", "开票日期": self.day, "合计金额": "1000.00",
                "合计税额": "130.00", "销售方纳税人识别号": SELLER_VAT,
                "购买方纳税人识别号": self.buyer.vat,
            },
            texts=["电子发票（普通发票）"],
        )  # fmt: skip
        pdf = fapiao_pdf(day=self.day)
        fapiao = self.import_files(upload("f.pdf", pdf), upload("f.ofd", ofd))
        self.assertEqual(
            sorted(fapiao.mapped(lambda f: (f.number, f.fapiao_type, f.amount_total))),
            [(NUMBER, "digital_special", 1130.0),
             ("26312000000000012346", "digital_general", 1130.0)],
        )  # fmt: skip

    def test_refusals_name_the_file_and_register_nothing(self):
        good = upload("good.xml", self.xml())
        self.assertRefused(
            [good, upload("other.xml", self.xml(number="26312000000000012346",
                                                 seller_vat="91110000100017643K"))],
            "other.xml", "91110000100017643K", "Nothing was registered",
        )  # fmt: skip
        self.assertRefused(
            [good, upload("tampered.xml", self.xml(number="26312000000000012346",
                                                    totals=("1000.00", "130.00", "1030.00")))],
            "tampered.xml", "tampered",
        )  # fmt: skip
        self.assertRefused([good, upload("scan.pdf", fapiao_pdf()[:40])], "scan.pdf", "damaged")
        self.assertRefused([good, upload("notes.txt", b"hello")], "notes.txt", "not a fapiao")
        self.assertRefused([good, upload("again.xml", self.xml())], "again.xml", "good.xml")
        self.import_files(good)
        self.assertRefused([upload("twice.xml", self.xml())], "twice.xml", "already registered")

    def test_red_file_links_to_its_blue_fapiao(self):
        blue = self.import_files(upload("blue.xml", self.xml()))
        refund = self.posted_invoice([(1000.0, self.tax_13)], move_type="out_refund")
        form = self.red_form(blue, FORM_NUMBER)  # the confirmed 红字确认单 the red fapiao names
        red = self.import_files(upload("red.xml", self.red_xml()))
        self.assertEqual((form.state, form.red_fapiao_id), ("used", red))
        self.assertRecordValues(red, [{
            "is_red": True, "origin_fapiao_id": blue.id, "red_reference": FORM_NUMBER,
            "amount_total": -1130.0, "move_id": refund.id, "number": RED_NUMBER,
        }])  # fmt: skip
        self.assertEqual(blue.state, "red_full")

    def test_red_files_naming_unknown_forms_register_and_record_them(self):
        """The platform issued the red fapiao, so their forms were confirmed there: a batch of
        red files whose forms Odoo does not know registers and records each form, used."""
        blues = [
            self.import_files(upload(f"blue{i}.xml", self.xml(number=f"2631200000000005000{i}")))
            for i in range(2)
        ]
        forms = [f"2631200000000000080{i}" for i in range(2)]
        reds = self.import_files(
            *(
                upload(
                    f"red{i}.xml",
                    self.xml(
                        number=f"2631200000000006000{i}",
                        totals=("-100.00", "-13.00", "-113.00"),
                        lines=(("*货物*办公用品", "-100.00", "0.13", "-13.00"),),
                        red=(blues[i].number, forms[i]),
                    ),
                )
                for i in range(2)
            )
        )
        self.assertEqual(len(reds), 2)
        recorded = self.env["invoice.clearing.red.confirmation"].search([("name", "in", forms)])
        self.assertRecordValues(
            recorded.sorted("name"),
            [
                {"name": forms[i], "state": "used", "source": "red_fapiao",
                 "red_fapiao_id": reds.filtered(lambda r, i=i: r.red_reference == forms[i]).id,
                 "blue_fapiao_id": blues[i].id, "amount_total": -113.0,
                 "company_id": self.company.id}
                for i in range(2)
            ],
        )  # fmt: skip

    def test_red_and_blue_together_and_missing_blue(self):
        self.assertRefused(
            [upload("red.xml", self.red_xml(blue="26312000000000054321"))],
            "red.xml", "26312000000000054321",
        )  # fmt: skip
        # A red 数电 fapiao needs its confirmed form, which can only name a blue fapiao already
        # registered: its blue fapiao in the same batch does not count, nothing is registered.
        self.assertRefused(
            [upload("blue.xml", self.xml()), upload("red.xml", self.red_xml())],
            "red.xml", NUMBER, "Register the blue fapiao first",
        )  # fmt: skip

    def test_a_batch_is_read_with_the_queries_of_one_file(self):
        """The register, the given invoices and the buyers are read once for the batch, not
        once per file."""
        invoices = [self.posted_invoice([(1000.0, self.tax_13)]) for _i in range(3)]
        files = []
        for i, invoice in enumerate(invoices):
            files.append(upload(f"g{i}.xml", self.xml(number=f"2631200000000002000{i}"),
                                move_id=invoice.id))  # fmt: skip
            files.append(upload(f"m{i}.xml", self.xml(number=f"2631200000000003000{i}")))
            files.append(upload(f"n{i}.xml", self.xml(number=f"2631200000000004000{i}"),
                                move_id=False))  # fmt: skip
        Service = self.env["invoice.clearing.fapiao.file"].with_user(self.clerk)

        def read(batch):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            proposals = Service._read_files(self.company, batch)
            return proposals, self.env.cr.sql_log_count - before

        read(files)  # the ORM's caches (access rules, …) warm up
        _proposals, one = read(files[:3])
        proposals, nine = read(files)
        self.assertEqual(nine, one, "the same queries for 9 files as for 3")
        self.assertEqual(
            [(p["move_id"], p["partner_id"]) for p in proposals[::3]],
            [(invoice.id, self.buyer.id) for invoice in invoices],
        )
        self.assertEqual({p["partner_id"] for p in proposals}, {self.buyer.id})

    def test_cleared_fapiao_keeps_its_file(self):
        fapiao = self.import_files(upload("fapiao.xml", self.xml()))
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", fapiao._name), ("res_id", "=", fapiao.id)]
        )
        clearing = self.env["invoice.clearing"].create(
            {"company_id": self.company.id, "scope": "number", "number_list": NUMBER}
        )
        with_bypass(fapiao).clearing_id = clearing  # frozen, as a clearing leaves it
        with self.assertRaises(AccessError):
            attachment.with_user(self.manager).unlink()
        self.assertTrue(attachment.exists())

    def test_roles(self):
        self.assertRefused([upload("a.xml", self.xml())], user=self.auditor, exception=AccessError)
        fapiao = self.import_files(upload("a.xml", self.xml()), user=self.manager)
        self.assertEqual(fapiao.number, NUMBER)

    # ------------------------------------------------------------------ wizard
    def wizard(self, files, **vals):
        attachments = (
            self.env["ir.attachment"]
            .with_user(self.clerk)
            .create([{"name": name, "raw": data} for name, data in files])
        )
        return (
            self.env["invoice.clearing.fapiao.file.import"]
            .with_user(self.clerk)
            .create({"attachment_ids": [(6, 0, attachments.ids)], **vals})
        )

    def test_wizard_preview_choose_and_register(self):
        second = self.posted_invoice([(1000.0, self.tax_13)])
        wizard = self.wizard([("fapiao.xml", self.xml())])
        wizard.action_preview()
        self.assertEqual(wizard.state, "preview")
        line = wizard.line_ids
        self.assertRecordValues(line, [{
            "number": NUMBER, "fapiao_type": "digital_special", "partner_id": self.buyer.id,
            "amount_total": 1130.0, "candidate_count": 2, "move_id": False,
        }])  # fmt: skip
        self.assertEqual(line.candidate_move_ids, self.invoice | second)
        line.move_id = second
        uploads = wizard.attachment_ids
        action = wizard.action_register()
        self.assertFalse(uploads.exists(), "the wizard's temporary uploads are removed")
        fapiao = self.env["invoice.clearing.fapiao"].search(action["domain"])
        self.assertEqual(fapiao.move_id, second)
        self.assertTrue(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", fapiao._name), ("res_id", "=", fapiao.id)]
            )
        )

    def test_wizard_from_invoice_and_refusal(self):
        wizard = self.wizard([("fapiao.xml", self.xml())], move_id=self.invoice.id)
        wizard.action_preview()
        self.assertEqual(wizard.line_ids.move_id, self.invoice)
        wizard.action_register()
        self.assertEqual(self.invoice.fapiao_ids.number, NUMBER)
        wizard = self.wizard([("again.xml", self.xml())])
        with self.assertRaises(UserError) as caught:
            wizard.action_preview()
        self.assertIn("again.xml", str(caught.exception))
        self.assertEqual(wizard.state, "upload")

    def test_other_company_and_other_users_wizard(self):
        other = self.env["res.company"].create({"name": "Other Co", "vat": SELLER_VAT})
        with self.assertRaises(AccessError):
            self.env["invoice.clearing.fapiao"].with_user(self.clerk).import_files(
                other.id, [upload("a.xml", self.xml())]
            )
        wizard = self.wizard([("a.xml", self.xml())])
        with mute_logger("odoo.addons.base.models.ir_rule"), self.assertRaises(AccessError):
            wizard.with_user(self.manager).read(["state"])
